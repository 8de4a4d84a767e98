"""Getting started does not bury the legal checks: with ``legal.since`` (the adoption date), nothing
before it is checked, the rota as it stood on that day counts as told by the previous means, the
first ``rota load`` prints a screenful, not hundreds of lines, and ``check legal`` on a fresh
adoption reports nothing about the past. Changes published after the adoption are checked as usual."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.cli import main

SAMPLE = Path(__file__).parent.parent.parent / "config.yaml"      # the sample: a weekly and a daily rotation
TODAY = "2027-03-10T10:00"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    shutil.copy(SAMPLE, path)
    text = path.read_text(encoding="utf-8").replace("database: var/astreinte.db", "database: astreinte.db")
    path.write_text(text, encoding="utf-8")
    return path


def adopt(config_file: Path, since: str) -> None:
    with config_file.open("a", encoding="utf-8") as out:
        out.write(f"\nlegal:\n  since: {since}\n")


def run(config_file: Path, now: str, *args: str) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}
    return CliRunner().invoke(main, ["--config", str(config_file), "--now", now, *args], env=env,
                              catch_exceptions=False)


def test_without_an_adoption_date_the_past_is_reported(config_file: Path) -> None:
    run(config_file, TODAY, "rota", "load")
    result = run(config_file, TODAY, "check", "legal", "--json")
    assert result.exit_code == 1
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "unpublished" in rules and "notice" in rules, "March 1 to 10 was never published, by anyone"


def test_a_fresh_adoption_reports_nothing_about_the_past(config_file: Path) -> None:
    adopt(config_file, "2027-03-10")
    loaded = run(config_file, TODAY, "rota", "load")
    assert loaded.exit_code == 0, loaded.output
    lines = loaded.stdout.splitlines() + loaded.stderr.splitlines()
    assert len(lines) < 60, f"the first load printed {len(lines)} lines"
    assert not [line for line in loaded.stderr.splitlines() if line.startswith("legal")], loaded.stderr
    assert "publication #1" in loaded.stdout and "more, until" in loaded.stdout, "a year of shifts, summed up"
    result = run(config_file, TODAY, "check", "legal")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("0 errors, 0 warnings from Wed 10 Mar 2027 00:00"), "nothing before it"
    statement = json.loads(run(config_file, TODAY, "report", "statement", "--month", "2027-03", "--format", "json")
                           .stdout)
    for person in statement["people"]:
        assert person["short_notice"] == [] and person["rest_incidents"] == []


def test_after_the_adoption_a_late_change_is_still_an_error(config_file: Path) -> None:
    adopt(config_file, "2027-03-10")
    run(config_file, TODAY, "rota", "load")
    added = run(config_file, "2027-03-12T10:00", "override", "add", "-t", "support", "-p", "dave",
                "--from", "2027-03-13T09:00", "--to", "2027-03-14T09:00")
    assert added.exit_code == 0, added.output
    result = run(config_file, "2027-03-12T10:00", "check", "legal", "--json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["person"], finding["start"]) == ("notice", "dave", "2027-03-13T09:00:00+01:00")


def test_the_adoption_date_is_checked_like_the_other_keys(config_file: Path) -> None:
    adopt(config_file, "10/03/2027")
    result = run(config_file, TODAY, "check")
    assert result.exit_code == 1
    assert "legal.since: expected a date YYYY-MM-DD, got '10/03/2027'" in result.stderr
