"""One inbound call, from its arrival in the app to its end, as a pure state machine.

    flow = CallFlow(call_id, line, now, answered=False)
    send(flow.start(now))
    loop: event = the next event (ARI facts, completions of what was asked), or TimerExpired at flow.deadline
          send(flow.handle(event, now))        # until flow.finished
    the runtime failed, or the daemon stops: send(flow.abort(why, now))

Everything that changes a call's state is here and in its sub-machines (``Reception``, ``Callees``
with its ``Hunt``, ``MessageTaking``, ``Media``): the runtime only carries commands out and feeds events in.

    reception (blocked, unknown number, menu: ``Reception``) ──a team──▶ greeting
    greeting: once it started (or after 0.5 s) ──▶ hunting, while it plays; with a live announcement
      (``Announcing``): greeting, announcement, "1 the person on call, 2 a message" ──▶ hunting or message
    hunting ─┬─ connected, then either side hangs up ──────────────────────────▶ ended
             ├─ nobody, voicemail ──▶ message: prompt, recording, filed ───────▶ ended
             └─ nobody, hang up ────▶ closing: "nobody is available" ──────────▶ ended
    the caller hangs up at any point ──▶ ended (the legs cancelled, the call logged)

After every step ``hearing`` says what the caller hears: never silence. ``Lease``: the PBX tiers if we stop.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from astreinte.domain import hunt_events as h
from astreinte.domain.callers import Customer, callee_language
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.admission import PinAsking, admission, hunted, spoken_to
from astreinte.domain.calls.announcement import Announcing
from astreinte.domain.calls.callees import Callees, CallerCommand
from astreinte.domain.calls.flow_state import FlowState
from astreinte.domain.calls.message import MessageTaking
from astreinte.domain.calls.reception import Chosen, Decision
from astreinte.domain.rota import Team


class CallFlow(FlowState):
    # ── entry points ─────────────────────────────────────────────────────────

    def start(self, now: datetime) -> list[c.Command]:
        """The call arrived: ask for the answer and take its path (the lookups were made at arrival)."""
        out: list[c.Command] = []
        if self.lease.lapsed(now):          # a frozen daemon's late StasisStart: the dialplan has the call
            self._caller_left(now, out)
            return out
        self.lease.take(now, out)        # a late call's renewal first: the pump sends it beside the answer
        out += [] if self._answered else [c.Answer()]
        line, path = self.line, self._reception.path
        self.record.team = line.team.id if line.team is not None else None
        if path in ("blocked", "unknown"):
            self.record.outcome, self.record.reason = "failed", "blocked" if path == "blocked" else "unknown_number"
        if path == "team" and line.team is not None:
            self.phase, self.team = "greeting", line.team
        else:
            out.append(c.SaveArrival(self.record.copy()))
            self._reception.arrive(now, out)
        if self._answered:
            self._on_answered(now, out)
        self.lease.cover(out)
        return out

    def handle(self, event: e.Event, now: datetime) -> list[c.Command]:
        """Apply ``event`` (which happened at ``now``); return the commands to carry out, in order."""
        out: list[c.Command] = []
        if self.phase == "ended":
            return out
        callees = self.callees
        if isinstance(event, e.RequestFailed) and event.gone:   # 404/422: hung up, or taken back by the dialplan
            event = e.ChannelGone(c.channel_of(event.command, self.id) or "")
        announcing = self._announcing if self.phase == "announcement" else None
        asking = self._asking if self.phase == "admission" else None
        match event:
            case _ if announcing is not None and announcing.takes(event):
                self._announced(announcing.handle(event, now, out), now, out)
            case _ if asking is not None and asking.takes(event):
                self._pin_answered(asking, asking.handle(event, now, out), now, out)
            case e.ChannelLeft(channel=channel) | e.ChannelGone(channel=channel) if channel == self.id:
                self._caller_left(now, out)
            case e.ChannelAnswered() | e.ChannelRinging() | e.ChannelGone() | e.DigitPressed() \
                    if callees is not None and callees.knows(event.channel):
                self._for_caller(callees.leg_event(event, now, out), now, out)
            case e.DigitPressed(channel=channel, digit=digit) if channel == self.id and self.phase == "reception":
                self._decided(self._reception.pressed(digit, now, out), now, out)
            case e.PlaybackStarted(playback=playback):
                if self.media.purpose(playback) == "greeting" and self.phase == "greeting":
                    self._start_hunt(now, out)
            case e.PlaybackFinished(playback=playback, failed=failed):
                self._playback_over(playback, failed, now, out)
            case e.RecordingFinished(name=name, duration=duration) if self._message and name == self._message.name:
                self._recorded(duration, None, now, out)
            case e.RecordingFailed(name=name, cause=cause) if self._message and name == self._message.name:
                self._recorded(None, cause, now, out)
            case e.AnswerDone() | e.AnswerSent():       # the greeting decided while the answer travels
                self._on_answered(now, out)
            case e.RequestFailed(command=command, error=error):
                self._request_failed(command, error, now, out)
            case e.PromptRendered(media=media, text=text):
                self._confirmation = media
                if self.customer is not None and text:
                    self._steps.trace(f"confirmation prompt: {text}", now, out)
                if callees is not None:
                    callees.confirmation = media
            case e.MessageFiled(notified=notified):
                self._filed(notified, now, out)
            case h.TimerExpired():
                self._timer(now, out)
            case h.PhoneRegistered() | h.PhoneUnregistered() | h.PersonEngaged() | h.PersonReleased():
                self._presence.update(event)
                if callees is not None and self.phase == "hunting":
                    self._for_caller(callees.handle(event, now, out), now, out)
        self._settle(event, callees, now, out)
        return out

    def abort(self, why: str, now: datetime) -> list[c.Command]:
        """The runtime cannot go on (an error, the daemon stopping): hand the caller to the dialplan's
        tiers, unless they are gone or talking (a conversation is left to the next daemon, which adopts it)."""
        out: list[c.Command] = []
        if self.phase == "ended":
            return out
        if not self.caller_gone and self.bridge is None:
            self.record.outcome, self.record.reason, self.record.tier = "failed", "error", "dialplan"
            self._to_dialplan(why, now, out)
            self._steps.trace(f"handed to the dialplan fallback ({why})", now, out)
        self._end(now, out, keep_conversation=self.bridge is not None and not self.caller_gone)
        return out

    # ── arrival, answer, greeting ───────────────────────────────────────────

    def _on_answered(self, now: datetime, out: list[c.Command]) -> None:
        if self._greeted:
            return
        self._answered = self._greeted = True
        if self.caller_gone:
            return
        if self.phase == "reception":
            self._reception.answered(now, out)
        elif self.phase == "greeting":
            self._greet(now, out)

    def _decided(self, decision: Decision, now: datetime, out: list[c.Command]) -> None:
        """What the reception decided: a team, the dialplan, the end (after "nobody" when no choice)."""
        if isinstance(decision, Chosen):
            self.phase, self.team, self.record.team = "greeting", self.line.teams[decision.team], decision.team
            self._greet(now, out)
        elif decision == "dialplan":
            self.record.tier = "dialplan"             # the PBX's tiers take it from here
            self._to_dialplan("unknown-number", now, out)
            self._end(now, out)
        elif decision == "hang up":
            self._end(now, out)
        elif decision == "no choice":
            self.record.outcome, self.record.reason = "failed", "no_menu_choice"
            self.phase = "closing"
            out.append(self.media.to_caller(self.line.prompts.nobody, "nobody"))
            self._until = now + timedelta(seconds=self.line.timings.short_message)

    def _greet(self, now: datetime, out: list[c.Command]) -> None:
        """In service: the greeting, and the first phones once it started; outside: the destination at once."""
        assert self.team is not None
        self._status = self.line.schedule.who(self.team.id, now)
        if not self._admit(self.team, self._status.in_service, now, out):
            return
        prompts, announced = self.line.prompts, self.line.announcements.get(self.team.id)
        if self._status.in_service and announced:
            self.phase, self._announcing = "announcement", Announcing(
                self.id, self.media, prompts.greeting(self.team.id), announced, prompts.announcement_choice)
            self._steps.trace("announcement: the caller hears it before anyone is rung", now, out)
            self._announcing.start(now, out)
            self._until = self._announcing.until
        elif self._status.in_service:
            out.append(self.media.to_caller(self.line.prompts.greeting(self.team.id), "greeting"))
            self._until = now + timedelta(seconds=self.line.timings.greeting_start)
        else:
            self._start_hunt(now, out)

    def _admit(self, team: Team, in_service: bool, now: datetime, out: list[c.Command]) -> bool:
        """The team's ``callers:`` policy (in service: outside, the destination rings as ever): True when
        the caller goes on to the greeting now."""
        if self._admitted:
            return True
        self._admitted = True
        self.customer, admitted, self._asking = admission(self.id, self.line, team, in_service, self.media,
                                                          self._steps, now, out)
        self.record.customer = self.customer.id if self.customer is not None else None
        self.line = spoken_to(self.line, self.customer, self._steps, now, out)     # their language
        if admitted == "message":
            self.record.reason = "unknown_caller"
            self._take_message(now, out)
        elif self._asking is not None:
            self.phase, self._until = "admission", self._asking.until
        return admitted in ("named", "anyone")

    def _pin_answered(self, asking: PinAsking, decision: Customer | str | None, now: datetime,
                      out: list[c.Command]) -> None:
        self._until = asking.until
        if isinstance(decision, Customer):
            self.customer, self.record.customer, self.phase = decision, decision.id, "greeting"
            self.line = spoken_to(self.line, decision, self._steps, now, out)
            self._greet(now, out)
        elif decision == "message":
            self.record.reason = "wrong_pin"
            self._take_message(now, out)

    def _announced(self, decision: str | None, now: datetime, out: list[c.Command]) -> None:
        """The caller chose after the announcement (1: the hunt, 2: a message; silence: the hunt)."""
        assert self._announcing is not None
        self._until = self._announcing.until
        if decision is not None:
            self._steps.trace(f"after the announcement: {decision}", now, out)
        if decision == "hunt":
            self._start_hunt(now, out)
        elif decision == "message":
            self._take_message(now, out)

    # ── the hunt ─────────────────────────────────────────────────────────────

    def _start_hunt(self, now: datetime, out: list[c.Command]) -> None:
        """Ring the first phones (nobody if the caller left); the arrival is logged after the requests
        (its row too: the phones are rung first)."""
        assert self.team is not None
        status = self._status = self._status or self.line.schedule.who(self.team.id, now)
        gone = self.caller_gone
        self.phase, self._until = "hunting", None
        team = hunted(self.line, self.team, self.customer, self._steps, now, out)     # by contract level
        callees = self.callees = Callees.on_call(self.id, team, status, self.line, self.media, self._steps,
                                                 self._presence)
        callees.caller_name = self.customer.label if self.customer is not None else None
        callees.confirmation = self._confirmation
        self.record.reason = self.record.reason if status.in_service else "outside_service"
        first = [] if gone else callees.start(now, out)
        callees.describe(status, now, out)
        if gone:
            self._steps.trace("caller hung up before the first ring", now, out)
            first = callees.start(now, out, abandoned=True)
        elif callees.policy.confirm and (self.line.caller or self.customer):
            who, spoken = self.customer, callee_language(r.person.language for r in status.chain)
            out.append(c.RenderConfirmation(self.team.id, self.line.caller, who.name if who else "",
                                            who.site if who else "", spoken))
        if self._reception.path == "team" and self.line.team is not None:     # not saved at arrival
            out.append(c.SaveArrival(self.record.copy()))       # after the first phones' requests
        self._for_caller(first, now, out)

    def _for_caller(self, commands: list[CallerCommand], now: datetime, out: list[c.Command]) -> None:
        """What the hunt decided about the caller: the conversation is over, or the hunt is."""
        for command in commands:
            if isinstance(command, h.HangupCaller):
                self._hang_up_caller(out)
            elif self.callees is not None:
                self.callees.finished(command.outcome, command.answered_by, self.started, now, out)
                if self.callees.voicemail and not self.caller_gone:
                    self._take_message(now, out)
                else:
                    self._close(now, out)

    # ── the message ──────────────────────────────────────────────────────────

    def _take_message(self, now: datetime, out: list[c.Command]) -> None:
        assert self.team is not None
        self.phase, self._message = "message", MessageTaking(self.id, self.team, self.line, self.media, self._steps)
        self._message.start(now, out)
        self._until = self._message.until

    def _record(self, now: datetime, out: list[c.Command]) -> None:
        assert self._message is not None
        if self.caller_gone:
            self.record.outcome = "abandoned"
            self._end(now, out)
        else:
            self._until = self._message.record(now, out, self.lease)

    def _recorded(self, duration: float | None, failure: str | None, now: datetime, out: list[c.Command]) -> None:
        if self._message is None or self._message.phase != "recording":
            return
        self._hang_up_caller(out)
        self._until = None
        tried = tuple(dict.fromkeys(a.person for a in (self.hunt.attempts if self.hunt is not None else ())))
        self._message.recorded(duration, failure, self.record.caller, tried, now, out)

    def _filed(self, notified: tuple[tuple[str, bool], ...], now: datetime, out: list[c.Command]) -> None:
        if self._message is None or self._message.phase != "filing":
            return
        self._message.filed(notified, now, out)
        self.record.outcome = "voicemail"
        self._steps.trace(f"finished: voicemail after {(now - self.started).total_seconds():.1f} s", now, out)
        self._end(now, out)

    # ── media, timers, failures, presence ───────────────────────────────────

    def _playback_over(self, playback: str, failed: bool, now: datetime, out: list[c.Command]) -> None:
        purpose = self.media.finished(playback)
        if purpose is None:
            return
        if failed and not self.caller_gone:
            self._steps.trace(f"playback {playback} ({purpose}) failed: check the prompt file", now, out,
                              level="warning")
        if purpose == "greeting" and self.phase == "greeting":
            self._start_hunt(now, out)          # it ended before it was reported started
        elif self.callees is not None and self.phase == "hunting":
            self._for_caller(self.callees.playback_finished(purpose, now, out), now, out)
        elif self.phase == "reception":
            self._decided(self._reception.playback_over(purpose, now), now, out)
        elif purpose == "voicemail-greeting" and self.phase == "message":
            self._record(now, out)
        elif self.phase == "closing" and not self.media.caller_playing:
            self._end(now, out)

    def _timer(self, now: datetime, out: list[c.Command]) -> None:
        if self.phase == "reception":
            self._decided(self._reception.timer(now, out), now, out)
            return
        if self._until is None or self._until > now:
            if self.phase == "hunting" and self.callees is not None:
                self._for_caller(self.callees.handle(h.TimerExpired(), now, out), now, out)
            return
        self._until = None
        if self.phase == "greeting":
            self._start_hunt(now, out)
        elif self.phase == "closing":
            self._end(now, out)
        elif self._message is not None and self._message.phase == "prompt":
            self._record(now, out)
        elif self._message is not None and self._message.phase == "recording":
            self._recorded(None, "no RecordingFinished event", now, out)

    def _request_failed(self, command: c.Command, error: str, now: datetime, out: list[c.Command]) -> None:
        match command:
            case c.Answer():
                self._on_answered(now, out)      # the caller may have left: their StasisEnd tells
            case c.Play(playback=playback):
                self._playback_over(playback, True, now, out)
            case c.Originate(leg=leg) if self.callees is not None:
                self._for_caller(self.callees.originate_failed(leg, error, now, out), now, out)
            case c.Record():
                self._recorded(None, error, now, out)
            case c.Bridge() | c.FileMessage():      # (a failed ToDialplan: the lease takes the caller there)
                what = "bridge" if isinstance(command, c.Bridge) else "file the message"
                self._steps.trace(f"could not {what} ({error})", now, out, level="warning")
                if isinstance(command, c.FileMessage):
                    self._filed((), now, out)

    # ── the end ──────────────────────────────────────────────────────────────

    def _caller_left(self, now: datetime, out: list[c.Command]) -> None:
        if self.caller_gone:
            return
        self.caller_gone = True
        if self.lease.lapsed(now):              # not a hang-up: the dialplan took the caller back
            self.handed_off = True
            self.lease.taken_back(self.record, self._steps, now, out)
        if self.phase == "greeting":
            self._start_hunt(now, out)              # abandoned: nobody is rung
            return
        if not self.handed_off:
            self._steps.trace("caller hung up", now, out)
        if self.phase == "hunting" and self.callees is not None:
            self._for_caller(self.callees.handle(h.CallerHungUp(), now, out), now, out)
        elif (self._reception.path == "menu" and self.phase == "reception") or self.phase == "admission" or \
                (self._message is not None and self._message.phase == "prompt"):
            self.record.outcome = "abandoned"
            self._end(now, out)
        elif self.phase != "message":               # a recording the caller ended is still filed
            self._end(now, out)

    def _close(self, now: datetime, out: list[c.Command]) -> None:
        """The hunt is over: let the message the caller hears end (bounded), then hang up."""
        if self.caller_gone or not self.media.caller_playing:
            self._end(now, out)
            return
        self.phase, timings = "closing", self.line.timings
        wait = timings.short_message if self.media.playing("nobody") else timings.closing
        self._until = now + timedelta(seconds=wait)

    def _hang_up_caller(self, out: list[c.Command]) -> None:
        if not self.caller_gone:
            self.caller_gone = True
            out.append(c.Hangup(self.id))

    def _to_dialplan(self, why: str, now: datetime, out: list[c.Command]) -> None:
        out.append(c.ToDialplan(self.line.number or "s", why, self.lease.remaining(now)))  # the tiers need time
        self.caller_gone = self.handed_off = True

    def _end(self, now: datetime, out: list[c.Command], keep_conversation: bool = False) -> None:
        """The call is over for us: the caller and every leg hung up, the bridge destroyed, the call logged."""
        if self.phase == "ended":
            return
        self.phase, self._until = "ended", None
        self.lease.end()
        if not keep_conversation:
            self._hang_up_caller(out)
        callees = self.callees
        self.record.complete(self.hunt, callees.connected_at if callees is not None else None,
                             self.lease.lost_at or now)     # taken back: the caller left us when the lease lapsed
        if callees is not None:
            callees.end(out, keep_conversation=keep_conversation)
        out.append(c.SaveCall(self.record.copy(), tuple(self._steps.items)))
