"""What a call to the service line (the number the people on call dial) knows when it arrives, and the
events and commands only it has. Pure.

    ServiceLine: who the caller is (a managed softphone, a mobile to confirm with a PIN, or nobody known),
                 their teams, the schedule, the announcements live at arrival, the settings
    commands:    Say (sentences and media, rendered by the runtime), CheckPin, TakeOnCall, SaveAnnouncement,
                 ClearAnnouncement, ListMessages, AcknowledgeMessage, DeclareIntervention
    events:      PinChecked, TakeDone, AnnouncementDone, MessagesListed, AckDone, InterventionDone,
                 ServiceFailed (a store operation failed), plus the call events of ``events.py``
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from astreinte.domain.rota import Person, Team
    from astreinte.domain.schedule import Schedule



@dataclass(frozen=True)
class Digits:
    """A phone number to read out digit by digit (``06 11 22 33 44``)."""

    text: str


Spoken = str | int | datetime | Digits  # a value of a sentence: a name, a count, an instant, a number
Identified = Literal["softphone", "mobile", "unknown"]


@dataclass(frozen=True)
class Sentence:
    """One sentence to say: ``text`` is an English gettext ``msgid`` (``service_text``), ``values`` its
    ``%(name)s`` placeholders; the runtime translates it into the person's language and renders it."""

    text: str
    values: tuple[tuple[str, Spoken], ...] = ()


@dataclass(frozen=True)
class ServiceSettings:
    """The ``service:`` block."""

    numbers: tuple[str, ...] = ()           # reached from mobiles (canonical), through the on-call trunk
    extension: str | None = None            # dialed from the managed softphones (``*88``)
    announcement_hours: float = 2.0         # how long callers hear an announcement recorded by phone
    announcement_max: int = 60              # seconds of recording
    longest_take: int = 24                  # hours "take the on-call" may last at most
    pin_tries: int = 3


@dataclass(frozen=True)
class Announcement:
    """What the callers of ``team`` hear after the greeting until ``until``."""

    team: str
    media: str                              # ARI media (``recording:NAME``)
    until: datetime
    by: str = ""


@dataclass(frozen=True)
class ServiceTimings:
    digit_wait: float = 8.0                 # after a prompt, for a key
    asks: int = 3                           # a question is asked this many times at most
    prompt_margin: float = 90.0             # a prompt may play this long before its end is given up on
    recording_margin: float = 15.0


@dataclass(frozen=True)
class ServiceLine:
    call_id: str
    caller: str                             # the caller's number made safe ("" withheld or a softphone)
    person: Person | None                   # who the channel (softphone) or the number (mobile) says it is
    how: Identified
    teams: tuple[Team, ...]                 # the teams the person is on
    schedule: Schedule
    settings: ServiceSettings = field(default_factory=ServiceSettings)
    announcements: Mapping[str, Announcement] = field(default_factory=dict)   # team -> live at arrival
    timings: ServiceTimings = field(default_factory=ServiceTimings)
    max_call_duration: float = 3600.0
    language: str | None = None             # of what the person hears (theirs, else the configuration's)
    beep: str = "sound:beep"


# ── commands ─────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Say:
    """Play ``parts`` in order as one playback: each sentence rendered in ``language``, media as they are."""

    channel: str
    playback: str
    parts: tuple[Sentence | str, ...]
    language: str | None


@dataclass(frozen=True)
class CheckPin:
    person: str
    pin: str


@dataclass(frozen=True)
class TakeOnCall:
    """An override: ``person`` holds ``team``/``layer`` during [start, end), published and told."""

    team: str
    layer: str
    person: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SaveAnnouncement:
    announcement: Announcement
    name: str                               # the recording's name
    duration: float | None


@dataclass(frozen=True)
class ClearAnnouncement:
    team: str
    person: str


@dataclass(frozen=True)
class ListMessages:
    teams: tuple[str, ...]


@dataclass(frozen=True)
class AcknowledgeMessage:
    message: int
    person: str
    phone: str


@dataclass(frozen=True)
class DeclareIntervention:
    person: str
    start: datetime
    end: datetime
    on_site: bool
    travel_minutes: int = 0      # to the site and back (on site only)


ServiceAction = CheckPin | TakeOnCall | SaveAnnouncement | ClearAnnouncement | ListMessages | AcknowledgeMessage \
    | DeclareIntervention


# ── events ───────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class PinChecked:
    ok: bool
    known: bool = True                      # False: the person has no PIN


@dataclass(frozen=True)
class TakeDone:
    refused: Sentence | None                # None: taken
    end: datetime | None = None


@dataclass(frozen=True)
class AnnouncementDone:
    team: str
    announcement: Announcement | None       # None: cleared


@dataclass(frozen=True)
class Pending:
    """A message not yet acknowledged, as the store holds it."""

    id: int
    team: str
    caller: str
    recorded_at: datetime
    media: str | None


@dataclass(frozen=True)
class MessagesListed:
    items: tuple[Pending, ...]


@dataclass(frozen=True)
class AckDone:
    first: bool


@dataclass(frozen=True)
class InterventionDone:
    number: int


@dataclass(frozen=True)
class ServiceFailed:
    command: ServiceAction
    error: str


ServiceReply = PinChecked | TakeDone | AnnouncementDone | MessagesListed | AckDone | InterventionDone | ServiceFailed
