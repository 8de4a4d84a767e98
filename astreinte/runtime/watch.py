"""When to reload the configuration file: once it is complete and stable, never half-written.

    watch = FileWatch(path)          # what the daemon runs now
    every 2 s: ready = watch.poll()  # None: nothing new, or still being written
               ready -> load, check (``config.dropped``), apply -> watch.done(ready)

An editor or ``cp`` writes a file in several steps; a copy cut after its first team is valid YAML.
So a change counts only once the file has stayed the same — size, modification time and SHA-256 —
over a whole interval; and a content already refused is not tried again until it changes.
Polling keeps it on the one event loop, with no thread, and works where inotify does not
(network file systems, a file replaced by a rename).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Snapshot:
    size: int
    mtime_ns: int
    digest: str
    text: str


def snapshot(path: Path) -> Snapshot | None:
    """The file as it is now; None when it cannot be read (being replaced, removed)."""
    try:
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
    except OSError:
        return None
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        return None                         # written while we read it
    return Snapshot(after.st_size, after.st_mtime_ns, hashlib.sha256(data).hexdigest(),
                    data.decode("utf-8", errors="replace"))


class FileWatch:
    def __init__(self, path: Path) -> None:
        self.path = path
        first = snapshot(path)
        self.settled = first.digest if first is not None else ""    # the content loaded or refused last
        self._seen = first

    def poll(self) -> Snapshot | None:
        """A new content, unchanged since the previous poll; None otherwise."""
        now = snapshot(self.path)
        previous, self._seen = self._seen, now
        if now is None or now != previous or now.digest == self.settled:
            return None
        return now

    def done(self, content: Snapshot) -> None:
        """``content`` was loaded, or refused: nothing more to do until the file changes again."""
        self.settled = content.digest

    def loaded(self) -> None:
        """The daemon re-read the file by itself (SIGHUP, ``rota load``): take it as the settled content."""
        current = snapshot(self.path)
        if current is not None:
            self.settled, self._seen = current.digest, current
