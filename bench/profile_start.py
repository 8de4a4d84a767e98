"""In-process profile of a call's start: the real daemon pieces against a fake Asterisk, no lab.

    python -m bench.profile_start [--calls 300] [--profile] [--top 30]

The daemon's side is the real one: ``astreinte.adapters.ari.Ari`` (its REST pool, its WebSocket, its
probe), the ``Router`` and ``CallDriver`` of ``astreinte/runtime/``, the SQLite call log in its
executor thread (``AsyncStore``). Asterisk is a tiny aiohttp server in a child process (so its CPU
is not counted) that answers ARI as Asterisk does for team ``burst`` (ringall, three phones, the
bench's team): StasisStart; 204 to the answer and the leases; the play request, then its
PlaybackStarted; each originate, its leg's ChannelStateChange and its endpoint's
EndpointStateChange (Asterisk sends a few a leg); 20 ms after the last originate the caller hangs
up (ChannelHangupRequest, StasisEnd, ChannelDestroyed); each leg's hangup, its ChannelHangupRequest,
ChannelDestroyed and EndpointStateChange. Like Asterisk, it sends only the types of the app's
``eventFilter``. Calls run one at a time, after a warm-up of 20.

Reported, per call (the daemon's process CPU, ``time.process_time``, which counts the SQLite thread):

- ``start``: from the StasisStart frame read to the first originate's headers written (the
  figure bench/share.py calls ``own``, here without Asterisk's latency: the fake answers at once);
- ``call``: the whole call, from its StasisStart to the next one (the call log's rows included).

To compare with another version of the package: ``PYTHONPATH=<its checkout> python bench/profile_start.py``.
``--profile`` runs cProfile (CPU time) over the measured calls (the event loop's thread), ``--profile
start`` only from each StasisStart read to its first originate written; it prints the functions by
their own time and by cumulative time (``--callees REGEX``: what those call). Light on CPU: one call at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from astreinte.adapters.ari_trace import AriTrace

WARMUP = 20
PEOPLE = ("alice", "bob", "carol")


def _channel(cid: str, name: str, state: str, exten: str = "1200") -> dict[str, Any]:
    return {"id": cid, "name": name, "state": state, "caller": {"number": "0699999999", "name": ""},
            "connected": {"number": "", "name": ""},
            "dialplan": {"context": "bench-trunk", "exten": exten, "priority": 1},
            "creationtime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"}


class FakeAsterisk:
    """Answers ARI like Asterisk for the bench's calls; ``POST /bench/run?calls=N`` places them."""

    def __init__(self) -> None:
        self.ws: web.WebSocketResponse | None = None
        self.originated: list[str] = []
        self.hung: set[str] = set()
        self.changed = asyncio.Event()
        self.allowed: set[str] | None = None      # the app's eventFilter (None: every type), as Asterisk keeps it

    async def send(self, kind: str, **body: Any) -> None:
        assert self.ws is not None
        if self.allowed is not None and kind not in self.allowed:
            return
        await self.ws.send_str(json.dumps({"type": kind, "application": "astreinte",
                                           "timestamp": datetime.now(UTC).isoformat(), **body}))

    async def events(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        async for _msg in ws:
            pass
        return ws

    async def run(self, request: web.Request) -> web.Response:
        calls, first = int(request.query["calls"]), int(request.query.get("first", "0"))
        for n in range(first, first + calls):
            cid = f"1795{n:06d}.1"
            self.originated, self.hung = [], set()
            await self.send("StasisStart", channel=_channel(cid, f"PJSIP/trunkbench-{n:08x}", "Ring"), args=[])
            while len(self.originated) < len(PEOPLE):
                self.changed.clear()
                await self.changed.wait()
            await asyncio.sleep(0.02)
            caller = _channel(cid, "PJSIP/trunkbench", "Up")
            await self.send("ChannelHangupRequest", channel=caller, cause=16)
            await self.send("StasisEnd", channel=caller)
            await self.send("ChannelDestroyed", channel=caller, cause=16, cause_txt="Normal Clearing")
            while not set(self.originated) <= self.hung:
                self.changed.clear()
                await self.changed.wait()
            await asyncio.sleep(0.02)
        return web.json_response({"calls": calls})

    async def ari(self, request: web.Request) -> web.StreamResponse:
        method, parts = request.method, request.path.removeprefix("/ari/").split("/")
        raw = await request.read()
        if parts[0] == "applications" and parts[2:3] == ["eventFilter"]:
            self.allowed = {str(item["type"]) for item in json.loads(raw).get("allowed", [])}
            return web.json_response({"name": parts[1]})
        if parts[0] == "events" and parts[1:2] == ["user"]:
            body = await request.json()
            await self.send("ChannelUserevent", eventname=parts[2], userevent=body.get("variables", {}))
            return web.Response(status=204)
        if parts[0] == "channels" and len(parts) == 1:
            return web.json_response([])
        if parts[0] == "endpoints":
            return web.json_response([{"technology": "PJSIP", "resource": p, "state": "online"} for p in PEOPLE])
        if parts[0] == "channels" and len(parts) >= 3 and parts[2] == "play":
            cid, playback = parts[1], parts[3]
            media = request.query.get("media", "")
            pb = {"id": playback, "media_uri": media, "target_uri": f"channel:{cid}", "state": "playing"}
            asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(self.send("PlaybackStarted",
                                                                                         playback=pb)))
            return web.json_response({**pb, "state": "queued"}, status=201)
        if parts[0] == "channels" and len(parts) == 2 and method == "POST":      # an originate
            leg, endpoint = parts[1], request.query.get("endpoint", "")
            self.originated.append(leg)
            self.changed.set()
            resource = endpoint.split("/", 1)[-1]
            body = _channel(leg, f"{endpoint}-0001", "Down", exten="s")
            await self.send("EndpointStateChange", endpoint={"technology": "PJSIP", "resource": resource,
                                                             "state": "online", "channel_ids": [leg]})
            await self.send("ChannelStateChange", channel={**body, "state": "Ringing"})
            return web.json_response(body)
        if parts[0] == "channels" and len(parts) == 2 and method == "DELETE":
            leg = parts[1]
            if leg not in self.originated:
                return web.json_response({"message": "Channel not found"}, status=404)
            self.hung.add(leg)
            self.changed.set()
            await self.send("ChannelHangupRequest", channel=_channel(leg, "PJSIP/x", "Ringing", "s"))
            await self.send("ChannelDestroyed", channel=_channel(leg, "PJSIP/x", "Ringing", "s"), cause=16,
                            cause_txt="Normal Clearing")
            await self.send("EndpointStateChange", endpoint={"technology": "PJSIP", "resource": "alice",
                                                             "state": "online", "channel_ids": []})
            return web.Response(status=204)
        if method in ("PUT", "GET") or parts[0] == "applications":
            return web.json_response({})
        return web.Response(status=204)


