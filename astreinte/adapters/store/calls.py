"""The call log: every call, every attempt, every step, and the voicemail messages.

Rows are written as the call goes (a call is inserted ``in_progress`` when it arrives,
completed when it ends), so a crash leaves a trace of the calls it was handling.
Instants are stored as ISO-8601 UTC strings.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

    from astreinte.domain.hunt import Hunt

OUTCOMES = ("answered", "voicemail", "abandoned", "outside_service", "failed")
RESULTS = ("answered", "declined", "no_answer", "busy", "unreachable", "cancelled")


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class AttemptRecord:
    level: int
    person: str
    phone: str
    result: str | None
    started_at: datetime
    ended_at: datetime | None
    round: int = 1


@dataclass
class CallRecord:
    id: str
    started_at: datetime
    did: str
    caller: str
    team: str | None = None
    outcome: str = "in_progress"
    reason: str | None = None              # blocked, unknown_number, nobody_available, error...
    answered_by: str | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    tier: str = "stasis"                   # which part of astreinte served the call
    attempts: list[AttemptRecord] = field(default_factory=list)

    def complete(self, hunt: Hunt | None, connected_at: datetime | None, ended_at: datetime) -> None:
        """Fill in how the call ended from its hunt (None: it never got that far)."""
        self.ended_at, self.connected_at = ended_at, connected_at
        if hunt is not None:
            self.attempts = to_records(hunt.attempts)
            if connected_at is not None:
                self.answered_by = hunt.answered_by
        if self.reason == "outside_service" and self.outcome == "in_progress":
            self.outcome, self.answered_by = "outside_service", None
        elif self.outcome == "in_progress":
            outcome = hunt.outcome if hunt is not None else None
            if outcome == "answered" and connected_at is None:
                outcome = "abandoned"        # accepted, but the caller left before the bridge
            self.outcome = outcome or "failed"
            if self.outcome == "failed" and self.reason is None:
                self.reason = "nobody_available" if hunt is not None and hunt.finished else "error"

    @property
    def wait_seconds(self) -> float | None:
        """Until a human was connected, or until the caller was given up on."""
        end = self.connected_at or self.ended_at
        return None if end is None else round((end - self.started_at).total_seconds(), 3)

    @property
    def talk_seconds(self) -> float | None:
        if self.connected_at is None or self.ended_at is None:
            return None
        return round((self.ended_at - self.connected_at).total_seconds(), 3)


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


def begin(db: Database, call: CallRecord) -> None:
    db.table("calls").insert(_call_row(call), replace=True)


def event(db: Database, call_id: str, at: datetime, kind: str, detail: str = "") -> None:
    db.table("call_events").insert({"call_id": call_id, "at": iso(at), "kind": kind, "detail": detail})


def finish(db: Database, call: CallRecord) -> None:
    """Inside the caller's transaction (``rotas.transaction``)."""
    db.table("calls").insert(_call_row(call), replace=True)
    db.execute("DELETE FROM attempts WHERE call_id = ?", [call.id])
    db.table("attempts").insert_all(
        [{"call_id": call.id, "seq": n, "round": a.round, "level": a.level, "person": a.person,
          "phone": a.phone, "result": a.result, "started_at": iso(a.started_at), "ended_at": iso(a.ended_at)}
         for n, a in enumerate(call.attempts, start=1)])


def _call_row(call: CallRecord) -> dict[str, Any]:
    row = {k: v for k, v in asdict(call).items() if k != "attempts"}
    for key in ("started_at", "connected_at", "ended_at"):
        row[key] = iso(row[key])
    row["wait_seconds"] = call.wait_seconds
    row["talk_seconds"] = call.talk_seconds
    return row


def add_message(db: Database, call_id: str, team: str | None, caller: str, recorded_at: datetime,
                duration: float | None, path: str, notified: dict[str, bool]) -> int:
    table = db.table("messages")
    table.insert({"call_id": call_id, "team": team, "caller": caller, "recorded_at": iso(recorded_at),
                  "duration": duration, "path": path, "notified": json.dumps(notified)})
    pk = table.last_pk
    assert isinstance(pk, int)
    return pk


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


def messages(conn: sqlite3.Connection, since: datetime | None = None) -> list[dict[str, Any]]:
    conn.row_factory = sqlite3.Row
    try:
        sql, args = "SELECT * FROM messages", []
        if since is not None:
            sql += " WHERE recorded_at >= ?"
            args.append(iso(since))
        rows = [dict(r) for r in conn.execute(sql + " ORDER BY recorded_at", args)]
    finally:
        conn.row_factory = None
    for row in rows:
        row["notified"] = json.loads(row["notified"] or "{}")
    return rows


def to_records(attempts: Sequence[Any]) -> list[AttemptRecord]:
    """The hunt's attempts as call-log rows."""
    return [AttemptRecord(a.level, a.person, a.phone, a.result, a.started_at, a.ended_at, a.round) for a in attempts]
