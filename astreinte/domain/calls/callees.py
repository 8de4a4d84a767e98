"""The phones of one call: its hunt, the legs it dials, what the caller hears meanwhile, the conversation.

``Callees`` feeds the ``Hunt`` the facts about the call's legs and the greeting, carries out what
the hunt decides (originate, hang up, the confirmation prompt, hold music, "please hold", "nobody
is available", the bridge) and hands back to the flow the end of the hunt (``Finished``) and the
hang-up of a conversation that is over. Pure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.line import Line
from astreinte.domain.calls.media import Media
from astreinte.domain.calls.steps import Steps
from astreinte.domain.hunt import Hunt, HuntPolicy, Target
from astreinte.domain.rota import Team
from astreinte.domain.schedule import TeamStatus
from astreinte.wire.ari_events import FAILURE_CAUSES

CallerCommand = h.HangupCaller | h.Finished        # what the flow does: hang up the caller, end the hunt


class Presence:
    """Phones offline and people talking elsewhere, as seen since the call arrived."""

    def __init__(self, unreachable: frozenset[str], busy_people: frozenset[str]) -> None:
        self.unreachable, self.busy = set(unreachable), set(busy_people)

    def update(self, event: h.Event) -> None:
        match event:
            case h.PhoneRegistered(phone=phone):
                self.unreachable.discard(phone)
            case h.PhoneUnregistered(phone=phone):
                self.unreachable.add(phone)
            case h.PersonEngaged(person=person):
                self.busy.add(person)
            case h.PersonReleased(person=person):
                self.busy.discard(person)


class Callees:
    def __init__(self, call_id: str, team: Team, policy: HuntPolicy, targets: list[Target], line: Line,
                 media: Media, steps: Steps, *, unreachable: frozenset[str], busy_people: frozenset[str],
                 greeting_playing: bool) -> None:
        self.call_id, self.team, self.policy, self.line = call_id, team, policy, line
        self.media, self.steps = media, steps
        self.hunt = Hunt(call_id, targets, policy, unreachable=unreachable, busy_people=busy_people,
                         greeting_playing=greeting_playing)
        self.legs: dict[str, h.Dial] = {}           # leg id (its channel id) -> how it was dialed
        self.bridge: str | None = None
        self.bridged_leg: str | None = None
        self.connected_at: datetime | None = None
        self.engaged: str | None = None             # the person talking on this call
        self.confirmation: str | None = None        # the rendered prompt naming the caller
        self.caller_name: str | None = None         # a known customer's, on the callee's display
        self.voicemail = False                      # the hunt ended in voicemail: the flow takes the message
        self._answered: set[str] = set()
        self._cancelled: set[str] = set()
        self._gone: set[str] = set()

    @classmethod
    def on_call(cls, call_id: str, team: Team, status: TeamStatus, line: Line, media: Media, steps: Steps,
                presence: Presence) -> Callees:
        """Who the call rings: the chain on call (in service), else the outside-service destination, once."""
        if status.in_service:
            targets = [Target(r.level, r.person.id, r.person.name, r.person.phones) for r in status.chain]
            policy = team.hunt
        else:
            dial = status.outside_service_dial
            targets = [Target(1, "outside_service", "outside service", (dial,))] if dial else []
            policy = replace(team.hunt, strategy="linear", rounds=1, confirm=False, on_no_answer="hangup")
        return cls(call_id, team, policy, targets, line, media, steps,
                   unreachable=frozenset(presence.unreachable), busy_people=frozenset(presence.busy),
                   greeting_playing=status.in_service and media.playing("greeting"))

    def describe(self, status: TeamStatus, now: datetime, out: list[c.Command]) -> None:
        """The arrival's lines in the log: the team, its chain, what the caller hears."""
        trace, line = self.steps.trace, self.line
        trace(f"arrived on {line.number} from {line.caller_label}: team {self.team.id}, "
              f"{'in service' if status.in_service else 'outside service hours'}", now, out)
        if not status.in_service:
            trace(f"outside service hours: dialing {status.outside_service_dial or 'nobody'}", now, out)
            return
        for r in status.chain:
            trace(f"level {r.level} ({r.layer}): {r.person.id}{' (override)' if r.override else ''}, "
                  f"phones {', '.join(r.person.phones)}", now, out)
        if self.media.playing("greeting"):
            trace("greeting playing", now, out)

    def knows(self, channel: str) -> bool:
        return channel in self.legs

    def start(self, now: datetime, out: list[c.Command], *, abandoned: bool = False) -> list[CallerCommand]:
        return self._apply(self.hunt.abandon(now) if abandoned else self.hunt.start(now), now, out)

    def handle(self, event: h.Event, now: datetime, out: list[c.Command]) -> list[CallerCommand]:
        return self._apply(self.hunt.handle(event, now), now, out)

    def leg_event(self, event: e.Event, now: datetime, out: list[c.Command]) -> list[CallerCommand]:
        trace = self.steps.trace
        match event:
            case e.ChannelAnswered(channel=leg):
                self._answered.add(leg)
                trace(f"{self.legs[leg].target.person} answered on {self.legs[leg].phone}", now, out)
                return self.handle(h.LegAnswered(leg), now, out)
            case e.ChannelRinging(channel=leg):
                return self.handle(h.LegRinging(leg), now, out)
            case e.DigitPressed(channel=leg, digit=digit):
                if self.bridge is None:
                    trace(f"{self.legs[leg].target.person} pressed {digit[:1]}", now, out)
                return self.handle(h.DigitReceived(leg, digit), now, out)
            case e.ChannelGone(channel=leg, cause=cause, cause_txt=text) if leg not in self._gone:
                self._gone.add(leg)
                if leg in self._cancelled:
                    return []
                dial = self.legs[leg]
                if leg in self._answered:
                    trace(f"{dial.target.person} hung up", now, out)
                    return self.handle(h.LegHungUp(leg), now, out)
                fail = FAILURE_CAUSES.get(cause, "no_answer")
                trace(f"{dial.target.person} on {dial.phone}: {fail} (cause {cause} {text})", now, out)
                return self.handle(h.LegFailed(leg, fail), now, out)
        return []

    def playback_finished(self, purpose: str, now: datetime, out: list[c.Command]) -> list[CallerCommand]:
        """One of the call's playbacks ended: a leg's prompt, the greeting, or "please hold"."""
        if purpose in self.legs:
            return self.handle(h.PromptFinished(purpose), now, out)
        if purpose == "greeting":
            return self.handle(h.GreetingFinished(), now, out)
        if purpose == "hold" and self.hunt.phase in ("hunting", "accepted", "exhausted"):
            out += self.media.ringback(True)
        return []

    def finished(self, outcome: h.Outcome, who: str | None, started: datetime, now: datetime,
                 out: list[c.Command]) -> None:
        """The hunt's last line in the log."""
        if self.connected_at is not None:
            self.steps.trace(f"finished: answered by {who}; the caller waited "
                             f"{(self.connected_at - started).total_seconds():.1f} s for a human, "
                             f"talked {(now - self.connected_at).total_seconds():.1f} s", now, out)
        elif outcome == "voicemail":
            self.steps.trace(f"hunt over after {(now - started).total_seconds():.1f} s: voicemail", now, out)
        else:
            self.steps.trace(f"finished: {outcome} after {(now - started).total_seconds():.1f} s", now, out)

    def originate_failed(self, leg: str, error: str, now: datetime, out: list[c.Command]) -> list[CallerCommand]:
        if leg not in self.legs or leg in self._gone:
            return []
        self._gone.add(leg)
        dial = self.legs[leg]
        self.steps.trace(f"could not ring {dial.target.person} on {dial.phone}: {error}", now, out, level="warning")
        return self.handle(h.LegFailed(leg, "unreachable"), now, out)

    def end(self, out: list[c.Command], *, keep_conversation: bool) -> None:
        """Hang up every leg still up (but the one talking, when the conversation is kept)."""
        for leg in self.legs:
            kept = keep_conversation and leg == self.bridged_leg
            if leg not in self._cancelled and leg not in self._gone and not kept:
                out.append(c.Hangup(leg))
        if self.bridge is not None and not keep_conversation:
            out.append(c.DestroyBridge(self.bridge))
        if self.engaged is not None:
            out.append(c.Engaged(self.engaged, False))

    def _apply(self, commands: list[h.Command], now: datetime, out: list[c.Command]) -> list[CallerCommand]:
        """Carry out on the legs what the hunt decided; return what concerns the caller."""
        caller: list[CallerCommand] = []
        for command in commands:
            match command:
                case h.Dial(leg=leg, target=target, phone=phone):
                    self.legs[leg] = command
                    policy = self.policy
                    timeout = int(policy.ring_timeout + policy.confirm_timeout + self.line.timings.ring_margin)
                    out.append(c.Originate(leg, self.line.endpoint(phone), self._caller_id(), timeout))
                    self.steps.trace(f"ringing {target.person} (level {target.level}) on {phone}", now, out)
                case h.Cancel(leg=leg):
                    self._cancelled.add(leg)
                    if leg not in self._answered:
                        self.steps.trace(f"stop ringing {self.legs[leg].target.person} on {self.legs[leg].phone}",
                                         now, out)
                    if leg not in self._gone:
                        out.append(c.Hangup(leg))
                case h.PlayConfirmation(leg=leg):
                    media = self.confirmation or self.line.prompts.confirmation(self.team.id)
                    out.append(self.media.play(leg, media, leg))
                case h.PlayConnecting(leg=leg):
                    out.append(self.media.play(leg, self.line.prompts.connecting, "connecting"))
                case h.StopPrompt(leg=leg):
                    out += self.media.stop(lambda purpose: purpose == leg)
                case h.Connect(leg=leg):
                    self._connect(leg, now, out)
                case h.StartHoldMusic():
                    out += self.media.ringback(True)
                case h.PlayHoldMessage():
                    out += self.media.ringback(False)
                    out.append(self.media.to_caller(self.line.prompts.please_hold, "hold"))
                case h.StartVoicemail():
                    self.steps.trace("nobody answered: voicemail", now, out)
                    self.voicemail = True
                case h.HangupCaller(reason="nobody_available"):
                    self.steps.trace("nobody answered", now, out)
                    out += self.media.stop(lambda purpose: purpose == "hold")
                    out += self.media.ringback(False)
                    out.append(self.media.to_caller(self.line.prompts.nobody, "nobody"))
                case h.HangupCaller() | h.Finished():
                    caller.append(command)
        return caller

    def _connect(self, leg: str, now: datetime, out: list[c.Command]) -> None:
        out += self.media.stop()            # a prompt still playing would hold the bridge
        out += self.media.ringback(False)
        self.bridge, self.bridged_leg = self.media.next_id("bridge"), leg
        out.append(c.Bridge(self.bridge, (self.call_id, leg)))
        self.connected_at = now
        person = self.engaged = self.legs[leg].target.person
        out.append(c.Engaged(person, True))
        self.steps.trace(f"bridged with {person}", now, out)

    def _caller_id(self) -> str:
        return self.team.caller_id.present(self.team.id, self.line.caller, self.line.line_number, self.caller_name)
