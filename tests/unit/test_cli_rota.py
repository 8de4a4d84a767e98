"""The rota commands through click's CliRunner: who, schedule, check, rota load/log, override."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from astreinte.cli import main

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, path)
    return path


def run(config_file: Path, *args: str) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}
    return CliRunner().invoke(main, ["--config", str(config_file), *args], env=env, catch_exceptions=False)


def test_who_json_has_the_documented_shape(config_file: Path) -> None:
    result = run(config_file, "who", "--at", "2026-12-24T19:00", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "at": "2026-12-24T19:00:00+01:00",
        "teams": [{
            "team": "support", "in_service": True, "outside_service_dial": None,
            "chain": [{"level": 1, "layer": "primary", "person": "dave", "name": "David Moreau",
                       "phones": ["PJSIP/dave"], "until": "2026-12-26T09:00:00+01:00", "override": True}],
        }],
    }


def test_who_during_business_hours_and_with_an_offset(config_file: Path) -> None:
    result = run(config_file, "who", "--team", "support", "--at", "2026-12-22T11:00:00+00:00", "--json")
    document = json.loads(result.output)
    assert document["at"] == "2026-12-22T12:00:00+01:00"
    (team,) = document["teams"]
    assert (team["in_service"], team["outside_service_dial"]) == (False, "PJSIP/reception")
    assert [(r["layer"], r["person"], r["override"]) for r in team["chain"]] == [
        ("primary", "bob", False), ("secondary", "dave", False)]


def test_who_table(config_file: Path) -> None:
    result = run(config_file, "who", "--at", "2026-12-24T19:00")
    assert result.exit_code == 0
    assert "David Moreau" in result.output and "override" in result.output and "in service" in result.output


def test_who_refuses_unknown_team_and_bad_instant(config_file: Path) -> None:
    assert run(config_file, "who", "--team", "sales").exit_code == 2
    bad = run(config_file, "who", "--at", "tomorrow")
    assert bad.exit_code == 2 and "--at" in bad.output


def test_now_moves_every_command_and_is_checked(config_file: Path) -> None:
    at = json.loads(run(config_file, "--now", "2026-12-24T19:00", "who", "--json").output)
    assert at == json.loads(run(config_file, "who", "--json", "--at", "2026-12-24T19:00").output)
    assert at["at"] == "2026-12-24T19:00:00+01:00"
    bad = run(config_file, "--now", "yesterday", "who")
    assert bad.exit_code == 2 and "--now" in bad.output
    daemon = run(config_file, "--now", "2026-12-24T19:00", "run")
    assert daemon.exit_code == 2 and "--now cannot be used with run" in daemon.output


def test_schedule_json_and_person_filter(config_file: Path) -> None:
    result = run(config_file, "schedule", "--from", "2026-12-21", "--to", "2026-12-28", "--person", "dave", "--json")
    shifts = json.loads(result.output)["shifts"]
    assert [(s["layer"], s["start"], s["end"], s["override"]) for s in shifts] == [
        ("secondary", "2026-12-14T09:00:00+01:00", "2026-12-21T09:00:00+01:00", False),
        ("secondary", "2026-12-21T09:00:00+01:00", "2026-12-28T09:00:00+01:00", False),
        ("primary", "2026-12-24T18:00:00+01:00", "2026-12-26T09:00:00+01:00", True),
    ]


def test_schedule_ics_is_rfc5545_with_stable_uids(config_file: Path) -> None:
    args = ("schedule", "--from", "2026-12-21", "--to", "2027-01-04", "--ics")
    first, second = run(config_file, *args), run(config_file, *args)
    calendar = Calendar.from_ical(first.output)
    events = calendar.walk("VEVENT")
    assert len(events) == 8                    # primary cut in 3 by the override + next week, secondary 3 weeks
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert uids == [str(e["UID"]) for e in Calendar.from_ical(second.output).walk("VEVENT")]
    override = next(e for e in events if "[remplacement]" in str(e["SUMMARY"]))
    assert override.decoded("DTSTART").isoformat() == "2026-12-24T18:00:00+01:00"
    assert "David Moreau" in str(override["SUMMARY"])


def test_schedule_rejects_both_formats(config_file: Path) -> None:
    assert run(config_file, "schedule", "--json", "--ics").exit_code == 2


def test_check_ok_prints_the_monday_morning_warning(config_file: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_file), "check"])
    assert result.exit_code == 0
    assert "ok: " in result.stdout
    assert "Mon 00:00-08:30 is outside service hours every week: calls go to PJSIP/reception" in result.stderr
    assert not (config_file.parent / "astreinte.db").exists(), "check has no side effects"


def three_mistakes(config_file: Path) -> None:
    text = config_file.read_text(encoding="utf-8")
    text = text.replace("members: [alice, bob, carol]", "members: [alice, bob, carl]")
    text = text.replace("rounds: 2", "rounds: two")
    text = text.replace("    reason: swap with carol", "    reason: swap with carol\n    colour: blue")
    config_file.write_text(text, encoding="utf-8")


def test_check_reports_every_error(config_file: Path) -> None:
    three_mistakes(config_file)
    result = CliRunner().invoke(main, ["--config", str(config_file), "check"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {config_file}:57 teams.support.hunt.rounds: expected a whole number from 1 to 20, got 'two'",
        f"error: {config_file}:63 teams.support.layers[0].rotation.members[2]: unknown person 'carl'",
        f"error: {config_file}:83 overrides[0].colour: unknown key 'colour' "
        "(expected one of: from, layer, person, reason, team, to)",
    ]


def dump(database: Path) -> list[str]:
    conn = sqlite3.connect(database)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_rota_load_then_a_bad_file_leaves_the_database_untouched(config_file: Path) -> None:
    loaded = run(config_file, "--now", "2026-12-01T10:00", "rota", "load")
    assert loaded.exit_code == 0 and "publication #1" in loaded.output and "dave (David Moreau)" in loaded.output
    assert "nothing changed" in run(config_file, "--now", "2026-12-01T10:05", "rota", "load").output
    database = config_file.parent / "astreinte.db"
    before = dump(database)
    three_mistakes(config_file)
    result = CliRunner().invoke(main, ["--config", str(config_file), "rota", "load"])
    assert result.exit_code == 1
    assert len([line for line in result.stderr.splitlines() if line.startswith("error: ")]) == 3
    assert dump(database) == before


def test_rota_log(config_file: Path) -> None:
    run(config_file, "--now", "2026-12-01T10:00", "rota", "load")
    result = run(config_file, "rota", "log")
    assert "#1" in result.output and "rota load" in result.output
    assert "+ support/primary" in run(config_file, "rota", "log", "--changes").output


def test_override_add_list_remove(config_file: Path) -> None:
    run(config_file, "--now", "2026-12-01T10:00", "rota", "load")
    added = run(config_file, "--now", "2026-12-01T11:00", "override", "add", "--team", "support", "--person", "carol",
                "--from", "2026-12-02T12:00", "--to", "2026-12-03T12:00", "--reason", "dentist")
    assert added.exit_code == 0, added.output
    assert "override #1" in added.output and "- support/primary" in added.output
    who = json.loads(run(config_file, "who", "--at", "2026-12-02T13:00", "--json").output)
    assert who["teams"][0]["chain"][0] | {"until": None} == {
        "level": 1, "layer": "primary", "person": "carol", "name": "Carol Petit", "phones": ["PJSIP/carol"],
        "until": None, "override": True}
    assert "dentist" in run(config_file, "override", "list").output
    assert "swap with carol" in run(config_file, "override", "list", "--all").output
    assert "nothing changed" in run(config_file, "--now", "2026-12-01T11:30", "rota", "load").output
    removed = run(config_file, "--now", "2026-12-01T12:00", "override", "remove", "1")
    assert removed.exit_code == 0 and "+ support/primary" in removed.output
    again = CliRunner().invoke(main, ["--config", str(config_file), "override", "remove", "1"])
    assert again.exit_code == 1 and "no active override #1" in again.output


def test_override_add_validates_its_arguments(config_file: Path) -> None:
    base = ["override", "add", "--team", "support", "--from", "2026-12-02T12:00", "--to", "2026-12-03T12:00"]
    assert run(config_file, *base, "--person", "zoe").exit_code == 2
    assert run(config_file, *base, "--person", "carol", "--layer", "tertiary").exit_code == 2
    backwards = ["override", "add", "-t", "support", "-p", "carol", "--from", "2026-12-03", "--to", "2026-12-02"]
    assert run(config_file, *backwards).exit_code == 2
    assert not (config_file.parent / "astreinte.db").exists()


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):       # not group.commands: `main` imports its modules lazily
        command = group.get_command(ctx, name)
        assert command is not None, name
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize(("path", "command"), commands(main), ids=lambda value: " ".join(value)
                         if isinstance(value, tuple) else "")
def test_every_command_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help, f"{' '.join(path)} has no docstring"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_who_imports_little() -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['astreinte', '--config', {str(EXAMPLE)!r}, 'who', '--json', '--at', '2026-12-24T19:00']\n"
        "from astreinte.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'aiohttp', 'sqlite_utils', 'rich', 'icalendar', 'asyncio'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "ASTREINTE_ARI_PASSWORD": ""})
    assert result.stdout.strip().splitlines()[-1] == "[]"
