"""The call log's journal (astreinte/adapters/store/journal.py) against a real SQLite that refuses to
grow (``PRAGMA max_page_count``: the SQLITE_FULL a full disk gives), and the replay once it can."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from astreinte.adapters.store import Store
from astreinte.adapters.store.calls import record_json
from astreinte.adapters.store.journal import Journal
from astreinte.domain.calls.record import AttemptRecord, CallRecord
from astreinte.domain.errors import StoreError

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def record(n: int, outcome: str = "answered") -> CallRecord:
    start = T0 + timedelta(minutes=n)
    return CallRecord(f"1796000000.{n}", start, "1000", "0611223344", "support", outcome,
                      answered_by="alice" if outcome == "answered" else None,
                      connected_at=start + timedelta(seconds=6) if outcome == "answered" else None,
                      ended_at=start + timedelta(seconds=60),
                      attempts=[AttemptRecord(1, "alice", "PJSIP/alice", "answered", start,
                                              start + timedelta(seconds=5))])


def full(store: Store) -> None:
    """No page more: every write that needs one fails as on a full disk."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")


def room(store: Store) -> None:
    store.db.execute("PRAGMA max_page_count = 1073741823")


def test_calls_and_messages_the_database_refuses_are_journaled_then_replayed_in_order(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "astreinte.db", journal=True)
    assert store.journal is not None and (tmp_path / "astreinte.db.journal").stat().st_size == 4 * 1024 * 1024
    full(store)
    for n in range(40):                                    # enough to need new pages
        store.begin_call(replace_outcome(record(n), "in_progress"))
        store.finish_call(record(n), [(T0 + timedelta(minutes=n), "step", "bridged with alice " + "x" * 200)])
    store.add_message("1796000000.3", "support", "0611223344", T0, 12.0, "/spool/astreinte-1796000000-3.wav",
                      {"email": True})
    kept = len(store.journal.entries())
    assert kept > 0 and len(store.calls()) < 40, "the first writes fit in free pages, the rest waits"
    with pytest.raises(StoreError):
        store.replay_journal()                              # still full: everything stays in the journal
    assert len(store.journal.entries()) == kept
    room(store)
    assert store.replay_journal() == kept
    rows = store.calls()
    assert len(rows) == 40 and {row["outcome"] for row in rows} == {"answered"}, "each end after its arrival"
    assert [m["call_id"] for m in store.messages()] == ["1796000000.3"]
    assert store.call_events("1796000000.7")[0]["detail"].startswith("bridged with alice")
    assert store.journal.used == 0 and store.replay_journal() == 0


def test_a_replay_repeated_after_a_crash_changes_nothing(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "astreinte.db", journal=True)
    assert store.journal is not None
    store.journal.append("finish_call", {"record": record_json(record(1)), "steps": [[T0.isoformat(), "step", "one"]]})
    store.journal.append("add_message", {"call_id": "1796000000.1", "team": "support", "caller": "06",
                                         "recorded_at": T0.isoformat(), "duration": 3.0, "path": "/m.wav",
                                         "notified": {}})
    entries = store.journal.entries()
    store.replay_journal()
    for op, payload in entries:                 # the daemon died after the commit, before the clear:
        store.journal.append(op, payload)       # the next start finds the same entries again
    assert store.replay_journal() == 2
    assert len(store.calls()) == 1 and len(store.messages()) == 1 and len(store.call_events("1796000000.1")) == 1


def test_a_line_cut_by_a_crash_is_skipped_and_the_journal_survives_a_reopen(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j", reserve=4096)
    assert journal.reserve()
    journal.append("close_call", {"id": "a"})
    with (tmp_path / "j").open("r+b") as out:
        out.seek(journal.used)
        out.write(b'{"op":"close_call","id":"b"')           # no newline: the write was cut
    again = Journal(tmp_path / "j", reserve=4096)
    assert [payload["id"] for _, payload in again.entries()] == ["a"]
    again.clear()
    assert Journal(tmp_path / "j").used == 0 and (tmp_path / "j").stat().st_size == 4096


def replace_outcome(call: CallRecord, outcome: str) -> CallRecord:
    call = call.copy()
    call.outcome, call.connected_at, call.ended_at, call.answered_by = outcome, None, None, None
    return call
