"""Softphone passwords: generated once, kept across runs in a 0600 JSON file, never logged.

The same module writes ``pjsip_astreinte.conf`` (it holds those passwords too): atomically
(a temporary file in the same folder, fsync, rename), 0640, keeping the owner and group of
the file it replaces so Asterisk can still read it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from astreinte.adapters.ownership import settle
from astreinte.domain.errors import AstreinteError

PASSWORD_BYTES = 24          # 32 characters of [A-Za-z0-9_-]: 192 bits


class SecretsError(AstreinteError):
    """The password file cannot be read or written, or is readable by others."""


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


class PhoneSecrets:
    """``{endpoint: password}`` in a JSON file only its owner can read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretsError(f"cannot read {self.path}: {exc.strerror}") from None
        if info.st_mode & 0o077:
            raise SecretsError(f"{self.path} is readable by others (mode {stat.filemode(info.st_mode)}): "
                               f"run `chmod 600 {self.path}` (and consider the passwords leaked)")
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SecretsError(f"cannot read {self.path}: {type(exc).__name__}") from None
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise SecretsError(f"{self.path} is not a JSON object of endpoint -> password")
        return dict(data)

    def ensure(self, endpoints: Iterable[str]) -> dict[str, str]:
        """The passwords of ``endpoints``: existing ones kept, missing ones generated and saved."""
        stored = self.load()
        missing = [name for name in endpoints if name not in stored]
        if missing:
            for name in missing:
                stored[name] = new_password()
            self.save(stored)
        return stored

    def rotate(self, endpoint: str) -> str:
        """A new password for one endpoint (the old one stops working at the next write + reload)."""
        stored = self.load()
        stored[endpoint] = new_password()
        self.save(stored)
        return stored[endpoint]

    def save(self, passwords: dict[str, str]) -> None:
        text = json.dumps(dict(sorted(passwords.items())), indent=2) + "\n"
        atomic_write(self.path, text, mode=0o600, keep_owner=False)
        settle(self.path)          # beside the daemon's database: the daemon's file, even written by root


def atomic_write(path: Path, text: str, *, mode: int = 0o640, keep_owner: bool = True) -> bool:
    """Replace ``path`` with ``text`` atomically; returns False when the content was already that."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    except OSError as exc:
        raise SecretsError(f"cannot read {path}: {exc.strerror}") from None
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise SecretsError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            if keep_owner:
                _copy_owner(handle.fileno(), path)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SecretsError(f"cannot write {path}: {exc.strerror}") from None
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return True


def _copy_owner(fd: int, path: Path) -> None:
    """Give the new file the owner and group of the one it replaces (or the folder's group)."""
    if os.geteuid() != 0:
        return
    try:
        info = path.stat()
        uid, gid = info.st_uid, info.st_gid
    except OSError:
        uid, gid = -1, path.parent.stat().st_gid
    with contextlib.suppress(OSError):
        os.fchown(fd, uid, gid)
