"""The web console's accounts: users, sessions, feed and API tokens, and swap requests.

    accounts = Accounts(store.db)
    accounts.add_user("bob", hashed, role="employee", person="bob", at=now)
    token = accounts.add_token("person", "bob", owner="bob", at=now)      # 43 random characters

Passwords arrive hashed (``astreinte.web.passwords``, argon2id); sessions are kept by the SHA-256
of their cookie, so a copy of the database opens no session. Feed tokens are kept as they are:
they are shown again on the person's page, like a calendar's "secret address", and they read
nothing but a calendar. Revoking a token is final; a new one is another token.

Tables (``schema.m006_web``): ``web_users``, ``web_sessions``, ``feed_tokens``, ``swap_requests``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from astreinte.adapters.override_rows import unstamp
from astreinte.adapters.store.calls import iso
from astreinte.domain.errors import StoreError

if TYPE_CHECKING:
    from sqlite_utils import Database

Role = Literal["employee", "manager"]
ROLES: tuple[Role, ...] = ("employee", "manager")
TOKEN_KINDS = ("person", "team", "api")
SWAP_STATES = ("pending", "accepted", "declined", "cancelled")


@dataclass(frozen=True)
class User:
    login: str
    role: Role
    person: str | None          # the person of the configuration this account is (employees: always)
    password_hash: str | None   # None: only the reverse proxy can authenticate them

    @property
    def manager(self) -> bool:
        return self.role == "manager"


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class Token:
    id: int
    token: str
    kind: str                   # person | team | api
    subject: str                # the person or team of a feed; a label for an API token
    owner: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Swap:
    """``giver`` asks ``taker`` to hold ``team``/``layer`` during [start, end) instead of them."""

    id: int
    team: str
    layer: str
    start: datetime
    end: datetime
    giver: str
    taker: str
    reason: str
    asked_by: str
    asked_at: datetime
    state: str
    decided_by: str | None
    override: int | None


def create_tables(db: Database) -> None:
    db.table("web_users").create(
        {"login": str, "password_hash": str, "role": str, "person": str, "created_at": str, "changed_at": str},
        pk="login")
    db.table("web_sessions").create(
        {"id_hash": str, "login": str, "csrf": str, "created_at": str, "seen_at": str, "expires_at": str},
        pk="id_hash")
    db.table("web_sessions").create_index(["login"])
    db.table("feed_tokens").create(
        {"id": int, "token": str, "kind": str, "subject": str, "owner": str, "created_at": str,
         "revoked_at": str, "revoked_by": str}, pk="id")
    db.table("feed_tokens").create_index(["token"], unique=True)
    db.table("swap_requests").create(
        {"id": int, "team": str, "layer": str, "start": str, "end": str, "giver": str, "taker": str,
         "reason": str, "asked_by": str, "asked_at": str, "state": str, "decided_by": str, "decided_at": str,
         "override": int}, pk="id")
    db.table("swap_requests").create_index(["state"])


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    """Every read and write of the accounts tables (one writer per fact)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users -------------------------------------------------------------------------------------

    def add_user(self, login: str, password_hash: str | None, *, role: Role, person: str | None,
                 at: datetime) -> User:
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r} (expected one of: {', '.join(ROLES)})")
        if role == "employee" and not person:
            raise StoreError("an employee account is linked to a person (--person)")
        if self.user(login) is not None:
            raise StoreError(f"there is already a user {login!r}")
        self.db.table("web_users").insert({"login": login, "password_hash": password_hash, "role": role,
                                           "person": person, "created_at": iso(at), "changed_at": iso(at)})
        return User(login, role, person, password_hash)

    def user(self, login: str) -> User | None:
        row = self.db.execute("SELECT login, role, person, password_hash FROM web_users WHERE login = ?",
                              [login]).fetchone()
        return None if row is None else User(row[0], row[1], row[2], row[3])

    def users(self) -> list[User]:
        return [User(*row) for row in self.db.execute(
            "SELECT login, role, person, password_hash FROM web_users ORDER BY login")]

    def set_password(self, login: str, password_hash: str | None, at: datetime) -> None:
        """A new password; every session of the user ends (a stolen cookie stops working too)."""
        if self.user(login) is None:
            raise StoreError(f"no user {login!r} (see `astreinte web user list`)")
        with self.db.conn:
            self.db.execute("UPDATE web_users SET password_hash = ?, changed_at = ? WHERE login = ?",
                            [password_hash, iso(at), login])
            self.db.execute("DELETE FROM web_sessions WHERE login = ?", [login])

    def remove_user(self, login: str, at: datetime) -> None:
        """The user, their sessions, and the tokens they own (revoked, kept in the history)."""
        if self.user(login) is None:
            raise StoreError(f"no user {login!r} (see `astreinte web user list`)")
        with self.db.conn:
            self.db.execute("DELETE FROM web_sessions WHERE login = ?", [login])
            self.db.execute("UPDATE feed_tokens SET revoked_at = ?, revoked_by = ? WHERE owner = ? AND "
                            "revoked_at IS NULL", [iso(at), "user removed", login])
            self.db.execute("DELETE FROM web_users WHERE login = ?", [login])

    # -- sessions ------------------------------------------------------------------------------------

    def open_session(self, login: str, at: datetime, longest: float) -> tuple[str, Session]:
        """A new session: the cookie's value (given once) and the session."""
        user = self.user(login)
        if user is None:
            raise StoreError(f"no user {login!r}")
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = at + timedelta(seconds=longest)
        with self.db.conn:
            self.db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [iso(at)])
            self.db.table("web_sessions").insert({"id_hash": digest(cookie), "login": login, "csrf": csrf,
                                                  "created_at": iso(at), "seen_at": iso(at),
                                                  "expires_at": iso(expires)})
        return cookie, Session(user, csrf, expires)

    def session(self, cookie: str, at: datetime, idle: float) -> Session | None:
        """The live session of this cookie (its last use moved to ``at``), else None (and it is gone)."""
        key = digest(cookie)
        row = self.db.execute("SELECT login, csrf, seen_at, expires_at FROM web_sessions WHERE id_hash = ?",
                              [key]).fetchone()
        if row is None:
            return None
        login, csrf, seen, expires = row
        user = self.user(login)
        ended = unstamp(expires) <= at or (at - unstamp(seen)).total_seconds() >= idle
        if user is None or ended:
            with self.db.conn:
                self.db.execute("DELETE FROM web_sessions WHERE id_hash = ?", [key])
            return None
        with self.db.conn:
            self.db.execute("UPDATE web_sessions SET seen_at = ? WHERE id_hash = ?", [iso(at), key])
        return Session(user, csrf, unstamp(expires))

    def close_session(self, cookie: str) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM web_sessions WHERE id_hash = ?", [digest(cookie)])

    # -- feed and API tokens -------------------------------------------------------------------------

    def add_token(self, kind: str, subject: str, *, owner: str, at: datetime) -> Token:
        if kind not in TOKEN_KINDS:
            raise StoreError(f"unknown token kind {kind!r} (expected one of: {', '.join(TOKEN_KINDS)})")
        value = secrets.token_urlsafe(32)
        table = self.db.table("feed_tokens")
        with self.db.conn:
            table.insert({"token": value, "kind": kind, "subject": subject, "owner": owner, "created_at": iso(at)})
        number = table.last_pk
        assert isinstance(number, int)
        return Token(number, value, kind, subject, owner, at, None)

    def token(self, value: str) -> Token | None:
        """The live token with this value (revoked: None)."""
        rows = self._tokens("token = ? AND revoked_at IS NULL", [value])
        return rows[0] if rows else None

    def tokens(self, *, owner: str | None = None, live: bool = True) -> list[Token]:
        where, args = ["1 = 1"], []
        if owner is not None:
            where.append("owner = ?")
            args.append(owner)
        if live:
            where.append("revoked_at IS NULL")
        return self._tokens(" AND ".join(where), args)

    def token_by_id(self, number: int) -> Token | None:
        rows = self._tokens("id = ?", [number])
        return rows[0] if rows else None

    def revoke_token(self, number: int, by: str, at: datetime) -> Token:
        found = self.token_by_id(number)
        if found is None:
            raise StoreError(f"no token #{number}")
        with self.db.conn:
            self.db.execute("UPDATE feed_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at "
                            "IS NULL", [iso(at), by, number])
        revoked = self.token_by_id(number)
        assert revoked is not None
        return revoked

    def _tokens(self, where: str, args: list[Any]) -> list[Token]:
        rows = self.db.execute(f"SELECT id, token, kind, subject, owner, created_at, revoked_at FROM feed_tokens "
                               f"WHERE {where} ORDER BY id", args).fetchall()
        return [Token(n, value, kind, subject, owner, unstamp(created), unstamp(revoked) if revoked else None)
                for n, value, kind, subject, owner, created, revoked in rows]

    # -- swap requests -------------------------------------------------------------------------------

    def ask_swap(self, *, team: str, layer: str, start: datetime, end: datetime, giver: str, taker: str,
                 reason: str, asked_by: str, at: datetime) -> Swap:
        table = self.db.table("swap_requests")
        with self.db.conn:
            table.insert({"team": team, "layer": layer, "start": iso(start), "end": iso(end), "giver": giver,
                          "taker": taker, "reason": reason, "asked_by": asked_by, "asked_at": iso(at),
                          "state": "pending"})
        number = table.last_pk
        assert isinstance(number, int)
        swap = self.swap(number)
        assert swap is not None
        return swap

    def swap(self, number: int) -> Swap | None:
        rows = self._swaps("id = ?", [number])
        return rows[0] if rows else None

    def swaps(self, *, person: str | None = None, state: str | None = None) -> list[Swap]:
        where, args = ["1 = 1"], []
        if person is not None:
            where.append("(giver = ? OR taker = ?)")
            args += [person, person]
        if state is not None:
            where.append("state = ?")
            args.append(state)
        return self._swaps(" AND ".join(where), args)

    def decide_swap(self, number: int, state: str, by: str, at: datetime, override: int | None = None) -> bool:
        """Move a pending request to ``state``; False when it was no longer pending (decided elsewhere).

        Called inside the transaction that adds the override when it is accepted."""
        if state not in SWAP_STATES[1:]:
            raise StoreError(f"unknown swap state {state!r}")
        done = self.db.execute("UPDATE swap_requests SET state = ?, decided_by = ?, decided_at = ?, override = ? "
                               "WHERE id = ? AND state = 'pending'", [state, by, iso(at), override, number])
        return bool(done.rowcount)

    def _swaps(self, where: str, args: list[Any]) -> list[Swap]:
        rows = self.db.execute(
            "SELECT id, team, layer, start, end, giver, taker, reason, asked_by, asked_at, state, decided_by, "
            f"override FROM swap_requests WHERE {where} ORDER BY id", args).fetchall()
        return [Swap(n, team, layer, unstamp(start), unstamp(end), giver, taker, reason or "", asked_by,
                     unstamp(asked), state, decided, override)
                for n, team, layer, start, end, giver, taker, reason, asked_by, asked, state, decided, override
                in rows]
