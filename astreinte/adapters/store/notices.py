"""Notices sent to people: what went out, to whom, when, and whether the channel took it.

* ``notices``: the daemon's hand-off reminders and offline-phone alerts. The watch reads back
  the reminders of the last day at start, so a daemon restarted in the hour before a hand-off
  does not remind the same person twice.
* ``publication_notices`` (append-only): per publication and person, each notice of what
  changed for them, the channel, the recipients and the channel's reply (R3121-3: the schedule
  is communicated "by any means giving a date certain").
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
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


# -- publication notices: what each person was told of a publication (the legal proof) ---------------

NO_CHANNEL = "none"          # the row saying no channel is configured: astreinte told nobody

@dataclass(frozen=True)
class Delivery:
    """One notice of a publication sent to one person through one channel, and the channel's answer."""

    publication: int
    person: str
    channel: str               # email | webhook
    recipients: tuple[str, ...]
    sent_at: datetime
    accepted: bool
    reply: str                 # the SMTP server's reply, the HTTP status, or why it was not sent
    short_notice: bool = False
    subject: str = ""


def create_publication_tables(db: Database) -> None:
    db.table("publication_notices").create(
        {"id": int, "publication": int, "person": str, "channel": str, "recipients": str, "sent_at": str,
         "accepted": int, "reply": str, "short_notice": int, "subject": str},
        pk="id", foreign_keys=[("publication", "publications", "id")])
    db.table("publication_notices").create_index(["publication", "person"])


def add_deliveries(db: Database, deliveries: Iterable[Delivery]) -> None:
    try:
        db.conn.executemany(
            "INSERT INTO publication_notices (publication, person, channel, recipients, sent_at, accepted, reply,"
            " short_notice, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(d.publication, d.person, d.channel, json.dumps(list(d.recipients)),
              d.sent_at.astimezone(UTC).isoformat(timespec="seconds"), int(d.accepted), d.reply,
              int(d.short_notice), d.subject) for d in deliveries])
    except sqlite3.Error as exc:
        raise StoreError(f"cannot record the publication notices: {exc}") from exc


def deliveries(conn: sqlite3.Connection, publications: Iterable[int]) -> list[Delivery]:
    """The notices sent for these publications, in the order they were sent."""
    numbers = list(publications)
    if not numbers:
        return []
    rows = conn.execute(
        "SELECT publication, person, channel, recipients, sent_at, accepted, reply, short_notice, subject"
        f" FROM publication_notices WHERE publication IN ({','.join('?' * len(numbers))}) ORDER BY id",
        numbers).fetchall()
    return [Delivery(int(number), str(person), str(channel), tuple(json.loads(recipients or "[]")),
                     datetime.fromisoformat(sent_at), bool(accepted), str(reply or ""), bool(short), str(subject or ""))
            for number, person, channel, recipients, sent_at, accepted, reply, short, subject in rows]
