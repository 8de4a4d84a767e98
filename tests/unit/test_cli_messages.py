"""``astreinte messages`` and ``messages ack`` through CliRunner, and the messages in the KPI report."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.adapters.store import Store
from astreinte.cli import main
from astreinte.config import load
from astreinte.domain.calls.record import CallRecord

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
T0 = datetime(2026, 11, 7, 2, 14, tzinfo=UTC)         # 03:14 in Paris


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, path)
    return path


def run(config_file: Path, *args: str, now: str = "2026-11-07T03:20") -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "220"}
    return CliRunner().invoke(main, ["--config", str(config_file), "--now", now, *args], env=env)


def filed(config_file: Path, *, expired: bool = False) -> int:
    with Store.open(load(config_file).database) as store:
        number = store.add_message("1794535200.1", "support", "0611223344", T0, 42.0, "/spool/m.wav", {}, now=T0,
                                   number="1000", media="recording:m", callout_at=T0)
        assert number is not None
        store.callout_started(number, "callout-1", 1, "message", T0)
        store.message_heard(number, "bob", "PJSIP/bob", T0 + timedelta(seconds=30))
        store.callout_finished(number, "callout-1", reason="heard_not_acknowledged", answered_by="bob",
                               rounds_done=3 if expired else 1, next_at=None if expired else T0, now=T0)
        return number


def test_the_list_shows_the_state_who_heard_and_the_callouts(config_file: Path) -> None:
    number = filed(config_file)
    table = run(config_file, "messages").output
    assert "heard" in table and "bob 2026-11-07 03:14:30" in table and "/spool/m.wav" in table
    (row,) = json.loads(run(config_file, "messages", "--json").output)
    assert (row["id"], row["state"], row["heard_by"], row["callouts"][0]["call_id"]) == \
        (number, "heard", "bob", "callout-1")
    assert json.loads(run(config_file, "messages", "--state", "expired", "--json").output) == []


def test_ack_from_the_cli_then_again_keeps_the_first(config_file: Path) -> None:
    number = filed(config_file)
    done = run(config_file, "messages", "ack", str(number), "--by", "alice")
    assert done.exit_code == 0, done.output
    assert f"message #{number} acknowledged by alice at 2026-11-07 03:20:00" in done.output
    again = run(config_file, "messages", "ack", str(number), "--by", "dave", now="2026-11-07T03:25")
    assert again.exit_code == 0 and "already acknowledged by alice (cli) at 2026-11-07 03:20:00" in again.output
    (row,) = json.loads(run(config_file, "messages", "--json").output)
    assert (row["state"], row["acknowledged_by"], row["acknowledged_how"]) == ("acknowledged", "alice", "cli")


def test_bad_acks_say_what_to_fix(config_file: Path) -> None:
    number = filed(config_file)
    unknown = run(config_file, "messages", "ack", str(number), "--by", "zoe")
    assert unknown.exit_code == 2
    assert "unknown person 'zoe' (expected one of: alice, bob, carol, dave)" in unknown.output
    missing = run(config_file, "messages", "ack", "99", "--by", "bob")
    assert missing.exit_code == 1 and "no message #99 (see `astreinte messages`)" in missing.output
    assert "Traceback" not in unknown.output + missing.output


def test_the_kpi_report_flags_expired_messages_and_leaves_callouts_out(config_file: Path) -> None:
    number = filed(config_file, expired=True)
    with Store.open(load(config_file).database) as store:
        store.finish_call(CallRecord("callout-1", T0, did="1000", caller="0611223344", team="support",
                                     outcome="answered", reason="heard_not_acknowledged", answered_by="bob",
                                     connected_at=T0, ended_at=T0 + timedelta(seconds=40), tier="callout"))
    result = run(config_file, "report", "kpi", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "json")
    document = json.loads(result.output)
    assert document["kpi"]["calls"] == 0, "a callout is not a call to the line"
    assert document["messages"] == {"left": 1, "new": 0, "calling": 0, "heard": 0, "acknowledged": 0, "expired": 1,
                                    "expired_ids": [number]}
    text = run(config_file, "report", "kpi", "--from", "2026-11-01", "--to", "2026-12-01").output
    assert f"EXPIRED (never acknowledged): 1 (#{number})" in text
    html = run(config_file, "report", "kpi", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "html").output
    assert f"⚠ #{number}" in html
