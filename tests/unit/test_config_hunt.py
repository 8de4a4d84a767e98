"""The ``hunt:`` block of a team: every key read with its meaning, ``hold_message_every`` turned off by 0 or null."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.domain.errors import ConfigError
from astreinte.domain.hunt import Hunt, HuntPolicy, Target
from astreinte.domain.hunt_events import GreetingFinished, PlayHoldMessage, StartHoldMusic, TimerExpired

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
HUNT = "      on_no_answer: voicemail\n"
T0 = datetime(2026, 11, 7, 20, 0, tzinfo=UTC)


def policy_with(tmp_path: Path, line: str) -> HuntPolicy:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert HUNT in text
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(HUNT, HUNT + line, 1), encoding="utf-8")
    return load(path, environ={}).teams["support"].hunt


def test_every_hunt_key_is_read(tmp_path: Path) -> None:
    lines = "      confirm_timeout: 7s\n      hold_message_every: 45s\n"
    policy = policy_with(tmp_path, lines)
    assert policy == HuntPolicy(strategy="linear", ring_timeout=20.0, rounds=2, confirm=True,
                                on_no_answer="voicemail", confirm_timeout=7.0, hold_message_every=45.0)


def test_hold_message_every_defaults_to_20_seconds(tmp_path: Path) -> None:
    assert policy_with(tmp_path, "").hold_message_every == 20.0


@pytest.mark.parametrize("value", ["0", "0s", "0m", "null", "~"])
def test_zero_or_null_turns_the_hold_message_off(tmp_path: Path, value: str) -> None:
    assert policy_with(tmp_path, f"      hold_message_every: {value}\n").hold_message_every is None


@pytest.mark.parametrize(("value", "message"), [
    ("-5s", "expected a duration such as 20s"),
    ("often", "expected a duration such as 20s"),
    ("2h", "expected a duration such as 20s"),
    ("[20s]", "expected a value, got a list"),
])
def test_a_wrong_interval_is_located(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        policy_with(tmp_path, f"      hold_message_every: {value}\n")
    (problem,) = caught.value.problems
    assert problem.path == "teams.support.hunt.hold_message_every" and message in problem.message
    assert problem.line is not None


def hold_messages(policy: HuntPolicy, seconds: int) -> list[float]:
    """When the caller hears "please hold" during ``seconds`` of a hunt nobody answers."""
    hunt = Hunt("c", [Target(1, "bob", "Bob", ("PJSIP/bob",))], policy)
    out = hunt.start(T0) + hunt.handle(GreetingFinished(), T0)
    assert StartHoldMusic() in out
    heard: list[float] = []
    now = T0
    while not hunt.finished and now < T0 + timedelta(seconds=seconds):
        now = hunt.deadline or now + timedelta(seconds=1)
        out = hunt.handle(TimerExpired(), now)
        heard += [(now - T0).total_seconds() for command in out if isinstance(command, PlayHoldMessage)]
    return heard


def test_the_loaded_interval_drives_the_hunt(tmp_path: Path) -> None:
    every_15 = replace(policy_with(tmp_path, "      hold_message_every: 15s\n"), ring_timeout=60.0, rounds=1)
    assert hold_messages(every_15, 60) == [15.0, 30.0, 45.0]
    off = replace(policy_with(tmp_path, "      hold_message_every: 0\n"), ring_timeout=60.0, rounds=1)
    assert hold_messages(off, 60) == []
