"""What the service line keeps: each person's PIN (argon2id hash), the announcements recorded by phone,
and the log of what was done on the line (identifications, wrong PINs, actions).

Tables (``schema.m008_service``): ``phone_pins``, ``announcements``, ``service_events`` (append-only).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from astreinte.adapters.override_rows import unstamp
from astreinte.adapters.store.calls import iso
from astreinte.adapters.store.rotas import transaction
from astreinte.domain.calls.service_line import Announcement

if TYPE_CHECKING:
    from sqlite_utils import Database


def create_tables(db: Database) -> None:
    db.table("phone_pins").create({"person": str, "hash": str, "set_at": str, "set_by": str}, pk="person")
    db.table("announcements").create(
        {"id": int, "team": str, "media": str, "name": str, "duration": float, "recorded_at": str, "until": str,
         "by": str, "cleared_at": str, "cleared_by": str}, pk="id")
    db.table("announcements").create_index(["team", "until"])
    db.table("service_events").create(
        {"id": int, "at": str, "call_id": str, "person": str, "caller": str, "kind": str, "detail": str}, pk="id")


class ServiceBook:
    """Every read and write of the service line's tables (one writer per fact)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- PINs ------------------------------------------------------------------------------------

    def set_pin(self, person: str, hashed: str | None, at: datetime, by: str) -> None:
        """Set (or, with None, remove) ``person``'s PIN hash."""
        with transaction(self.db):
            self.db.execute("DELETE FROM phone_pins WHERE person = ?", [person])
            if hashed is not None:
                self.db.execute("INSERT INTO phone_pins (person, hash, set_at, set_by) VALUES (?, ?, ?, ?)",
                                [person, hashed, iso(at), by])
            self._log(at, "", person, "", "pin set" if hashed else "pin removed", by)

    def pin_hash(self, person: str) -> str | None:
        row = self.db.execute("SELECT hash FROM phone_pins WHERE person = ?", [person]).fetchone()
        return None if row is None else str(row[0])

    # -- announcements ---------------------------------------------------------------------------

    def add_announcement(self, announcement: Announcement, name: str, duration: float | None, at: datetime) -> int:
        """The team's announcement from ``at``: the previous one (if any) is cleared."""
        with transaction(self.db):
            self._clear(announcement.team, announcement.by, at)
            number = self.db.execute(
                "INSERT INTO announcements (team, media, name, duration, recorded_at, until, by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [announcement.team, announcement.media, name, duration, iso(at),
                                                 iso(announcement.until), announcement.by]).lastrowid
            return int(number or 0)

    def clear_announcement(self, team: str, by: str, at: datetime) -> bool:
        with transaction(self.db):
            return self._clear(team, by, at)

    def _clear(self, team: str, by: str, at: datetime) -> bool:
        done = self.db.execute("UPDATE announcements SET cleared_at = ?, cleared_by = ? "
                               "WHERE team = ? AND cleared_at IS NULL AND until > ?",
                               [iso(at), by, team, iso(at)]).rowcount
        return bool(done)

    def live_announcements(self, now: datetime) -> dict[str, Announcement]:
        """Each team's announcement callers hear at ``now`` (the newest one)."""
        rows = self.db.execute("SELECT team, media, until, by FROM announcements WHERE cleared_at IS NULL "
                               "AND until > ? ORDER BY id", [iso(now)]).fetchall()
        return {team: Announcement(team, media, unstamp(until), by or "") for team, media, until, by in rows}

    # -- the log ---------------------------------------------------------------------------------

    def log(self, at: datetime, call_id: str, person: str | None, caller: str, kind: str, detail: str = "") -> None:
        with transaction(self.db):
            self._log(at, call_id, person, caller, kind, detail)

    def _log(self, at: datetime, call_id: str, person: str | None, caller: str, kind: str, detail: str) -> None:
        self.db.execute("INSERT INTO service_events (at, call_id, person, caller, kind, detail) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [iso(at), call_id, person, caller, kind, detail])

    def events(self, since: datetime | None = None) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT at, call_id, person, caller, kind, detail FROM service_events "
                               "WHERE at >= ? ORDER BY id", [iso(since) if since else ""]).fetchall()
        keys = ("at", "call_id", "person", "caller", "kind", "detail")
        return [dict(zip(keys, row, strict=True)) for row in rows]
