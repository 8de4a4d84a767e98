"""``astreinte run``: start-up, serve, reload, shutdown. The only module that knows every adapter.

    load config (bad files fail here, before any connection) -> render prompts
    -> ARI (events + REST) and AMI links -> route calls until SIGTERM/SIGINT
    SIGHUP or an edit of the config file: reload; a bad edit is logged and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime
from pathlib import Path

from astreinte import config as config_module
from astreinte.adapters.agi import AgiServer
from astreinte.adapters.ami import Ami
from astreinte.adapters.ari import Ari
from astreinte.adapters.store.aio import AsyncStore
from astreinte.astdb import AstDbWriter
from astreinte.config import Config
from astreinte.dialplan import chain_for
from astreinte.domain.errors import ConfigError, FatalLinkError, StoreError
from astreinte.domain.rota import Override
from astreinte.domain.schedule import Schedule
from astreinte.metrics import Metrics, StatusServer
from astreinte.prompts import PromptBook, render_all
from astreinte.router import Router
from astreinte.services import Services
from astreinte.watch.phones import watch_phones

log = logging.getLogger("astreinte.daemon")

WATCH_INTERVAL = 2.0
SHUTDOWN_GRACE = 30.0


async def publish(store: AsyncStore, config: Config, source: str) -> Schedule:
    """Record the rota in the publication log (when it changed) and build the schedule with CLI overrides."""
    now = datetime.now(UTC)
    publication = await store.run(lambda s: s.publish(config, now, source=source, author="daemon"))
    if publication is not None:
        people = sorted({change.person for change in publication.changes})
        log.info("published the rota (%s): %d change(s) for %s", source, len(publication.changes),
                 ", ".join(people) or "nobody")
    overrides = await store.run(lambda s: s.overrides())
    config.holiday_calendar(now.date())   # warm the holiday table before the first call
    return config.schedule(overrides)


class Daemon:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self.stop = asyncio.Event()
        self.services: Services | None = None
        self.store: AsyncStore | None = None
        self._mtime = 0.0
        self._overrides: tuple[Override, ...] = ()

    def _stat(self) -> float:
        try:
            return self.config_path.stat().st_mtime
        except OSError:
            return 0.0

    async def run(self) -> int:
        self._mtime = self._stat()
        config = config_module.load(self.config_path)
        prompts = await render_all(config)
        self.store = store = await AsyncStore.open(config.database)
        try:
            return await self._serve(config, prompts, store)
        finally:
            await store.close()

    async def _serve(self, config: Config, prompts: PromptBook, store: AsyncStore) -> int:
        schedule = await publish(store, config, "daemon start")
        self._overrides = await store.run(lambda s: s.overrides())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(self.reload("SIGHUP")))
        log.info("astreinte starting: %d team(s), %d person(s), ARI %s app %r",
                 len(config.teams), len(config.people), config.asterisk.ari.url, config.asterisk.ari.app)
        async with Ari(config.asterisk.ari) as ari:
            self.services = Services(ari, config, schedule, prompts, store=store)
            router = Router(ari, self.services)
            ami = Ami(config.asterisk.ami)
            services = self.services
            metrics = Metrics()
            agi = AgiServer(config.daemon.agi, lambda number, now: chain_for(
                services.config, services.schedule, number, now), served=metrics.agi_served,
                             blocked=lambda caller: services.config.is_blocked(caller),
                             stasis_failed=ari.stasis_failed)
            astdb = AstDbWriter(ami, services)
            status = StatusServer(config.daemon.metrics, metrics, router=router, ari=ari, ami=ami, agi=agi,
                                  astdb=astdb)
            try:
                async with asyncio.TaskGroup() as tg:
                    links = [tg.create_task(agi.serve(), name="agi"),
                             tg.create_task(router.serve(), name="ari"), tg.create_task(ami.run(), name="ami"),
                             tg.create_task(astdb.run(), name="astdb"), tg.create_task(status.serve(), name="status"),
                             tg.create_task(self._watch(), name="watch"),
                             tg.create_task(watch_phones(services, router.presence), name="phones")]
                    await self.stop.wait()
                    log.info("stopping: no new calls; %d live call(s)", router.live_calls)
                    await router.drain(timeout=services.config.daemon.shutdown_grace)
                    for task in links:
                        task.cancel()
            except* FatalLinkError as group:
                for exc in group.exceptions:
                    log.error("%s", exc)
                fatal = True
            else:
                fatal = False
        if fatal:
            return 2
        log.info("astreinte stopped")
        return 0

    async def reload(self, why: str) -> bool:
        """Re-read the configuration; keep the running one if the new one is invalid."""
        if self.services is None or self.store is None:
            return False
        try:
            config = config_module.load(self.config_path)
            prompts = await render_all(config)
            schedule = await publish(self.store, config, why)
        except (ConfigError, StoreError) as exc:
            problems = exc.problems if isinstance(exc, ConfigError) else [exc]
            for problem in problems:
                log.error("reload (%s) refused, keeping the running rota: %s", why, problem)
            return False
        self.services.config, self.services.prompts, self.services.schedule = config, prompts, schedule
        log.info("reloaded %s (%s): %d team(s), %d person(s)", self.config_path, why,
                 len(config.teams), len(config.people))
        return True

    async def _watch(self) -> None:
        """Reload when the file changes; rebuild the schedule when the CLI adds or removes an override."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            mtime = self._stat()
            if mtime != self._mtime:
                self._mtime = mtime
                await self.reload("file changed")
            elif self.store is not None and self.services is not None:
                try:
                    overrides = await self.store.run(lambda s: s.overrides())
                except StoreError as exc:
                    log.warning("could not read the overrides: %s", exc)
                    continue
                if overrides != self._overrides:
                    self._overrides = overrides
                    self.services.schedule = self.services.config.schedule(overrides)
                    log.info("overrides changed: %d active CLI override(s)", len(overrides))


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)


def main(config_path: Path, level: str = "INFO") -> int:
    setup_logging(level)
    try:
        return asyncio.run(Daemon(config_path).run())
    except ConfigError as exc:
        for problem in exc.problems:
            log.error("%s", problem)
        return 1
