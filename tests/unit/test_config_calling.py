"""Menus, block list, caller ID, voicemail and notifications: accepted with their meaning, mistakes located."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.domain.calling import CallerIdPolicy, Menu
from astreinte.domain.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"

ADDED = """
menus:
  "1500":
    prompt: "Pour le support, tapez 1."
    options: {"1": support}
    default: support
    timeout: 4s
blocklist: ["+33612345678", "0899123456"]
notifications:
  webhook: {url: "http://127.0.0.1:9000/hook"}
  email: {host: 127.0.0.1, port: 2525, from: astreinte@example.com, to: [ops@example.com], starttls: true}
"""

TEAM = """    caller_id: {show: line, name: "ASTREINTE support"}
    voicemail: {greeting: "Laissez un message.", max_length: 1m, max_silence: 5s}
    hunt:
"""


def config_text(extra: str = ADDED, team: str = TEAM) -> str:
    text = EXAMPLE.read_text(encoding="utf-8").replace("    hunt:\n", team, 1)
    return text + extra


def test_calling_keys_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text())
    config = load(path, environ={})
    menu = config.menus["1500"]
    assert menu == Menu("1500", "Pour le support, tapez 1.", {"1": "support"}, "support", 4.0)
    assert menu.choose("1") == "support" and menu.choose("9") == "support" and menu.choose(None) == "support"
    assert config.is_blocked("+33 6 12 34 56 78") and not config.is_blocked("+33611223344")
    team = config.teams["support"]
    assert team.caller_id == CallerIdPolicy("line", "ASTREINTE support")
    assert team.caller_id.present("support", "0611223344", "1000") == '"ASTREINTE support" <1000>'
    assert (team.voicemail.max_seconds, team.voicemail.max_silence) == (60.0, 5.0)
    assert config.notifications.webhook is not None and config.notifications.webhook.url.endswith("/hook")
    assert config.notifications.email is not None and config.notifications.email.recipients == ("ops@example.com",)


def test_defaults_without_the_keys() -> None:
    config = load(EXAMPLE, environ={})
    team = config.teams["support"]
    assert team.caller_id.present("support", "0611223344", "1000") == '"ASTREINTE support" <0611223344>'
    assert config.menus == {} and config.blocklist == frozenset() and not config.notifications.enabled


@pytest.mark.parametrize(("extra", "team", "where", "message"), [
    ('menus:\n  "1500": {prompt: "x", options: {"1": suport}}\n', TEAM, 'menus.1500.options.1',
     "unknown team 'suport'"),
    ('menus:\n  "1500": {prompt: "x", options: {"12": support}}\n', TEAM, "menus.1500.options.12", "single key"),
    ('menus:\n  "1000": {prompt: "x", options: {"1": support}}\n', TEAM, "menus.1000", "already reaches a team"),
    ('blocklist: ["06;12"]\n', TEAM, "blocklist[0]",
     "expected a phone number (e.g. +33388000001 or 03 88 00 00 01) or an extension, got '06;12'"),
    ('notifications:\n  email: {host: h, from: "a@b.c\\nBcc: x@y.z", to: [ops@example.com]}\n', TEAM,
     "notifications.email.from", "e-mail address"),
    ("", '    caller_id: {show: line, name: "A\\"B"}\n    hunt:\n', "teams.support.caller_id.name",
     'cannot hold ", < or >'),
    ("", "    voicemail: {max_length: 20m}\n    hunt:\n", "teams.support.voicemail.max_length", "between"),
    ("", "    caller_id: {show: everyone}\n    hunt:\n", "teams.support.caller_id.show", "expected one of"),
])
def test_mistakes_are_located(tmp_path: Path, extra: str, team: str, where: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(extra, team))
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    (problem,) = caught.value.problems
    assert message, "an empty expected message would match anything"
    assert problem.path == where and message in problem.message
    assert problem.line is not None and problem.file == str(path)
