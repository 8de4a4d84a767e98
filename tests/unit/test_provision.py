"""Softphone provisioning: the ``phones:`` block, generated PJSIP sections, passwords, accounts."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from astreinte.adapters.secrets import PhoneSecrets, SecretsError, atomic_write
from astreinte.config import Config, load
from astreinte.config.phones import PhoneSettings, managed_endpoint
from astreinte.domain.errors import ConfigError
from astreinte.domain.rota import Person
from astreinte.provision.account import account
from astreinte.provision.pjsip import Softphone, render, softphones

BASE = """\
timezone: Europe/Paris
database: data/astreinte.db
asterisk:
  ari: {url: "http://127.0.0.1:8088", username: astreinte, password: secret, app: astreinte}
  ami: {host: 127.0.0.1, port: 5038, username: astreinte, secret: secret}
  outbound: "PJSIP/{number}@trunk-out"
people:
  alice: {name: Alice Martin, phones: [PJSIP/alice, "06 12 34 56 78"]}
  bob: {name: Bob Durand, phones: [PJSIP/bob@office, PJSIP/bob]}
  carol: {name: Carol Petit, phones: ["+33611223344"]}
teams:
  support:
    numbers: ["1000"]
    greeting: "Bonjour."
    layers:
      - name: primary
        rotation: {members: [alice, bob], every: 1 week, handoff: "monday 09:00", start: 2026-11-02}
"""


def config(tmp_path: Path, phones: str) -> Config:
    path = tmp_path / "config.yaml"
    path.write_text(BASE + phones, encoding="utf-8")
    return load(path, environ={})


def problems(tmp_path: Path, phones: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config(tmp_path, phones)
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


def test_defaults(tmp_path: Path) -> None:
    settings = config(tmp_path, "phones: {domain: pbx.example.com}\n").phones
    assert settings == PhoneSettings(
        domain="pbx.example.com", secrets=tmp_path / "data" / "phone-secrets.json",
        file=Path("/etc/asterisk/pjsip_astreinte.conf"))
    assert settings.manages("anyone") and settings.codecs == ("ulaw", "alaw") and settings.port == 5060


def test_every_key(tmp_path: Path) -> None:
    settings = config(tmp_path, """phones:
  domain: 192.0.2.10
  transport: tls
  pjsip_transport: transport-tls
  context: phones-only
  codecs: [opus, ulaw, alaw, ulaw]
  manage: [bob]
  secrets: secret/phones.json
  file: out/pjsip_astreinte.conf
  qualify: 20s
  remind_before: 2h
  warn_after: 5m
