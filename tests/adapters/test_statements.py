"""Statements are kept immutably (append-only, content hash); interventions are marked removed."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from astreinte.adapters.store import Store
from astreinte.domain.compensation import Intervention
from astreinte.domain.errors import StoreError

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 12, 2, 9, tzinfo=PARIS)


def test_the_same_bytes_are_kept_once_and_new_bytes_are_a_new_version() -> None:
    store = Store.memory()
    first, new = store.save_statement("2026-11", "bob", "json", b'{"a": 1}\n', "fr-interieur-2015", AT)
    assert new and first.content_hash == hashlib.sha256(b'{"a": 1}\n').hexdigest()
    again, new = store.save_statement("2026-11", "bob", "json", b'{"a": 1}\n', "fr-interieur-2015", AT)
    assert (again.id, new) == (first.id, False)
    second, new = store.save_statement("2026-11", "bob", "json", b'{"a": 2}\n', "fr-interieur-2015", AT)
    assert new and second.id != first.id
    assert [s.content for s in store.statements("2026-11")] == [b'{"a": 1}\n', b'{"a": 2}\n']


@pytest.mark.parametrize("sql", ["UPDATE statements SET content = x'00'", "DELETE FROM statements"])
def test_statements_are_append_only(sql: str) -> None:
    store = Store.memory()
    store.save_statement("2026-11", "*", "html", b"<html></html>", "p", AT)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute(sql)


def test_interventions_add_list_remove() -> None:
    store = Store.memory()
    item = Intervention("bob", datetime(2026, 11, 11, 14, tzinfo=PARIS), datetime(2026, 11, 11, 15, tzinfo=PARIS),
                        on_site=True, travel_seconds=1800, note="pump")
    number = store.add_intervention(item, AT, "ops")
    (listed,) = store.interventions(person="bob")
    assert (listed.start, listed.end, listed.on_site, listed.travel_seconds, listed.note, listed.ref) == (
        item.start, item.end, True, 1800, "pump", str(number))
    assert store.interventions(datetime(2026, 11, 12, tzinfo=PARIS)) == []
    store.remove_intervention(number, AT, "ops")
    assert store.interventions() == []
    with pytest.raises(StoreError):
        store.remove_intervention(number, AT)
    with pytest.raises(StoreError):
        store.add_intervention(Intervention("bob", item.end, item.start), AT)
