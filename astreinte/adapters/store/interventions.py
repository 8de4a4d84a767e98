"""Interventions declared by people (what the PBX cannot see: on-site work, travel, calls on
another phone). Answered calls are interventions too; they come from the call log.

Removing an intervention marks it removed (who, when): rows are never deleted, so a monthly
statement stays explainable. Instants are UTC ISO-8601 text.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from astreinte.domain.compensation import Intervention
from astreinte.domain.errors import StoreError

if TYPE_CHECKING:
    from sqlite_utils import Database


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def create_tables(db: Database) -> None:
    db.table("interventions").create(
        {"id": int, "person": str, "start": str, "end": str, "on_site": int, "travel_seconds": int,
         "note": str, "source": str, "author": str, "created_at": str, "removed_at": str, "removed_by": str},
        pk="id")
    db.table("interventions").create_index(["person", "start"])


def add(db: Database, item: Intervention, at: datetime, author: str = "") -> int:
    if item.end <= item.start:
        raise StoreError("an intervention must end after it starts")
    table = db.table("interventions")
    table.insert({"person": item.person, "start": stamp(item.start), "end": stamp(item.end),
                  "on_site": int(item.on_site), "travel_seconds": item.travel_seconds, "note": item.note,
                  "source": item.source, "author": author, "created_at": stamp(at)})
    pk = table.last_pk
    assert isinstance(pk, int)
    return pk


def remove(db: Database, number: int, at: datetime, author: str = "") -> Intervention:
    rows = list(db.query("SELECT * FROM interventions WHERE id = ? AND removed_at IS NULL", [number]))
    if not rows:
        raise StoreError(f"no intervention #{number} (or already removed)")
    db.execute("UPDATE interventions SET removed_at = ?, removed_by = ? WHERE id = ?", [stamp(at), author, number])
    return to_intervention(rows[0])


def listed(conn: sqlite3.Connection, start: datetime | None = None, end: datetime | None = None,
           person: str | None = None, *, removed: bool = False) -> list[Intervention]:
    """Interventions overlapping [start, end), oldest first (removed ones only when asked)."""
    where, args = ["1=1"], []
    if not removed:
        where.append("removed_at IS NULL")
    if start is not None:
        where.append("end > ?")
        args.append(stamp(start))
    if end is not None:
        where.append("start < ?")
        args.append(stamp(end))
    if person is not None:
        where.append("person = ?")
        args.append(person)
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute(
            f"SELECT * FROM interventions WHERE {' AND '.join(where)} ORDER BY start, id", args)]
    finally:
        conn.row_factory = None
    return [to_intervention(row) for row in rows]


def to_intervention(row: dict[str, Any]) -> Intervention:
    return Intervention(row["person"], datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"]),
                        bool(row["on_site"]), int(row["travel_seconds"] or 0), row["note"] or "",
                        row["source"] or "manual", str(row["id"]))
