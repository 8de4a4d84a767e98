"""The ``hunt:`` keys of issue 18: ``confirm: external``, ``greeting_interruptible``, ``greeting_min``."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.domain.errors import ConfigError

EXAMPLE = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text(encoding="utf-8")
CONFIRM_LINE = next(line + "\n" for line in EXAMPLE.splitlines() if line.strip().startswith("confirm: true"))


def hunt_with(tmp_path: Path, lines: str) -> Path:
    assert CONFIRM_LINE in EXAMPLE
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.replace(CONFIRM_LINE, lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(("lines", "confirm", "minimum"), [
    ("      confirm: external\n", "external", None),
    ("      confirm: false\n      greeting_interruptible: true\n", False, 0.0),
    ("      confirm: true\n      greeting_min: 2s\n", True, 2.0),
    ("      greeting_interruptible: true\n      greeting_min: 1.5s\n", False, 1.5),
    ("      greeting_interruptible: false\n", False, None),
])
def test_hunt_keys(tmp_path: Path, lines: str, confirm: object, minimum: float | None) -> None:
    policy = load(hunt_with(tmp_path, lines), environ={}).teams["support"].hunt
    assert (policy.confirm, policy.greeting_min) == (confirm, minimum)


@pytest.mark.parametrize(("lines", "message"), [
    ("      confirm: sometimes\n", "teams.support.hunt.confirm: expected true, false or external, got 'sometimes'"),
    ("      greeting_interruptible: false\n      greeting_min: 1s\n",
     "teams.support.hunt.greeting_min: a minimum makes the greeting interruptible"),
    ("      greeting_min: soon\n", "teams.support.hunt.greeting_min:"),
])
def test_bad_hunt_keys_are_located(tmp_path: Path, lines: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(hunt_with(tmp_path, lines), environ={})
    assert any(message in str(problem) and ".yaml:" in str(problem) for problem in caught.value.problems), \
        caught.value.problems
