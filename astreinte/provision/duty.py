"""Who is on call now or takes over at the next hand-off, the state of their softphones, and
what they are told (the hand-off reminder, the offline-softphone alert: French by default).

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
from astreinte.i18n import DEFAULT_LANGUAGE, texts
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


def state_name(state: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """ARI's endpoint state (or ``missing``) in words."""
    _ = texts(lang).gettext
    names = {"online": _("online"), "offline": _("offline"), "unknown": _("unknown"), "missing": _("not loaded")}
    return names.get(state, state)


def describe_states(states: Iterable[PhoneState], lang: str = DEFAULT_LANGUAGE) -> str:
    listed = ", ".join(f"{s.phone.phone} {state_name(s.state, lang)}" for s in states)
    return listed or texts(lang).gettext("no managed softphone")


def alert_text(alert: Alert, zone: ZoneInfo, lang: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """(subject, body) of the warning about a softphone that is down (French unless ``lang`` says)."""
    tr = texts(lang)
    _ = tr.gettext
    shift, person = alert.duty.shift, alert.duty.shift.person
    facts = {"name": person.name, "id": person.id, "phone": alert.phone.phone.phone,
             "state": state_name(alert.phone.state, lang),
             "team": shift.team, "layer": shift.layer, "start": tr.short_instant(shift.start, zone),
             "end": tr.short_instant(shift.end, zone)}
    if alert.duty.current:
        subject = _("astreinte: %(name)s's softphone %(phone)s is %(state)s (on call now)") % facts
        first = _("%(name)s (%(id)s) is on call now for %(team)s/%(layer)s until %(end)s.") % facts
    else:
        subject = _("astreinte: %(name)s's softphone %(phone)s is %(state)s (on call from %(start)s)") % facts
        first = _("%(name)s (%(id)s) is on call from %(start)s for %(team)s/%(layer)s until %(end)s.") % facts
    others = [p for p in person.phones if p != alert.phone.phone.phone]
    body = "\n".join([
        first,
        _("Their softphone %(phone)s is %(state)s: calls skip it without ringing.") % facts,
        _("Other phones still rung: %(phones)s.") % {"phones": ", ".join(others)} if others
        else _("They have no other phone."),
        _("Open the softphone (Zoiper) and check it is registered; `astreinte phones status` shows it."),
    ]) + "\n"
    return subject, body


def reminder_text(duty: Duty, states: Iterable[PhoneState], zone: ZoneInfo,
                  lang: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """(subject, body) of the reminder sent before a hand-off to the incoming person."""
    tr = texts(lang)
    _ = tr.gettext
    shift = duty.shift
    states = list(states)
    facts = {"name": shift.person.name, "team": shift.team, "layer": shift.layer, "level": shift.level,
             "start": tr.instant(shift.start, zone), "end": tr.instant(shift.end, zone),
             "when": tr.short_instant(shift.start, zone)}
    subject = _("astreinte: you are on call for %(team)s from %(when)s") % facts
    lines = [_("Hello %(name)s,") % facts, "",
             _("You take over %(team)s/%(layer)s (level %(level)d) from %(start)s to %(end)s.") % facts,
             _("Your phones: %(phones)s.") % {"phones": ", ".join(shift.person.phones)},
             _("Softphones: %(states)s.") % {"states": describe_states(states, lang)}]
    if any(s.down for s in states):
        lines.append(_("Warning: a softphone is not registered: open Zoiper before your shift starts."))
    return subject, "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Reminder:
    """Tell ``duty``'s person their shift is coming, with the state of their softphones."""

    duty: Duty
    phones: tuple[PhoneState, ...]


def log_line(item: Alert | Reminder, zone: ZoneInfo) -> str:
    """What the daemon logs of an alert or a reminder: its subject in English (logs stay English)."""
    if isinstance(item, Alert):
        return alert_text(item, zone, "en")[0]
    return reminder_text(item.duty, item.phones, zone, "en")[0]


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
