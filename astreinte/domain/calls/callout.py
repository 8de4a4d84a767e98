"""One callout round: call the people on call back about a message until one of them acknowledges it. Pure.

    flow = CalloutFlow(line, now, unreachable=..., busy_people=...)
    send(flow.start(now)); loop: send(flow.handle(event, now)) until flow.finished (TimerExpired at flow.deadline)

    ringing (a ``Hunt`` of the round's level) ──nobody──▶ ended (nobody_available)
       └─answered──▶ intro "X called at T and left a message of N s; press 1 to listen" (asked 3 times)
                      └─1──▶ message ─┬─over──▶ heard ──▶ menu "1 acknowledge, 2 call back, 3 again" (3 times)
                                      └─1/2/3 during it: as in the menu (it counts as heard)
            menu ─1─▶ Acknowledge ──stored──▶ "acknowledged, goodbye" ──▶ ended (acknowledged)
                 ─2─▶ "we are calling them" + ringing ──the caller answers──▶ bridged (acknowledged: callback)
                        └─no answer──▶ "they do not answer" ──▶ menu
                 ─3─▶ message again;  silence ──▶ "not acknowledged, we will call you again" ──▶ ended
    acknowledged elsewhere (CLI, web): ringing legs cancelled at once; a callee listening hears so
    the callee hanging up at any point ──▶ ended: hanging up is not an acknowledgement

The round rings one level (``CalloutLine.steps[0]``), or the next one when nobody there can be rung.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain import hunt_events as h
from astreinte.domain.calling import CallerIdPolicy
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.callees import Presence
from astreinte.domain.calls.callout_line import Acknowledge as AcknowledgeCommand
from astreinte.domain.calls.callout_line import AcknowledgeDone, CalloutLine, MessageAcknowledged, StoreFailed
from astreinte.domain.calls.callout_line import MarkHeard as MarkHeardCommand
from astreinte.domain.calls.callout_ring import Outcome, Ringing
from astreinte.domain.calls.media import Media
from astreinte.domain.calls.record import CallRecord, to_records
from astreinte.domain.calls.steps import Steps
from astreinte.wire.ari_events import FAILURE_CAUSES

Phase = Literal["ringing", "intro", "message", "menu", "acknowledging", "closing", "callback", "bridged", "ended"]
CalloutEvent = e.Event | MessageAcknowledged | AcknowledgeDone | StoreFailed
CalloutCommand = c.Command | AcknowledgeCommand | MarkHeardCommand
Out = list[CalloutCommand]


@dataclass(frozen=True)
class CalloutResult:
    """What the round achieved, for the message's lifecycle."""

    acknowledged: bool              # by this round, or elsewhere while it went on: no more rounds
    heard_by: str | None
    answered_by: str | None
    reason: str


