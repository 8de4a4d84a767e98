"""Who is on call now or takes over at the next hand-off, and the state of their softphones.

``phone_states`` maps ``PJSIP/erin`` to ARI's endpoint state (``online``, ``offline``,
``unknown``); a managed phone missing from it is not loaded in Asterisk at all (``missing``:
``astreinte phones write --reload`` was not run). A softphone is *down* when it is
``offline`` or ``missing``: the hunt skips an offline phone without ringing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from astreinte.domain.schedule import Schedule, Shift
from astreinte.provision.pjsip import Softphone

DOWN = frozenset({"offline", "missing"})
HORIZON = timedelta(days=62)


@dataclass(frozen=True)
class PhoneState:
    phone: Softphone
    state: str                       # online | offline | unknown | missing

    @property
    def down(self) -> bool:
        return self.state in DOWN


@dataclass(frozen=True)
class Duty:
    """A shift someone holds now (``current``) or takes at the layer's next hand-off."""

    shift: Shift
    current: bool

    @property
    def person(self) -> str:
        return self.shift.person.id

    @property
    def key(self) -> tuple[str, str, str, float]:
        return (self.shift.team, self.shift.layer, self.person, self.shift.start.timestamp())


@dataclass(frozen=True)
class Alert:
    """An on-call person (now or next) whose softphone is down."""

    duty: Duty
    phone: PhoneState


def states_of(phones: Iterable[Softphone], states: Mapping[str, str]) -> dict[str, list[PhoneState]]:
    """Each person's managed phones with their state."""
    out: dict[str, list[PhoneState]] = {}
    for phone in phones:
        out.setdefault(phone.person, []).append(PhoneState(phone, states.get(phone.phone, "missing")))
    return out


def duties(schedule: Schedule, teams: Iterable[str], now: datetime, horizon: timedelta = HORIZON) -> list[Duty]:
    """Per team and layer: who holds it at ``now``, and the next different person to hold it."""
    out: list[Duty] = []
    for team in teams:
        by_layer: dict[str, list[Shift]] = {}
        for shift in schedule.shifts(team, now, now + horizon):
            by_layer.setdefault(shift.layer, []).append(shift)
        for shifts in by_layer.values():
            shifts.sort(key=lambda s: s.start.timestamp())
            current = next((s for s in shifts if s.start.timestamp() <= now.timestamp() < s.end.timestamp()), None)
            if current is not None:
                out.append(Duty(current, True))
            holder = current.person.id if current is not None else None
            upcoming = next((s for s in shifts if s.start.timestamp() > now.timestamp() and s.person.id != holder),
                            None)
            if upcoming is not None:
                out.append(Duty(upcoming, False))
    return out


def alerts(duties_: Iterable[Duty], phones: Mapping[str, list[PhoneState]],
           next_only_before: datetime | None = None) -> list[Alert]:
    """Down softphones of people on call now, or next (only hand-offs before ``next_only_before`` if given)."""
    out: list[Alert] = []
    seen: set[tuple[str, str, bool]] = set()
    for duty in duties_:
        if not duty.current and next_only_before is not None and duty.shift.start >= next_only_before:
            continue
        for state in phones.get(duty.person, []):
            key = (duty.person, state.phone.phone, duty.current)
            if state.down and key not in seen:
                seen.add(key)
                out.append(Alert(duty, state))
    return out


def reminders_due(duties_: Iterable[Duty], now: datetime, before: timedelta) -> list[Duty]:
    """Upcoming shifts starting within ``before`` of ``now``: their person gets a reminder."""
    limit = now.timestamp() + before.total_seconds()
    return [d for d in duties_ if not d.current and d.shift.start.timestamp() <= limit]


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M")


def describe_states(states: Iterable[PhoneState]) -> str:
    return ", ".join(f"{s.phone.phone} {s.state}" for s in states) or "no managed softphone"


def alert_text(alert: Alert, zone: ZoneInfo) -> tuple[str, str]:
    """(subject, body) of the warning about a softphone that is down."""
    shift, person = alert.duty.shift, alert.duty.shift.person
    when = "on call now" if alert.duty.current else f"on call from {_when(shift.start, zone)}"
    subject = f"astreinte: {person.name}'s softphone {alert.phone.phone.phone} is {alert.phone.state} ({when})"
    others = [p for p in person.phones if p != alert.phone.phone.phone]
    body = (f"{person.name} ({person.id}) is {when} for {shift.team}/{shift.layer} until {_when(shift.end, zone)}.\n"
            f"Their softphone {alert.phone.phone.phone} is {alert.phone.state}: calls skip it without ringing.\n"
            + (f"Other phones still rung: {', '.join(others)}.\n" if others else "They have no other phone.\n")
            + "Open the softphone (Zoiper) and check it is registered; `astreinte phones status` shows it.\n")
    return subject, body


def reminder_text(duty: Duty, states: Iterable[PhoneState], zone: ZoneInfo) -> tuple[str, str]:
    """(subject, body) of the reminder sent before a hand-off to the incoming person."""
    shift = duty.shift
    states = list(states)
    subject = f"astreinte: you are on call for {shift.team} from {_when(shift.start, zone)}"
    body = (f"Hello {shift.person.name},\n\n"
            f"You take over {shift.team}/{shift.layer} (level {shift.level}) "
            f"from {_when(shift.start, zone)} to {_when(shift.end, zone)}.\n"
            f"Your phones: {', '.join(shift.person.phones)}.\n"
            f"Softphones: {describe_states(states)}.\n")
    if any(s.down for s in states):
        body += "Warning: a softphone is not registered: open Zoiper before your shift starts.\n"
    return subject, body


@dataclass(frozen=True)
class Reminder:
    """Tell ``duty``'s person their shift is coming, with the state of their softphones."""

    duty: Duty
    phones: tuple[PhoneState, ...]


class Watcher:
    """The daemon's phone watch as a pure state machine: ``step(...)`` returns what to tell people.

    An alert goes out once per offline episode (a phone down for ``warn_after``, its person on
    call now or taking over within ``remind_before``); it may go out again after the phone came
    back. A reminder goes out once per upcoming shift, ``remind_before`` ahead of it.
    """

    def __init__(self) -> None:
        self.down_since: dict[str, datetime] = {}
        self.alerted: set[tuple[str, str, bool]] = set()
        self.reminded: set[tuple[str, str, str, float]] = set()

    def step(self, now: datetime, duties_: list[Duty], phones: Mapping[str, list[PhoneState]],
             remind_before: timedelta, warn_after: timedelta) -> list[Alert | Reminder]:
        out: list[Alert | Reminder] = []
        for states in phones.values():
            for state in states:
                if state.down:
                    self.down_since.setdefault(state.phone.phone, now)
                elif self.down_since.pop(state.phone.phone, None) is not None:
                    self.alerted = {key for key in self.alerted if key[1] != state.phone.phone}
        for alert in alerts(duties_, phones, next_only_before=now + remind_before):
            key = (alert.duty.person, alert.phone.phone.phone, alert.duty.current)
            since = self.down_since.get(alert.phone.phone.phone, now)
            if key not in self.alerted and now - since >= warn_after:
                self.alerted.add(key)
                out.append(alert)
        for duty in reminders_due(duties_, now, remind_before):
            if duty.key not in self.reminded:
                self.reminded.add(duty.key)
                out.append(Reminder(duty, tuple(phones.get(duty.person, []))))
        return out
