"""The call log: every call, every attempt, every step, and the voicemail messages.

Rows are written as the call goes (a call is inserted ``in_progress`` when it arrives,
completed when it ends), so a crash leaves a trace of the calls it was handling.
Instants are stored as ISO-8601 UTC strings.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from astreinte.adapters.store.rotas import transaction
from astreinte.domain.calls.record import AttemptRecord

if TYPE_CHECKING:
    from sqlite_utils import Database

    from astreinte.domain.calls.record import CallRecord



EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOT = frozenset({"begin_call", "finish_call"})     # the call log's rows: two a call, the daemon's hot path


@contextlib.contextmanager
def relaxed(db: Database, op: str) -> Iterator[None]:
    """Around the transaction of ``op``: the call log's rows commit without waiting for an fsync (WAL
    with ``synchronous=NORMAL``: a crash of the daemon loses nothing, a power cut may lose the last
    seconds of the call log, never corrupt the file). Every other write (a message, its
    acknowledgement, the on-call taken by phone, a publication) keeps SQLite's default, ``FULL``:
    it is on the disk when the commit returns, and so is every commit before it."""
    if op not in HOT:
        yield
        return
    with contextlib.suppress(sqlite3.Error):       # (not set: the rows wait for their fsync, as any write)
        db.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        with contextlib.suppress(sqlite3.Error):
            db.execute("PRAGMA synchronous = FULL")


@contextlib.contextmanager
def written(db: Database, op: str) -> Iterator[None]:
    """The transaction ``op`` is written in: its own, or, for a call log row, the one ``batch`` opened."""
    if op in HOT and db.conn.in_transaction:
        yield
        return
    with relaxed(db, op), transaction(db):
        yield


@contextlib.contextmanager
def batch(db: Database) -> Iterator[None]:
    """One transaction for several call log rows (``AsyncStore.log_row``): one commit for them all."""
    with relaxed(db, "finish_call"), transaction(db):
        yield


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="milliseconds")


def create_tables(db: Database) -> None:
    """Calls, attempts, call events and voicemail messages."""
    db.table("calls").create(
        {"id": str, "started_at": str, "did": str, "caller": str, "team": str, "outcome": str, "reason": str,
         "answered_by": str, "connected_at": str, "ended_at": str, "wait_seconds": float,
         "talk_seconds": float, "tier": str},
        pk="id")
    db.table("calls").create_index(["started_at"])
    db.table("attempts").create(
        {"id": int, "call_id": str, "seq": int, "round": int, "level": int, "person": str, "phone": str,
         "result": str, "started_at": str, "ended_at": str},
        pk="id", foreign_keys=[("call_id", "calls", "id")])
    db.table("attempts").create_index(["call_id", "seq"])
    db.table("call_events").create(
        {"id": int, "call_id": str, "at": str, "kind": str, "detail": str}, pk="id")
    db.table("call_events").create_index(["call_id"])
    db.table("messages").create(
        {"id": int, "call_id": str, "team": str, "caller": str, "recorded_at": str, "duration": float,
         "path": str, "notified": str},
        pk="id")


# Every call writes these rows: plain statements (sqlite_utils' ``insert`` lists the database's tables
# before each row, a third of the daemon's CPU per call in the burst benchmark)
CALL_COLUMNS = ("id", "started_at", "did", "caller", "team", "outcome", "reason", "answered_by", "connected_at",
                "ended_at", "wait_seconds", "talk_seconds", "tier", "customer")      # customer: m009
_UPSERT_CALL = f"INSERT OR REPLACE INTO calls ({', '.join(CALL_COLUMNS)}) VALUES ({', '.join('?' * len(CALL_COLUMNS))})"
_INSERT_ATTEMPT = ("INSERT INTO attempts (call_id, seq, round, level, person, phone, result, started_at, ended_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_EVENT = "INSERT INTO call_events (call_id, at, kind, detail) VALUES (?, ?, ?, ?)"


def begin(db: Database, call: CallRecord) -> None:
    row = _call_row(call)
    db.execute(_UPSERT_CALL, [row[c] for c in CALL_COLUMNS])


def event(db: Database, call_id: str, at: datetime, kind: str, detail: str = "") -> None:
    db.execute(_INSERT_EVENT, [call_id, iso(at), kind, detail])


def add_events(db: Database, call_id: str, steps: list[tuple[datetime, str, str]]) -> None:
    db.conn.executemany(_INSERT_EVENT, [(call_id, iso(at), kind, detail) for at, kind, detail in steps])


def finish(db: Database, call: CallRecord) -> None:
    """Inside the caller's transaction (``rotas.transaction``)."""
    begin(db, call)
    db.execute("DELETE FROM attempts WHERE call_id = ?", [call.id])
    db.conn.executemany(_INSERT_ATTEMPT, [
        (call.id, n, a.round, a.level, a.person, a.phone, a.result, iso(a.started_at), iso(a.ended_at))
        for n, a in enumerate(call.attempts, start=1)])


def _shallow(item: Any) -> dict[str, Any]:
    """A record's fields, not copied (``dataclasses.asdict`` deep-copies every value; a call record's
    are immutable but ``attempts``, which the callers convert themselves)."""
    names = _FIELDS.get(type(item))
    if names is None:
        names = _FIELDS[type(item)] = tuple(f.name for f in fields(item))
    return {name: getattr(item, name) for name in names}


_FIELDS: dict[type, tuple[str, ...]] = {}


