"""``astreinte phones write|show|status`` through click's CliRunner (ARI replaced by a fake answer)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.cli import main
from astreinte.cli import phones as phones_cli

CONFIG = """\
timezone: Europe/Paris
database: astreinte.db
asterisk:
  ari: {url: "http://127.0.0.1:8088", username: astreinte, password: secret, app: astreinte}
  ami: {host: 127.0.0.1, port: 5038, username: astreinte, secret: secret}
  outbound: "PJSIP/{number}@trunk-out"
people:
  zoe: {name: Zoé Fontaine, phones: [PJSIP/zoe, "06 12 34 56 78"]}
  alice: {name: Alice Martin, phones: [PJSIP/alice]}
teams:
  support:
    numbers: ["1000"]
    greeting: "Bonjour."
    layers:
      - name: primary
        rotation: {members: [zoe], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
"""
PHONES = "phones: {domain: pbx.example.com, manage: [zoe], file: asterisk/pjsip_astreinte.conf}\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG + PHONES, encoding="utf-8")
    return path


def run(config_file: Path, *args: str) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}
    return CliRunner().invoke(main, ["--config", str(config_file), *args], env=env, catch_exceptions=False)


def fake_ari(monkeypatch: pytest.MonkeyPatch, states: dict[str, str]) -> None:
    async def endpoint_states(settings: object) -> dict[str, str]:
        return states

    monkeypatch.setattr(phones_cli, "_endpoint_states", endpoint_states)


def test_write_generates_passwords_once_and_the_file_atomically(config_file: Path) -> None:
    result = run(config_file, "phones", "write")
    assert result.exit_code == 0, result.output
    conf = config_file.parent / "asterisk" / "pjsip_astreinte.conf"
    secrets = config_file.parent / "phone-secrets.json"
    assert result.output == f"wrote {conf}: 1 softphone(s) (zoe)\n"
    password = json.loads(secrets.read_text())["zoe"]
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert f"password = {password}" in conf.read_text() and "[alice]" not in conf.read_text()
    again = run(config_file, "phones", "write")
    assert again.output.startswith("unchanged") and json.loads(secrets.read_text())["zoe"] == password
    assert password not in result.output + again.output


def test_show_prints_what_to_type_and_a_qr_code(config_file: Path) -> None:
    run(config_file, "phones", "write")
    password = json.loads((config_file.parent / "phone-secrets.json").read_text())["zoe"]
    result = run(config_file, "phones", "show", "zoe")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Zoé Fontaine: PJSIP/zoe (zoe@pbx.example.com)"
    table = {line.split()[0]: line.split(None, 1)[1].strip() for line in lines[1:4]}
    assert table == {"Domain": "pbx.example.com", "Username": "zoe", "Password": password}
    assert "Transport" in result.output and "UDP" in result.output
    assert "auto-answer" in result.output and "must stay OFF" in result.output
    assert "▀" in result.output or "▄" in result.output          # the QR code, drawn with half blocks
    assert "▀" not in run(config_file, "phones", "show", "zoe", "--no-qr").output


def test_show_refuses_unknown_people_and_unmanaged_phones(config_file: Path) -> None:
    run(config_file, "phones", "write")
    assert "unknown person 'zed'" in run(config_file, "phones", "show", "zed").output
    assert "has no softphone managed by astreinte" in run(config_file, "phones", "show", "alice").output


def test_rotate_gives_a_new_password_to_that_person_only(config_file: Path) -> None:
    run(config_file, "phones", "write")
    secrets = config_file.parent / "phone-secrets.json"
    conf = config_file.parent / "asterisk" / "pjsip_astreinte.conf"
    old = json.loads(secrets.read_text())["zoe"]
    result = run(config_file, "phones", "rotate", "zoe")
    assert result.exit_code == 0, result.output
    new = json.loads(secrets.read_text())["zoe"]
    assert new != old and len(new) == 32
    assert f"password = {new}" in conf.read_text() and old not in conf.read_text()
    assert f"Password        {new}" in result.output and "once Asterisk reloads res_pjsip" in result.output
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert "unknown person 'zed'" in run(config_file, "phones", "rotate", "zed").output
    refused = run(config_file, "phones", "rotate", "alice")
    assert refused.exit_code == 1 and "has no softphone managed by astreinte" in refused.output
    assert json.loads(secrets.read_text())["zoe"] == new, "a refused rotation changes nothing"


def test_show_before_write_says_what_to_run(config_file: Path) -> None:
    result = run(config_file, "phones", "show", "zoe")
    assert result.exit_code == 1 and "astreinte phones write --reload" in result.output


def test_without_a_phones_block_every_command_explains(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    result = run(path, "phones", "write")
    assert result.exit_code == 1 and "no `phones:` block" in result.output


def test_status_registered(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ari(monkeypatch, {"PJSIP/zoe": "online", "PJSIP/alice": "unknown"})
    result = run(config_file, "phones", "status")
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["zoe", "PJSIP/zoe", "registered"]
    report = json.loads(run(config_file, "phones", "status", "--json").output)
    assert report["people"] == {"zoe": [{"phone": "PJSIP/zoe", "state": "online", "registered": True}]}
    assert report["warnings"] == []


def test_status_warns_for_whoever_is_on_call_with_the_softphone_offline(
        config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ari(monkeypatch, {"PJSIP/zoe": "offline"})
    now = ["--config", str(config_file), "--now", "2026-12-10T03:00"]       # zoe's rota runs from 2 Nov
    result = CliRunner().invoke(main, [*now, "phones", "status"])
    assert result.exit_code == 1
    assert "OFFLINE (not registered)" in result.stdout
    assert "warning: Zoé Fontaine (zoe) is on call now for support/primary and PJSIP/zoe is offline" in result.stderr
    fake_ari(monkeypatch, {})
    report = json.loads(CliRunner().invoke(main, [*now, "phones", "status", "--json"]).output)
    assert report["people"]["zoe"][0]["state"] == "missing"
    assert [(w["person"], w["when"], w["state"]) for w in report["warnings"]] == [("zoe", "now", "missing")]


def test_status_warns_about_the_next_shift_before_the_rota_starts(
        config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ari(monkeypatch, {"PJSIP/zoe": "offline"})
    before = ["--config", str(config_file), "--now", "2026-10-25T02:30+01:00"]   # 8 days before the first shift
    report = json.loads(CliRunner().invoke(main, [*before, "phones", "status", "--json"]).output)
    assert [(w["person"], w["when"], w["from"]) for w in report["warnings"]] == [
        ("zoe", "next", "2026-11-02T09:00:00+01:00")]
    too_early = ["--config", str(config_file), "--now", "2026-09-01T12:00"]       # over 31 days before it
    assert CliRunner().invoke(main, [*too_early, "phones", "status"]).exit_code == 0


@pytest.mark.parametrize("command", ["write", "show", "rotate", "status"])
def test_every_phones_command_has_help_with_examples(command: str) -> None:
    group = main.commands["phones"]
    assert isinstance(group, click.Group)
    help_text = group.commands[command].help or ""
    assert help_text.strip() and "Examples:" in help_text
