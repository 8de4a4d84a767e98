"""A team's ``messages:`` block and ``daemon.fallback.recordings_dir``: read with their meaning, mistakes located."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.domain.calling import MessagePolicy
from astreinte.domain.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"


def configured(tmp_path: Path, block: str, extra: str = "") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8").replace("    hunt:\n", f"    messages: {block}\n    hunt:\n", 1)
    path = tmp_path / "config.yaml"
    path.write_text(text + extra)
    return path


def test_the_policy_is_read_and_defaults_call_nobody_back(tmp_path: Path) -> None:
    path = configured(tmp_path, "{callout: true, every: 2m, rounds: 4, escalate: false, at_opening: PJSIP/reception}")
    assert load(path, environ={}).teams["support"].messages == MessagePolicy(True, 120.0, 4, False, "PJSIP/reception")
    assert load(EXAMPLE, environ={}).teams["support"].messages == MessagePolicy()
    assert not MessagePolicy().active and MessagePolicy(at_opening="PJSIP/x").active
    assert load(configured(tmp_path, "{callout: yes}"), environ={}).teams["support"].messages.every == 300.0


@pytest.mark.parametrize(("block", "where", "message"), [
    ("{callout: sometimes}", "teams.support.messages.callout", "expected true or false"),
    ("{every: 2s}", "teams.support.messages.every", "at least 5s between rounds"),
    ("{every: 90m}", "teams.support.messages.every", "between 1s and 1h"),
    ("{rounds: 0}", "teams.support.messages.rounds", "from 1 to 20"),
    ("{at_opening: 'PJSIP/x,t'}", "teams.support.messages.at_opening", "expected TECH/resource"),
    ("{callback: true}", "teams.support.messages.callback", "unknown key 'callback'"),
])
def test_mistakes_are_located(tmp_path: Path, block: str, where: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(configured(tmp_path, block), environ={})
    problems = [str(p) for p in caught.value.problems]
    assert any(where in p and message in p and "config.yaml:" in p for p in problems), problems


def test_the_fallback_recordings_as_the_daemon_sees_them(tmp_path: Path) -> None:
    extra = "daemon:\n  fallback: {recordings: /var/spool/asterisk/astreinte, recordings_dir: /srv/root/spool}\n"
    fallback = load(configured(tmp_path, "{}", extra), environ={}).daemon.fallback
    assert fallback.local("/var/spool/asterisk/astreinte/1000-1.2.wav") == Path("/srv/root/spool/1000-1.2.wav")
    assert fallback.local("/elsewhere/x.wav") == Path("/elsewhere/x.wav")


def test_check_warns_of_a_policy_that_can_never_act(tmp_path: Path) -> None:
    from astreinte.config.warnings import config_warnings

    text = EXAMPLE.read_text(encoding="utf-8").replace("      on_no_answer: voicemail", "      on_no_answer: hangup")
    path = tmp_path / "config.yaml"
    path.write_text(text.replace("    hunt:\n", "    messages: {callout: true}\n    hunt:\n", 1))
    warnings = config_warnings(load(path, environ={}))
    assert any("teams.support.messages: nothing to call out" in w for w in warnings), warnings


def test_an_email_block_without_recipients_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text()
    path = tmp_path / "config.yaml"
    path.write_text(text + "\nnotifications:\n  email: {host: 127.0.0.1, from: a@b.test}\n")
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    assert "notifications.email" in str(caught.value) and "to" in str(caught.value)
