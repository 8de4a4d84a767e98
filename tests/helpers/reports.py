"""A month of calls in a store, as the report tests (CLI and browser) read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from astreinte.adapters.store import Store
from astreinte.domain.calls.record import AttemptRecord, CallRecord


def store_november_calls(config_file: Path) -> None:
    """Tue 10 Nov 2026, 22:00 and 23:00 Paris: bob answers after 12 s and 41 s, talks 30 min;
    then a voicemail and a call outside service hours (in ``astreinte.db`` beside ``config_file``)."""
    with Store.open(config_file.parent / "astreinte.db") as store:
        for n, (wait, outcome) in enumerate([(12, "answered"), (41, "answered"), (0, "voicemail"),
                                             (0, "outside_service")]):
            begin = datetime(2026, 11, 10, 21, tzinfo=UTC) + timedelta(hours=n)
            call = CallRecord(f"c{n}", begin, "1000", "+33600000000", "support", outcome, ended_at=begin)
            if outcome == "answered":
                call.answered_by, call.connected_at = "bob", begin + timedelta(seconds=wait)
                call.ended_at = call.connected_at + timedelta(minutes=30)
                call.attempts = [AttemptRecord(1, "bob", "PJSIP/bob", "answered", begin, call.connected_at)]
            store.finish_call(call)
