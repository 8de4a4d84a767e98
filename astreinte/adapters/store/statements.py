"""Monthly statements (R3121-2), stored immutably: each rendering is kept with its SHA-256.

Storing the same bytes again for the same month, person and format records nothing; a
different content (late intervention, changed rota) is a new row: older ones stay, the table
is append-only (triggers refuse UPDATE and DELETE). Keep them at least 3 years (D3171-16,
L3245-1).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class StoredStatement:
    id: int
    month: str
    person: str            # "*" for every person
    format: str
    content_hash: str
    created_at: str
    content: bytes
    page_hashes: Mapping[str, str] = field(default_factory=dict)   # person -> hash printed on their page


COLUMNS = "id, month, person, format, content_hash, created_at, content, page_hashes"


def create_tables(db: Database) -> None:
    db.table("statements").create(
        {"id": int, "month": str, "person": str, "format": str, "content_hash": str, "created_at": str,
         "profile": str, "content": bytes},
        pk="id")
    db.table("statements").create_index(["month", "person", "format"])


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def save(db: Database, month: str, person: str, fmt: str, content: bytes, profile: str,
         at: datetime, page_hashes: Mapping[str, str]) -> tuple[StoredStatement, bool]:
    """The stored statement and whether it is new (False: these exact bytes were already kept)."""
    sha = digest(content)
    existing = find(db.conn, month, person, fmt, sha)
    if existing is not None:
        return existing, False
    table = db.table("statements")
    table.insert({"month": month, "person": person, "format": fmt, "content_hash": sha,
                  "created_at": at.astimezone(UTC).isoformat(timespec="seconds"), "profile": profile,
                  "content": content, "page_hashes": json.dumps(dict(page_hashes), sort_keys=True)})
    stored = find(db.conn, month, person, fmt, sha)
    assert stored is not None
    return stored, True


def find(conn: sqlite3.Connection, month: str, person: str, fmt: str, sha: str | None = None) -> StoredStatement | None:
    """The latest statement kept for month/person/format (with that hash, if given)."""
    sql = f"SELECT {COLUMNS} FROM statements WHERE month = ? AND person = ? AND format = ?"
    args: list[str] = [month, person, fmt]
    if sha is not None:
        sql += " AND content_hash = ?"
        args.append(sha)
    row = conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
    return None if row is None else _stored(row)


def history(conn: sqlite3.Connection, month: str | None = None) -> list[StoredStatement]:
    sql = f"SELECT {COLUMNS} FROM statements"
    args = [] if month is None else [month]
    rows = conn.execute(sql + (" WHERE month = ?" if month else "") + " ORDER BY id", args).fetchall()
    return [_stored(row) for row in rows]


def by_id(conn: sqlite3.Connection, number: int) -> StoredStatement | None:
    row = conn.execute(f"SELECT {COLUMNS} FROM statements WHERE id = ?", [number]).fetchone()
    return None if row is None else _stored(row)


def _stored(row: tuple[object, ...]) -> StoredStatement:
    number, month, person, fmt, sha, created, content, pages = row
    assert isinstance(content, bytes | str)
    return StoredStatement(int(str(number)), str(month), str(person), str(fmt), str(sha), str(created),
                           content if isinstance(content, bytes) else content.encode(),
                           json.loads(str(pages)) if pages else {})
