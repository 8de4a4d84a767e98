"""The call log's journal: what SQLite could not write (a full disk, an I/O error), kept until it can.

    journal = Journal(path)           # next to the database: astreinte.db.journal
    journal.reserve()                 # at start, while there is room: the file is written full of zeros
    journal.append("finish_call", payload)     # one JSON line over the zeros, fsynced
    for op, payload in journal.entries(): ...  # replayed in one SQLite transaction, then
    journal.clear()                   # zeroed again (still reserved)

Written over space reserved in advance, so a full disk does not refuse it: overwriting blocks a
file already has needs no new block (ext4, xfs; not copy-on-write file systems, where the append
may fail: then the error is logged with the record). Append-only: an entry is never changed, only
the whole journal is cleared once SQLite holds every entry. A line cut by a crash is skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RESERVE = 4 * 1024 * 1024       # about a thousand calls with their steps


class Journal:
    def __init__(self, path: Path, reserve: int = RESERVE) -> None:
        self.path, self.size = path, reserve
        self.used = self._used()

    def _used(self) -> int:
        try:
            data = self.path.read_bytes()
        except OSError:
            return 0
        end = data.find(b"\0")
        return len(data) if end < 0 else end

    def reserve(self) -> bool:
        """Make the file ``size`` bytes long (zeros after the entries); False when the disk has no room."""
        try:
            with self.path.open("ab") as out:
                missing = self.size - out.tell()
                while missing > 0:
                    chunk = min(missing, 65536)
                    out.write(b"\0" * chunk)
                    missing -= chunk
                out.flush()
                os.fsync(out.fileno())
        except OSError:
            return False
        return True

    def append(self, op: str, payload: dict[str, Any]) -> None:
        """Write one entry and fsync it (OSError when even the reserve is full)."""
        line = json.dumps({"op": op, **payload}, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.lseek(fd, self.used, os.SEEK_SET)
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        self.used += len(line)

    def entries(self) -> list[tuple[str, dict[str, Any]]]:
        """Every complete entry, in order (a last line cut by a crash is left out)."""
        try:
            with self.path.open("rb") as source:
                data = source.read(self.used)
        except OSError:
            return []
        out = []
        for raw in data.split(b"\n"):
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("op"), str):
                out.append((str(entry.pop("op")), entry))
        return out

    def clear(self) -> None:
        """Every entry is in SQLite: zero them (the reserve stays)."""
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            left = self.used
            while left > 0:
                left -= os.write(fd, b"\0" * min(left, 65536))
            os.fsync(fd)
        finally:
            os.close(fd)
        self.used = 0
