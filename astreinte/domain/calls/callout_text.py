"""What the callee hears on a callout: French speech, like every prompt (``runtime/prompts.py``), with
``%(name)s`` placeholders (the gettext style) should prompts move into the catalogs; what the e-mails
and webhooks say is in the catalogs already (``notices.message``). Pure: ``now`` and the zone are given.

    intro(message, zone, now)   "Message d'astreinte pour l'équipe support. Le 06 11 22 33 44 a appelé..."

``MessageFacts`` and ``StateFacts`` are what both say about a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# ── what the callee hears ────────────────────────────────────────────────────

INTRO = "Message d'astreinte pour l'équipe %(team)s. %(who)s a appelé %(when)s et a laissé un message%(length)s. " \
        "Appuyez sur 1 pour l'écouter."
INTRO_NO_AUDIO = "Message d'astreinte pour l'équipe %(team)s. %(who)s a appelé %(when)s ; " \
                 "son message n'a pas pu être enregistré. Appuyez sur 1 pour continuer."
WHO_NUMBER = "Le %(number)s"
WHO_WITHHELD = "Un correspondant au numéro masqué"
LENGTH = " de %(length)s"
MENU = "Appuyez sur 1 pour acquitter ce message, sur 2 pour rappeler le correspondant, sur 3 pour le réécouter."
ACKNOWLEDGED = "Message acquitté. Merci, au revoir."
ACKNOWLEDGED_ELSEWHERE = "Ce message vient d'être acquitté par un collègue. Au revoir."
CALLING_BACK = "Nous appelons le correspondant. Restez en ligne."
CALLBACK_FAILED = "Le correspondant ne répond pas."
NO_NUMBER = "Le numéro du correspondant est masqué : le rappel est impossible."
NOT_ACKNOWLEDGED = "Ce message n'est pas acquitté : nous vous rappellerons. Au revoir."
CALLER_ID_NAME = "Message %(team)s"           # what the callee's phone shows

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


@dataclass(frozen=True)
class MessageFacts:
    """What the sentences say about one message (the store's row, or the callout's snapshot)."""

    team: str
    caller: str                     # digits and +; "" when withheld
    number: str                     # the on-call line it came on
    recorded_at: datetime
    duration: float | None
    path: str | None = None         # the recording, where the daemon reads it
    mailbox: str | None = None      # a PBX voicemail box holding it instead
    tier: str | None = None         # the PBX tier that took it (None: the daemon)


@dataclass(frozen=True)
class StateFacts:
    state: str                      # new, calling, heard, acknowledged, expired
    heard_by: str | None = None
    heard_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_how: str | None = None
    acknowledged_at: datetime | None = None
    rounds: int = 0


def spoken_number(number: str) -> str:
    """``0611223344`` -> ``06 11 22 33 44``: read as pairs, the French way (digits only reach here)."""
    digits = number.lstrip("+")
    return ("plus " if number.startswith("+") else "") + " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def spoken_time(moment: datetime) -> str:
    """``3 heures 14``, ``midi``, ``minuit 5``: what the speech engine reads right."""
    hour = {0: "minuit", 12: "midi"}.get(moment.hour, f"{moment.hour} heure{'s' * (moment.hour > 1)}")
    return hour + (f" {moment.minute}" if moment.minute else "")


def spoken_when(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """``aujourd'hui à 3 heures 14``, ``hier à 23 heures``, ``le samedi 7 novembre à 9 heures``."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    at = spoken_time(local)
    if local.date() == today:
        return f"aujourd'hui à {at}"
    if local.date() == today - timedelta(days=1):
        return f"hier à {at}"
    return f"le {DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} à {at}"


def length(seconds: float | None) -> str:
    """``42 secondes``, ``1 minute 5 secondes``, ``2 minutes``."""
    if seconds is None:
        return ""
    total = max(1, round(seconds))
    minutes, rest = divmod(total, 60)
    parts = ([f"{minutes} minute{'s' * (minutes > 1)}"] if minutes else []) + \
        ([f"{rest} seconde{'s' * (rest > 1)}"] if rest else [])
    return " ".join(parts)


def intro(message: MessageFacts, zone: ZoneInfo, now: datetime, *, audio: bool) -> str:
    who = WHO_NUMBER % {"number": spoken_number(message.caller)} if message.caller else WHO_WITHHELD
    spoken = length(message.duration)
    values = {"team": message.team, "who": who, "when": spoken_when(message.recorded_at, zone, now),
              "length": LENGTH % {"length": spoken} if spoken else ""}
    return (INTRO if audio else INTRO_NO_AUDIO) % values