def _call_row(call: CallRecord) -> dict[str, Any]:
    row = _shallow(call)
    del row["attempts"]
    for key in ("started_at", "connected_at", "ended_at"):
        row[key] = iso(row[key])
    row["wait_seconds"] = call.wait_seconds
    row["talk_seconds"] = call.talk_seconds
    return row


def record_json(call: CallRecord) -> dict[str, Any]:
    """A call record as JSON-able data (the journal's form)."""
    data = _shallow(call)
    for key in ("started_at", "connected_at", "ended_at"):
        data[key] = iso(data[key])
    data["attempts"] = [_shallow(attempt) for attempt in call.attempts]
    for attempt in data["attempts"]:
        attempt["started_at"], attempt["ended_at"] = iso(attempt["started_at"]), iso(attempt["ended_at"])
    return data


def record_from(data: dict[str, Any]) -> CallRecord:
    from astreinte.domain.calls.record import AttemptRecord, CallRecord

    def when(text: Any) -> datetime | None:
        return None if text is None else datetime.fromisoformat(str(text))

    attempts = [AttemptRecord(a["level"], a["person"], a["phone"], a["result"], when(a["started_at"]) or EPOCH,
                              when(a["ended_at"]), a.get("round", 1)) for a in data.get("attempts", [])]
    fields = {k: v for k, v in data.items() if k != "attempts"}
    for key in ("started_at", "connected_at", "ended_at"):
        fields[key] = when(fields.get(key))
    return CallRecord(**fields, attempts=attempts)


def dangling(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Calls still ``in_progress``: a daemon that stopped without ending them (kill -9, crash, power)."""
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM calls WHERE outcome = 'in_progress' ORDER BY started_at")]
    finally:
        conn.row_factory = None


def close(db: Database, call_id: str, outcome: str, reason: str, tier: str) -> None:
    """End a dangling call (inside the caller's transaction); when it really ended nobody knows."""
    db.execute("UPDATE calls SET outcome = ?, reason = ?, tier = ? WHERE id = ? AND outcome = 'in_progress'",
               [outcome, reason, tier, call_id])


def in_progress(conn: sqlite3.Connection, call_id: str) -> bool:
    found = conn.execute("SELECT 1 FROM calls WHERE id = ? AND outcome = 'in_progress'", [call_id]).fetchone()
    return found is not None


def has_message(db: Database, call_id: str, path: str) -> bool:
    return db.execute("SELECT 1 FROM messages WHERE call_id = ? AND path = ?", [call_id, path]).fetchone() is not None


KEPT = ("answered", "voicemail")    # a call's outcome a later part of it cannot undo
RESTARTED = "daemon_restarted"      # a call the daemon left in progress (domain.calls.record.after_restart)


def merged(conn: sqlite3.Connection, call: CallRecord) -> CallRecord:
    """``call`` after what the log already holds of it (a call the daemon began, then handed to the
    dialplan): its first instant, its attempts before ``call``'s, and why the daemon let it go
    (``lease_expired``, ``daemon_restarted``) when ``call`` does not say."""
    found = conn.execute("SELECT started_at, reason, outcome, answered_by, connected_at FROM calls WHERE id = ?",
                         [call.id]).fetchone()
    if found is None:
        return call
    if found[2] in KEPT and call.outcome not in KEPT:     # the daemon's part got further than the PBX's
        call = replace(call, outcome=found[2], answered_by=found[3],
                       connected_at=datetime.fromisoformat(found[4]) if found[4] else None)
    earlier = [AttemptRecord(level, person, phone, result, datetime.fromisoformat(started),
                             datetime.fromisoformat(ended) if ended else None, round_ or 1)
               for level, person, phone, result, started, ended, round_ in conn.execute(
                   "SELECT level, person, phone, result, started_at, ended_at, round FROM attempts "
                   "WHERE call_id = ? ORDER BY seq", [call.id])]
    began = datetime.fromisoformat(found[0]) if found[0] else call.started_at
    return replace(call, started_at=min(began, call.started_at), attempts=[*earlier, *call.attempts],
                   reason=call.reason or found[1] or (RESTARTED if found[2] == "in_progress" else None))


def calls(conn: sqlite3.Connection, since: datetime | None = None, team: str | None = None,
          limit: int | None = None) -> list[dict[str, Any]]:
    """Calls, oldest first, each with its attempts (the shape of ``astreinte calls --json``)."""
    where, args = ["1=1"], []
    if since is not None:
        where.append("started_at >= ?")
        args.append(iso(since))
    if team is not None:
        where.append("team = ?")
        args.append(team)
    sql = f"SELECT * FROM calls WHERE {' AND '.join(where)} ORDER BY started_at"
    if limit is not None:
        sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) ORDER BY started_at"
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute(sql, args)]
        for row in rows:
            row["attempts"] = [
                {k: a[k] for k in ("level", "person", "phone", "result", "started_at", "ended_at", "round")}
                for a in conn.execute("SELECT * FROM attempts WHERE call_id = ? ORDER BY seq", [row["id"]])]
    finally:
        conn.row_factory = None
    return rows


def events(conn: sqlite3.Connection, call_id: str) -> list[dict[str, Any]]:
    return [{"at": at, "kind": kind, "detail": detail} for at, kind, detail in conn.execute(
        "SELECT at, kind, detail FROM call_events WHERE call_id = ? ORDER BY id", [call_id])]
