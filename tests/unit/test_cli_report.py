"""``check legal``, ``intervention`` and ``report`` through CliRunner, on the example configuration
(rotation alice/bob/carol weekly from Monday 2 November 2026 09:00, dave always secondary): alice
is on call from Monday 23 November 09:00 to Monday 30 November 09:00."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.adapters.store import Store
from astreinte.adapters.store.calls import AttemptRecord, CallRecord
from astreinte.cli import main

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, path)
    text = path.read_text().replace('      weekdays: "08:30-17:30"', '      weekdays: ["08:00-12:00", "13:00-17:00"]')
    path.write_text(text + "\nlegal:\n  notice_days: 15\ncompensation:\n  profile: fr-interieur-2015\n")
    return path


def run(config_file: Path, *args: str) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}
    return CliRunner().invoke(main, ["--config", str(config_file), *args], env=env, catch_exceptions=False)


def legal(config_file: Path) -> tuple[int, list[dict[str, str]]]:
    result = run(config_file, "check", "legal", "--from", "2026-11-23", "--to", "2026-11-30", "--json")
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_late_publication_and_short_rest_fail_the_check(config_file: Path):
    assert run(config_file, "rota", "load", "--at", "2026-11-13T09:00").exit_code == 0
    assert run(config_file, "intervention", "add", "--person", "alice", "--start", "2026-11-24T02:00",
               "--end", "2026-11-24T03:00").exit_code == 0
    code, findings = legal(config_file)
    assert code == 1
    alice = [(f["rule"], f["start"], f["end"], f["article"]) for f in findings if f["person"] == "alice"]
    assert alice == [
        ("notice", "2026-11-23T09:00:00+01:00", "2026-11-30T09:00:00+01:00", "Code du travail L3121-12 2°, R3121-3"),
        ("daily_rest", "2026-11-24T03:00:00+01:00", "2026-11-24T08:00:00+01:00", "Code du travail L3131-1, L3121-10"),
    ]
    text = run(config_file, "check", "legal", "--from", "2026-11-23", "--to", "2026-11-30")
    assert text.exit_code == 1
    assert "error: daily_rest: alice: Tue 24 Nov 2026 03:00 -> Tue 24 Nov 2026 08:00" in text.stdout


def test_the_same_data_without_the_faults_passes(config_file: Path):
    assert run(config_file, "rota", "load", "--at", "2026-10-01T09:00").exit_code == 0
    assert run(config_file, "intervention", "add", "--person", "alice", "--start", "2026-11-24T19:00",
               "--end", "2026-11-24T20:00").exit_code == 0
    assert legal(config_file) == (0, [])
    assert run(config_file, "check").exit_code == 0          # the plain check still works


def test_rota_load_shows_the_findings_it_would_cause(config_file: Path):
    result = run(config_file, "rota", "load", "--at", "2026-11-13T09:00")
    assert "legal error: notice: alice: Mon 23 Nov 2026 09:00" in result.stderr
    assert "publication #1" in result.stdout


def test_intervention_add_list_remove(config_file: Path):
    added = run(config_file, "intervention", "add", "--person", "bob", "--start", "2026-11-11T14:00",
                "--end", "2026-11-11T15:20", "--on-site", "--travel", "30m", "--note", "pump")
    assert added.stdout.startswith("intervention #1: bob 2026-11-11T14:00:00+01:00")
    assert "on site, travel 30 min  pump" in run(config_file, "intervention", "list").stdout
    assert run(config_file, "intervention", "remove", "1").exit_code == 0
    assert run(config_file, "intervention", "list").stdout == "no intervention\n"
    bad = run(config_file, "intervention", "add", "--person", "zoe", "--start", "2026-11-11T14:00",
              "--end", "2026-11-11T15:00")
    assert bad.exit_code == 2 and "unknown person" in bad.output


def _calls(config_file: Path) -> None:
    """Tue 10 Nov 2026, 22:00 and 23:00 Paris: bob answers after 12 s and 41 s, talks 30 min;
    then a voicemail and a call outside service hours."""
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


def test_statement_is_reproducible_and_kept_once(config_file: Path, tmp_path: Path):
    run(config_file, "rota", "load", "--at", "2026-10-01T09:00")
    run(config_file, "intervention", "add", "--person", "bob", "--start", "2026-11-11T14:00",
        "--end", "2026-11-11T15:20", "--on-site", "--travel", "30m")
    _calls(config_file)
    outputs = []
    for name in ("a.json", "b.json"):
        result = run(config_file, "report", "statement", "--month", "2026-11", "--format", "json",
                     "--output", str(tmp_path / name), "--at", "2026-12-05T10:00")
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    document = json.loads(outputs[0])
    bob = next(p for p in document["people"] if p["person"] == "bob")
    assert [(p["kind"], p["start"], p["amount"]) for p in bob["periods"]] == [
        ("week", "2026-11-09T09:00:00+01:00", "149.48"), ("week", "2026-11-30T09:00:00+01:00", "149.48")]
    assert bob["astreinte_hours"]["holiday"] == "24.00"
    # Two answered calls (30 min each, Tue 10 Nov 22:00 and 23:00 Paris: night) and the on-site work.
    assert bob["intervention_pay"] == [
        {"kind": "night", "hours": "1.00", "rate": "24.00", "amount": "24.00", "rest_hours": "1.50"},
        {"kind": "holiday", "hours": "1.83", "rate": "32.00", "amount": "58.67", "rest_hours": "3.67"}]
    with Store.open(config_file.parent / "astreinte.db") as store:
        kept = store.statements("2026-11")
    assert len(kept) == 1 and kept[0].content == outputs[0]
    csv_text = run(config_file, "report", "statement", "--month", "2026-11", "--person", "bob", "--format", "csv")
    assert "2026-11,bob,Bob Durand,period,week,2026-11-09T09:00:00+01:00" in csv_text.stdout
    html = run(config_file, "report", "statement", "--month", "2026-11", "--person", "bob").stdout
    assert "<table" in html and "<svg" in html and "149.48" in html
    for fmt in ("html", "csv"):
        renders = {run(config_file, "report", "statement", "--month", "2026-11", "--format", fmt, "--no-store")
                   .stdout_bytes for _ in range(2)}
        assert len(renders) == 1
    # A new fact makes a new version; the old one is kept (append-only).
    run(config_file, "intervention", "add", "--person", "bob", "--start", "2026-11-12T01:00",
        "--end", "2026-11-12T02:00")
    run(config_file, "report", "statement", "--month", "2026-11", "--format", "json", "--at", "2026-12-05T10:00")
    with Store.open(config_file.parent / "astreinte.db") as store:
        assert [s.content == outputs[0] for s in store.statements("2026-11")] == [True, False]


def test_kpi_and_fairness(config_file: Path):
    run(config_file, "rota", "load", "--at", "2026-10-01T09:00")
    _calls(config_file)
    result = run(config_file, "report", "kpi", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "json")
    kpi = json.loads(result.stdout)["kpi"]
    assert (kpi["calls"], kpi["answered"], kpi["voicemail"], kpi["outside_service"]) == (4, 2, 1, 1)
    assert kpi["answer_rate"] == round(2 / 3, 4)
    assert kpi["time_to_human"] == {"median": 12.0, "p90": 41.0}
    assert kpi["level_reached"] == {"1": 2}
    html = run(config_file, "report", "kpi", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "html").stdout
    assert html.count("<svg") == 4
    text = run(config_file, "report", "kpi", "--from", "2026-11-01", "--to", "2026-12-01").stdout
    assert "answer rate 66.7%" in text
    fair = json.loads(run(config_file, "report", "fairness", "--year", "2026", "--json").stdout)
    rows = {row["person"]: row for row in fair["people"]}
    assert rows["dave"]["weekends"] == 8 and rows["bob"]["interventions"] == 2