class CalloutFlow:
    def __init__(self, line: CalloutLine, now: datetime, *, unreachable: frozenset[str] = frozenset(),
                 busy_people: frozenset[str] = frozenset()) -> None:
        self.line, self.id, self.started = line, line.callout_id, now
        message = line.message
        self.record = CallRecord(self.id, now, did=message.number, caller=message.caller or "anonymous",
                                 team=line.team.id, tier="callout")
        self.media = Media(self.id)
        self.phase: Phase = "ringing"
        self.callee: str | None = None              # the leg that answered
        self.person: str | None = None
        self.phone: str | None = None
        self.customer: str | None = None            # the caller, rung back
        self.bridge: str | None = None
        self.heard = False
        self.acknowledged = False                   # by this round
        self.elsewhere: str | None = None           # acknowledged by someone else meanwhile
        self._steps = Steps()
        self.ringing = Ringing(line, self._trace, Presence(unreachable, busy_people))
        self._customer_state = ""                   # "", "answered", "gone"
        self._until: datetime | None = None
        self._asks = 0
        self._callbacks = 0
        self._end_by = now + timedelta(seconds=line.timings.longest)

    # ── what the runtime reads ──────────────────────────────────────────────

    @property
    def finished(self) -> bool:
        return self.phase == "ended"

    @property
    def steps(self) -> list[tuple[datetime, str, str]]:
        return list(self._steps.items)

    @property
    def legs(self) -> list[str]:
        return [*self.ringing.legs, *([self.customer] if self.customer else [])]

    @property
    def deadline(self) -> datetime | None:
        if self.finished:
            return None
        ring = self.ringing.deadline if self.phase == "ringing" else None
        return min(at for at in (ring, self._until, self._end_by) if at is not None)

    @property
    def result(self) -> CalloutResult:
        return CalloutResult(self.acknowledged or self.elsewhere is not None, self.person if self.heard else None,
                             self.record.answered_by, self.record.reason or "")

    # ── entry points ─────────────────────────────────────────────────────────

    def start(self, now: datetime) -> Out:
        out: Out = []
        line, message = self.line, self.line.message
        self._trace(f"calling out message {message.id} from {message.caller or 'anonymous'} for team {line.team.id}: "
                    f"round {line.round} ({line.why})", now, out)
        found = self.ringing.start(now, out)
        if self.ringing.hunt is None or not self.ringing.legs:
            self._trace("nobody to call back" if not line.steps else "nobody could be rung", now, out,
                        level="warning")
            self._end("nobody_reachable", now, out)
        self._rung(found, now, out)
        return out

    def handle(self, event: CalloutEvent, now: datetime) -> Out:
        out: Out = []
        if self.finished:
            return out
        match event:
            case e.ChannelAnswered(channel=leg) if leg == self.customer and not self._customer_state:
                self._customer_answered(now, out)
            case e.ChannelGone(channel=leg, cause=cause, cause_txt=text) if leg == self.customer:
                self._customer_gone(leg, FAILURE_CAUSES.get(cause, "no_answer"), text, now, out)
            case e.ChannelAnswered() | e.ChannelRinging() | e.ChannelGone() if self.ringing.knows(event.channel):
                self._rung(self.ringing.leg_event(event, now, out), now, out)
            case e.DigitPressed(channel=leg, digit=digit) if leg == self.callee and leg not in self.ringing.done:
                self._digit(digit[:1], now, out)
            case e.PlaybackFinished(playback=playback, failed=failed):
                self._playback_over(playback, failed, now, out)
            case e.RequestFailed(command=command, error=error) | StoreFailed(command=command, error=error):
                self._request_failed(command, error, now, out)
            case MessageAcknowledged(by=by, how=how):
                self._acknowledged_elsewhere(by, how, now, out)
            case AcknowledgeDone(by=by, how=how, first=first):
                self._stored(by, how, first, now, out)
            case h.TimerExpired():
                self._timer(now, out)
            case h.PhoneRegistered() | h.PhoneUnregistered() | h.PersonEngaged() | h.PersonReleased():
                found = self.ringing.handle(event, now, out)
                if self.phase == "ringing":
                    self._rung(found, now, out)
        return out

    def abort(self, why: str, now: datetime) -> Out:
        out: Out = []
        if not self.finished:
            self._trace(f"callout stopped ({why})", now, out, level="warning")
            self._end("error", now, out)
        return out

    # ── ringing ──────────────────────────────────────────────────────────────

    def _rung(self, found: list[Outcome], now: datetime, out: Out) -> None:
        """What the ringing decided: someone answered, or the level is over."""
        for outcome in found:
            if isinstance(outcome, h.Connect):
                self._connected(outcome.leg, now, out)
            elif not self.finished and outcome.outcome == "failed":
                self._trace("nobody answered", now, out)
                self._end("nobody_available", now, out)
            elif not self.finished:
                self._end(None, now, out)       # the callee hung up, or we stopped ringing

    def _connected(self, leg: str, now: datetime, out: Out) -> None:
        dial = self.ringing.legs[leg]
        self.callee, self.person, self.phone = leg, dial.target.person, dial.phone
        self.record.connected_at, self.record.answered_by = now, dial.target.person
        out.append(c.Engaged(dial.target.person, True))
        self._trace(f"{dial.target.person} answered on {dial.phone}", now, out)
        self._ask("intro", now, out)

    # ── the callee listening ────────────────────────────────────────────────

    def _ask(self, what: Literal["intro", "menu"], now: datetime, out: Out) -> None:
        """Play the intro or the menu (counting the times), then wait for a digit."""
        if self.phase != what:
            self.phase, self._asks = what, 0
        self._asks += 1
        self._play(self.line.prompts.intro if what == "intro" else self.line.prompts.menu, what, now, out)

    def _play(self, media: str, purpose: str, now: datetime, out: Out) -> None:
        assert self.callee is not None
        out.append(self.media.play(self.callee, media, purpose))
        self._until = now + timedelta(seconds=self.line.timings.prompt_margin)

    def _digit(self, digit: str, now: datetime, out: Out) -> None:
        if self.phase not in ("intro", "message", "menu"):
            return
        self._trace(f"{self.person} pressed {digit}", now, out)
        if self.phase == "intro":
            if digit == "1":
                out += self.media.stop()
                self._listen(now, out)
            return
        if digit not in ("1", "2", "3"):
            return
        out += self.media.stop()
        if self.phase == "message" and digit in ("1", "2"):
            self._heard(now, out)
        if digit == "1":
            self._acknowledge(now, out)
        elif digit == "2":
            self._call_back(now, out)
        else:
            self._listen(now, out)

    def _listen(self, now: datetime, out: Out) -> None:
        media = self.line.message.media
        if media is None:               # nothing recorded: the details were the message
            self._heard(now, out)
            self._ask("menu", now, out)
            return
        self.phase = "message"
        self._play(media, "message", now, out)

    def _heard(self, now: datetime, out: Out) -> None:
        if not self.heard and self.person is not None and self.phone is not None:
            self.heard = True
            out.append(MarkHeardCommand(self.line.message.id, self.person, self.phone))
            self._trace(f"{self.person} heard the message", now, out)

    def _acknowledge(self, now: datetime, out: Out, detail: str = "key 1") -> None:
        assert self.person is not None and self.phone is not None
        if self.phase != "bridged":
            self.phase = "acknowledging"
            self._until = now + timedelta(seconds=self.line.timings.prompt_margin)
        out.append(AcknowledgeCommand(self.line.message.id, self.person, self.phone, detail))

    def _stored(self, by: str, how: str, first: bool, now: datetime, out: Out) -> None:
        if first:
            self.acknowledged = True
            self._trace(f"message acknowledged by {by} ({how})", now, out)
        else:
            self.elsewhere = by
            self._trace(f"the message was already acknowledged by {by} ({how})", now, out)
        if self.phase == "acknowledging":
            self.phase = "closing"
            self._play(self.line.prompts.acknowledged, "goodbye", now, out)

    def _acknowledged_elsewhere(self, by: str, how: str, now: datetime, out: Out) -> None:
        if self.acknowledged or self.elsewhere is not None or self.phase == "acknowledging":
            return                          # ours may be the acknowledgement seen: AcknowledgeDone tells
        self.elsewhere = by
        self._trace(f"acknowledged elsewhere by {by} ({how}): callout stopped", now, out)
        if self.phase == "ringing":
            self._rung(self.ringing.handle(h.CallerHungUp(), now, out), now, out)
        elif self.phase in ("intro", "message", "menu"):
            out += self.media.stop()
            self.phase = "closing"
            self._play(self.line.prompts.acknowledged_elsewhere, "goodbye", now, out)

    # ── calling the caller back ─────────────────────────────────────────────

    def _call_back(self, now: datetime, out: Out) -> None:
        line = self.line
        if line.callback is None:
            self.phase = "menu"
            self._play(line.prompts.no_number, "no-number", now, out)
            return
        self.phase = "callback"
        self._callbacks += 1
        self.customer = f"{self.id}-C{self._callbacks}"
        caller_id = CallerIdPolicy("line", line.team.caller_id.name).present(line.team.id, "", line.message.number)
        self._play(line.prompts.calling_back, "calling-back", now, out)
        out.append(c.Originate(self.customer, line.callback, caller_id, line.timings.callback_ring))
        self._trace(f"calling back {line.message.caller} on {line.callback}", now, out)
        self._until = now + timedelta(seconds=line.timings.callback_ring + line.timings.ring_margin)

    def _customer_answered(self, now: datetime, out: Out) -> None:
        assert self.callee is not None and self.customer is not None
        self._customer_state = "answered"
        out += self.media.stop()            # a prompt still playing would hold the bridge
        self.phase, self._until = "bridged", None
        self.bridge = self.media.next_id("bridge")
        out.append(c.Bridge(self.bridge, (self.callee, self.customer)))
        self._trace(f"bridged {self.person} with the caller {self.line.message.caller}", now, out)
        self._acknowledge(now, out, detail="callback")

    def _customer_gone(self, leg: str, fail: str, text: str, now: datetime, out: Out) -> None:
        if self._customer_state == "gone":
            return
        self._customer_state = "gone"
        if self.phase == "bridged":
            self._trace("the caller hung up", now, out)
            self._end(None, now, out)
        elif self.phase == "callback":
            self._trace(f"the caller did not answer the callback: {fail} ({text})", now, out)
            out += self.media.stop()
            self.phase = "menu"
            self._play(self.line.prompts.callback_failed, "callback-failed", now, out)

    # ── media, timers, failures ─────────────────────────────────────────────

    def _playback_over(self, playback: str, failed: bool, now: datetime, out: Out) -> None:
        purpose = self.media.finished(playback)
        if purpose is None:
            return
        if failed:
            self._trace(f"playback {playback} ({purpose}) failed", now, out, level="warning")
        if purpose in ("intro", "menu") and self.phase == purpose:
            self._until = now + timedelta(seconds=self.line.timings.digit_wait)
        elif purpose == "message" and self.phase == "message":
            if not failed:
                self._heard(now, out)
            self._ask("menu", now, out)
        elif purpose in ("no-number", "callback-failed") and self.phase == "menu":
            self._ask("menu", now, out)
        elif purpose == "calling-back" and self.phase == "callback" and self.callee is not None:
            out.append(self.media.play(self.callee, self.line.prompts.ringing, "ringing"))
        elif purpose == "goodbye" and self.phase == "closing":
            self._end(None, now, out)

    def _timer(self, now: datetime, out: Out) -> None:
        if now >= self._end_by:
            self._trace("callout too long: hung up", now, out, level="warning")
            self._end(None, now, out)
            return
        if self.phase == "ringing":
            self._rung(self.ringing.handle(h.TimerExpired(), now, out), now, out)
        if self._until is None or self._until > now or self.finished:
            return
        self._until = None
        if self.phase in ("intro", "menu"):
            out += self.media.stop()
            if self._asks < self.line.timings.asks:
                self._ask(self.phase, now, out)
            else:
                self._trace("no choice: not acknowledged", now, out)
                self.phase = "closing"
                self._play(self.line.prompts.not_acknowledged, "goodbye", now, out)
        elif self.phase == "message":
            out += self.media.stop()
            self._ask("menu", now, out)
        elif self.phase == "callback" and self.customer is not None:
            self._customer_gone(self.customer, "no_answer", "too long", now, out)
            out.append(c.Hangup(self.customer))
        else:
            self._end(None, now, out)

    def _request_failed(self, command: CalloutCommand, error: str, now: datetime, out: Out) -> None:
        match command:
            case c.Originate(leg=leg) if leg == self.customer:
                self._customer_gone(leg, "unreachable", error, now, out)
            case c.Originate(leg=leg) if self.ringing.knows(leg):
                self._rung(self.ringing.originate_failed(leg, error, now, out), now, out)
            case c.Play(playback=playback):
                self._playback_over(playback, True, now, out)
            case AcknowledgeCommand() | MarkHeardCommand() | c.Bridge():
                self._trace(f"could not {type(command).__name__} ({error})", now, out, level="warning")
                if isinstance(command, AcknowledgeCommand) and self.phase == "acknowledging":
                    self.phase = "closing"
                    self._play(self.line.prompts.not_acknowledged, "goodbye", now, out)

    # ── the end ──────────────────────────────────────────────────────────────

    def _end(self, reason: str | None, now: datetime, out: Out) -> None:
        if self.finished:
            return
        self.phase, self._until = "ended", None
        self.ringing.hang_up(out)
        if self.customer is not None and self._customer_state != "gone":
            self._customer_state = "gone"
            out.append(c.Hangup(self.customer))
        if self.bridge is not None:
            out.append(c.DestroyBridge(self.bridge))
        if self.person is not None:
            out.append(c.Engaged(self.person, False))
        record = self.record
        record.attempts = [replace(a, round=self.line.round) for a in to_records(self.ringing.attempts)]
        record.ended_at = now
        record.outcome = "answered" if record.connected_at is not None else "failed"
        record.reason = reason or self._why()
        self._trace(f"callout over: {record.reason}", now, out)
        out.append(c.SaveCall(record.copy(), tuple(self._steps.items)))

    def _why(self) -> str:
        if self.bridge is not None:
            return "callback"
        if self.acknowledged:
            return "acknowledged"
        if self.elsewhere is not None:
            return "acknowledged_elsewhere"
        if self.heard:
            return "heard_not_acknowledged"
        return "not_acknowledged" if self.callee is not None else "nobody_available"

    def _trace(self, text: str, now: datetime, out: Out, level: Literal["info", "warning"] = "info") -> None:
        self._steps.items.append((now, "step", text))
        out.append(c.Trace(text, level))
