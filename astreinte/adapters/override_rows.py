"""The ``overrides`` table read with the standard library alone: a row as an ``Override``, and
the read-only reader ``astreinte who`` runs on every call.

Outside ``astreinte.adapters.store`` on purpose: importing any module of that package runs
its ``__init__``, which imports the whole store (publication log, statements, interventions),
about 35 ms that ``who`` does not need. The store creates and writes the table
(``store/schema.py``, ``store/rotas.py``) and reads it through these same functions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from astreinte.domain.errors import StoreError
from astreinte.domain.rota import Override

OVERRIDE_COLUMNS = "id, team, layer, person, start, end, reason"


def unstamp(text: str) -> datetime:
    """A stored instant (UTC ISO-8601 text) as an aware datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def override_from_row(row: Sequence[Any]) -> Override:
    """One row of ``SELECT {OVERRIDE_COLUMNS} FROM overrides``."""
    number, team, layer, person, start, end, reason = row
    return Override(team, layer, person, unstamp(start), unstamp(end), reason or "", f"cli:{number}", "cli")


def active_overrides(conn: sqlite3.Connection) -> tuple[Override, ...]:
    """CLI overrides not removed, oldest first (so the newest wins an overlap)."""
    rows = conn.execute(f"SELECT {OVERRIDE_COLUMNS} FROM overrides WHERE removed_at IS NULL ORDER BY id")
    return tuple(override_from_row(row) for row in rows)


def read_active_overrides(path: Path) -> tuple[Override, ...]:
    """The CLI overrides of the database at ``path``, read-only; () if it does not exist yet."""
    if not path.exists():
        return ()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {exc}") from exc
    try:
        return active_overrides(conn)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return ()
        raise StoreError(f"cannot read {path}: {exc}") from exc
    finally:
        conn.close()
