"""The message lifecycle: each message left, its state, who heard it, who acknowledged it, its callouts.

    new ──a callout starts──▶ calling ──someone listened──▶ heard ──┬─▶ acknowledged (phone, cli, web)
      └────────────────┴─────────────────────┴──────────────────────┴─▶ expired (the team's rounds used up)
    a hand-off or the end of the service hours may open an expired message again (``revive``)

One writer per fact: every change of state goes through a function here, in a transaction, and adds
one row to ``message_events`` (the outbox the daemon's notifier sends from, and the history). An
acknowledgement is one ``UPDATE ... WHERE state != 'acknowledged'``: the first one wins, whichever
process (daemon, CLI, web console) makes it. ``pbx_imports`` holds the PBX traces already imported.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from astreinte.adapters.store.calls import iso
from astreinte.domain.errors import StoreError

if TYPE_CHECKING:
    from sqlite_utils import Database

OPEN = ("new", "calling", "heard")
STATES = (*OPEN, "acknowledged", "expired")


@dataclass(frozen=True)
class Acknowledgement:
    """The message's acknowledgement; ``first``: this call made it (else it was already acknowledged)."""

    message: dict[str, Any]
    first: bool


def create_tables(db: Database) -> None:
    """The lifecycle columns of ``messages`` (rows from before it are ``new`` and never called out),
    ``message_events``, ``callouts`` and ``pbx_imports``."""
    table = db.table("messages")
    for column, kind, default in (("number", str, ""), ("media", str, None), ("source", str, "stasis"),
                                  ("tier", str, None), ("mailbox", str, None), ("state", str, "new"),
                                  ("heard_by", str, None), ("heard_phone", str, None), ("heard_at", str, None),
                                  ("acknowledged_by", str, None), ("acknowledged_how", str, None),
                                  ("acknowledged_at", str, None), ("expired_at", str, None),
                                  ("rounds_done", int, 0), ("next_callout_at", str, None)):
        table.add_column(column, kind, not_null_default=default)
    table.create_index(["state", "next_callout_at"])
    db.table("message_events").create(
        {"id": int, "message_id": int, "at": str, "state": str, "by": str, "how": str, "phone": str,
         "detail": str, "notified_at": str, "results": str}, pk="id")
    db.table("message_events").create_index(["notified_at"])
    db.table("callouts").create(
        {"call_id": str, "message_id": int, "round": int, "why": str, "started_at": str, "ended_at": str,
         "reason": str, "answered_by": str}, pk="call_id")
    db.table("callouts").create_index(["message_id"])
    db.table("pbx_imports").create({"uniqueid": str, "imported_at": str, "message_id": int}, pk="uniqueid")


def add(db: Database, *, call_id: str, team: str | None, caller: str, number: str, recorded_at: datetime,
        duration: float | None, path: str | None, media: str | None, notified: Mapping[str, bool] | None,
        now: datetime, callout_at: datetime | None = None, source: str = "stasis", tier: str | None = None,
        mailbox: str | None = None) -> int:
    """A new message (inside the caller's transaction); ``notified`` None: its notice is still to send."""
    table = db.table("messages")
    table.insert({"call_id": call_id, "team": team, "caller": caller, "recorded_at": iso(recorded_at),
                  "duration": duration, "path": path, "notified": json.dumps(dict(notified or {})),
                  "number": number, "media": media, "source": source, "tier": tier, "mailbox": mailbox,
                  "state": "new", "rounds_done": 0, "next_callout_at": iso(callout_at)})
    message_id = table.last_pk
    assert isinstance(message_id, int)
    _event(db, message_id, now, "new", detail=source, notified=notified)
    return message_id


def get(db: Database, message_id: int) -> dict[str, Any] | None:
    rows = list(db.table("messages").rows_where("id = ?", [message_id]))
    return _shaped(rows[0]) if rows else None


def acknowledge(db: Database, message_id: int, by: str, how: str, now: datetime, *, phone: str | None = None,
                detail: str = "") -> Acknowledgement:
    """Acknowledge (inside the caller's transaction); the message's callouts stop. Idempotent."""
    if get(db, message_id) is None:
        raise StoreError(f"no message #{message_id} (see `astreinte messages`)")
    done = db.execute("UPDATE messages SET state = 'acknowledged', acknowledged_by = ?, acknowledged_how = ?, "
                      "acknowledged_at = ?, next_callout_at = NULL WHERE id = ? AND state != 'acknowledged'",
                      [by, how, iso(now), message_id]).rowcount
    if done:
        _event(db, message_id, now, "acknowledged", by=by, how=how, phone=phone, detail=detail)
    message = get(db, message_id)
    assert message is not None
    return Acknowledgement(message, bool(done))


