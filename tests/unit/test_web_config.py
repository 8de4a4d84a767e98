"""The ``web:`` block: defaults on loopback, located errors, the Host values the console accepts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.domain.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
ENV = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}


def with_block(tmp_path: Path, block: str) -> Path:
    config = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, config)
    config.write_text(config.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")
    return config


def test_the_console_listens_on_loopback_by_default() -> None:
    web = load(EXAMPLE, environ=ENV).web
    assert (web.listen.host, web.listen.port) == ("127.0.0.1", 8470)
    assert web.base_url == "http://127.0.0.1:8470" and not web.secure_cookies and web.trusted_proxy is None
    assert web.allowed_hosts() == {"127.0.0.1:8470", "localhost:8470"}


def test_a_public_address_and_a_trusted_proxy(tmp_path: Path) -> None:
    web = load(with_block(tmp_path, "web:\n  listen: {host: 127.0.0.1, port: 9000}\n"
                                    "  public_url: https://astreinte.example.com/\n  session_idle: 30m\n"
                                    "  trusted_proxy: {from: [127.0.0.1, 10.0.0.0/8]}\n"), environ=ENV).web
    assert web.base_url == "https://astreinte.example.com" and web.secure_cookies
    assert web.allowed_hosts() == {"127.0.0.1:9000", "localhost:9000", "astreinte.example.com"}
    assert web.session_idle == 1800 and web.trusted_proxy is not None
    assert web.trusted_proxy.header == "X-Remote-User"
    assert web.trusted_proxy.trusts("10.1.2.3") and web.trusted_proxy.trusts("127.0.0.1")
    assert not web.trusted_proxy.trusts("192.168.1.1") and not web.trusted_proxy.trusts(None)


@pytest.mark.parametrize(("block", "where", "says"), [
    ("web:\n  listen: {port: 99999}\n", "web.listen.port", "from 1 to 65535"),
    ("web:\n  public_url: ftp://x\n", "web.public_url", "https://HOST"),
    ("web:\n  session_idle: 13h\n", "web.session_idle", "must not exceed web.session_max"),
    ("web:\n  trusted_proxy: {from: [everyone]}\n", "web.trusted_proxy.from[0]", "IP address or network"),
    ("web:\n  sessions: 2h\n", "web.sessions", "unknown"),
])
def test_mistakes_are_located(tmp_path: Path, block: str, where: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(with_block(tmp_path, block), environ=ENV)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert where in text and says in text, text
