"""The console's feeds, subscribed by real calendar clients: vdirsyncer (Debian's ``vdirsyncer``) fetches
the person's and the team's ``/ical/<token>.ics`` from a running ``astreinte web`` over HTTP, as a phone
subscribing to the address does, into a folder khal (Debian's ``khal``) reads. khal then shows the same
shifts as ``astreinte schedule``, and after an override and a new sync, the override.

Outside CI, a machine without vdirsyncer or khal skips with how to get them; under ``CI=true`` it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.helpers.web import FACTOR, WebServer

NOW = "2026-11-04T10:00"
FROM, TO = "2026-11-09", "2027-03-01"          # compared: the shifts starting in this window
ZONE = "Europe/Paris"
KHAL = """\
[calendars]
[[bob]]
path = {root}/bob
type = calendar
[[support]]
path = {root}/support
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
default_calendar = bob
"""
VDIRSYNCER = """\
[general]
status_path = "{status}"

[pair bob]
a = "bob_feed"
b = "bob_local"
collections = null

[storage bob_feed]
type = "http"
url = "{bob}"

[storage bob_local]
type = "filesystem"
path = "{root}/bob"
fileext = ".ics"

[pair support]
a = "support_feed"
b = "support_local"
collections = null

[storage support_feed]
type = "http"
url = "{support}"

[storage support_local]
type = "filesystem"
path = "{root}/support"
fileext = ".ics"
"""


def tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is needed: apt-get install -y {name} (or make deb)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class Subscriber:
    """vdirsyncer subscribed to two feed addresses, and khal reading what it synced."""

    def __init__(self, folder: Path, bob: str, support: str) -> None:
        self.vdirsyncer, self.khal = tool("vdirsyncer"), tool("khal")
        root = folder / "calendars"
        for name in ("bob", "support"):
            (root / name).mkdir(parents=True)
        self.vconfig = folder / "vdirsyncer.conf"
        self.vconfig.write_text(VDIRSYNCER.format(status=folder / "status", root=root, bob=bob, support=support))
        self.kconfig = folder / "khal.conf"
        self.kconfig.write_text(KHAL.format(root=root))
        self.env = {**os.environ, "XDG_DATA_HOME": str(folder / "data"), "XDG_CACHE_HOME": str(folder / "cache"),
                    "XDG_CONFIG_HOME": str(folder / "config"), "TZ": ZONE, "LC_ALL": "C.UTF-8"}

    def run(self, *command: str) -> str:
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=120 * FACTOR,
                              check=False)
        assert done.returncode == 0, f"{' '.join(command)}: {done.stdout}{done.stderr}"
        return done.stdout

    def sync(self) -> None:
        self.run(self.vdirsyncer, "-c", str(self.vconfig), "discover")
        self.run(self.vdirsyncer, "-c", str(self.vconfig), "sync")

    def shifts(self, calendar: str) -> list[tuple[str, str, str]]:
        """(start, end, title) of the events khal shows starting in the window, cancelled ones left out."""
        lines = self.run(self.khal, "-c", str(self.kconfig), "list", "--once", "-a", calendar, "--format",
                         "{start}|{end}|{title}|{cancelled}", "--day-format", "", FROM, TO).splitlines()
        found = []
        for line in lines:
            parts = line.strip().split("|")
            if len(parts) == 4 and not parts[3] and FROM <= parts[0] < TO:
                found.append((parts[0], parts[1], parts[2]))
        return sorted(set(found))


def scheduled(server: WebServer, *selection: str, now: str) -> list[tuple[str, str, str]]:
    """``astreinte schedule --json`` for the window: (start, end, person's name) in local time."""
    document = json.loads(server.cli("schedule", *selection, "--from", "2026-11-02", "--to", "2027-03-08", "--json",
                                     now=now))

    def local(text: str) -> str:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")

    return sorted({(local(s["start"]), local(s["end"]), s["name"]) for s in document["shifts"]
                   if FROM <= local(s["start"]) < TO})


def names(events: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """khal's titles (``Astreinte support, niveau 1 (primary) : Bob Durand``) reduced to the person's name."""
    return sorted({(start, end, re.sub(r" \[remplacement\]$", "", title.rsplit(" : ", 1)[1]))
                   for start, end, title in events})


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebServer]:
    (tmp_path / "web").mkdir()
    running = WebServer.start(tmp_path / "web", now=NOW, users=False)
    yield running
    running.stop()


def test_subscribed_feeds_show_the_shifts_of_astreinte_schedule(server: WebServer, tmp_path: Path) -> None:
    bob = re.search(r"(http://\S+\.ics)", server.cli("web", "token", "add", "--person", "bob", now=NOW)).group(1)  # type: ignore[union-attr]
    team = re.search(r"(http://\S+\.ics)", server.cli("web", "token", "add", "--team", "support",  # type: ignore[union-attr]
                                                      now=NOW)).group(1)
    client = Subscriber(tmp_path, bob, team)
    client.sync()
    bob_shifts = scheduled(server, "--person", "bob", now=NOW)
    assert len(bob_shifts) >= 5 and ("2026-11-09 09:00", "2026-11-16 09:00", "Bob Durand") in bob_shifts
    assert names(client.shifts("bob")) == bob_shifts
    assert names(client.shifts("support")) == scheduled(server, "--team", "support", now=NOW)

    server.cli("override", "add", "-t", "support", "-p", "carol", "--from", "2026-11-11T18:00", "--to",
               "2026-11-12T09:00", "--reason", "dentiste", now="2026-11-04T11:00")
    client.sync()
    bob_shifts = scheduled(server, "--person", "bob", now="2026-11-04T11:00")
    assert ("2026-11-09 09:00", "2026-11-11 18:00", "Bob Durand") in bob_shifts
    assert names(client.shifts("bob")) == bob_shifts
    support = client.shifts("support")
    assert ("2026-11-11 18:00", "2026-11-12 09:00",
            "Astreinte support, niveau 1 (primary) : Carol Petit [remplacement]") in support
    assert names(support) == scheduled(server, "--team", "support", now="2026-11-04T11:00")
