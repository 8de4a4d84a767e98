"""Calendars stay true in a real calendar client: khal (Debian's ``khal``) imports the team feed, an
override is added, khal imports the new feed: it shows the person of the override on call, not the
replaced one, and the right number of events; removing the override gives the week back.

Outside CI, a machine without khal skips with how to get it; with ``CI=true`` it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.cli import main

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
TIMEOUT = 60 * float(os.environ.get("ASTREINTE_TEST_TIMEOUT_FACTOR", "1"))
KHAL_CONFIG = """\
[calendars]
[[astreinte]]
path = {folder}
type = calendar

[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = Europe/Paris
default_timezone = Europe/Paris

[default]
default_calendar = astreinte
"""
# The example rota: bob holds primary from Monday 9 November 2026 09:00 to Monday 16 November, dave secondary.
WEEK = ("2026-11-09", "2026-11-15")
WEDNESDAY_EVENING = ("2026-11-11", "20:00")


class Khal:
    """khal with its own configuration, calendar folder and cache under ``tmp_path``."""

    def __init__(self, tmp_path: Path) -> None:
        found = shutil.which("khal")
        if found is None:
            message = "khal is needed: apt-get install -y khal (or make deb)"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        self.binary = found
        folder = tmp_path / "calendar"
        folder.mkdir()
        self.config = tmp_path / "khal.conf"
        self.config.write_text(KHAL_CONFIG.format(folder=folder), encoding="utf-8")
        self.env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
                    "XDG_CONFIG_HOME": str(tmp_path / "config"), "TZ": "Europe/Paris", "LC_ALL": "C.UTF-8"}

    def __call__(self, *args: str) -> str:
        done = subprocess.run([self.binary, "-c", str(self.config), *args], env=self.env, capture_output=True,
                              text=True, timeout=TIMEOUT, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def import_feed(self, feed: Path) -> None:
        self("import", "--batch", str(feed))

    def at(self, day: str, time: str) -> list[str]:
        """The titles of the events khal shows at that instant, cancelled ones marked."""
        lines = self("at", "--format", "{title}|{cancelled}", day, time).splitlines()
        return sorted(line.strip() for line in lines[1:] if line.strip())

    def week(self) -> list[str]:
        """Every event of the week, once: start, end, title and whether it is cancelled."""
        lines = self("list", "--once", "--format", "{start}|{end}|{title}|{cancelled}",
                     "--day-format", "", *WEEK).splitlines()
        return [line.strip() for line in lines if line.strip() and line >= WEEK[0]]


def cli(config: Path, now: str, *args: str) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}
    result = CliRunner().invoke(main, ["--config", str(config), "--now", now, *args], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_khal_shows_the_override_and_then_the_week_given_back(tmp_path: Path) -> None:
    khal = Khal(tmp_path)
    config = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, config)
    cli(config, "2026-10-20T09:00", "rota", "load")
    feed = tmp_path / "support.ics"
    cli(config, "2026-10-20T09:00", "calendar", "--team", "support", "-o", str(feed))
    khal.import_feed(feed)
    assert khal.at(*WEDNESDAY_EVENING) == [
        "Astreinte support, niveau 1 (primary) : Bob Durand|",
        "Astreinte support, niveau 2 (secondary) : David Moreau|"]
    assert khal.week() == [
        "2026-11-09 09:00|2026-11-16 09:00|Astreinte support, niveau 1 (primary) : Bob Durand|",
        "2026-11-09 09:00|2026-11-16 09:00|Astreinte support, niveau 2 (secondary) : David Moreau|"]

    cli(config, "2026-10-21T09:00", "override", "add", "-t", "support", "-p", "carol", "--from", "2026-11-11T18:00",
        "--to", "2026-11-12T09:00", "--reason", "dentist")
    cli(config, "2026-10-21T09:00", "calendar", "--team", "support", "-o", str(feed))
    khal.import_feed(feed)
    assert khal.at(*WEDNESDAY_EVENING) == [
        "Astreinte support, niveau 1 (primary) : Carol Petit [remplacement]|",
        "Astreinte support, niveau 2 (secondary) : David Moreau|"], "bob is not on call during the override"
    assert khal.week() == [
        "2026-11-09 09:00|2026-11-11 18:00|Astreinte support, niveau 1 (primary) : Bob Durand|",
        "2026-11-09 09:00|2026-11-16 09:00|Astreinte support, niveau 2 (secondary) : David Moreau|",
        "2026-11-11 18:00|2026-11-12 09:00|Astreinte support, niveau 1 (primary) : Carol Petit [remplacement]|",
        "2026-11-12 09:00|2026-11-16 09:00|Astreinte support, niveau 1 (primary) : Bob Durand|"]

    cli(config, "2026-10-22T09:00", "override", "remove", "1")
    cli(config, "2026-10-22T09:00", "calendar", "--team", "support", "-o", str(feed))
    khal.import_feed(feed)
    assert khal.at(*WEDNESDAY_EVENING) == [
        "Astreinte support, niveau 1 (primary) : Bob Durand|",
        "Astreinte support, niveau 1 (primary) : Carol Petit [remplacement]|CANCELLED",
        "Astreinte support, niveau 2 (secondary) : David Moreau|"]
    assert [line for line in khal.week() if not line.endswith("CANCELLED")] == [
        "2026-11-09 09:00|2026-11-16 09:00|Astreinte support, niveau 1 (primary) : Bob Durand|",
        "2026-11-09 09:00|2026-11-16 09:00|Astreinte support, niveau 2 (secondary) : David Moreau|"]
