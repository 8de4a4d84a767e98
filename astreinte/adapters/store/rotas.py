"""Rota tables, CLI overrides and the append-only publication log.

Publishing compares the assignments the new rota gives over the window [at, horizon)
with those last published, and records a publication (timestamp, content hash, the rota
as JSON, and per person the on-call stretches added and removed) in one transaction.
Publishing the same content again records nothing: no publication row, no change rows,
unless the window has grown (once a month) and newly covered assignments appear.

Instants are stored as UTC ISO-8601 text (``2026-12-24T17:00:00+00:00``), which sorts.
This module reads with plain ``sqlite3`` where it can so the CLI does not pay for importing
sqlite-utils; the overrides rows are read by ``astreinte.adapters.override_rows``, which
``astreinte who`` imports without the store.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from astreinte.adapters.override_rows import OVERRIDE_COLUMNS, unstamp
from astreinte.adapters.override_rows import active_overrides as active_overrides
from astreinte.adapters.override_rows import override_from_row as _override
from astreinte.adapters.override_rows import read_active_overrides as read_active_overrides
from astreinte.adapters.store import agenda
from astreinte.domain.agenda import shifts_of
from astreinte.domain.errors import StoreError
from astreinte.domain.hours import WeekHours
from astreinte.domain.publication import Assignment, Change, assignments_of, diff, horizon
from astreinte.domain.rota import Override

if TYPE_CHECKING:
    from sqlite_utils import Database

    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule

DEFAULT_HORIZON_MONTHS = 13


@dataclass(frozen=True)
class Publication:
    """One row of the publication log and the changes it recorded."""

    id: int
    at: datetime
    source: str
    author: str
    content_hash: str
    horizon_start: datetime
    horizon_end: datetime
    changes: tuple[Change, ...]
    reason: str = ""          # why it was published (exceptional circumstances of a short notice)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on any error): the writer lock is taken up front."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreError(f"the database is busy or unwritable: {exc}") from exc
    try:
        yield
        db.execute("COMMIT")
    except BaseException as exc:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"the database refused the change: {exc}") from exc
        raise


def hours_json(hours: WeekHours | None) -> Any:
    if hours is None:
        return None
    return [[rule.days, [str(window) for window in rule.windows]] for rule in hours.rules]


def override_json(override: Override) -> dict[str, str]:
    return {
        "id": override.id, "team": override.team, "layer": override.layer, "person": override.person,
        "start": stamp(override.start), "end": stamp(override.end), "reason": override.reason,
    }


def rota_document(config: Config, cli_overrides: Sequence[Override]) -> dict[str, Any]:
    """Everything that decides who is on call, as canonical JSON-able data (no secrets)."""
    return {
        "timezone": config.timezone.key,
        "holidays": {"country": config.holidays.country, "subdivision": config.holidays.subdivision},
        "people": [
            {"id": p.id, "name": p.name, "phones": list(p.phones), "work_hours": hours_json(p.work_hours)}
            for p in config.people.values()
        ],
        "teams": [
            {
                "id": team.id, "numbers": list(team.numbers), "greeting": team.greeting,
                "service_hours": hours_json(team.service_hours), "outside_service_dial": team.outside_service_dial,
                "hunt": asdict(team.hunt),
                "layers": [
                    {
                        "name": layer.name, "members": list(layer.rotation.members),
                        "every_days": layer.rotation.every_days,
                        "handoff": layer.rotation.handoff.strftime("%H:%M"),
                        "handoff_weekday": layer.rotation.handoff_weekday,
                        "start": layer.rotation.start.isoformat(),
                    }
                    for layer in team.layers
                ],
            }
            for team in config.teams.values()
        ],
        "overrides": [override_json(o) for o in (*config.overrides, *cli_overrides)],
    }


def content_hash(document: dict[str, Any]) -> tuple[str, str]:
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


def publish(
    db: Database, config: Config, at: datetime, *, source: str, author: str = "", reason: str = "",
    months: int = DEFAULT_HORIZON_MONTHS,
) -> Publication | None:
    """Inside an open transaction: record what changed for whom, or nothing if nothing did.

    The calendar events of the window are brought up to date too (``store.agenda``)."""
    at = at.replace(microsecond=0)
    cli = active_overrides(db.conn)
    end = horizon(at, config.timezone, months)
    document = rota_document(config, cli)
    text, digest = content_hash(document)
    last = db.execute("SELECT content_hash, horizon_end, id FROM publications ORDER BY id DESC LIMIT 1").fetchone()
    schedule = config.schedule(cli)
    if last is not None and last[0] == digest and last[1] == stamp(end):
        _calendar_once(db, config, schedule, at, end, int(last[2]))
        return None      # same content, same window: the assignments cannot differ
    pieces = shifts_of(schedule, config.teams, at, end)
    new = assignments_of(pieces)
    changes = diff(published_shifts(db.conn), new, at, end)
    if not changes and last is not None and last[0] == digest:
        _calendar_once(db, config, schedule, at, end, int(last[2]))
        return None
    _replace_rota(db, document)
    added = sum(change.kind == "added" for change in changes)
    cursor = db.execute(
        "INSERT INTO publications (at, source, author, content_hash, horizon_start, horizon_end, added, removed,"
        " content, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [stamp(at), source, author, digest, stamp(at), stamp(end), added, len(changes) - added, text, reason],
    )
    number = int(cursor.lastrowid or 0)
    agenda.refresh(db, pieces, at, end, number)
    db.conn.executemany(
        "INSERT INTO publication_changes (publication, person, team, layer, change, start, end)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(number, c.person, c.team, c.layer, c.kind, stamp(c.start), stamp(c.end)) for c in changes],
    )
    db.execute("DELETE FROM published_shifts")
    db.conn.executemany(
        "INSERT INTO published_shifts (team, layer, person, start, end, override, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(a.team, a.layer, a.person, stamp(a.start), stamp(a.end), int(a.override), a.reason) for a in new],
    )
    return Publication(number, at, source, author, digest, at, end, tuple(changes), reason)


def _calendar_once(db: Database, config: Config, schedule: Schedule, at: datetime, end: datetime,
                   publication: int) -> None:
    """A database published before calendars were stored gets its events at the next load."""
    if agenda.is_empty(db.conn):
        agenda.refresh(db, shifts_of(schedule, config.teams, at, end), at, end, publication)


def _replace_rota(db: Database, document: dict[str, Any]) -> None:
    for table in ("rota_people", "rota_teams", "rota_layers", "rota_overrides"):
        db.execute(f"DELETE FROM {table}")
    db.table("rota_people").insert_all(
        {"id": p["id"], "name": p["name"], "phones": json.dumps(p["phones"]),
         "work_hours": json.dumps(p["work_hours"])}
        for p in document["people"]
    )
    db.table("rota_teams").insert_all(
        {"id": t["id"], "position": position, "numbers": json.dumps(t["numbers"]), "greeting": t["greeting"],
         "service_hours": json.dumps(t["service_hours"]), "outside_service_dial": t["outside_service_dial"],
         "hunt": json.dumps(t["hunt"])}
        for position, t in enumerate(document["teams"])
    )
    db.table("rota_layers").insert_all(
        {"team": t["id"], "position": position, **{k: v for k, v in layer.items() if k != "members"},
         "members": json.dumps(layer["members"])}
        for t in document["teams"]
        for position, layer in enumerate(t["layers"])
    )
    db.table("rota_overrides").insert_all(o for o in document["overrides"] if o["id"].startswith("config:"))


def all_overrides(conn: sqlite3.Connection) -> list[tuple[Override, dict[str, str | None]]]:
    """Every CLI override, removed ones too, with its audit columns."""
    rows = conn.execute(
        f"SELECT {OVERRIDE_COLUMNS}, author, created_at, removed_at, removed_by FROM overrides ORDER BY id"
    ).fetchall()
    keys = ("author", "created_at", "removed_at", "removed_by")
    return [(_override(row[:7]), dict(zip(keys, row[7:], strict=True))) for row in rows]


def published_shifts(conn: sqlite3.Connection) -> list[Assignment]:
    rows = conn.execute("SELECT team, layer, person, start, end, override, reason FROM published_shifts")
    return [
        Assignment(team, layer, person, unstamp(start), unstamp(end), bool(override), reason or "")
        for team, layer, person, start, end, override, reason in rows
    ]


def insert_override(db: Database, override: Override, at: datetime, author: str) -> int:
    cursor = db.execute(
        "INSERT INTO overrides (team, layer, person, start, end, reason, author, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [override.team, override.layer, override.person, stamp(override.start), stamp(override.end),
         override.reason, author, stamp(at)],
    )
    return int(cursor.lastrowid or 0)


def mark_removed(db: Database, number: int, at: datetime, author: str) -> Override:
    row = db.execute(f"SELECT {OVERRIDE_COLUMNS} FROM overrides WHERE id = ? AND removed_at IS NULL", [number])
    found = row.fetchone()
    if found is None:
        raise StoreError(f"no active override #{number} (see astreinte override list)")
    db.execute("UPDATE overrides SET removed_at = ?, removed_by = ? WHERE id = ?", [stamp(at), author, number])
    return _override(found)


def publications(conn: sqlite3.Connection, limit: int | None = None) -> list[Publication]:
    """The publication log, newest first, each with its changes."""
    query = ("SELECT id, at, source, author, content_hash, horizon_start, horizon_end, reason FROM publications"
             " ORDER BY id DESC")
    rows = conn.execute(query + (f" LIMIT {int(limit)}" if limit is not None else "")).fetchall()
    result = []
    for number, at, source, author, digest, start, end, reason in rows:
        changes = conn.execute(
            "SELECT person, team, layer, change, start, end FROM publication_changes WHERE publication = ?"
            " ORDER BY person, start",
            [number],
        )
        result.append(Publication(
            number, unstamp(at), source, author or "", digest, unstamp(start), unstamp(end),
            tuple(Change(p, t, la, kind, unstamp(s), unstamp(e)) for p, t, la, kind, s, e in changes),
            reason or "",
        ))
    return result
