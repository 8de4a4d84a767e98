"""Calendar events as last published (``domain.agenda``): one row per UID, with its SEQUENCE.

Every publication brings the rows of its window [at, horizon) up to date in the same
transaction (``refresh``): new events are inserted, changed ones get SEQUENCE + 1, vanished
ones are kept as cancelled. Rows before the window are history and stay as they were.
A calendar feed is a read of this table (``revisions``), never a recomputation: what a
subscriber saw is what was published.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from astreinte.domain.agenda import Event, Revision, advance, events

if TYPE_CHECKING:
    from sqlite_utils import Database

    from astreinte.domain.schedule import Shift

COLUMNS = "uid, team, layer, level, person, start, end, override_id, reason, sequence, cancelled, stamp"


def create_tables(db: Database) -> None:
    db.table("calendar_events").create(
        {"uid": str, "team": str, "layer": str, "level": int, "person": str, "start": str, "end": str,
         "override_id": str, "reason": str, "sequence": int, "cancelled": int, "stamp": str, "publication": int},
        pk="uid")
    db.table("calendar_events").create_index(["start"])
    db.table("calendar_events").create_index(["person", "start"])


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _revision(row: tuple[object, ...]) -> Revision:
    uid, team, layer, level, person, start, end, override_id, reason, sequence, cancelled, stamp = row
    event = Event(str(uid), str(team), str(layer), int(str(level)), str(person),
                  datetime.fromisoformat(str(start)), datetime.fromisoformat(str(end)),
                  str(override_id or ""), str(reason or ""))
    return Revision(event, int(str(sequence)), bool(cancelled), datetime.fromisoformat(str(stamp)))


def revisions(conn: sqlite3.Connection, start: datetime, end: datetime, *, team: str | None = None,
              person: str | None = None) -> list[Revision]:
    """Every event (cancelled ones too) overlapping [start, end), by start."""
    sql = f"SELECT {COLUMNS} FROM calendar_events WHERE end > ? AND start < ?"
    args: list[str] = [_stamp(start), _stamp(end)]
    if team is not None:
        sql += " AND team = ?"
        args.append(team)
    if person is not None:
        sql += " AND person = ?"
        args.append(person)
    rows = conn.execute(sql + " ORDER BY start, team, level, uid", args).fetchall()
    return [_revision(row) for row in rows]


def by_uid(conn: sqlite3.Connection, uids: Iterable[str]) -> dict[str, Revision]:
    wanted = list(dict.fromkeys(uids))
    found: dict[str, Revision] = {}
    for offset in range(0, len(wanted), 500):
        chunk = wanted[offset:offset + 500]
        rows = conn.execute(f"SELECT {COLUMNS} FROM calendar_events WHERE uid IN ({','.join('?' * len(chunk))})",
                            chunk).fetchall()
        found.update((revision.event.uid, revision) for revision in map(_revision, rows))
    return found


def is_empty(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM calendar_events LIMIT 1").fetchone() is None


def refresh(db: Database, shifts: Iterable[Shift], start: datetime, end: datetime, publication: int) -> int:
    """Inside the publication's transaction: write what changed in [start, end) (``shifts``: every piece
    overlapping it, from ``Schedule.shifts``); how many rows."""
    new = events(shifts)
    lo = min([start, *(e.start for e in new)], key=lambda moment: moment.timestamp())
    hi = max([end, *(e.end for e in new)], key=lambda moment: moment.timestamp())
    stored = revisions(db.conn, lo, hi)
    changed = advance(stored, new, start, end, start)
    db.conn.executemany(
        "INSERT OR REPLACE INTO calendar_events (uid, team, layer, level, person, start, end, override_id, reason,"
        " sequence, cancelled, stamp, publication) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r.event.uid, r.event.team, r.event.layer, r.event.level, r.event.person, _stamp(r.event.start),
          _stamp(r.event.end), r.event.override_id, r.event.reason, r.sequence, int(r.cancelled), _stamp(r.stamp),
          publication) for r in changed])
    return len(changed)
