"""One inbound call's driver: it pumps the call's pure ``CallFlow`` (``runtime.pump``) in a task of its own.

    router ──ARI event──▶ feed() ──from_ari──▶ queue ──▶ flow.handle(event, now) ──▶ commands
    commands ──▶ ARI requests, the store, the notifier ──completions, failures──▶ queue
    no event before flow.deadline ──▶ TimerExpired

The driver never decides anything about the call and never writes the flow's state; what it owns
is plumbing: which channels route here, the background jobs it started (the arrival's row, the
prompt naming the caller), the files it rendered. If the runtime fails mid-call, ``flow.abort``
decides where the caller goes (the dialplan's tiers): never left in silence. The ARI commands every
flow shares are carried out by ``Pump``; the ones only an inbound call has are here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astreinte.adapters.clock import Clock
from astreinte.dialplan import FALLBACK_CONTEXT
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.flow import CallFlow
from astreinte.domain.calls.lease import TERM
from astreinte.domain.calls.line import file_id
from astreinte.domain.errors import LinkError
from astreinte.runtime.pump import Engaged, Pump, Register

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.runtime.ports import CallAri, StorePort

log = logging.getLogger("astreinte.call")

TIMEOUT = "TIMEOUT(absolute)"      # the lease: see domain/calls/lease.py
FileMessage = Callable[["Config", c.FileMessage], Awaitable[dict[str, bool]]]


class CallDriver(Pump[CallFlow]):
    failed = "call %s: failed (%s); sending the caller to the dialplan fallback"
    answer_early = True

    def __init__(self, flow: CallFlow, *, ari: CallAri, clock: Clock, config: Config, store: StorePort | None,
                 register: Register, engaged: Engaged, file_message: FileMessage) -> None:
        super().__init__(flow, ari=ari, clock=clock, register=register, engaged=engaged, originator=flow.id)
        self.config, self.store = config, store
        self._file_message = file_message
        self._jobs: set[asyncio.Task[None]] = set()     # the arrival's row: awaited at the end
        self._renders: set[asyncio.Task[None]] = set()  # the prompt naming the caller: cancelled at the end
        self._rendered: list[Path] = []

    async def _do(self, command: Any) -> None:
        ari, call = self.ari, self.id
        match command:
            case c.Answer():
                await ari.answer(call)
                self.queue.put_nowait(e.AnswerDone())
            case c.Ringback(on=on):
                await (ari.ring(call) if on else ari.ring_stop(call))
            case c.Record(name=name, max_seconds=seconds, max_silence=silence):
                await ari.record(call, name, max_seconds=seconds, max_silence=silence)
            case c.ToDialplan(exten=exten, reason=reason, lease=lease):
                with contextlib.suppress(LinkError):
                    await ari.set_variable(call, "ASTREINTE_REASON", reason)
                await ari.set_variable(call, TIMEOUT, str(lease))      # the tiers need the rest of the call's time
                try:
                    await ari.continue_in_dialplan(call, FALLBACK_CONTEXT, exten)
                except LinkError:
                    with contextlib.suppress(LinkError):     # the short lease back: Asterisk takes the caller there
                        await ari.set_variable(call, TIMEOUT, str(TERM))
                    raise
            case c.Lease(channel=channel, seconds=seconds, last=last):
                if last:        # the dialplan's T extension then hangs up instead of going to the tiers
                    await ari.set_variable(channel, "ASTREINTE_LEASE", "last")
                await ari.set_variable(channel, TIMEOUT, str(seconds))
            case c.RenderConfirmation(team=team, caller=caller, customer=customer, site=site, language=language):
                self._job(self._render(team, caller, customer, site, language or self.config.language),
                          self._renders)
            case c.CheckCustomerPin(team=team, keys=keys):
                self._job(self._check_pin(team, keys), self._jobs)
            case c.SaveArrival(record=record) if self.store is not None:
                store = self.store
                self._job(self._logged(store.log_row(lambda st: st.begin_call(record))), self._jobs)
            case c.SaveCall(record=record, steps=steps) if self.store is not None:
                store = self.store
                await self._logged(store.log_row(lambda st: st.finish_call(record, list(steps))))
            case c.FileMessage():
                notified = await self._file_message(self.config, command)
                self.queue.put_nowait(e.MessageFiled(tuple(notified.items())))
            case _:
                await super()._do(command)

    def _leg_variables(self, timeout: int) -> dict[str, str]:
        return {TIMEOUT: str(timeout)}          # leased once answered (domain/calls/lease.py)

    async def _render(self, team: str, caller: str, customer: str, site: str, language: str) -> None:
        """The callee's prompt naming the caller: a known customer by name and site, else the number."""
        from astreinte.runtime.prompts import render_confirmation, render_customer_confirmation

        settings, text = self.config.asterisk.prompts, ""
        try:
            if customer:
                prompt, text = await render_customer_confirmation(settings, language, customer, site,
                                                                  file_id(self.id))
            else:
                prompt = await render_confirmation(settings, team, caller, file_id(self.id))
        except Exception as exc:        # the team's prompt, without the number, plays instead
            log.warning("call %s: could not render the confirmation prompt: %s", self.id, exc)
            return
        self._rendered.append(prompt.file)
        self.queue.put_nowait(e.PromptRendered(prompt.media, text=text))

    async def _check_pin(self, team: str, keys: str) -> None:
        """Whose PIN the caller typed: every hash of the team's customers, in the store's thread (argon2id
        takes ~0.1 s a hash: never on the event loop)."""
        from astreinte.web.passwords import verify_pin

        directory = self.flow.line.directory
        try:
            found = await self.store.run(lambda _st: directory.by_pin(keys, team, verify_pin)) \
                if self.store is not None else directory.by_pin(keys, team, verify_pin)
        except Exception as exc:
            log.warning("call %s: could not check the customer PIN: %s", self.id, exc)
            found = None
        self.queue.put_nowait(e.CustomerPinChecked(found.id if found is not None else None))

    @staticmethod
    def _job(job: Awaitable[None], held: set[asyncio.Task[None]]) -> None:
        task = asyncio.ensure_future(job)
        held.add(task)
        task.add_done_callback(held.discard)

    async def _logged(self, job: Awaitable[object]) -> None:
        try:
            await job
        except Exception:
            log.exception("call %s: could not write the call log", self.id)

    async def _cleanup(self) -> None:
        for render in self._renders:
            render.cancel()
        if self._jobs or self._renders:
            await asyncio.wait([*self._jobs, *self._renders], timeout=5)
        for file in self._rendered:
            file.unlink(missing_ok=True)
        await super()._cleanup()

    def channels(self) -> Sequence[str]:
        return list(self.flow.callees.legs) if self.flow.callees is not None else []
