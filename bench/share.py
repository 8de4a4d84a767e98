"""The daemon's own share of a call's start, from its ARI timing trace (astreinte/adapters/ari_trace.py).

For each caller of a team (a StasisStart whose first Stasis argument or extension is the team's
number), from the StasisStart frame read to the first originate's headers written (a leg
``<caller>-L<n>``):

- ``wall``: the whole interval (it includes Asterisk answering and starting the greeting, which
  the daemon waits for: the phones ring during the greeting, never before it);
- ``own``: the part of it in which the call waited for nothing from Asterisk: the interval minus
  the union of the call's requests in flight (sent → response read) and of the greeting's start
  (its play request sent → its PlaybackStarted read). What is left is the daemon's own work
  (parsing, the lookups, the flow, building requests) and its event loop's queueing.

Pure: lines in, figures out (bench/__main__.py reads the file once the daemon stopped).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.stats import summary


@dataclass
class _Call:
    start: int
    requests: list[tuple[int, int | None, str, str]] = field(default_factory=list)   # sent, done, method, path
    played: list[int] = field(default_factory=list)          # play requests sent
    playback_started: list[int] = field(default_factory=list)
    originated: int | None = None


def _channel_of(path: str) -> str | None:
    """``/ari/channels/<id>/answer`` -> ``<id>`` (also ``/channels/<id>``)."""
    parts = path.strip("/").split("/")
    if "channels" not in parts:
        return None
    i = parts.index("channels")
    return parts[i + 1] if i + 1 < len(parts) else None


def _base(channel: str) -> str:
    return channel.split("-L", 1)[0]


def parse(lines: Iterable[str], exten: str) -> list[_Call]:
    calls: dict[str, _Call] = {}
    pending: dict[tuple[str, str], list[int]] = {}     # (method, path) -> indexes of requests without done
    for line in lines:
        fields = line.split()
        if len(fields) < 4 or not fields[0].isdigit():
            continue
        at, kind = int(fields[0]), fields[1]
        if kind == "in":
            etype, cid = fields[2], fields[3]
            if etype == "StasisStart" and "-L" not in cid and exten in fields[5:7]:
                calls.setdefault(cid, _Call(at))
            elif etype == "PlaybackStarted" and cid in calls:
                calls[cid].playback_started.append(at)
            continue
        method, path = fields[2], fields[3]
        channel = _channel_of(path)
        call = calls.get(_base(channel)) if channel is not None else None
        if channel is None or call is None or call.originated is not None:
            continue
        if kind == "sent":
            if channel != _base(channel) and path.rstrip("/").endswith(channel):       # an originate
                call.originated = at
                continue
            pending.setdefault((method, path), []).append(len(call.requests))
            call.requests.append((at, None, method, path))
            if "/play/" in path:
                call.played.append(at)
        elif kind == "done":
            waiting = pending.get((method, path))
            if waiting:
                i = waiting.pop(0)
                sent, _done, m, p = call.requests[i]
                call.requests[i] = (sent, at, m, p)
    return [c for c in calls.values() if c.originated is not None]


def _union_within(intervals: Sequence[tuple[int, int]], lo: int, hi: int) -> int:
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo))
    total, end = 0, lo
    for a, b in clipped:
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def shares(call: _Call) -> tuple[float, float]:
    """(wall, own) in seconds for one call."""
    assert call.originated is not None
    lo, hi = call.start, call.originated
    waits = [(sent, done if done is not None else hi) for sent, done, _m, _p in call.requests]
    for played in call.played:
        started = next((t for t in call.playback_started if t >= played), hi)
        waits.append((played, started))
    wall = hi - lo
    return wall / 1e9, (wall - _union_within(waits, lo, hi)) / 1e9


def daemon_share(lines: Iterable[str], exten: str) -> dict[str, Any]:
    """Summaries (ms) of ``wall`` and ``own`` over every traced call of the team whose number is ``exten``."""
    found = [shares(c) for c in parse(lines, exten)]
    return {"unit": "ms", "calls": len(found),
            "wall_ms": summary([w for w, _o in found], 1000), "own_ms": summary([o for _w, o in found], 1000)}
