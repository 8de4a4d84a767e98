"""The lab's phones and teams as the e2e tests write them, and what Asterisk logged about each call.

Phones: alice 127.0.0.1:5081, bob :5082, carol :5083, dave :5084, reception :5085
(asterisk_conf/pjsip.conf); erin registers (offline unless she does). Every number reaches
the shipped dialplan's ``astreinte-inbound``: each test file uses numbers of its own.
"""

from __future__ import annotations

import re
import textwrap
from datetime import datetime
from typing import Any

from lab.observer import Observer, Seen, channel_name

PORT = {"alice": 5081, "bob": 5082, "carol": 5083, "dave": 5084, "reception": 5085}


def team(layers: tuple[str, ...] = ("alice", "bob"), *, confirm: bool = False, ring: str = "4s", rounds: int = 1,
         on_no_answer: str = "hangup", strategy: str = "linear", numbers: str = '["1000"]', name: str = "support",
         extra: str = "", hours: str = "{weekdays: all-day, weekends: all-day}",
         greeting: str = "Astreinte de test.", hunt_extra: str = "", layer_prefix: str = "l") -> str:
    """One team whose levels are ``layers`` (one person each), always in service unless ``hours`` says."""
    layer_yaml = "\n".join(
        f"    - name: {layer_prefix}{i}\n      rotation: {{members: [{person}], every: 1 week, "
        f"handoff: 'monday 09:00', start: 2026-11-02}}" for i, person in enumerate(layers, start=1))
    return (f"{name}:\n  numbers: {numbers}\n  greeting: \"{greeting}\"\n  service_hours: {hours}\n"
            f"  hunt: {{strategy: {strategy}, ring_timeout: {ring}, rounds: {rounds}, confirm: {str(confirm).lower()},"
            f" on_no_answer: {on_no_answer}, confirm_timeout: 4s{hunt_extra}}}\n{textwrap.indent(extra, '  ')}"
            f"  layers:\n{layer_yaml}\n")


def plain_team(number: str, *members: str, ring: str = "15s") -> str:
    """Team ``support`` on ``number``: one level per member, no confirmation, hang up when nobody answers."""
    return team(members, ring=ring, numbers=f'["{number}"]', greeting="Bonjour, astreinte du support.",
                layer_prefix="level")


async def bridged(observer: Observer, person: str, timeout: float = 20) -> dict[str, Any]:
    """The bridge ``person``'s phone entered (two channels: the caller and them)."""
    seen = await observer.wait_for(
        lambda s: s.type == "ChannelEnteredBridge" and channel_name(s).startswith(f"PJSIP/{person}-"),
        timeout=timeout, what=f"{person} entering a bridge")
    bridge = await observer.get(f"/bridges/{seen.event['bridge']['id']}")
    assert len(bridge["channels"]) == 2, bridge
    return dict(bridge)


def results(row: dict[str, Any]) -> list[tuple[str, str]]:
    """A call log row's attempts as (person, result)."""
    return [(a["person"], a["result"]) for a in row["attempts"]]


def stamp(seen: Seen) -> datetime:
    """When Asterisk says the event happened."""
    return datetime.strptime(seen.event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")


def caller_channel(observer: Observer) -> str:
    """The id of the first call's caller channel (the on-call trunk's ``PJSIP/trunk-…``)."""
    created = [s for s in observer.of_type("ChannelCreated") if channel_name(s).startswith("PJSIP/trunk-")]
    assert created, "no call came in on the trunk"
    return str(created[0].event["channel"]["id"])


def playbacks(observer: Observer, channel: str) -> list[Seen]:
    """What was played to ``channel``, in order (PlaybackStarted events)."""
    return [s for s in observer.of_type("PlaybackStarted")
            if s.event["playback"].get("target_uri") == f"channel:{channel}"]


def media(seen: Seen) -> str:
    return str(seen.event["playback"]["media_uri"])


def finished(observer: Observer, started: Seen) -> Seen:
    """The PlaybackFinished of the playback ``started`` began."""
    wanted = started.event["playback"]["id"]
    done = [s for s in observer.of_type("PlaybackFinished") if s.event["playback"]["id"] == wanted]
    assert len(done) == 1, f"playback {started.event['playback']['id']} finished {len(done)} time(s)"
    return done[0]


class TierLog:
    """The dialplan's NOTICE lines (``call <id> to <number>: tier agi``) written since this object was made.

    Asterisk's log is cleared only when the lab restarts: a test reads the lines of its own calls,
    never what an earlier test (or file) left there.
    """

    def __init__(self, lab: Any) -> None:
        self.lab = lab
        self.start = len(lab.console_log())

    def _new_text(self) -> str:
        text = str(self.lab.console_log())
        return text[self.start:] if len(text) >= self.start else text     # a lab restarted meanwhile

    def text(self) -> str:
        """Everything Asterisk logged since (its console: verbose lines too, e.g. a NoOp's reason)."""
        return self._new_text()

    def lines(self, number: str | None = None) -> list[str]:
        """``call 1795….12 to 5101: tier agi rings level 1 PJSIP/alice``, and ``call …: tier voicemail (no number)``."""
        want = f"to {number}: tier" if number is not None else ": tier"
        return [line.split(": astreinte: ", 1)[1] for line in self._new_text().splitlines()
                if "NOTICE" in line and ": astreinte: " in line and want in line]

    def calls(self, number: str) -> list[list[str]]:
        """The tiers each call to ``number`` went through, in the order the calls came."""
        out: dict[str, list[str]] = {}
        for line in self.lines(number):
            found = re.match(r"call (\S+) to \S+: tier (.*)", line)
            if found:
                out.setdefault(found.group(1), []).append(found.group(2))
        return list(out.values())
