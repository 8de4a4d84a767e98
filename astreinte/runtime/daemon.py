"""``astreinte run``: start-up, serve, reload, shutdown. The only module that knows every adapter.

    load config (bad files fail here, before any connection) -> render prompts
    -> ARI (events + REST) and AMI links -> route calls until SIGTERM/SIGINT
    SIGHUP, ``astreinte rota load``, or an edit of the config file: reload; a bad edit is logged and
    changes nothing; an edit is read once complete and stable, and one that drops a whole team or
    person is refused (``config.dropped``: a file caught half-written) unless SIGHUP or rota load.

Every background part runs in one TaskGroup: a part that fails takes the daemon down with its
error logged (systemd restarts it). Only what makes hunting impossible is fatal: ARI refusing our
credentials ends it with exit status 2. AMI refused or down is reported (log, ``/status``, metrics,
a notice: ``links.LinkAlarm``) and retried. Exit status: 0 stopped (SIGTERM/SIGINT), 1 invalid
configuration, 2 ARI refused the credentials; killed by a signal or any other status: a crash.

Under systemd (``Type=notify``, ``WatchdogSec=``): ``READY=1`` once every part runs, ``WATCHDOG=1``
from the event loop, ``STOPPING=1`` when draining starts (``adapters/systemd.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import signal
from collections.abc import Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from astreinte import config as config_module
from astreinte.adapters.agi import AgiServer
from astreinte.adapters.ami import Ami
from astreinte.adapters.ari import Ari
from astreinte.adapters.ari_trace import AriTrace
from astreinte.adapters.clock import Clock
from astreinte.adapters.publication_notices import notify_publication
from astreinte.adapters.store import Publication, Store
from astreinte.adapters.store.aio import AsyncStore
from astreinte.adapters.store.customers import CustomerBook
from astreinte.adapters.store.service import ServiceBook
from astreinte.adapters.systemd import Notifier
from astreinte.config import Config
from astreinte.config.dropped import dropped
from astreinte.dialplan import chain_for
from astreinte.domain.callers import unpassable
from astreinte.domain.calls.line import PromptBook
from astreinte.domain.calls.service_line import Announcement
from astreinte.domain.errors import ConfigError, FatalLinkError, StoreError
from astreinte.domain.rota import Override
from astreinte.domain.schedule import Schedule
from astreinte.runtime import heap
from astreinte.runtime.astdb import AstDbWriter
from astreinte.runtime.callouts import CalloutService
from astreinte.runtime.links import LinkAlarm
from astreinte.runtime.message_notices import MessageNotifier
from astreinte.runtime.messages import MessageDesk
from astreinte.runtime.pbx_import import PbxImporter
from astreinte.runtime.phones import watch_phones
from astreinte.runtime.prompts import render_all
from astreinte.runtime.recovery import Recovery
from astreinte.runtime.router import Router
from astreinte.runtime.services import Services
from astreinte.runtime.status import Metrics, StatusServer
from astreinte.runtime.watch import FileWatch, Snapshot

log = logging.getLogger("astreinte.daemon")

AGI_LINGER = 3.0        # seconds FastAGI stays up, once the daemon stopped, for the calls it handed back


async def publish(store: AsyncStore, config: Config, source: str, now: datetime) -> tuple[Schedule, Publication | None]:
    """Record the rota in the publication log (when it changed) and build the schedule with CLI overrides."""
    publication = await store.run(lambda s: s.publish(config, now, source=source, author="daemon"))
    if publication is not None:
        people = sorted({change.person for change in publication.changes})
        log.info("published the rota (%s): %d change(s) for %s", source, len(publication.changes),
                 ", ".join(people) or "nobody")
    overrides = await store.run(lambda s: s.overrides())
    config.holiday_calendar(now.date())   # warm the holiday table before the first call
    return config.schedule(overrides), publication


class Daemon:
    def __init__(self, config_path: Path, clock: Clock, *, watch_interval: float = 2.0) -> None:
        self.config_path = config_path
        self.clock = clock
        self.watch_interval = watch_interval
        self.stop = asyncio.Event()
        self.live: Services | None = None
        self.store: AsyncStore | None = None
        self._file = FileWatch(config_path)
        self._publication: int | None = None        # the newest publication seen (rota load, ours)
        self._unpublished: tuple[Config, str, datetime] | None = None     # the database could not take it
        self._overrides: tuple[Override, ...] = ()
        self._unpassable: set[tuple[str, str]] = set()      # teams whose callers: policy nobody passes (logged)
        self._background: set[asyncio.Task[Any]] = set()    # SIGHUP reloads, publication notices

    async def run(self) -> int:
        self._file = FileWatch(self.config_path)
        config = config_module.load(self.config_path)
        prompts = await render_all(config)
        self.store = store = await AsyncStore.open(config.database)
        try:
            return await self._serve(config, prompts, store)
        finally:
            await store.close()

    async def _serve(self, config: Config, prompts: PromptBook, store: AsyncStore) -> int:
        try:
            schedule, publication = await publish(store, config, "daemon start", self.clock())
            self._tell(config, publication)
        except StoreError as exc:         # a full disk: serve the file's rota, record its publication later
            log.error("could not record the rota's publication (%s): serving it anyway; recorded once the "
                      "database can write", exc)
            self._unpublished = (config, "daemon start", self.clock())
            schedule = config.schedule(await store.run(lambda s: s.overrides()))
        self._overrides = await store.run(lambda s: s.overrides())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        loop.add_signal_handler(signal.SIGHUP, self._reload_on_signal)
        log.info("astreinte starting: %d team(s), %d person(s), ARI %s app %r",
                 len(config.teams), len(config.people), config.asterisk.ari.url, config.asterisk.ari.app)
        async with Ari(config.asterisk.ari, trace=AriTrace.from_environment()) as ari:
            live = self.live = Services(config, schedule, prompts, store=store)
            desk = MessageDesk(store, self.clock)
            live.announcements.update(await store.run(lambda s: ServiceBook(s.db).live_announcements(self.clock())))
            await self._customers(store)
            router = Router(ari, live, self.clock, desk.file, tell=self._tell)
            recovery = Recovery(store, config, desk.file, self.clock)
            ami = Ami(config.asterisk.ami)
            metrics = Metrics()
            agi = AgiServer(config.daemon.agi, lambda number, now: chain_for(live.config, live.schedule, number, now),
                            clock=self.clock, served=metrics.agi_served,
                            blocked=lambda caller: live.config.is_blocked(caller), stasis_failed=ari.stasis_failed)
            astdb = AstDbWriter(ami, live, clock=self.clock)
            importer = PbxImporter(ami, live, store, self.clock)        # the calls the PBX served meanwhile
            callouts = CalloutService(live, store, ari, self.clock, router)
            notices = MessageNotifier(live, store, self.clock)
            status = StatusServer(config.daemon.metrics, metrics, router=router, ari=ari, ami=ami, clock=self.clock,
                                  agi=agi, astdb=astdb)
            alarm = LinkAlarm(ami, lambda: live.config.notifications, self.clock,
                              language=lambda: live.config.language)
            systemd = Notifier.from_environment()
            try:
                async with asyncio.TaskGroup() as tg:
                    parts = [tg.create_task(agi.serve(), name="agi"),
                             tg.create_task(router.serve(), name="ari"), tg.create_task(ami.run(), name="ami"),
                             tg.create_task(astdb.run(), name="astdb"), tg.create_task(status.serve(), name="status"),
                             tg.create_task(self._watch(), name="watch"),
                             tg.create_task(importer.run(), name="pbx-import"),
                             tg.create_task(callouts.run(), name="callouts"),
                             tg.create_task(notices.run(), name="message-notices"),
                             tg.create_task(watch_phones(live, router.presence, clock=self.clock), name="phones"),
                             tg.create_task(alarm.run(), name="links"),
                             tg.create_task(recovery.run(), name="recovery"),
                             tg.create_task(systemd.heartbeat(), name="watchdog")]
                    await asyncio.sleep(0)          # every part started (the AGI server binds in its first step)
                    log.debug("%d long-lived objects out of the garbage collector's passes", heap.settle())
                    systemd.notify("READY=1", f"STATUS=taking calls for {len(config.teams)} team(s)")
                    await self.stop.wait()
                    systemd.notify("STOPPING=1", f"STATUS=draining {router.live_calls} live call(s)")
                    log.info("stopping: no new calls; %d live call(s)", router.live_calls)
                    handed_before = set(ari.continued)
                    await router.drain(timeout=live.config.daemon.shutdown_grace)
                    handed = set(ari.continued) - handed_before
                    if handed and (late := await agi.serve_those(handed, timeout=AGI_LINGER)):
                        log.info("stopping: %d call(s) handed to the dialplan did not reach FastAGI in %.0f s",
                                 len(late), AGI_LINGER)
                    for task in parts:
                        task.cancel()
            except* FatalLinkError as group:
                for error in group.exceptions:
                    log.error("%s", error)
                fatal = True
            else:
                fatal = False
            finally:
                for task in self._background:
                    task.cancel()
                if self._background:
                    await asyncio.wait(list(self._background), timeout=5)
        if fatal:
            return 2
        log.info("astreinte stopped")
        return 0

    def _tell(self, config: Config, publication: Publication | None) -> None:
        """The people whose shifts a publication changed are told, in the background (SMTP may be slow)."""
        if publication is None or not publication.changes or self.store is None:
            return
        self._hold(notify_publication(config, self.store, publication, self.clock()))

    async def _customers(self, store: AsyncStore) -> None:
        """The known callers imported from CSV: taken when they changed (and said when a team's
        ``callers:`` policy is one nobody can pass)."""
        assert self.live is not None
        if self.live.take_imported(await store.run(lambda s: CustomerBook(s.db).all())):
            log.info("known callers: %d from the configuration, %d imported", len(self.live.config.callers.customers),
                     len(self.live.imported))
        teams = self.live.config.teams.values()
        found = set(unpassable(((t.id, t.callers) for t in teams), self.live.directory))
        for team, why in sorted(found - self._unpassable):
            log.warning("teams.%s.callers: %s", team, why)
        self._unpassable = found

    def _announcements(self, store: Store) -> dict[str, Announcement]:
        return ServiceBook(store.db).live_announcements(self.clock())

    def _hold(self, job: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _reload_on_signal(self) -> None:
        self._hold(self.reload("SIGHUP"))

    async def reload(self, why: str, content: Snapshot | None = None) -> bool:
        """Re-read the configuration; keep the running one if the new one is invalid. From the file
        watcher (``content``), also if it drops a whole team or person."""
        if self.live is None or self.store is None:
            return False
        try:
            config = config_module.load(self.config_path)
            if content is not None and (gone := dropped(self.live.config, config, content.text)):
                for missing in gone:
                    log.warning("reload (%s) refused, keeping the running rota: %s", why, missing)
                return False
            prompts = await render_all(config, self.live.prompts.learned)
            schedule, publication = await publish(self.store, config, why, self.clock())
        except (ConfigError, StoreError) as exc:
            problems = exc.problems if isinstance(exc, ConfigError) else [exc]
            for problem in problems:
                log.error("reload (%s) refused, keeping the running rota: %s", why, problem)
            return False
        except Exception:
            log.exception("reload (%s) failed, keeping the running rota", why)
            return False
        self.live.swap(config, schedule, prompts)
        heap.refresh()
        self._tell(config, publication)
        if content is None:
            self._file.loaded()
        log.info("reloaded %s (%s): %d team(s), %d person(s)", self.config_path, why,
                 len(config.teams), len(config.people))
        return True

    async def _watch(self) -> None:
        """Reload when the file changed and stayed so for an interval, or after ``rota load``; rebuild
        the schedule when the CLI adds or removes an override."""
        while True:
            await asyncio.sleep(self.watch_interval)
            if (ready := self._file.poll()) is not None:
                await self.reload("file changed", ready)
                self._file.done(ready)
            elif self.store is not None and self.live is not None:
                if (late := self._unpublished) is not None:
                    with contextlib.suppress(StoreError):
                        await self.store.run(lambda s: s.publish(late[0], late[2], source=late[1], author="daemon"))
                        self._unpublished = None
                        log.info("the rota's publication (%s) is recorded now", late[1])
                try:
                    overrides = await self.store.run(lambda s: s.overrides())
                    newest = await self.store.run(lambda s: s.last_publication())
                    self.live.announcements = await self.store.run(self._announcements)  # recorded by phone, or
                                                                                      # cleared by the CLI
                    await self._customers(self.store)                                 # astreinte callers import
                except StoreError as exc:
                    log.warning("could not read the overrides: %s", exc)
                    continue
                if newest is not None and newest[0] != self._publication:
                    if self._publication is not None and newest[1] == "rota load":
                        await self.reload("rota load")         # said on purpose: nothing refused
                    self._publication = newest[0]
                    continue
                if overrides != self._overrides:
                    self._overrides = overrides
                    live = self.live
                    live.swap(live.config, live.config.schedule(overrides), live.prompts)
                    log.info("overrides changed: %d active CLI override(s)", len(overrides))


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    # the format names no source line, thread or process: not looked up for each record (the logging
    # HOWTO's "Optimization"; a call logs a dozen lines, findCaller walked the stack for each)
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S", stream=stream)
    logging.getLogger("aiohttp").setLevel(logging.WARNING)


def main(config_path: Path, clock: Clock, level: str = "INFO") -> int:
    setup_logging(level)
    faulthandler.enable()       # a frozen daemon killed by the watchdog (SIGABRT) leaves every thread's stack
    try:
        return asyncio.run(Daemon(config_path, clock).run())
    except ConfigError as exc:
        for problem in exc.problems:
            log.error("%s", problem)
        return 1
