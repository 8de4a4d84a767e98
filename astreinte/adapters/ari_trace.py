"""An opt-in timing trace of the ARI link, for the benchmarks: ``ASTREINTE_ARI_TRACE=FILE``.

Off unless that variable names a file (the daemon then appends to it). One line per fact, the
first field the process's monotonic clock in nanoseconds:

    <ns> in PlaybackStarted <channel id> <extra>     an event frame read from the WebSocket
    <ns> sent POST /channels/<id>/answer              a request's headers written to the socket
    <ns> done POST /channels/<id>/answer 204          its response's headers read

``extra`` is, for a StasisStart, the channel's name, its first Stasis argument and its extension.
The lines are kept in memory and appended to the file in batches and when the link closes: the
trace costs a few microseconds a line, no system call on the call's path. bench/share.py reads it
(the daemon's own share of a call's start: StasisStart read to the first originate written).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

VARIABLE = "ASTREINTE_ARI_TRACE"
BATCH = 2000        # lines kept before they are appended to the file


class AriTrace:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lines: list[str] = []

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> AriTrace | None:
        chosen = environ.get(VARIABLE, "")
        return cls(Path(chosen)) if chosen else None

    def received(self, data: Mapping[str, Any]) -> None:
        channel = data.get("channel")
        extra = ""
        if isinstance(channel, dict):
            cid = str(channel.get("id", "-"))
            if data.get("type") == "StasisStart":
                args = data.get("args") or ["-"]
                exten = (channel.get("dialplan") or {}).get("exten") or "-"
                extra = f" {channel.get('name', '-')} {args[0]} {exten}"
        else:
            target = str((data.get("playback") or data.get("recording") or {}).get("target_uri", "-"))
            cid = target.removeprefix("channel:")
        self._add(f"{time.monotonic_ns()} in {data.get('type', '-')} {cid}{extra}")

    def sent(self, method: str, path: str) -> None:
        """A request's head written to its connection (adapters/ari_http.py)."""
        self._add(f"{time.monotonic_ns()} sent {method} {path}")

    def done(self, method: str, path: str, status: int) -> None:
        """Its response read."""
        self._add(f"{time.monotonic_ns()} done {method} {path} {status}")

    def _add(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._lines:
            return
        with self.path.open("a", encoding="utf-8") as out:
            out.write("\n".join(self._lines) + "\n")
        self._lines.clear()
