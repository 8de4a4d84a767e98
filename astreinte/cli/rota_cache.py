"""A compiled rota for ``astreinte who``, cached in SQLite and keyed by the digest of every input.

Reading and checking the whole configuration costs a few hundred milliseconds, most of it
imports (every country of ``holidays``, phonenumbers, the hunt and legal code). ``who``
pays it once per change instead of once per run: after a full ``astreinte.config.load``
(every check, the same located errors) it stores a ``Rota`` — what ``who`` needs, no
secrets — and later runs take it back when, and only when, the digest of all inputs is
the one stored beside it:

- the text of the configuration file and of every file the load read (a compensation
  profile of your own, secret files): ``Config.sources``;
- every ``ASTREINTE_*`` environment variable (the loader's secrets can come from there);
- the code: the Python version, the size and mtime of every file of the astreinte package,
  and the name (hence the version) of every distribution installed beside it — a new
  ``holidays`` or ``phonenumbers`` is a new digest.

Anything unexpected is a miss, and a miss only costs the full load: an input that cannot be
read, a cache file that is not ours or is writable by others, a row that does not unpickle.
CLI overrides are read from the database on every run, never cached. ``check``, ``run`` and
every other command keep loading the configuration in full; nothing outside ``who`` reads
this cache.

The cache is per user: ``$ASTREINTE_CACHE`` (a file, or ``off``), else
``$XDG_CACHE_HOME/astreinte/rotas.sqlite``, else ``~/.cache/astreinte/rotas.sqlite``;
the file is 0600 in a 0700 folder (the rows are pickles: only their owner may write them).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import stat
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import astreinte

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.adapters.holidays import HolidayCalendar
    from astreinte.config import Config
    from astreinte.domain.rota import Override, Person, Team
    from astreinte.domain.schedule import Schedule

FORMAT = "astreinte rota cache 1"
KEEP_ROWS = 8                       # configurations remembered (the oldest written is dropped)
UNREADABLE = "-"                    # stands for the digest of an input that cannot be read
SCHEMA = "CREATE TABLE IF NOT EXISTS rotas (config TEXT PRIMARY KEY, digest TEXT NOT NULL, " \
         "sources TEXT NOT NULL, rota BLOB NOT NULL)"


@dataclass(frozen=True)
class Rota:
    """What ``who`` needs of a checked configuration: no secrets, paths absolute."""

    path: Path
    timezone: ZoneInfo
    database: Path
    people: Mapping[str, Person]
    teams: Mapping[str, Team]
    overrides: tuple[Override, ...]
    holiday_calendar: HolidayCalendar

    @classmethod
    def of(cls, config: Config) -> Rota:
        return cls(config.path.absolute(), config.timezone, config.database.absolute(), dict(config.people),
                   dict(config.teams), config.overrides, config.holiday_calendar)

    def schedule(self, extra_overrides: Iterable[Override] = ()) -> Schedule:
        """As ``Config.schedule``: the file's overrides, then ``extra_overrides`` (CLI ones)."""
        from astreinte.domain.schedule import Schedule

        overrides = (*self.overrides, *extra_overrides)
        return Schedule(self.teams, self.people, self.timezone, overrides, self.holiday_calendar)


def default_file(environ: Mapping[str, str]) -> Path | None:
    """The cache file of this user, or None when ``ASTREINTE_CACHE=off``."""
    chosen = environ.get("ASTREINTE_CACHE", "")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "astreinte" / "rotas.sqlite"


