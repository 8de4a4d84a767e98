"""Run as root, the CLI leaves the daemon's files to the daemon (its StateDirectory's owner)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from astreinte.adapters.ownership import settle
from astreinte.adapters.secrets import PhoneSecrets
from astreinte.adapters.store import Store

DAEMON = 4321          # an unused uid/gid standing for the astreinte user

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="what root's CLI does: run the suite as root")


def owned(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    folder = tmp_path / "var-lib-astreinte"
    folder.mkdir(mode=0o711)
    os.chown(folder, DAEMON, DAEMON)
    return folder


@root_only
def test_a_database_root_creates_there_is_the_daemons_and_private(state: Path) -> None:
    with Store.open(state / "astreinte.db") as store:
        store.overrides()
    assert owned(state / "astreinte.db") == (DAEMON, DAEMON, 0o600)
    for leftover in state.glob("astreinte.db-*"):          # journals, if SQLite kept any
        assert owned(leftover)[:2] == (DAEMON, DAEMON)


@root_only
def test_softphone_passwords_root_writes_there_are_the_daemons(state: Path) -> None:
    PhoneSecrets(state / "phone-secrets.json").ensure(["alice"])
    assert owned(state / "phone-secrets.json") == (DAEMON, DAEMON, 0o600)


@root_only
def test_roots_own_folders_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("x")
    path.chmod(0o640)
    settle(path, created=True)
    assert owned(path) == (0, 0, 0o640)
