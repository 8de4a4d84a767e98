"""The web console's accounts in SQLite: sessions that end, passwords that end them, tokens revoked for
good, a swap answered once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from astreinte.adapters.store import Store
from astreinte.adapters.store.accounts import Accounts, digest
from astreinte.domain.errors import StoreError
from astreinte.web import passwords

T0 = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
IDLE, LONGEST = 2 * 3600.0, 12 * 3600.0


@pytest.fixture
def accounts() -> Accounts:
    made = Accounts(Store.memory().db)
    made.add_user("bob", passwords.hashed("bob-password-1"), role="employee", person="bob", at=T0)
    return made


def test_a_password_is_kept_hashed_and_checked() -> None:
    stored = passwords.hashed("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "wrong horse battery") and not passwords.verify(None, "anything")
    with pytest.raises(ValueError, match="too short"):
        passwords.checked("short")


def test_an_employee_is_a_person_and_logins_are_unique(accounts: Accounts) -> None:
    with pytest.raises(StoreError, match="linked to a person"):
        accounts.add_user("x", None, role="employee", person=None, at=T0)
    with pytest.raises(StoreError, match="already a user"):
        accounts.add_user("bob", None, role="manager", person=None, at=T0)


def test_sessions_end_when_unused_and_at_their_longest(accounts: Accounts) -> None:
    cookie, session = accounts.open_session("bob", T0, LONGEST)
    assert accounts.db.execute("SELECT id_hash FROM web_sessions").fetchone()[0] == digest(cookie), \
        "only the cookie's hash is kept"
    assert session.user.person == "bob" and len(session.csrf) > 40
    at = T0
    for _ in range(5):                               # used every 1 h 50: alive until its 12 h
        at += timedelta(hours=1, minutes=50)
        assert accounts.session(cookie, at, IDLE) is not None
    assert accounts.session(cookie, T0 + timedelta(hours=12), IDLE) is None
    idle, _ = accounts.open_session("bob", T0, LONGEST)
    assert accounts.session(idle, T0 + timedelta(hours=2), IDLE) is None, "2 h unused"
    assert accounts.session(idle, T0, IDLE) is None, "an ended session does not come back"


def test_a_new_password_or_removal_ends_the_sessions(accounts: Accounts) -> None:
    cookie, _ = accounts.open_session("bob", T0, LONGEST)
    accounts.set_password("bob", passwords.hashed("bob-password-2"), T0)
    assert accounts.session(cookie, T0, IDLE) is None
    cookie, _ = accounts.open_session("bob", T0, LONGEST)
    token = accounts.add_token("person", "bob", owner="bob", at=T0)
    accounts.remove_user("bob", T0)
    assert accounts.session(cookie, T0, IDLE) is None and accounts.token(token.token) is None
    assert accounts.tokens(live=False)[0].revoked_at == T0


def test_a_revoked_token_is_gone_for_good(accounts: Accounts) -> None:
    first = accounts.add_token("team", "support", owner="bob", at=T0)
    second = accounts.add_token("team", "support", owner="bob", at=T0)
    assert first.token != second.token and len(first.token) >= 43
    accounts.revoke_token(first.id, "web:bob", T0)
    assert accounts.token(first.token) is None and accounts.token(second.token) == second
    with pytest.raises(StoreError, match="unknown token kind"):
        accounts.add_token("admin", "x", owner="bob", at=T0)


def test_a_swap_is_answered_once(accounts: Accounts) -> None:
    swap = accounts.ask_swap(team="support", layer="primary", start=T0, end=T0 + timedelta(hours=15), giver="bob",
                             taker="carol", reason="", asked_by="bob", at=T0)
    assert swap.state == "pending" and accounts.swaps(person="carol", state="pending") == [swap]
    assert accounts.decide_swap(swap.id, "accepted", "web:carol", T0, override=3)
    assert not accounts.decide_swap(swap.id, "declined", "web:carol", T0), "already answered"
    done = accounts.swap(swap.id)
    assert done is not None and (done.state, done.override, done.decided_by) == ("accepted", 3, "web:carol")