def _serve_fake(port: int) -> None:
    fake = FakeAsterisk()
    app = web.Application()
    app.router.add_get("/ari/events", fake.events)
    app.router.add_post("/bench/run", fake.run)
    app.router.add_route("*", "/ari/{tail:.*}", fake.ari)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True, access_log=None)


class Marks(AriTrace):
    """The ARI trace's hooks, noting the daemon's CPU at each caller's StasisStart and first originate."""

    def __init__(self) -> None:
        super().__init__(Path(os.devnull))
        self.starts: dict[str, float] = {}
        self.firsts: dict[str, float] = {}
        self.profile: cProfile.Profile | None = None     # on from each StasisStart to its first originate

    def received(self, data: Mapping[str, Any]) -> None:
        if data.get("type") == "StasisStart" and "-L" not in data["channel"]["id"]:
            self.starts[data["channel"]["id"]] = time.process_time()
            if self.profile is not None:
                self.profile.enable()

    def sent(self, method: str, path: str) -> None:
        parts = path.split("/")
        if method == "POST" and len(parts) == 4 and "-L" in parts[3]:       # /ari/channels/<caller>-L<n>
            call = parts[3].split("-L", 1)[0]
            if call not in self.firsts and self.profile is not None:
                self.profile.disable()
            self.firsts.setdefault(call, time.process_time())

    def done(self, method: str, path: str, status: int) -> None:
        pass

    def config(self) -> aiohttp.TraceConfig:
        """The same hook through aiohttp's client (an ``Ari`` before adapters/ari_http.py: before/after)."""
        trace = aiohttp.TraceConfig()

        async def sent(_s: object, _c: object, params: aiohttp.TraceRequestHeadersSentParams) -> None:
            self.sent(params.method, params.url.path)

        trace.on_request_headers_sent.append(sent)
        return trace


