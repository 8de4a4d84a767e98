"""The SQLite store (sqlite-utils): rotas as published, CLI overrides, the publication log.

Synchronous on purpose: the CLI calls it directly, the daemon runs every method in its
single-thread executor. Files are opened in WAL mode with a busy timeout, so the CLI
and the daemon can share one database. Schema: ``astreinte.adapters.store.schema``.

    store = Store.open(config.database)
    publication = store.publish(config, at=now, source="rota load")   # None: nothing changed
    schedule = config.schedule(store.overrides())
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from astreinte.adapters.override_rows import read_active_overrides
from astreinte.adapters.ownership import settle_database
from astreinte.adapters.store import agenda, calls, interventions, messages, notices, replay, rotas, statements
from astreinte.adapters.store.journal import Journal
from astreinte.adapters.store.messages import Acknowledgement
from astreinte.adapters.store.notices import Delivery
from astreinte.adapters.store.rotas import Publication
from astreinte.adapters.store.statements import StoredStatement
from astreinte.domain import overrides
from astreinte.domain.agenda import Revision
from astreinte.domain.calls.callout_line import HOWS
from astreinte.domain.compensation import Intervention
from astreinte.domain.errors import StoreError
from astreinte.domain.publication import Assignment
from astreinte.domain.rota import Override

if TYPE_CHECKING:
    from sqlite_utils import Database

    from astreinte.config import Config
    from astreinte.domain.calls.record import CallRecord

__all__ = ["Delivery", "PbxMessage", "Publication", "Store", "read_active_overrides"]

BUSY_TIMEOUT = 5.0
log = logging.getLogger("astreinte.store")


@dataclass(frozen=True)
class PbxMessage:
    """A message the PBX recorded, as imported with its call."""

    caller: str
    recorded_at: datetime
    duration: float | None
    path: str | None            # where the daemon reads the recording
    media: str | None           # what ARI plays
    mailbox: str | None         # a VoiceMail() box holding it instead
    callout_at: datetime | None


class Store:
    """One open database. Build with ``Store.open(path)`` or ``Store.memory()`` (tests)."""

    def __init__(self, db: Database, path: Path | None = None, journal: Journal | None = None) -> None:
        self.db = db
        self.path = path
        self.journal = journal          # the daemon's: call-log writes SQLite refused, replayed later

    @classmethod
    def open(cls, path: Path, *, journal: bool = False) -> Store:
        """Open (creating it and its folder if needed) and bring the schema up to date. ``journal``
        (the daemon): keep the call-log writes SQLite refuses in ``PATH.journal`` (``store.journal``)."""
        from sqlite_utils import Database  # lazy: `astreinte who` never imports sqlite-utils

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            created = not path.exists()
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, check_same_thread=False)
            db = Database(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            db.enable_wal()
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = FULL")      # each commit on the disk (but the call log's: calls.relaxed)
            store = cls._migrated(db, path)
            settle_database(path, created=created)   # root's CLI must not lock the daemon out
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        if journal:
            store.journal = Journal(path.with_name(path.name + ".journal"))
            if not store.journal.reserve():
                log.warning("no room to reserve the call-log journal next to %s (disk full?)", path)
        return store

    @classmethod
    def memory(cls) -> Store:
        from sqlite_utils import Database

        return cls._migrated(Database(memory=True, execute_plugins=False))

    @classmethod
    def _migrated(cls, db: Database, path: Path | None = None) -> Store:
        from astreinte.adapters.store.schema import MIGRATIONS

        MIGRATIONS.apply(db)
        return cls(db, path)

    def close(self) -> None:
        self.db.close()
        if self.path is not None:
            settle_database(self.path)     # a journal left behind (another connection still open)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- rotas and publications ---------------------------------------------------------------

    def publish(
        self, config: Config, at: datetime, *, source: str = "rota load", author: str = "", reason: str = "",
        months: int = rotas.DEFAULT_HORIZON_MONTHS,
    ) -> Publication | None:
        """Store the rota and record what changed for whom; None when nothing changed (no row)."""
        with rotas.transaction(self.db):
            return rotas.publish(self.db, config, at, source=source, author=author, reason=reason, months=months)

    def publications(self, limit: int | None = None) -> list[Publication]:
        return rotas.publications(self.db.conn, limit)

    def last_publication(self) -> tuple[int, str] | None:
        """(id, source) of the newest publication: the daemon follows ``rota load`` with it."""
        row = self.db.execute("SELECT id, source FROM publications ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def published_shifts(self) -> list[Assignment]:
        return rotas.published_shifts(self.db.conn)

    # -- CLI overrides --------------------------------------------------------------------------

    def overrides(self) -> tuple[Override, ...]:
        """Active CLI overrides, oldest first: give them to ``config.schedule()``."""
        return rotas.active_overrides(self.db.conn)

    def override_history(self) -> list[tuple[Override, dict[str, str | None]]]:
        return rotas.all_overrides(self.db.conn)

    def add_override(
        self, config: Config, override: Override, at: datetime, author: str = "",
        inside: Callable[[int], None] | None = None,
    ) -> tuple[Override, Publication | None]:
        """Store a CLI override and publish the resulting rota, in one transaction; ``inside(number)``
        runs in that transaction (the web console records the consent of a swap there: both or neither)."""
        wrong = overrides.problems(overrides.layers_of(config.teams), config.people, override.team,
                                   override.layer, override.person, override.start, override.end)
        if wrong:
            raise StoreError("override refused: " + "; ".join(f"{field}: {message}" for field, message in wrong))
        with rotas.transaction(self.db):
            number = rotas.insert_override(self.db, override, at, author)
            if inside is not None:
                inside(number)
            publication = rotas.publish(self.db, config, at, source=f"override add #{number}", author=author,
                                        reason=override.reason)
        return replace(override, id=f"cli:{number}", source="cli"), publication

    def remove_override(
        self, config: Config, number: int, at: datetime, author: str = "", reason: str = ""
    ) -> tuple[Override, Publication | None]:
        """Mark a CLI override removed (it stays in the history) and publish."""
        with rotas.transaction(self.db):
            removed = rotas.mark_removed(self.db, number, at, author)
            publication = rotas.publish(self.db, config, at, source=f"override remove #{number}", author=author,
                                        reason=reason)
        return removed, publication

    # -- what people were told: publication notices and calendar events ------------------------

    def add_deliveries(self, items: Sequence[Delivery]) -> None:
        """Record the notices of a publication (append-only)."""
        with rotas.transaction(self.db):
            notices.add_deliveries(self.db, items)

    def deliveries(self, publications: Sequence[int]) -> list[Delivery]:
        return notices.deliveries(self.db.conn, publications)

    def calendar(self, start: datetime, end: datetime, *, team: str | None = None,
                 person: str | None = None) -> list[Revision]:
        """The calendar events as published (cancelled ones too) overlapping [start, end)."""
        return agenda.revisions(self.db.conn, start, end, team=team, person=person)

    def calendar_by_uid(self, uids: Sequence[str]) -> dict[str, Revision]:
        return agenda.by_uid(self.db.conn, uids)


    # -- the call log ---------------------------------------------------------------------------

    def begin_call(self, call: CallRecord) -> None:
        self._logged("begin_call", {"record": calls.record_json(call)})

    def finish_call(self, call: CallRecord, events: Sequence[tuple[datetime, str, str]] = ()) -> None:
        """Store the completed call, its attempts and the steps it went through, in one transaction."""
        self._logged("finish_call", {"record": calls.record_json(call),
                                     "steps": [[calls.iso(at), kind, detail] for at, kind, detail in events]})

    def close_call(self, call_id: str, outcome: str, reason: str, tier: str, at: datetime, step: str) -> None:
        """End a call a stopped daemon left ``in_progress``, with one step saying so."""
        self._logged("close_call", {"id": call_id, "outcome": outcome, "reason": reason, "tier": tier,
                                    "at": calls.iso(at), "step": step})

    def dangling_calls(self) -> list[dict[str, Any]]:
        return calls.dangling(self.db.conn)

    def _logged(self, op: str, payload: dict[str, Any]) -> int | None:
        """Write to SQLite, or to the journal when SQLite cannot (and while the journal holds anything,
        so that the order stays: an arrival is never replayed over the call's end). A new message's id;
        None when the journal keeps the write."""
        journal = self.journal
        if journal is None or not journal.used:
            try:
                with calls.written(self.db, op):
                    return replay.apply(self.db, op, payload)
            except StoreError as exc:
                if journal is None:
                    raise
                log.error("the call log cannot be written (%s): keeping it in %s until it can", exc, journal.path)
        try:
            journal.append(op, payload)
        except OSError as exc:
            raise StoreError(f"neither the database nor the journal {journal.path} could take it: {exc}") from exc
        return None

    def replay_journal(self) -> int:
        """Move the journal into SQLite, in one transaction; how many entries (0: nothing to do)."""
        journal = self.journal
        if journal is None or not journal.used:
            return 0
        entries = journal.entries()
        with rotas.transaction(self.db):
            for op, payload in entries:
                replay.apply(self.db, op, payload, replaying=True)
        journal.clear()
        if not journal.reserve():
            log.warning("no room to reserve the call-log journal again (%s)", journal.path)
        return len(entries)

    def calls(self, since: datetime | None = None, team: str | None = None,
              limit: int | None = None) -> list[dict[str, Any]]:
        return calls.calls(self.db.conn, since, team, limit)

    def call_events(self, call_id: str) -> list[dict[str, Any]]:
        return calls.events(self.db.conn, call_id)

    # -- messages and their lifecycle (``store.messages``) ---------------------------------------

    def add_message(self, call_id: str, team: str | None, caller: str, recorded_at: datetime,
                    duration: float | None, path: str | None, notified: dict[str, bool] | None, *,
                    now: datetime | None = None, number: str = "", media: str | None = None,
                    callout_at: datetime | None = None) -> int | None:
        """A message the daemon took (its notice already sent: ``notified``; None: for the daemon's
        notifier to send), filed at ``now`` (default: when it was recorded), to call out at ``callout_at``.
        Its id; None when SQLite could not take it and the journal keeps it (filed when replayed)."""
        fields: dict[str, Any] = {"call_id": call_id, "team": team, "caller": caller, "number": number,
                                  "recorded_at": recorded_at, "duration": duration, "path": path, "media": media,
                                  "notified": notified, "now": now or recorded_at, "callout_at": callout_at}
        return self._logged("add_message", replay.message_payload(fields))

    def messages(self, since: datetime | None = None, state: str | None = None) -> list[dict[str, Any]]:
        return messages.listing(self.db.conn, since, state)

    def message(self, message_id: int) -> dict[str, Any] | None:
        return messages.get(self.db, message_id)

    def acknowledge(self, message_id: int, by: str, how: str, now: datetime, *, phone: str | None = None,
                    detail: str = "") -> Acknowledgement:
        """The one way a message is acknowledged (phone, CLI, web console): every callout of it stops
        within a second. Idempotent: the first acknowledgement stays (``first`` says whose it is)."""
        if how not in HOWS:
            raise StoreError(f"acknowledged how? {how!r} (expected one of: {', '.join(HOWS)})")
        if not by.strip():
            raise StoreError("acknowledged by whom? (an empty name)")
        with rotas.transaction(self.db):
            return messages.acknowledge(self.db, message_id, by.strip()[:64], how, now, phone=phone, detail=detail)

    def message_heard(self, message_id: int, person: str, phone: str, now: datetime) -> bool:
        with rotas.transaction(self.db):
            return messages.heard(self.db, message_id, person, phone, now)

    def callout_started(self, message_id: int, call_id: str, round_: int, why: str, now: datetime) -> None:
        with rotas.transaction(self.db):
            messages.callout_started(self.db, message_id, call_id, round_, why, now)

    def callout_finished(self, message_id: int, call_id: str, *, reason: str, answered_by: str | None,
                         rounds_done: int, next_at: datetime | None, now: datetime) -> str:
        with rotas.transaction(self.db):
            return messages.callout_finished(self.db, message_id, call_id, reason=reason, answered_by=answered_by,
                                             rounds_done=rounds_done, next_at=next_at, now=now)

    def resume_callouts(self, now: datetime) -> list[int]:
        with rotas.transaction(self.db):
            return messages.resume(self.db, now)

    def messages_due(self, now: datetime) -> list[dict[str, Any]]:
        return messages.due(self.db, now)

    def message_states(self, ids: Collection[int]) -> dict[int, dict[str, Any]]:
        return messages.states(self.db, ids)

    def revive_messages(self, team: str, since: datetime, now: datetime, why: str,
                        busy: Collection[int] = ()) -> list[int]:
        with rotas.transaction(self.db):
            return messages.revive(self.db, team, since, now, why, busy)

    def message_events_pending(self) -> list[dict[str, Any]]:
        return messages.pending_events(self.db)

    def message_event_notified(self, event_id: int, results: dict[str, bool], now: datetime) -> None:
        with rotas.transaction(self.db):
            messages.event_notified(self.db, event_id, results, now)

    def message_notified(self, message_id: int, results: dict[str, bool]) -> None:
        with rotas.transaction(self.db):
            messages.new_notified(self.db, message_id, results)

    def message_people(self, message_id: int) -> list[str]:
        return messages.people(self.db, message_id)

    def call_in_progress(self, call_id: str) -> bool:
        return calls.in_progress(self.db.conn, call_id)

    def call_message(self, call_id: str) -> int | None:
        return messages.of_call(self.db, call_id)

    def pbx_imported(self, uniqueid: str) -> bool:
        return messages.imported(self.db, uniqueid)

    def import_pbx_call(self, record: CallRecord, steps: Sequence[tuple[datetime, str, str]],
                        message: PbxMessage | None, now: datetime) -> int | None:
        """A call the PBX tiers served, and its message: in the call log and the lifecycle exactly once
        (one transaction, keyed by the call's unique id). None: already imported (or no message)."""
        with rotas.transaction(self.db):
            if messages.imported(self.db, record.id):
                return None
            merged = calls.merged(self.db.conn, record)
            calls.finish(self.db, merged)
            for at, kind, detail in steps:
                calls.event(self.db, record.id, at, kind, detail)
            message_id = messages.of_call(self.db, record.id) if message is not None else None
            if message is not None and message_id is not None:     # the daemon filed its part first
                calls.event(self.db, record.id, now, "step", f"the PBX tiers also recorded the caller: "
                            f"{message.path or message.media or message.mailbox}, kept with message #{message_id}")
            elif message is not None:
                message_id = messages.add(self.db, call_id=record.id, team=record.team, caller=message.caller,
                                          number=record.did, recorded_at=message.recorded_at,
                                          duration=message.duration, path=message.path, media=message.media,
                                          notified=None, now=now, callout_at=message.callout_at, source="pbx",
                                          tier=record.tier, mailbox=message.mailbox)
            messages.mark_imported(self.db, record.id, message_id, now)
            return message_id

    # -- interventions and monthly statements (legal) --------------------------------------------

    def add_notice(self, kind: str, key: str, person: str, at: datetime, results: dict[str, bool]) -> None:
        notices.add(self.db, kind, key, person, at, results)

    def notice_keys(self, kind: str, since: datetime) -> set[str]:
        return notices.keys(self.db, kind, since)

    def notices(self, since: datetime | None = None) -> list[dict[str, Any]]:
        return notices.listing(self.db, since)

    def add_intervention(self, item: Intervention, at: datetime, author: str = "") -> int:
        with rotas.transaction(self.db):
            return interventions.add(self.db, item, at, author)

    def remove_intervention(self, number: int, at: datetime, author: str = "") -> Intervention:
        with rotas.transaction(self.db):
            return interventions.remove(self.db, number, at, author)

    def interventions(self, start: datetime | None = None, end: datetime | None = None,
                      person: str | None = None) -> list[Intervention]:
        """Declared interventions overlapping [start, end) (answered calls are in ``calls()``)."""
        return interventions.listed(self.db.conn, start, end, person)

    def save_statement(self, month: str, person: str, fmt: str, content: bytes, profile: str,
                       at: datetime, page_hashes: Mapping[str, str] | None = None) -> tuple[StoredStatement, bool]:
        """Keep a rendered statement (append-only); False when these exact bytes are already kept.
        ``page_hashes``: person -> the hash printed at the foot of their page."""
        with rotas.transaction(self.db):
            return statements.save(self.db, month, person, fmt, content, profile, at, page_hashes or {})

    def statements(self, month: str | None = None) -> list[StoredStatement]:
        return statements.history(self.db.conn, month)

    def statement(self, number: int) -> StoredStatement | None:
        return statements.by_id(self.db.conn, number)
