"""Notices sent by the daemon (hand-off reminders, offline-phone alerts): what went out, to whom, when.

The watch reads back the reminders of the last day at start, so a daemon restarted in the hour
before a hand-off does not remind the same person twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from astreinte.domain.errors import StoreError

if TYPE_CHECKING:
    from sqlite_utils import Database


def create_tables(db: Database) -> None:
    db.table("notices").create(
        {"id": int, "kind": str, "key": str, "person": str, "sent_at": str, "results": str}, pk="id")
    db.table("notices").create_index(["kind", "sent_at"])


def add(db: Database, kind: str, key: str, person: str, at: datetime, results: Mapping[str, bool]) -> None:
    try:
        db.table("notices").insert({"kind": kind, "key": key, "person": person, "sent_at": at.isoformat(),
                                    "results": json.dumps(dict(results))})
    except sqlite3.Error as exc:
        raise StoreError(f"cannot note a {kind} notice: {exc}") from exc


def keys(db: Database, kind: str, since: datetime) -> set[str]:
    try:
        rows = db.execute("SELECT key, sent_at FROM notices WHERE kind = ?", [kind]).fetchall()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the {kind} notices: {exc}") from exc
    return {key for key, sent_at in rows if datetime.fromisoformat(sent_at) >= since}


def listing(db: Database, since: datetime | None = None) -> list[dict[str, Any]]:
    rows = [dict(row) for row in db.table("notices").rows_where(order_by="id")]
    for row in rows:
        row["results"] = json.loads(row["results"] or "{}")
    return [row for row in rows if since is None or datetime.fromisoformat(row["sent_at"]) >= since]