""").phones
    assert settings is not None
    assert (settings.transport, settings.port, settings.pjsip_transport, settings.context) == (
        "tls", 5061, "transport-tls", "phones-only")
    assert settings.codecs == ("opus", "ulaw", "alaw")
    assert settings.manage == frozenset({"bob"}) and not settings.manages("alice")
    assert settings.secrets == tmp_path / "secret/phones.json"
    assert settings.file == tmp_path / "out/pjsip_astreinte.conf"
    assert (settings.qualify, settings.remind_before, settings.warn_after) == (20, 7200.0, 300.0)


def test_no_block_means_no_managed_phone(tmp_path: Path) -> None:
    assert config(tmp_path, "").phones is None


@pytest.mark.parametrize(("block", "expected"), [
    ("phones: {}\n", "phones.domain: missing (required)"),
    ("phones: {domain: 'pbx;evil'}\n", "phones.domain: expected a host name"),
    ("phones: {domain: pbx, transport: ws}\n", "phones.transport: expected one of udp, tcp, tls"),
    ("phones: {domain: pbx, codecs: [ulaw, 'g711;x']}\n", "phones.codecs[1]: unknown codec"),
    ("phones: {domain: pbx, manage: [alice, zed]}\n", "phones.manage[1]: unknown person 'zed'"),
    ("phones: {domain: pbx, manage: some}\n", "phones.manage: expected all or a list of people"),
    ("phones: {domain: pbx, context: 'from-trunk,1'}\n", "phones.context: expected letters"),
    ("phones: {domain: pbx, qualify: 2s}\n", "phones.qualify: expected at least 5s"),
    ("phones: {domain: pbx, remind_before: soon}\n", "phones.remind_before: expected a duration"),
    ("phones: {domain: pbx, colour: blue}\n", "phones.colour: unknown key"),
])
def test_mistakes_are_located(tmp_path: Path, block: str, expected: str) -> None:
    assert any(found.startswith(expected) for found in problems(tmp_path, block)), problems(tmp_path, block)


@pytest.mark.parametrize(("phone", "endpoint"), [
    ("PJSIP/alice", "alice"), ("pjsip/alice", "alice"), ("PJSIP/alice@office", None), ("+33611223344", None),
    ("SIP/alice", None), ("PJSIP/a.b", None), ("IAX2/carol", None),
])
def test_which_phones_are_managed(phone: str, endpoint: str | None) -> None:
    assert managed_endpoint(phone) == endpoint


def test_softphones_of_everyone_or_of_the_people_listed(tmp_path: Path) -> None:
    everyone = config(tmp_path, "phones: {domain: pbx}\n")
    assert everyone.phones is not None
    assert softphones(everyone.people.values(), everyone.phones) == (
        Softphone("alice", "alice", "Alice Martin"), Softphone("bob", "bob", "Bob Durand"))
    only_bob = config(tmp_path, "phones: {domain: pbx, manage: [bob, carol]}\n")
    assert only_bob.phones is not None
    assert [p.endpoint for p in softphones(only_bob.people.values(), only_bob.phones)] == ["bob"]
    shared = [Person("a", "A", ("PJSIP/desk",)), Person("b", "B", ("PJSIP/desk",))]
    assert softphones(shared, PhoneSettings(domain="x", secrets=Path(), file=Path())) == (
        Softphone("desk", "a", "A"),)


SETTINGS = PhoneSettings(domain="pbx.example.com", secrets=Path("s.json"), file=Path("p.conf"),
                         pjsip_transport="transport-udp", qualify=15)
ERIN = Softphone("erin", "erin", "Erin Roux")
PASSWORD = "Zx3_kq9-" * 4


def sections(text: str) -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if line.startswith("["):
            out.append((line.strip("[]"), {}))
        elif " = " in line and not line.startswith(";"):
            key, value = line.split(" = ", 1)
            out[-1][1][key] = value
    return out


def test_generated_sections_are_nat_proof_and_reach_nothing() -> None:
    text = render(SETTINGS, [ERIN], {"erin": PASSWORD})
    (endpoint_name, endpoint), (auth_name, auth), (aor_name, aor) = sections(text)
    assert (endpoint_name, auth_name, aor_name) == ("erin", "erin-auth", "erin")
    assert endpoint["type"] == "endpoint" and auth["type"] == "auth" and aor["type"] == "aor"
    assert {k: endpoint[k] for k in ("rewrite_contact", "rtp_symmetric", "force_rport", "direct_media",
                                     "dtmf_mode", "context", "allow", "disallow", "auth", "aors", "transport",
                                     "allow_transfer", "allow_subscribe")} == {
        "rewrite_contact": "yes", "rtp_symmetric": "yes", "force_rport": "yes", "direct_media": "no",
        "dtmf_mode": "rfc4733", "context": "astreinte-phones", "allow": "ulaw,alaw", "disallow": "all",
        "auth": "erin-auth", "aors": "erin", "transport": "transport-udp", "allow_transfer": "no",
        "allow_subscribe": "no"}
    assert auth == {"type": "auth", "auth_type": "userpass", "username": "erin", "password": PASSWORD}
    assert {k: aor[k] for k in ("max_contacts", "remove_existing", "qualify_frequency")} == {
        "max_contacts": "1", "remove_existing": "yes", "qualify_frequency": "15"}
    assert text.startswith("; Generated by `astreinte phones write`")


def test_tls_phones_get_srtp() -> None:
    tls = PhoneSettings(domain="pbx", secrets=Path(), file=Path(), transport="tls", port=5061)
    assert "media_encryption = sdes" in render(tls, [ERIN], {"erin": PASSWORD})


def test_a_password_that_was_not_generated_is_refused() -> None:
    for bad in ("short", PASSWORD + ";x", PASSWORD[:20] + "\n[evil]"):
        with pytest.raises(ValueError):
            render(SETTINGS, [ERIN], {"erin": bad})
    with pytest.raises(KeyError):
        render(SETTINGS, [ERIN], {})


def test_a_display_name_cannot_break_the_file() -> None:
    evil = Softphone("erin", "erin", 'Erin"\n[trunk]\ncontext=from-trunk')
    text = render(SETTINGS, [evil], {"erin": PASSWORD})
    assert [name for name, _ in sections(text)] == ["erin", "erin-auth", "erin"]
    assert "from-trunk" not in sections(text)[0][1]["context"]


def test_passwords_are_strong_kept_across_runs_and_private(tmp_path: Path) -> None:
    store = PhoneSecrets(tmp_path / "deep" / "phone-secrets.json")
    first = store.ensure(["alice", "bob"])
    assert len({first["alice"], first["bob"]}) == 2
    assert all(len(p) == 32 and p.replace("-", "").replace("_", "").isalnum() for p in first.values())
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    again = PhoneSecrets(store.path).ensure(["alice", "bob", "carol"])
    assert {k: again[k] for k in ("alice", "bob")} == first and "carol" in again
    assert json.loads(store.path.read_text()) == again
    rotated = store.rotate("alice")
    assert rotated != first["alice"] and store.load()["alice"] == rotated


def test_a_password_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    store = PhoneSecrets(tmp_path / "phone-secrets.json")
    store.ensure(["alice"])
    os.chmod(store.path, 0o644)
    with pytest.raises(SecretsError, match="chmod 600"):
        store.load()


def test_atomic_write(tmp_path: Path) -> None:
    target = tmp_path / "pjsip_astreinte.conf"
    assert atomic_write(target, "a\n") is True
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert atomic_write(target, "a\n") is False
    assert atomic_write(target, "b\n") is True and target.read_text() == "b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pjsip_astreinte.conf"]     # no temporary left behind


def test_account_for_zoiper() -> None:
    acct = account(SETTINGS, ERIN, PASSWORD)
    assert acct.uri() == f"sip:erin:{PASSWORD}@pbx.example.com:5060;transport=udp"
    assert dict(acct.lines())["Domain"] == "pbx.example.com" and dict(acct.lines())["Password"] == PASSWORD
    assert acct.address == "erin@pbx.example.com"
    assert PASSWORD not in repr(acct)
    tls = account(PhoneSettings(domain="pbx", secrets=Path(), file=Path(), transport="tls", port=5061), ERIN, "p")
    assert tls.uri().startswith("sips:erin:p@pbx:5061;transport=tls") and tls.server == "pbx"
