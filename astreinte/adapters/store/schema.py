"""The store's schema, as ``sqlite_utils.Migrations`` applied in order at every open (idempotent).

To extend the store (calls, attempts, messages…), append a new ``@MIGRATIONS()`` function
at the end; never edit one that has shipped. Append-only tables get triggers that refuse
UPDATE and DELETE, so the publication log stays a proof.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("astreinte")

APPEND_ONLY = ("publications", "publication_changes")


def append_only(db: Database, table: str) -> None:
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


@MIGRATIONS()
def m001_rotas(db: Database) -> None:
    """The rota as last published, CLI overrides, and the append-only publication log."""
    db.table("rota_people").create(
        {"id": str, "name": str, "phones": str, "work_hours": str}, pk="id"
    )
    db.table("rota_teams").create(
        {"id": str, "position": int, "numbers": str, "greeting": str, "service_hours": str,
         "outside_service_dial": str, "hunt": str},
        pk="id",
    )
    db.table("rota_layers").create(
        {"team": str, "position": int, "name": str, "members": str, "every_days": int,
         "handoff": str, "handoff_weekday": int, "start": str},
        pk=("team", "name"),
    )
    db.table("rota_overrides").create(
        {"id": str, "team": str, "layer": str, "person": str, "start": str, "end": str, "reason": str},
        pk="id",
    )
    db.table("overrides").create(
        {"id": int, "team": str, "layer": str, "person": str, "start": str, "end": str, "reason": str,
         "author": str, "created_at": str, "removed_at": str, "removed_by": str},
        pk="id",
    )
    db.table("overrides").create_index(["removed_at"])
    db.table("publications").create(
        {"id": int, "at": str, "source": str, "author": str, "content_hash": str,
         "horizon_start": str, "horizon_end": str, "added": int, "removed": int, "content": str},
        pk="id",
    )
    db.table("publication_changes").create(
        {"id": int, "publication": int, "person": str, "team": str, "layer": str, "change": str,
         "start": str, "end": str},
        pk="id",
        foreign_keys=[("publication", "publications", "id")],
    )
    db.table("publication_changes").create_index(["person", "start"])
    db.table("published_shifts").create(
        {"team": str, "layer": str, "person": str, "start": str, "end": str, "override": int, "reason": str},
    )
    db.table("published_shifts").create_index(["team", "layer", "start"])
    for table in APPEND_ONLY:
        append_only(db, table)


@MIGRATIONS()
def m002_calls(db: Database) -> None:
    """Calls, attempts, call events and voicemail messages (see ``store.calls``)."""
    from astreinte.adapters.store.calls import create_tables as create

    create(db)


@MIGRATIONS()
def m003_legal(db: Database) -> None:
    """Declared interventions and the append-only monthly statements (``store.interventions``,
    ``store.statements``)."""
    from astreinte.adapters.store import interventions, statements

    interventions.create_tables(db)
    statements.create_tables(db)
    append_only(db, "statements")


@MIGRATIONS()
def m004_notices(db: Database) -> None:
    """Notices sent by the daemon (``store.notices``)."""
    from astreinte.adapters.store import notices

    notices.create_tables(db)


@MIGRATIONS()
def m005_publication_notices(db: Database) -> None:
    """The reason of a publication, what each person was told of it (``store.notices``), the calendar
    events as published (``store.agenda``), and the page hashes printed on statements."""
    from astreinte.adapters.store import agenda, notices

    db.table("publications").add_column("reason", str)
    notices.create_publication_tables(db)
    append_only(db, "publication_notices")
    agenda.create_tables(db)
    db.table("statements").add_column("page_hashes", str)


@MIGRATIONS()
def m006_web(db: Database) -> None:
    """The web console: users, sessions, feed and API tokens, swap requests (``store.accounts``)."""
    from astreinte.adapters.store import accounts

    accounts.create_tables(db)


@MIGRATIONS()
def m007_message_lifecycle(db: Database) -> None:
    """The message lifecycle: states, who heard and acknowledged, callouts, PBX imports (``store.messages``)."""
    from astreinte.adapters.store import messages

    messages.create_tables(db)


@MIGRATIONS()
def m008_service(db: Database) -> None:
    """The service line: PINs, announcements recorded by phone, its log (``store.service``)."""
    from astreinte.adapters.store import service

    service.create_tables(db)
    append_only(db, "service_events")


@MIGRATIONS()
def m009_known_callers(db: Database) -> None:
    """The known caller of each call (``callers:``, ``domain/callers.py``)."""
    db.table("calls").add_column("customer", str)


@MIGRATIONS()
def m010_customers(db: Database) -> None:
    """The known callers imported from CSV (``store.customers``)."""
    from astreinte.adapters.store import customers

    customers.create_tables(db)


@MIGRATIONS()
def m011_customer_pins(db: Database) -> None:
    """The imported customers' PINs, kept in plain text before: hashed (argon2id, ``store.customers``)."""
    from astreinte.adapters.store import customers

    customers.hash_plain_pins(db)
