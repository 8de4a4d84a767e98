"""The web console's application and its process.

    app = build(console)                    # routes + the guard middleware (security.py)
    await serve(config_path, clock)         # astreinte web: until SIGTERM or SIGINT

Only ``web.listen`` is bound (127.0.0.1:8470 by default); put nginx, Apache or Caddy with TLS
in front (docs/web.md).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from astreinte.web import calls, feeds, pages, planning, reports
from astreinte.web.console import CONSOLE, Console
from astreinte.web.security import SignIn, guard

if TYPE_CHECKING:
    from astreinte.adapters.clock import Clock

log = logging.getLogger("astreinte.web")
STATIC = Path(__file__).parent / "static"


def build(console: Console) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[CONSOLE] = console
    sign_in = SignIn()
    app.router.add_get("/login", sign_in.page)
    app.router.add_post("/login", sign_in.submit)
    app.router.add_post("/logout", sign_in.leave)
    app.router.add_get("/", pages.maintenant)
    app.router.add_get("/fragment/now", pages.maintenant_fragment)
    app.router.add_get("/personnes", pages.people)
    app.router.add_get("/personnes/{person}", pages.person_page)
    app.router.add_post("/personnes/{person}/feeds", pages.add_token)
    app.router.add_post("/personnes/{person}/feeds/{token}/revoke", pages.revoke_token)
    app.router.add_post("/personnes/{person}/interventions", pages.add_intervention)
    app.router.add_get("/planning", planning.planning)
    app.router.add_post("/planning/overrides", planning.add_override)
    app.router.add_post(r"/planning/overrides/{number:\d{1,9}}/remove", planning.remove_override)
    app.router.add_post("/swaps", planning.ask_swap)
    app.router.add_post(r"/swaps/{number:\d{1,9}}/{decision:accept|decline|cancel}", planning.decide_swap)
    app.router.add_get("/appels", calls.calls)
    app.router.add_get("/appels/{call}", calls.call)
    app.router.add_get("/messages", calls.messages)
    app.router.add_get("/messages/{message}/audio", calls.audio)
    app.router.add_post(r"/messages/{message:\d{1,9}}/ack", calls.acknowledge)
    app.router.add_get("/rapports", reports.reports)
    app.router.add_get("/rapports/kpi", reports.kpi)
    app.router.add_get(r"/rapports/releves/{number}", reports.statement)
    app.router.add_get(r"/ical/{token:[A-Za-z0-9_-]{20,64}}.ics", feeds.ical)
    app.router.add_get("/api/oncall", feeds.oncall)
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
    return app


async def serve(config_path: Path, clock: Clock, ready: asyncio.Event | None = None) -> None:
    """Run the console until SIGTERM/SIGINT (or cancellation)."""
    console = await Console.open(config_path, clock)
    listen = console.current.web.listen
    runner = web.AppRunner(build(console), access_log=logging.getLogger("astreinte.web.access"))
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, listen.host, listen.port, reuse_address=True)
        await site.start()
        console.port = listen.port
        log.info("web console on http://%s:%d/ (public address: %s)", listen.host, listen.port,
                 console.current.web.base_url)
        if ready is not None:
            ready.set()
        await stop.wait()
        log.info("stopping the web console")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
        await console.close()
