"""The message lifecycle in SQLite (astreinte/adapters/store/messages.py), on real database files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from astreinte.adapters.store import PbxMessage, Store
from astreinte.domain.calls.record import AttemptRecord, CallRecord
from astreinte.domain.errors import StoreError

T0 = datetime(2026, 11, 7, 3, 14, tzinfo=UTC)


def filed(store: Store, *, team: str = "support", at: datetime = T0, callout: bool = True) -> int:
    number = store.add_message("1795000000.1", team, "0611223344", at, 42.0, "/spool/astreinte-1.wav", {},
                               now=at, number="1000", media="recording:astreinte-1",
                               callout_at=at if callout else None)
    assert number is not None, "the store is up: the message is filed, not journaled"
    return number


def history(store: Store, message_id: int) -> list[tuple[str, str | None]]:
    (row,) = [m for m in store.messages() if m["id"] == message_id]
    return [(h["state"], h["by"]) for h in row["history"]]


def test_a_message_is_new_then_calling_heard_and_acknowledged_once(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        number = filed(store)
        assert [m["id"] for m in store.messages_due(T0)] == [number]
        store.callout_started(number, "callout-1", 1, "message", T0 + timedelta(seconds=1))
        assert store.messages_due(T0 + timedelta(hours=1)) == [], "a round going on is not due again"
        assert store.message_heard(number, "alice", "PJSIP/alice", T0 + timedelta(seconds=30))
        assert not store.message_heard(number, "bob", "PJSIP/bob", T0 + timedelta(seconds=40)), "the first stays"
        first = store.acknowledge(number, "alice", "phone", T0 + timedelta(seconds=50), phone="PJSIP/alice")
        again = store.acknowledge(number, "bob", "cli", T0 + timedelta(seconds=60))
        assert first.first and not again.first
        assert (again.message["acknowledged_by"], again.message["acknowledged_how"]) == ("alice", "phone")
        (row,) = store.messages()
        assert (row["state"], row["heard_by"], row["heard_phone"]) == ("acknowledged", "alice", "PJSIP/alice")
        assert history(store, number) == [("new", None), ("calling", None), ("heard", "alice"),
                                          ("acknowledged", "alice")]


def test_an_acknowledgement_from_another_process_is_seen_at_once(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as daemon, Store.open(tmp_path / "a.db") as cli:
        number = filed(daemon)
        cli.acknowledge(number, "bob", "cli", T0)
        assert daemon.message_states([number])[number]["state"] == "acknowledged"
        assert daemon.messages_due(T0 + timedelta(days=1)) == []


def test_bad_acknowledgements_are_refused_with_the_reason(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        number = filed(store)
        with pytest.raises(StoreError, match="no message #99"):
            store.acknowledge(99, "bob", "cli", T0)
        with pytest.raises(StoreError, match="expected one of: phone, cli, web"):
            store.acknowledge(number, "bob", "fax", T0)
        with pytest.raises(StoreError, match="by whom"):
            store.acknowledge(number, "  ", "web", T0)


def test_rounds_then_expiry_and_an_acknowledged_message_is_never_expired(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        number, other = filed(store), filed(store)
        store.callout_started(number, "c1", 1, "message", T0)
        later = T0 + timedelta(minutes=5)
        assert store.callout_finished(number, "c1", reason="nobody_available", answered_by=None, rounds_done=1,
                                      next_at=later, now=T0 + timedelta(seconds=20)) == "calling"
        assert [m["id"] for m in store.messages_due(later)] == [number, other]
        assert store.callout_finished(number, "c1", reason="nobody_available", answered_by=None, rounds_done=3,
                                      next_at=None, now=later) == "expired"
        store.callout_started(other, "c2", 1, "message", T0)
        store.acknowledge(other, "carol", "web", T0 + timedelta(seconds=5))
        assert store.callout_finished(other, "c2", reason="acknowledged_elsewhere", answered_by=None, rounds_done=1,
                                      next_at=None, now=later) == "acknowledged"
        (callout,) = next(m for m in store.messages() if m["id"] == number)["callouts"]
        assert (callout["call_id"], callout["reason"]) == ("c1", "nobody_available")


def test_a_hand_off_starts_over_the_open_and_expired_messages_of_the_shift_only(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        old = filed(store, at=T0 - timedelta(days=3))
        expired, acked, busy, other_team = filed(store), filed(store), filed(store), filed(store, team="maintenance")
        store.callout_finished(expired, "c", reason="nobody_available", answered_by=None, rounds_done=3,
                               next_at=None, now=T0)
        store.acknowledge(acked, "alice", "phone", T0)
        revived = store.revive_messages("support", T0 - timedelta(hours=12), T0 + timedelta(hours=6), "hand-off",
                                        busy=[busy])
        assert revived == [expired]
        row = store.message_states([expired])[expired]
        assert (row["state"], row["rounds_done"], row["next_callout_at"]) == \
            ("calling", 0, (T0 + timedelta(hours=6)).isoformat(timespec="milliseconds"))
        assert old not in revived and other_team not in revived


def test_the_outbox_holds_each_change_until_it_is_notified(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        number = filed(store)
        assert store.message_events_pending() == [], "the daemon announced the new message itself"
        store.message_notified(number, {"email": True})
        store.acknowledge(number, "bob", "cli", T0)
        (event,) = store.message_events_pending()
        assert (event["state"], event["by"], event["message"]["state"]) == ("acknowledged", "bob", "acknowledged")
        store.message_event_notified(event["id"], {"webhook": True}, T0)
        assert store.message_events_pending() == []
        assert store.messages()[0]["notified"] == {"email": True}


def pbx_call(uniqueid: str = "1795000000.7") -> CallRecord:
    attempt = AttemptRecord(1, "alice", "PJSIP/alice", "no_answer", T0, T0 + timedelta(seconds=15), 1)
    return CallRecord(uniqueid, T0, did="1000", caller="0611223344", team="support", outcome="voicemail",
                      ended_at=T0 + timedelta(seconds=40), tier="voicemail", attempts=[attempt])


def test_a_pbx_call_and_its_message_are_imported_exactly_once(tmp_path: Path) -> None:
    message = PbxMessage("0611223344", T0 + timedelta(seconds=16), 20.0, "/spool/1000-1795000000.7.wav",
                         "sound:/spool/1000-1795000000.7", None, T0 + timedelta(minutes=10))
    with Store.open(tmp_path / "a.db") as store:
        number = store.import_pbx_call(pbx_call(), [(T0, "step", "served by the PBX")], message, T0)
        assert number is not None
        assert store.import_pbx_call(pbx_call(), [], message, T0) is None
        (call,) = store.calls()
        assert (call["tier"], call["outcome"], [a["person"] for a in call["attempts"]]) == \
            ("voicemail", "voicemail", ["alice"])
        (row,) = store.messages()
        assert (row["source"], row["tier"], row["state"], row["media"]) == \
            ("pbx", "voicemail", "new", "sound:/spool/1000-1795000000.7")
        (event,) = store.message_events_pending()
        assert event["state"] == "new", "the daemon's notifier tells of it"


def test_a_call_the_daemon_began_keeps_its_attempts_when_the_pbx_trace_completes_it(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        began = CallRecord("1795000000.7", T0 - timedelta(seconds=8), did="1000", caller="0611223344",
                           team="support", outcome="failed", reason="error", tier="dialplan",
                           attempts=[AttemptRecord(1, "alice", "PJSIP/alice", "cancelled", T0 - timedelta(seconds=7),
                                                   T0, 1)])
        store.finish_call(began)
        store.import_pbx_call(pbx_call(), [], None, T0)
        (call,) = store.calls()
        assert call["started_at"] == (T0 - timedelta(seconds=8)).isoformat(timespec="milliseconds")
        assert [a["result"] for a in call["attempts"]] == ["cancelled", "no_answer"]
        assert store.pbx_imported("1795000000.7")
        assert call["reason"] == "error", "why the daemon let the call go stays on the row"


def test_a_call_left_in_progress_is_merged_only_after_the_recovery_and_keeps_one_message(tmp_path: Path) -> None:
    """kill -9 while the caller records: the next daemon's recovery files the partial recording and closes
    the call; the PBX tiers' trace (the rest of the caller's words) then completes it without a second
    message (one callout campaign per caller) and without undoing the outcome."""
    with Store.open(tmp_path / "a.db") as store:
        store.finish_call(CallRecord("1795000000.7", T0 - timedelta(seconds=8), did="1000", caller="0611223344",
                                     team="support"))                 # in_progress: the daemon died
        assert store.call_in_progress("1795000000.7"), "the importer waits for the recovery"
        partial = store.add_message("1795000000.7", "support", "0611223344", T0 - timedelta(seconds=3), 2.0,
                                    "/rec/astreinte-1795000000-7.wav", None, number="1000")
        store.close_call("1795000000.7", "voicemail", "daemon_restarted", "stasis", T0, "closed after a restart")
        assert not store.call_in_progress("1795000000.7")
        rest = PbxMessage("0611223344", T0, 9.0, "/spool/1000-1795000000.7.wav", None, None, None)
        trace = pbx_call()
        trace.outcome, trace.reason = "abandoned", None
        assert store.import_pbx_call(trace, [], rest, T0) == partial
        (call,) = store.calls()
        assert (call["outcome"], call["reason"]) == ("voicemail", "daemon_restarted")
        (message,) = store.messages()
        assert message["id"] == partial
        details = [e["detail"] for e in store.call_events("1795000000.7")]
        assert any("/spool/1000-1795000000.7.wav" in d and f"message #{partial}" in d for d in details), details


def test_messages_from_before_the_lifecycle_are_new_and_never_called_out(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        filed(store)
    conn = sqlite3.connect(path)         # an older database: the lifecycle's migration not applied yet
    conn.executescript("DELETE FROM _sqlite_migrations WHERE name = 'm007_message_lifecycle';"
                       "DROP TABLE message_events; DROP TABLE callouts; DROP TABLE pbx_imports;"
                       "DROP INDEX idx_messages_state_next_callout_at;")
    db = Database(conn)
    db.table("messages").transform(drop={"state", "next_callout_at", "rounds_done", "number", "media", "source",
                                         "tier", "mailbox", "heard_by", "heard_phone", "heard_at",
                                         "acknowledged_by", "acknowledged_how", "acknowledged_at", "expired_at"})
    conn.close()
    with Store.open(path) as store:
        (row,) = store.messages()
        assert (row["state"], row["next_callout_at"]) == ("new", None)
        assert store.messages_due(T0 + timedelta(days=1)) == []


def test_a_filed_message_waits_for_the_disk_the_call_log_rows_do_not(tmp_path: Path) -> None:
    # WAL: with synchronous=NORMAL a power cut may take back the last commits. The call log's rows (two
    # a call) may be lost so; a filed message, which someone must hear, is committed with FULL
    store = Store.open(tmp_path / "astreinte.db")
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        store.begin_call(CallRecord("1795000000.1", T0, did="1000", caller="0611223344", team="support"))
        around_call = list(statements)
        statements.clear()
        filed(store)
        around_message = list(statements)
        (mode,) = store.db.conn.execute("PRAGMA synchronous").fetchone()
    finally:
        store.close()
    relaxed = around_call.index("PRAGMA synchronous = NORMAL")
    assert relaxed < around_call.index("BEGIN IMMEDIATE") < around_call.index("COMMIT") \
        < around_call.index("PRAGMA synchronous = FULL"), around_call
    assert not any("synchronous" in s for s in around_message), "the message is committed as any write: FULL"
    assert mode == 2, "the connection is back to FULL (2) after the call log's row"