def heard(db: Database, message_id: int, person: str, phone: str, now: datetime) -> bool:
    """Someone listened; True when this is the first time (the state became ``heard``)."""
    done = db.execute("UPDATE messages SET heard_by = ?, heard_phone = ?, heard_at = ?, "
                      "state = CASE WHEN state IN ('new', 'calling') THEN 'heard' ELSE state END "
                      "WHERE id = ? AND heard_by IS NULL", [person, phone, iso(now), message_id]).rowcount
    if done:
        _event(db, message_id, now, "heard", by=person, phone=phone)
    return bool(done)


def callout_started(db: Database, message_id: int, call_id: str, round_: int, why: str, now: datetime) -> None:
    db.table("callouts").insert({"call_id": call_id, "message_id": message_id, "round": round_, "why": why,
                                 "started_at": iso(now)}, replace=True)
    db.execute("UPDATE messages SET next_callout_at = NULL WHERE id = ?", [message_id])
    if db.execute("UPDATE messages SET state = 'calling' WHERE id = ? AND state = 'new'", [message_id]).rowcount:
        _event(db, message_id, now, "calling", detail=f"round {round_} ({why})")


def callout_finished(db: Database, message_id: int, call_id: str, *, reason: str, answered_by: str | None,
                     rounds_done: int, next_at: datetime | None, now: datetime) -> str:
    """A round is over: the next one at ``next_at``, or (None) the message expires; its state now."""
    db.execute("UPDATE callouts SET ended_at = ?, reason = ?, answered_by = ? WHERE call_id = ?",
               [iso(now), reason, answered_by, call_id])
    db.execute("UPDATE messages SET rounds_done = ?, next_callout_at = ? WHERE id = ? AND state IN "
               f"{OPEN}", [rounds_done, iso(next_at), message_id])
    if next_at is None and db.execute(f"UPDATE messages SET state = 'expired', expired_at = ? WHERE id = ? "
                                      f"AND state IN {OPEN}", [iso(now), message_id]).rowcount:
        _event(db, message_id, now, "expired", detail=f"{rounds_done} round(s)")
    message = get(db, message_id)
    return str(message["state"]) if message else "unknown"


def resume(db: Database, now: datetime) -> list[int]:
    """Rounds a previous daemon was making when it died (no end): made again from ``now``."""
    ids = [message_id for (message_id,) in db.execute(
        f"SELECT DISTINCT message_id FROM callouts WHERE ended_at IS NULL AND message_id IN "
        f"(SELECT id FROM messages WHERE state IN {OPEN} AND next_callout_at IS NULL)")]
    db.execute("UPDATE callouts SET ended_at = ?, reason = 'interrupted' WHERE ended_at IS NULL", [iso(now)])
    for message_id in ids:
        db.execute("UPDATE messages SET next_callout_at = ? WHERE id = ?", [iso(now), message_id])
    return ids