def code_version(package: Path | None = None, path: Sequence[str] | None = None) -> str:
    """Digest of the code that compiles a rota: Python, astreinte's files, installed distributions."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{sys.executable}\0".encode())
    root = package or Path(astreinte.__file__).parent
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if name != "__pycache__")
        for name in sorted(files):
            where = os.path.join(folder, name)
            try:
                info = os.stat(where)
            except OSError:
                continue
            digest.update(f"{os.path.relpath(where, root)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    for entry in sys.path if path is None else path:
        if os.path.basename(entry) not in ("site-packages", "dist-packages"):
            continue
        try:
            names = sorted(os.listdir(entry))
        except OSError:
            continue
        digest.update(entry.encode() + b"\0")
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                digest.update(name.encode() + b"\n")
    return digest.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_digest(path: str) -> str:
    """``text_digest`` of a file's text as the loader reads it (``Path.read_text``), or UNREADABLE."""
    try:
        return text_digest(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return UNREADABLE


def inputs_digest(code: str, environ: Mapping[str, str], sources: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"{code}\n".encode())
    for name in sorted(environ):
        if name.startswith("ASTREINTE_"):
            digest.update(f"env\0{name}\0{environ[name]}\n".encode("utf-8", "surrogatepass"))
    for path, text in sources:
        digest.update(f"file\0{path}\0{text}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _private(path: Path) -> bool:
    """Ours and written by nobody else: the file owned by us, not group/other-writable, nor is its
    folder (unless sticky, as /tmp)."""
    try:
        info, folder = os.stat(path), os.stat(path.parent)
    except OSError:
        return False
    shared_folder = folder.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not folder.st_mode & stat.S_ISVTX
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not shared_folder


class RotaCache:
    """``load(path)`` a Rota (cached or compiled), then ``save(rota)`` once the command is done.

    ``save`` writes only what is new: a compiled rota, or a cached one whose holiday calendar
    computed another year. ``hit`` tells whether the last ``load`` came from the cache.
    """

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.hit = False
        self._row: tuple[str, str, list[str]] | None = None   # (config, digest, sources) of the last load
        self._stored: frozenset[int] | None = None             # holiday years in the stored row; None: none

    def load(self, path: Path, environ: Mapping[str, str]) -> Rota:
        """The rota of the configuration at ``path``; a miss raises what ``astreinte.config.load`` raises."""
        key = str(path.absolute())
        code = code_version()
        self.hit, self._row, self._stored = False, None, None
        found = self._read(key)
        if found is not None:
            digest, sources, blob = found
            if inputs_digest(code, environ, ((p, file_digest(p)) for p in sources)) == digest:
                rota = self._unpickle(blob)
                if rota is not None:
                    self.hit, self._row, self._stored = True, (key, digest, sources), rota.holiday_calendar.years
                    return rota
        from astreinte.config import load

        config = load(path, environ=environ)
        read = [(str(Path(p).absolute()), text_digest(text)) for p, text in config.sources.items()]
        self._row = (key, inputs_digest(code, environ, read), [p for p, _ in read])
        return Rota.of(config)

    def save(self, rota: Rota) -> None:
        """Store ``rota`` if it is new to the cache; a cache that cannot be written is skipped."""
        if self.file is None or self._row is None or self._stored == rota.holiday_calendar.years:
            return
        key, digest, sources = self._row
        try:
            blob = pickle.dumps(rota, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:     # a value that cannot be pickled: no cache, never a failed `who`
            return
        try:
            conn = self._connect(create=True)
            if conn is None:
                return
            try:
                with conn:
                    conn.execute(SCHEMA)
                    conn.execute("INSERT OR REPLACE INTO rotas (config, digest, sources, rota) VALUES (?, ?, ?, ?)",
                                 (key, digest, json.dumps(sources), blob))
                    conn.execute("DELETE FROM rotas WHERE rowid NOT IN "
                                 "(SELECT rowid FROM rotas ORDER BY rowid DESC LIMIT ?)", (KEEP_ROWS,))
            finally:
                conn.close()
        except (OSError, sqlite3.Error):
            return
        self._stored = rota.holiday_calendar.years

    def _read(self, key: str) -> tuple[str, list[str], bytes] | None:
        try:
            conn = self._connect(create=False)
            if conn is None:
                return None
            try:
                row = conn.execute("SELECT digest, sources, rota FROM rotas WHERE config = ?", (key,)).fetchone()
            finally:
                conn.close()
            if row is None:
                return None
            digest, sources, blob = row
            paths = json.loads(sources)
        except (OSError, sqlite3.Error, ValueError):
            return None
        if not (isinstance(digest, str) and isinstance(blob, bytes) and isinstance(paths, list)
                and all(isinstance(p, str) for p in paths)):
            return None
        return digest, paths, blob

    @staticmethod
    def _unpickle(blob: bytes) -> Rota | None:
        try:
            rota = pickle.loads(blob)
        except Exception:     # a row this code cannot read is a miss, whatever the reason
            return None
        return rota if isinstance(rota, Rota) else None

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        file = self.file
        if file is None:
            return None
        if create and not file.exists():
            file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
        if not _private(file):
            return None
        if create:
            return sqlite3.connect(file, timeout=1.0)
        return sqlite3.connect(f"{file.absolute().as_uri()}?mode=ro", uri=True, timeout=1.0)
