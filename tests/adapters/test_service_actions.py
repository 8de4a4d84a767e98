"""What the service line's actions write (astreinte/runtime/service_actions.py) on a real SQLite database:
the end of an intervention declared by phone is the same record as ``astreinte intervention add``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from astreinte.adapters.store import Store
from astreinte.domain.calls import service_line as s
from astreinte.runtime.service_actions import declare
from tests.helpers.calls import example

END = datetime(2026, 11, 8, 3, 30, tzinfo=UTC)


def test_an_intervention_declared_by_phone_keeps_its_travel_as_working_time(tmp_path: Path) -> None:
    config = example()
    with Store.open(tmp_path / "astreinte.db") as store:
        on_site = declare(config, store, s.DeclareIntervention("bob", END - timedelta(minutes=45), END, True, 40), END)
        remote = declare(config, store, s.DeclareIntervention("bob", END - timedelta(minutes=10), END, False), END)
        assert on_site.number != remote.number
        kept = sorted(store.interventions(person="bob"), key=lambda item: item.travel_seconds, reverse=True)
    assert [(x.on_site, x.travel_seconds, x.end - x.start) for x in kept] == [
        (True, 40 * 60, timedelta(minutes=45)), (False, 0, timedelta(minutes=10))]
    assert all(x.note == "declared by phone (service line)" for x in kept)