def due(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Open messages whose next callout is due, oldest first (asked twice a second: plain SQL, not
    sqlite_utils' ``rows_where``, which lists the database's tables and views each time)."""
    return [_shaped(row) for row in _select(
        db, f"SELECT * FROM messages WHERE state IN {OPEN} AND next_callout_at IS NOT NULL "
            "AND next_callout_at <= ? ORDER BY recorded_at", [iso(now)])]


def states(db: Database, ids: Collection[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return {row["id"]: row for row in (_shaped(r) for r in db.table("messages").rows_where(
        f"id IN ({marks})", list(ids)))}


def revive(db: Database, team: str, since: datetime, now: datetime, why: str,
           busy: Collection[int] = ()) -> list[int]:
    """The team's messages recorded since ``since``, not acknowledged, start their rounds over now
    (an expired one is open again); ``busy``: those with a callout going on, left alone."""
    rows = db.execute("SELECT id, state, heard_by FROM messages WHERE team = ? AND recorded_at >= ? "
                      "AND state != 'acknowledged'", [team, iso(since)]).fetchall()
    revived = []
    for message_id, state, heard_by in rows:
        if message_id in busy:
            continue
        new_state = ("heard" if heard_by else "calling") if state == "expired" else state
        db.execute("UPDATE messages SET state = ?, rounds_done = 0, next_callout_at = ?, expired_at = NULL "
                   "WHERE id = ?", [new_state, iso(now), message_id])
        _event(db, message_id, now, new_state if state == "expired" else "calling", detail=why,
               notified={} if state != "expired" else None)
        revived.append(message_id)
    return revived


def pending_events(db: Database) -> list[dict[str, Any]]:
    """The state changes not notified yet, oldest first, each with its message."""
    events = _select(db, "SELECT * FROM message_events WHERE notified_at IS NULL ORDER BY id", [])
    for event in events:
        event["message"] = get(db, event["message_id"])
    return events


def event_notified(db: Database, event_id: int, results: Mapping[str, bool], now: datetime) -> None:
    db.execute("UPDATE message_events SET notified_at = ?, results = ? WHERE id = ?",
               [iso(now), json.dumps(dict(results)), event_id])
    row = db.execute("SELECT message_id, state FROM message_events WHERE id = ?", [event_id]).fetchone()
    if row is not None and row[1] == "new":
        db.execute("UPDATE messages SET notified = ? WHERE id = ?", [json.dumps(dict(results)), row[0]])


def new_notified(db: Database, message_id: int, results: Mapping[str, bool]) -> None:
    """What the notice of a new message (sent by whoever filed it) achieved."""
    db.execute("UPDATE messages SET notified = ? WHERE id = ?", [json.dumps(dict(results)), message_id])
    db.execute("UPDATE message_events SET results = ? WHERE message_id = ? AND state = 'new'",
               [json.dumps(dict(results)), message_id])


def people(db: Database, message_id: int) -> list[str]:
    """The people the message's call and its callouts rang, in order (they get its notices)."""
    return [person for (person,) in db.execute(
        "SELECT person FROM attempts WHERE call_id = (SELECT call_id FROM messages WHERE id = ?) "
        "OR call_id IN (SELECT call_id FROM callouts WHERE message_id = ?) GROUP BY person ORDER BY MIN(id)",
        [message_id, message_id])]


def of_call(db: Database, call_id: str) -> int | None:
    """The message a call left, if any (one per call: a further recording is a step of the call)."""
    row = db.execute("SELECT id FROM messages WHERE call_id = ? ORDER BY id LIMIT 1", [call_id]).fetchone()
    return int(row[0]) if row else None


def imported(db: Database, uniqueid: str) -> bool:
    return bool(db.execute("SELECT 1 FROM pbx_imports WHERE uniqueid = ?", [uniqueid]).fetchone())


def mark_imported(db: Database, uniqueid: str, message_id: int | None, now: datetime) -> None:
    db.table("pbx_imports").insert({"uniqueid": uniqueid, "imported_at": iso(now), "message_id": message_id})


def listing(conn: sqlite3.Connection, since: datetime | None = None,
            state: str | None = None) -> list[dict[str, Any]]:
    """Messages, oldest first, each with its callouts (their attempts) and its history
    (the shape of ``astreinte messages --json``)."""
    where, args = ["1=1"], []
    if since is not None:
        where.append("recorded_at >= ?")
        args.append(iso(since))
    if state is not None:
        where.append("state = ?")
        args.append(state)
    conn.row_factory = sqlite3.Row
    try:
        rows = [_shaped(dict(r)) for r in conn.execute(
            f"SELECT * FROM messages WHERE {' AND '.join(where)} ORDER BY recorded_at, id", args)]
        for row in rows:
            row["callouts"] = [dict(c) for c in conn.execute(
                "SELECT call_id, round, why, started_at, ended_at, reason, answered_by FROM callouts "
                "WHERE message_id = ? ORDER BY started_at", [row["id"]])]
            for callout in row["callouts"]:
                callout["attempts"] = [
                    {k: a[k] for k in ("level", "person", "phone", "result", "started_at", "ended_at")}
                    for a in conn.execute("SELECT * FROM attempts WHERE call_id = ? ORDER BY seq",
                                          [callout["call_id"]])]
            row["history"] = [{k: e[k] for k in ("at", "state", "by", "how", "phone", "detail")}
                              for e in conn.execute("SELECT * FROM message_events WHERE message_id = ? "
                                                    "ORDER BY id", [row["id"]])]
    finally:
        conn.row_factory = None
    return rows


def _event(db: Database, message_id: int, at: datetime, state: str, *, by: str | None = None,
           how: str | None = None, phone: str | None = None, detail: str = "",
           notified: Mapping[str, bool] | None = None) -> None:
    db.table("message_events").insert({
        "message_id": message_id, "at": iso(at), "state": state, "by": by, "how": how, "phone": phone,
        "detail": detail, "notified_at": iso(at) if notified is not None else None,
        "results": json.dumps(dict(notified)) if notified is not None else None})


def _select(db: Database, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    cursor = db.conn.execute(sql, args)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["notified"] = json.loads(row.get("notified") or "{}")
    return row
