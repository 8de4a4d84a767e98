"""The known callers imported from a CSV file (``astreinte callers import``), beside the ``callers:``
block of the configuration (which wins on an id both have): ``domain/callers.py``.

Table (``schema.m010_customers``): ``customers``, replaced whole by each import; its ``pin`` is an argon2id
hash (``schema.m011_customer_pins`` hashed the plain ones an older version kept).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from astreinte.adapters.store.calls import iso
from astreinte.adapters.store.rotas import transaction
from astreinte.domain.callers import Customer

if TYPE_CHECKING:
    from sqlite_utils import Database


def create_tables(db: Database) -> None:
    db.table("customers").create(
        {"id": str, "name": str, "site": str, "numbers": str, "level": str, "team": str, "pin": str,
         "language": str, "imported_at": str, "imported_by": str, "source": str}, pk="id")


def stored_pin(pin: str | None) -> str | None:
    """What the table keeps of a PIN: its argon2id hash (``web/passwords``, as people's PINs), never the digits."""
    from astreinte.web.passwords import hashed, is_hash

    return pin if pin is None or is_hash(pin) else hashed(pin)


def hash_plain_pins(db: Database) -> int:
    """Hash the PINs an older astreinte kept in plain text (``schema.m011_customer_pins``); how many."""
    from astreinte.web.passwords import is_hash

    rows = db.execute("SELECT id, pin FROM customers WHERE pin IS NOT NULL AND pin != ''").fetchall()
    plain = [(ident, str(pin)) for ident, pin in rows if not is_hash(str(pin))]
    for ident, pin in plain:
        db.execute("UPDATE customers SET pin = ? WHERE id = ?", [stored_pin(pin), ident])
    return len(plain)


class CustomerBook:
    def __init__(self, db: Database) -> None:
        self.db = db

    def replace(self, customers: Sequence[Customer], at: datetime, by: str, source: str) -> None:
        """The imported directory becomes ``customers`` (one transaction: a failed import changes nothing)."""
        with transaction(self.db):
            self.db.execute("DELETE FROM customers")
            for x in customers:
                self.db.execute(
                    "INSERT INTO customers (id, name, site, numbers, level, team, pin, language, imported_at, "
                    "imported_by, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [x.id, x.name, x.site, json.dumps(list(x.numbers)), x.level, x.team, stored_pin(x.pin), x.language,
                     iso(at), by, source])

    def all(self) -> dict[str, Customer]:
        rows = self.db.execute("SELECT id, name, site, numbers, level, team, pin, language FROM customers "
                               "ORDER BY id").fetchall()
        return {r[0]: Customer(r[0], r[1], r[2] or "", r[4] or "", tuple(json.loads(r[3] or "[]")), r[5] or None,
                               r[6] or None, r[7] or None) for r in rows}
