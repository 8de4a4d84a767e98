"""`astreinte calls`, `astreinte messages`, the `--config` lookup order and `run`'s exit status 1 (README)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from astreinte.adapters.store import Store
from astreinte.cli import common, main
from astreinte.domain.calls.record import AttemptRecord, CallRecord
from tests.helpers.daemon import REPO

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
ENV = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}
MONDAY = datetime(2026, 11, 9, 21, 0, tzinfo=UTC)          # 22:00 in Paris


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    second = '  maintenance:\n    numbers: ["2000"]\n    greeting: "Maintenance."\n    layers:\n' \
             '      - name: only\n        rotation: {members: [carol], every: 1 week, handoff: "monday 09:00", ' \
             'start: 2026-11-02}\n'
    path.write_text(text.replace("\nteams:\n", "\nteams:\n" + second, 1), encoding="utf-8")
    with Store.open(tmp_path / "astreinte.db") as store:
        for n, (team, did, who) in enumerate([("support", "1000", "bob"), ("maintenance", "2000", "carol"),
                                              ("support", "1000", None), ("maintenance", "2000", "carol")]):
            begin = MONDAY + timedelta(hours=n)
            call = CallRecord(f"c{n}", begin, did, f"+3360000000{n}", team, "answered" if who else "voicemail",
                              ended_at=begin + timedelta(minutes=5))
            if who:
                call.answered_by, call.connected_at = who, begin + timedelta(seconds=10 + n)
                call.attempts = [AttemptRecord(1, who, f"PJSIP/{who}", "answered", begin, call.connected_at)]
            store.finish_call(call)
        store.add_message("c2", "support", "+33600000002", MONDAY + timedelta(hours=2, seconds=30), 12.5,
                          "/var/spool/asterisk/recording/c2.wav", {"email": True, "webhook": False})
    return path


def run(config_file: Path | None, *args: str) -> click.testing.Result:
    head = ["--config", str(config_file)] if config_file is not None else []
    return CliRunner().invoke(main, [*head, *args], env=ENV, catch_exceptions=False)


def ids(result: click.testing.Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.output)]


def test_calls_lists_every_call_with_its_attempts(config_file: Path) -> None:
    rows = json.loads(run(config_file, "calls", "--json").output)
    assert [row["id"] for row in rows] == ["c0", "c1", "c2", "c3"]
    assert (rows[0]["team"], rows[0]["answered_by"], rows[0]["wait_seconds"]) == ("support", "bob", 10.0)
    assert [(a["person"], a["result"]) for a in rows[0]["attempts"]] == [("bob", "answered")]
    table = run(config_file, "calls").output
    assert "4 call(s)" in table and "bob:answered" in table and "voicemail" in table


def test_calls_since_is_local_time_and_team_filters(config_file: Path) -> None:
    # c1 started at 23:00 Paris (22:00 UTC): --since without an offset is read in the configured zone
    assert ids(run(config_file, "calls", "--since", "2026-11-09T23:00", "--json")) == ["c1", "c2", "c3"]
    assert ids(run(config_file, "calls", "--since", "2026-11-09T23:00:01", "--json")) == ["c2", "c3"]
    assert ids(run(config_file, "calls", "--since", "2026-11-09T22:00:00+00:00", "--json")) == ["c1", "c2", "c3"]
    assert ids(run(config_file, "calls", "--team", "maintenance", "--json")) == ["c1", "c3"]
    assert ids(run(config_file, "calls", "-t", "support", "--since", "2026-11-09T23:00", "--json")) == ["c2"]
    assert ids(run(config_file, "calls", "--limit", "2", "--json")) == ["c2", "c3"]
    bad = run(config_file, "calls", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.output


def test_messages_lists_the_recordings(config_file: Path) -> None:
    (message,) = json.loads(run(config_file, "messages", "--json").output)
    assert (message["call_id"], message["team"], message["caller"], message["duration"]) == (
        "c2", "support", "+33600000002", 12.5)
    assert message["path"] == "/var/spool/asterisk/recording/c2.wav"
    assert message["notified"] == {"email": True, "webhook": False}
    table = run(config_file, "messages").output
    assert "1 message(s)" in table and "c2.wav" in table and "email" in table
    assert json.loads(run(config_file, "messages", "--since", "2026-11-10T01:00", "--json").output) == []


def test_the_config_is_looked_up_in_the_documented_order(config_file: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """--config, else $ASTREINTE_CONFIG, else ./config.yaml, else /etc/astreinte/config.yaml."""
    assert (Path("config.yaml"), Path("/etc/astreinte/config.yaml")) == common.DEFAULT_CONFIG_PATHS
    system, env_file, here = tmp_path / "etc.yaml", tmp_path / "env.yaml", tmp_path / "cwd"
    here.mkdir()
    for copy in (system, env_file, here / "config.yaml"):
        shutil.copy(config_file, copy)
    monkeypatch.chdir(here)
    monkeypatch.setattr(common, "DEFAULT_CONFIG_PATHS", (Path("config.yaml"), system))  # not the real /etc

    def used(*head: str) -> str:
        result = CliRunner().invoke(main, [*head, "check"], env=ENV, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        (line,) = [line for line in result.output.splitlines() if line.startswith("ok: ")]
        return line.split(": ")[1]

    monkeypatch.setenv("ASTREINTE_CONFIG", str(env_file))
    assert used("--config", str(config_file)) == str(config_file)
    assert used() == str(env_file)
    monkeypatch.delenv("ASTREINTE_CONFIG")
    assert used() == "config.yaml"
    (here / "config.yaml").unlink()
    assert used() == str(system)


def test_run_with_an_invalid_config_exits_1_naming_the_place(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("rounds: 2", "rounds: two", 1), encoding="utf-8")
    # no timeout= here: under libfaketime (tests/other_instants.sh) subprocess's polling sleep fails;
    # pytest-timeout bounds the test, and the daemon exits before connecting anywhere
    done = subprocess.run([sys.executable, "-m", "astreinte", "--config", str(path), "run"], capture_output=True,
                          text=True, cwd=REPO, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{path}:57 teams.support.hunt.rounds: expected a whole number from 1 to 20" in done.stderr
    assert "Traceback" not in done.stderr
