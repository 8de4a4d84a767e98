"""``check legal``, ``intervention`` and ``report`` through CliRunner, on the example configuration
(rotation alice/bob/carol weekly from Monday 2 November 2026 09:00, dave always secondary): alice
is on call from Monday 23 November 09:00 to Monday 30 November 09:00."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.adapters.store import Store
from astreinte.cli import main
from tests.helpers.reports import store_november_calls

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, path)
    text = path.read_text().replace('      weekdays: "08:30-17:30"', '      weekdays: ["08:00-12:00", "13:00-17:00"]')
    path.write_text(text + "\nlegal:\n  notice_days: 15\ncompensation:\n  profile: fr-interieur-2015\n")
    return path


# Every command runs at a fixed instant (the statement tests need November 2026 to be a closed month).
NOW = "2026-12-05T10:00"


def run(config_file: Path, *args: str, now: str = NOW) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}
    return CliRunner().invoke(main, ["--config", str(config_file), "--now", now, *args], env=env,
                              catch_exceptions=False)


def legal(config_file: Path) -> tuple[int, list[dict[str, str]]]:
    result = run(config_file, "check", "legal", "--from", "2026-11-23", "--to", "2026-11-30", "--json")
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_late_publication_and_short_rest_fail_the_check(config_file: Path) -> None:
    assert run(config_file, "rota", "load", now="2026-11-13T09:00").exit_code == 0
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


def test_the_same_data_without_the_faults_passes(config_file: Path) -> None:
    assert run(config_file, "rota", "load", now="2026-10-01T09:00").exit_code == 0
    assert run(config_file, "intervention", "add", "--person", "alice", "--start", "2026-11-24T19:00",
               "--end", "2026-11-24T20:00").exit_code == 0
    assert legal(config_file) == (0, [])
    assert run(config_file, "check").exit_code == 0          # the plain check still works


def test_rota_load_shows_the_findings_it_would_cause(config_file: Path) -> None:
    result = run(config_file, "rota", "load", now="2026-11-13T09:00")
    assert "legal error: notice: alice: Mon 23 Nov 2026 09:00" in result.stderr
    assert "publication #1" in result.stdout


def test_intervention_add_list_remove(config_file: Path) -> None:
    added = run(config_file, "intervention", "add", "--person", "bob", "--start", "2026-11-11T14:00",
                "--end", "2026-11-11T15:20", "--on-site", "--travel", "30m", "--note", "pump")
    assert added.stdout.startswith("intervention #1: bob 2026-11-11T14:00:00+01:00")
    assert "on site, travel 30 min  pump" in run(config_file, "intervention", "list").stdout
    assert run(config_file, "intervention", "remove", "1").exit_code == 0
    assert run(config_file, "intervention", "list").stdout == "no intervention\n"
    bad = run(config_file, "intervention", "add", "--person", "zoe", "--start", "2026-11-11T14:00",
              "--end", "2026-11-11T15:00")
    assert bad.exit_code == 2 and "unknown person" in bad.output


def test_statement_is_reproducible_and_kept_once(config_file: Path, tmp_path: Path) -> None:
    run(config_file, "rota", "load", now="2026-10-01T09:00")
    run(config_file, "intervention", "add", "--person", "bob", "--start", "2026-11-11T14:00",
        "--end", "2026-11-11T15:20", "--on-site", "--travel", "30m")
    store_november_calls(config_file)
    outputs = []
    for name in ("a.json", "b.json"):
        result = run(config_file, "report", "statement", "--month", "2026-11", "--format", "json",
                     "--output", str(tmp_path / name))
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
    assert "<table" in html and "<svg" in html and "149,48\u00a0€" in html     # French amounts (a no-break space)
    for fmt in ("html", "csv"):
        renders = {run(config_file, "report", "statement", "--month", "2026-11", "--format", fmt, "--no-store")
                   .stdout_bytes for _ in range(2)}
        assert len(renders) == 1
    # A new fact makes a new version; the old one is kept (append-only).
    run(config_file, "intervention", "add", "--person", "bob", "--start", "2026-11-12T01:00",
        "--end", "2026-11-12T02:00")
    run(config_file, "report", "statement", "--month", "2026-11", "--format", "json")
    with Store.open(config_file.parent / "astreinte.db") as store:
        versions = [(s.person, s.format, s.content == outputs[0]) for s in store.statements("2026-11")]
    # json once for the two identical renders, bob's csv and html (kept: the month is closed at NOW),
    # nothing for the --no-store renders, then the new json version.
    assert versions == [("*", "json", True), ("bob", "csv", False), ("bob", "html", False), ("*", "json", False)]


def test_a_statement_of_a_month_not_over_is_provisional_and_not_kept(config_file: Path) -> None:
    run(config_file, "rota", "load", now="2026-10-01T09:00")
    result = run(config_file, "report", "statement", "--month", "2026-11", "--format", "json", now="2026-11-30T08:59")
    assert result.exit_code == 0
    assert "note: 2026-11 is not over: this statement is provisional and not kept" in result.stderr
    with Store.open(config_file.parent / "astreinte.db") as store:
        assert store.statements("2026-11") == []
    closed = run(config_file, "report", "statement", "--month", "2026-11", "--format", "json", now="2026-12-01T00:00")
    assert "kept: statement #1" in closed.stderr


def test_kpi_and_fairness(config_file: Path) -> None:
    run(config_file, "rota", "load", now="2026-10-01T09:00")
    store_november_calls(config_file)
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


def test_statements_kept_are_listed_with_their_page_hashes_and_shown_as_kept(config_file: Path, tmp_path: Path) -> None:
    import re

    run(config_file, "rota", "load", now="2026-10-01T09:00")
    html = tmp_path / "bob.html"
    assert run(config_file, "report", "statement", "--month", "2026-11", "--person", "bob", "-o", str(html)) \
        .exit_code == 0
    (printed,) = re.findall(r"<code>([0-9a-f]{64})</code>", html.read_text(encoding="utf-8"))
    listed = run(config_file, "report", "statements", "list").stdout
    assert re.search(r"^#1  2026-11  bob\s+html\s+2026-12-05T09:00:00\+00:00  file [0-9a-f]{64}$", listed, re.M)
    assert f"      page bob        {printed}" in listed, "the hash at the foot of the page is the one listed"
    assert run(config_file, "report", "statements", "list", "--hash", printed[:10]).stdout == listed
    assert run(config_file, "report", "statements", "list", "--hash", "00000000").stdout == \
        "no statement kept with that hash\n"
    assert run(config_file, "report", "statements", "show", "1").stdout_bytes == html.read_bytes()
    missing = CliRunner().invoke(main, ["--config", str(config_file), "report", "statements", "show", "9"])
    assert missing.exit_code == 1 and "no statement #9" in missing.output
    bad = run(config_file, "report", "statements", "list", "--month", "November")
    assert bad.exit_code == 2 and "--month" in bad.output