def _config(work: Path, port: int) -> Path:
    from bench.lab_bench import team

    path = work / "config.yaml"
    people = "\n".join(f"  {p}: {{name: {p.title()}, phones: [PJSIP/{p}]}}" for p in PEOPLE)
    teams = team("burst", ["1200"], PEOPLE, strategy="ringall", greeting="sound:greeting")
    path.write_text(f"""\
timezone: Europe/Paris
database: {work / "astreinte.db"}
asterisk:
  ari: {{url: "http://127.0.0.1:{port}", username: astreinte, password: secret, app: astreinte}}
  ami: {{host: 127.0.0.1, port: 5038, username: astreinte, secret: secret}}
  outbound: "PJSIP/{{number}}@trunk-out"
holidays: {{country: FR}}
people:
{people}
teams:
{"".join("  " + line + chr(10) for line in teams.splitlines())}""")
    return path


async def _measure(port: int, work: Path, calls: int, profile: cProfile.Profile | None,
                   start_only: bool) -> dict[str, float]:
    from astreinte.adapters.ari import Ari
    from astreinte.adapters.clock import system_clock
    from astreinte.adapters.store.aio import AsyncStore
    from astreinte.config import load
    from astreinte.domain.calls.line import PromptBook
    from astreinte.runtime.router import Router
    from astreinte.runtime.services import Services

    config = load(_config(work, port), environ={})
    prompts = PromptBook(greetings={"burst": "sound:greeting"}, confirmations={}, voicemails={}, menus={},
                         please_hold="sound:hold", nobody="sound:nobody", unknown_number="sound:unknown",
                         blocked="sound:blocked", connecting="sound:connecting")
    marks = Marks()
    store = await AsyncStore.open(config.database)

    async def no_message(_config: Any, _message: Any) -> dict[str, bool]:
        return {}

    try:
        async with Ari(config.asterisk.ari, trace=marks) as ari:
            live = Services(config, config.schedule(), prompts, store=store)
            router = Router(ari, live, system_clock, no_message, leftover_delay=0.05)
            serving = asyncio.get_running_loop().create_task(router.serve())
            await asyncio.sleep(0.5)
            async with aiohttp.ClientSession() as control:
                async def place(count: int, first: int) -> None:
                    async with control.post(f"http://127.0.0.1:{port}/bench/run",
                                            params={"calls": str(count), "first": str(first)},
                                            timeout=aiohttp.ClientTimeout(total=600)) as resp:
                        await resp.read()

                await place(WARMUP, 0)
                await asyncio.sleep(0.2)
                marks.starts.clear()
                marks.firsts.clear()
                cpu0 = time.process_time()
                if start_only:
                    marks.profile = profile
                elif profile is not None:
                    profile.enable()
                await place(calls, WARMUP)
                await asyncio.sleep(0.1)            # the last call's rows
                if profile is not None and not start_only:
                    profile.disable()
                cpu1 = time.process_time()
            serving.cancel()
            await asyncio.wait([serving])
    finally:
        await store.close()
    shares = sorted((marks.firsts[c] - marks.starts[c]) * 1000 for c in marks.firsts if c in marks.starts)
    return {"calls": calls, "measured": len(shares), "start_p50_ms": statistics.median(shares),
            "start_p99_ms": shares[min(len(shares) - 1, int(0.99 * len(shares)))],
            "start_mean_ms": statistics.fmean(shares), "call_ms": (cpu1 - cpu0) * 1000 / calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--port", type=int, default=18088)
    parser.add_argument("--profile", nargs="?", const="call", choices=("call", "start"),
                        help="cProfile the whole calls, or only each StasisStart to its first originate")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--callees", default="", help="with --profile: what these functions call (a regex)")
    args = parser.parse_args()
    from astreinte.runtime.daemon import setup_logging

    setup_logging("INFO", stream=open(os.devnull, "w"))   # as the daemon logs, to nowhere  # noqa: SIM115
    server = multiprocessing.get_context("fork").Process(target=_serve_fake, args=(args.port,), daemon=True)
    server.start()
    time.sleep(1.0)
    profile = cProfile.Profile(time.process_time) if args.profile else None    # CPU, not waits
    try:
        with tempfile.TemporaryDirectory() as work:
            figures = asyncio.run(_measure(args.port, Path(work), args.calls, profile, args.profile == "start"))
    finally:
        server.terminate()
        server.join()
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        if args.callees:
            stats.print_callees(args.callees)


if __name__ == "__main__":
    main()
