"""The store: atomic, idempotent publications, an append-only log, CLI overrides that survive reloads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from astreinte.adapters.store import Store, read_active_overrides, rotas
from astreinte.config import Config, load
from astreinte.domain.errors import StoreError
from astreinte.domain.rota import Override

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def edited(tmp_path: Path, old: str, new: str) -> Config:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load(path, environ={})


@pytest.fixture
def config() -> Config:
    return load(EXAMPLE, environ={})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "db" / "astreinte.db") as opened:
        yield opened


def counts(store: Store) -> dict[str, int]:
    return {table: store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("publications", "publication_changes", "published_shifts", "rota_people", "overrides")}


def test_first_publication_records_every_assignment_per_person(store: Store, config: Config) -> None:
    publication = store.publish(config, at("2026-12-01T10:00"), source="rota load", author="ops")
    assert publication is not None and publication.id == 1
    assert {c.kind for c in publication.changes} == {"added"}
    assert {c.person for c in publication.changes} == {"alice", "bob", "carol", "dave"}
    dave_primary = [c for c in publication.changes if c.person == "dave" and c.layer == "primary"]
    assert [(c.start, c.end) for c in dave_primary] == [(at("2026-12-24T18:00"), at("2026-12-26T09:00"))]
    assert publication.horizon_end == datetime(2028, 1, 1, tzinfo=PARIS)
    (logged,) = store.publications()
    assert (logged.source, logged.author, logged.changes) == ("rota load", "ops", publication.changes)


def test_publishing_the_same_content_again_records_nothing(store: Store, config: Config) -> None:
    assert store.publish(config, at("2026-12-01T10:00")) is not None
    before = counts(store)
    assert store.publish(config, at("2026-12-01T10:05")) is None
    assert store.publish(load(EXAMPLE, environ={}), at("2026-12-20T10:00")) is None
    assert counts(store) == before


def test_a_month_later_the_window_grows_and_only_additions_are_published(store: Store, config: Config) -> None:
    store.publish(config, at("2026-12-01T10:00"))
    later = store.publish(config, at("2027-01-02T10:00"))
    assert later is not None and later.changes
    assert {c.kind for c in later.changes} == {"added"}
    assert min(c.start for c in later.changes) >= datetime(2027, 12, 27, tzinfo=PARIS)


def test_a_rota_change_publishes_what_changed_for_whom(tmp_path: Path, store: Store, config: Config) -> None:
    store.publish(config, at("2026-12-01T10:00"))
    swapped = edited(tmp_path, "members: [alice, bob, carol]", "members: [alice, carol, bob]")
    publication = store.publish(swapped, at("2026-12-02T10:00"))
    assert publication is not None
    assert {(c.person, c.kind) for c in publication.changes} == {
        ("bob", "added"), ("bob", "removed"), ("carol", "added"), ("carol", "removed"),
    }
    assert all(c.layer == "primary" for c in publication.changes)


def test_cli_overrides_are_published_and_survive_reloads(store: Store, config: Config) -> None:
    store.publish(config, at("2026-12-01T10:00"))
    override = Override("support", "primary", "carol", at("2026-12-02T12:00"), at("2026-12-03T12:00"), "dentist")
    added, publication = store.add_override(config, override, at("2026-12-01T11:00"), author="ops")
    assert added.id == "cli:1" and added.source == "cli"
    assert publication is not None and publication.source == "override add #1"
    assert [(c.person, c.kind, c.start, c.end) for c in publication.changes] == [
        ("bob", "removed", at("2026-12-02T12:00"), at("2026-12-03T12:00")),
        ("carol", "added", at("2026-12-02T12:00"), at("2026-12-03T12:00")),
    ]
    assert store.publish(load(EXAMPLE, environ={}), at("2026-12-01T12:00")) is None    # YAML reload
    (kept,) = store.overrides()
    assert (kept.person, kept.start, kept.reason) == ("carol", at("2026-12-02T12:00"), "dentist")
    status = config.schedule(store.overrides()).who("support", at("2026-12-02T13:00"))
    assert (status.chain[0].person.id, status.chain[0].override) == ("carol", True)

    removed, publication = store.remove_override(config, 1, at("2026-12-01T13:00"), author="ops")
    assert removed.person == "carol" and publication is not None
    assert {(c.person, c.kind) for c in publication.changes} == {("bob", "added"), ("carol", "removed")}
    assert store.overrides() == ()
    ((_, audit),) = store.override_history()
    assert audit["removed_at"] and audit["removed_by"] == "ops"
    with pytest.raises(StoreError, match="no active override #1"):
        store.remove_override(config, 1, at("2026-12-01T14:00"))


def test_cli_override_for_unknown_targets_is_refused(store: Store, config: Config) -> None:
    stray = Override("support", "tertiary", "carol", at("2026-12-02T12:00"), at("2026-12-03T12:00"))
    with pytest.raises(StoreError):
        store.add_override(config, stray, at("2026-12-01T11:00"))
    assert counts(store)["overrides"] == 0


def test_the_publication_log_is_append_only(store: Store, config: Config) -> None:
    store.publish(config, at("2026-12-01T10:00"))
    for statement in ("UPDATE publications SET source = 'x'", "DELETE FROM publications",
                      "DELETE FROM publication_changes", "UPDATE publication_changes SET person = 'x'"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(statement)


def test_a_failure_mid_publication_changes_nothing(store: Store, config: Config, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    store.publish(config, at("2026-12-01T10:00"))
    before = counts(store)
    shifts_before = store.published_shifts()
    original = rotas._replace_rota

    def half_done(db, document):  # type: ignore[no-untyped-def]
        original(db, document)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rotas, "_replace_rota", half_done)
    with pytest.raises(RuntimeError):
        store.publish(edited(tmp_path, "members: [alice, bob, carol]", "members: [bob]"), at("2026-12-02T10:00"))
    assert counts(store) == before
    assert store.published_shifts() == shifts_before


def test_the_stored_content_holds_no_secret(store: Store, config: Config) -> None:
    store.publish(config, at("2026-12-01T10:00"))
    (content,) = store.db.execute("SELECT content FROM publications").fetchone()
    assert "secret" not in content and "David Moreau" in content


def test_wal_mode_and_idempotent_schema(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "astreinte.db"
    with Store.open(path) as first:
        assert first.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        first.publish(config, at("2026-12-01T10:00"))
    with Store.open(path) as again:
        assert len(again.publications()) == 1


def test_read_active_overrides_is_read_only_and_tolerant(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "astreinte.db"
    assert read_active_overrides(path) == ()
    assert not path.exists()
    with Store.open(path) as store:
        store.add_override(config, Override("support", "secondary", "bob", at("2027-01-01T00:00"),
                                            at("2027-01-02T00:00")), at("2026-12-01T10:00"))
    (override,) = read_active_overrides(path)
    assert (override.id, override.layer, override.person) == ("cli:1", "secondary", "bob")


def test_memory_store_for_tests(config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Store.memory()`` is the whole schema (triggers included) in memory: what a file store does, it does,
    it writes no file, and two of them share nothing."""
    monkeypatch.chdir(tmp_path)
    with Store.memory() as store, Store.memory() as other:
        first = store.publish(config, at("2026-12-01T10:00"))
        assert first is not None and first.changes
        assert store.publish(config, at("2026-12-01T11:00")) is None, "the same content again records nothing"
        assert [p.source for p in store.publications()] == [first.source]
        override = Override("support", "primary", "carol", at("2026-12-02T12:00"), at("2026-12-03T12:00"), "dentist")
        added, _ = store.add_override(config, override, at("2026-12-01T11:00"), author="ops")
        assert store.overrides() == (added,)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute("DELETE FROM publications")
        assert other.publications() == [] and other.overrides() == ()
    assert list(tmp_path.iterdir()) == [], "a memory store wrote a file"
