"""The SQLite store (sqlite-utils): rotas as published, CLI overrides, the publication log.

Synchronous on purpose: the CLI calls it directly, the daemon runs every method in its
single-thread executor. Files are opened in WAL mode with a busy timeout, so the CLI
and the daemon can share one database. Schema: ``astreinte.adapters.store.schema``.

    store = Store.open(config.database)
    publication = store.publish(config, at=now, source="rota load")   # None: nothing changed
    schedule = config.schedule(store.overrides())
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from astreinte.adapters.store import calls, interventions, notices, rotas, statements
from astreinte.adapters.store.rotas import Publication, read_active_overrides
from astreinte.adapters.store.statements import StoredStatement
from astreinte.domain.compensation import Intervention
from astreinte.domain.errors import StoreError
from astreinte.domain.publication import Assignment
from astreinte.domain.rota import Override

if TYPE_CHECKING:
    from sqlite_utils import Database

    from astreinte.config import Config

__all__ = ["Publication", "Store", "read_active_overrides"]

BUSY_TIMEOUT = 5.0


class Store:
    """One open database. Build with ``Store.open(path)`` or ``Store.memory()`` (tests)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating it and its folder if needed) and bring the schema up to date."""
        from sqlite_utils import Database  # lazy: `astreinte who` never imports sqlite-utils

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, check_same_thread=False)
            db = Database(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            db.enable_wal()
            db.execute("PRAGMA foreign_keys = ON")
            return cls._migrated(db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc

    @classmethod
    def memory(cls) -> Store:
        from sqlite_utils import Database

        return cls._migrated(Database(memory=True, execute_plugins=False))

    @classmethod
    def _migrated(cls, db: Database) -> Store:
        from astreinte.adapters.store.schema import MIGRATIONS

        MIGRATIONS.apply(db)
        return cls(db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- rotas and publications ---------------------------------------------------------------

    def publish(
        self, config: Config, at: datetime, *, source: str = "rota load", author: str = "",
        months: int = rotas.DEFAULT_HORIZON_MONTHS,
    ) -> Publication | None:
        """Store the rota and record what changed for whom; None when nothing changed (no row)."""
        with rotas.transaction(self.db):
            return rotas.publish(self.db, config, at, source=source, author=author, months=months)

    def publications(self, limit: int | None = None) -> list[Publication]:
        return rotas.publications(self.db.conn, limit)

    def published_shifts(self) -> list[Assignment]:
        return rotas.published_shifts(self.db.conn)

    # -- CLI overrides --------------------------------------------------------------------------

    def overrides(self) -> tuple[Override, ...]:
        """Active CLI overrides, oldest first: give them to ``config.schedule()``."""
        return rotas.active_overrides(self.db.conn)

    def override_history(self) -> list[tuple[Override, dict[str, str | None]]]:
        return rotas.all_overrides(self.db.conn)

    def add_override(
        self, config: Config, override: Override, at: datetime, author: str = ""
    ) -> tuple[Override, Publication | None]:
        """Store a CLI override and publish the resulting rota, in one transaction."""
        team = config.teams.get(override.team)
        if team is None or team.layer(override.layer) is None or override.person not in config.people:
            raise StoreError(f"override names an unknown team, layer or person: {override.team}/"
                             f"{override.layer}/{override.person}")
        if override.end.timestamp() <= override.start.timestamp():
            raise StoreError("an override must end after it starts")
        with rotas.transaction(self.db):
            number = rotas.insert_override(self.db, override, at, author)
            publication = rotas.publish(self.db, config, at, source=f"override add #{number}", author=author)
        return replace(override, id=f"cli:{number}", source="cli"), publication

    def remove_override(
        self, config: Config, number: int, at: datetime, author: str = ""
    ) -> tuple[Override, Publication | None]:
        """Mark a CLI override removed (it stays in the history) and publish."""
        with rotas.transaction(self.db):
            removed = rotas.mark_removed(self.db, number, at, author)
            publication = rotas.publish(self.db, config, at, source=f"override remove #{number}", author=author)
        return removed, publication


    # -- the call log ---------------------------------------------------------------------------

    def begin_call(self, call: calls.CallRecord) -> None:
        calls.begin(self.db, call)

    def finish_call(self, call: calls.CallRecord, events: Sequence[tuple[datetime, str, str]] = ()) -> None:
        """Store the completed call, its attempts and the steps it went through, in one transaction."""
        with rotas.transaction(self.db):
            calls.finish(self.db, call)
            for at, kind, detail in events:
                calls.event(self.db, call.id, at, kind, detail)

    def calls(self, since: datetime | None = None, team: str | None = None,
              limit: int | None = None) -> list[dict[str, Any]]:
        return calls.calls(self.db.conn, since, team, limit)

    def call_events(self, call_id: str) -> list[dict[str, Any]]:
        return calls.events(self.db.conn, call_id)

    def add_message(self, call_id: str, team: str | None, caller: str, recorded_at: datetime,
                    duration: float | None, path: str, notified: dict[str, bool]) -> int:
        return calls.add_message(self.db, call_id, team, caller, recorded_at, duration, path, notified)

    def messages(self, since: datetime | None = None) -> list[dict[str, Any]]:
        return calls.messages(self.db.conn, since)

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
                       at: datetime) -> tuple[StoredStatement, bool]:
        """Keep a rendered statement (append-only); False when these exact bytes are already kept."""
        with rotas.transaction(self.db):
            return statements.save(self.db, month, person, fmt, content, profile, at)

    def statements(self, month: str | None = None) -> list[StoredStatement]:
        return statements.history(self.db.conn, month)
