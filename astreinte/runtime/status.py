"""Prometheus ``/metrics`` and a JSON ``/status`` (read by ``astreinte status``), on 127.0.0.1.

Served by aiohttp on the daemon's own loop (prometheus-client's ``start_http_server``
would add a thread). The numbers come from watching the router, not from hooks in
every call: a call is counted, by outcome, when its driver leaves the router.

    astreinte_calls_total{outcome}          answered, voicemail, abandoned, failed, outside_service...
    astreinte_hunt_seconds                  from the caller's arrival to a human (answered calls)
    astreinte_live_calls                    calls the daemon is hunting or bridging now
    astreinte_link_up{link}                 ari, ami, agi: 1 up, 0 down
    astreinte_link_refused{link}            ami: 1 while Asterisk refuses the login (wrong secret), retried
    astreinte_fallback_tier_total{tier}     stasis (daemon), dialplan (handed back), agi (FastAGI answers)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from astreinte.adapters.clock import Clock
from astreinte.domain.errors import LinkError

if TYPE_CHECKING:
    from astreinte.adapters.agi import AgiServer
    from astreinte.config.daemon import Listen
    from astreinte.runtime.astdb import AstDbWriter
    from astreinte.runtime.driver import CallDriver
    from astreinte.runtime.ports import AmiPort, AriPort
    from astreinte.runtime.router import Router

log = logging.getLogger("astreinte.metrics")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.calls = Counter("astreinte_calls", "Calls handled by the daemon, by outcome", ["outcome"], registry=r)
        self.hunt = Histogram("astreinte_hunt_seconds", "Time from the caller's arrival to a human",
                              buckets=(2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300), registry=r)
        self.live = Gauge("astreinte_live_calls", "Calls the daemon is handling now", registry=r)
        self.link = Gauge("astreinte_link_up", "Link state (1 up, 0 down)", ["link"], registry=r)
        self.refused = Gauge("astreinte_link_refused", "1 while Asterisk refuses our login (retried)", ["link"],
                             registry=r)
        self.tiers = Counter("astreinte_fallback_tier", "Calls served per tier", ["tier"], registry=r)
        for name in ("ari", "ami", "agi"):
            self.link.labels(name).set(0)
        self.refused.labels("ami").set(0)

    def agi_served(self, outcome: str) -> None:
        if outcome == "chain":
            self.tiers.labels("agi").inc()

    def call_ended(self, driver: CallDriver) -> None:
        record = driver.flow.record
        self.calls.labels(record.outcome).inc()
        self.tiers.labels(record.tier).inc()
        if record.connected_at is not None:
            self.hunt.observe((record.connected_at - record.started_at).total_seconds())

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class StatusServer:
    """Watches the daemon's parts, feeds ``Metrics`` and serves ``/metrics`` and ``/status``."""

    def __init__(self, listen: Listen, metrics: Metrics, *, router: Router, ari: AriPort, ami: AmiPort,
                 clock: Clock, agi: AgiServer | None = None, astdb: AstDbWriter | None = None,
                 ping_every: float = 5.0) -> None:
        self.listen = listen
        self.metrics = metrics
        self.router, self.ari, self.ami, self.agi, self.astdb = router, ari, ami, agi, astdb
        self.clock = clock
        self.ping_every = ping_every
        self.ari_up = False
        self.port: int | None = None

    async def serve(self) -> None:
        """Until cancelled. Port 0 in the configuration disables the HTTP side, not the watching."""
        runner: web.AppRunner | None = None
        if self.listen.port:
            app = web.Application()
            app.router.add_get("/metrics", self._metrics)
            app.router.add_get("/status", self._status)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, self.listen.host, self.listen.port)
            try:
                await site.start()
                log.info("metrics and status on http://%s:%d/metrics and /status", self.listen.host,
                         self.listen.port)
                self.port = self.listen.port
            except OSError as exc:
                log.error("metrics cannot listen on %s:%d: %s", self.listen.host, self.listen.port,
                          exc.strerror or exc)
        self._watch_calls()
        try:
            await self._ping()
        finally:
            if runner is not None:
                with contextlib.suppress(Exception):
                    await runner.cleanup()

    def _watch_calls(self) -> None:
        """The gauges read the parts when ``/metrics`` is asked (nothing to do while nobody looks)."""
        self.router.ended.append(self.metrics.call_ended)     # told of every call as it ends, however short
        self.metrics.live.set_function(lambda: len(self.router.calls))
        self.metrics.link.labels("ami").set_function(lambda: 1 if self.ami.connected else 0)
        self.metrics.refused.labels("ami").set_function(lambda: 1 if self.ami.refused else 0)
        self.metrics.link.labels("agi").set_function(lambda: 1 if self.agi is not None and self.agi.listening else 0)

    async def _ping(self) -> None:
        while True:
            try:
                await self.ari.ping()
                self.ari_up = self.ari.serving     # answering is not enough: the app's calls must come to us
            except LinkError:
                self.ari_up = False
            self.metrics.link.labels("ari").set(1 if self.ari_up else 0)
            await asyncio.sleep(self.ping_every)

    def status(self) -> dict[str, Any]:
        now = self.clock()
        services = self.router.live
        calls = []
        for call_id, driver in sorted(self.router.calls.items()):
            flow = driver.flow
            calls.append({"id": call_id, "number": flow.line.number, "team": flow.record.team,
                          "caller": flow.record.caller, "since": flow.started.isoformat(timespec="seconds"),
                          "phase": flow.hunt.phase if flow.hunt is not None else flow.phase,
                          "bridged": flow.bridge is not None})
        handoffs = []
        for team in services.config.teams:
            status = services.schedule.who(team, now)
            for responder in status.chain:
                handoffs.append({"team": team, "level": responder.level, "layer": responder.layer,
                                 "person": responder.person.id,
                                 "until": responder.until.isoformat(timespec="minutes")})
        return {
            "at": now.isoformat(timespec="seconds"),
            "accepting": self.router.accepting,
            "links": {"ari": self.ari_up, "ami": self.ami.connected,
                      "agi": self.agi is not None and self.agi.listening},
            "problems": {"ami": self.ami.problem} if not self.ami.connected and self.ami.problem else {},
            "live_calls": calls,
            "on_call": handoffs,
            "astdb_written_at": (self.astdb.written_at.isoformat(timespec="seconds")
                                 if self.astdb is not None and self.astdb.written_at else None),
        }

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _status(self, _request: web.Request) -> web.Response:
        return web.json_response(self.status())
