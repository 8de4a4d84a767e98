"""Parsers for the configuration's scalar values; each returns the clean value or raises ValueError.

Anything that may end up in a dialplan, a PJSIP file or an AMI/ARI request goes through an
allow-list (``TECH/resource``, digits, identifiers), so ``,;&|()``, newlines, ``${`` and
control characters never get through. Messages quote the offending value, truncated, but
never a secret.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from astreinte.config import numbers
from astreinte.domain.hours import DAY_NAMES, parse_instant, parse_minutes

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
TECH_RESOURCE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}/[A-Za-z0-9_.@:+/-]{1,120}\Z")
PHONE_NUMBER = re.compile(r"\+?[0-9]{2,20}\Z")
SOUND = re.compile(r"sound:([A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64}){0,4})\Z")
HOSTNAME = re.compile(r"[A-Za-z0-9.:_-]{1,253}\Z")
URL = re.compile(r"https?://[A-Za-z0-9.:_\[\]-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?\Z")
EVERY = re.compile(r"([0-9]{1,4})\s*(day|days|week|weeks)\Z")
DURATION = re.compile(r"([0-9]{1,5}(?:\.[0-9]+)?)\s*(s|sec|m|min)?\Z")
NUMBER_SEPARATORS = re.compile(r"[ .\-]")


def shown(text: str, limit: int = 40) -> str:
    """A value quoted for an error message: escaped, and cut when long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def free_text(text: str, *, limit: int) -> str:
    """Text shown or spoken (names, greetings, reasons): printable, no ``${``, bounded."""
    if len(text) > limit:
        raise ValueError(f"too long ({len(text)} characters, at most {limit})")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must not contain newlines or control characters")
    if "${" in text:
        raise ValueError("must not contain '${'")
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def secret(text: str) -> str:
    """A password: anything printable on one line (the value itself is never echoed)."""
    if not text:
        raise ValueError("must not be empty")
    if len(text) > 256 or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must be one line of at most 256 printable characters")
    return text


def identifier(text: str) -> str:
    if not IDENTIFIER.match(text):
        raise ValueError(f"expected letters, digits, '_', '-' or '.' (at most 64), got {shown(text)}")
    return text


def phone(text: str, region: str = numbers.DEFAULT_COUNTRY) -> str:
    """``TECH/resource`` (``PJSIP/alice``) or a phone number, normalised to E.164.

    ``06 12 34 56 78``, ``0033 6 12 34 56 78`` and ``+33.6.12.34.56.78`` all give
    ``+33612345678`` (national forms are read in ``region``); short numbers of at most
    six digits (``1000``, ``15``) are internal extensions and stay as written
    (``astreinte.config.numbers`` owns these rules).
    """
    if TECH_RESOURCE.match(text):
        return text
    compact = NUMBER_SEPARATORS.sub("", text)
    if not PHONE_NUMBER.match(compact) or len(text) > 40:
        raise ValueError(
            f"expected TECH/resource (e.g. PJSIP/alice) or a phone number (e.g. +33611223344), got {shown(text)}"
        )
    return numbers.NumberPlan(region).strict(compact)


def dial_template(text: str) -> str:
    """``PJSIP/{number}@trunk-out`` or ``Local/{national}@from-internal/n``: a TECH/resource holding
    one of ``{number}`` (E.164), ``{national}`` (as dialed in the country), ``{digits}`` once."""
    numbers.dial_template(text)
    if not TECH_RESOURCE.match(re.sub(r"\{[a-z]+\}", "0", text)):
        raise ValueError(
            f"expected TECH/resource with {{number}}, e.g. PJSIP/{{number}}@trunk, got {shown(text)}"
        )
    return text


def greeting(text: str) -> str:
    """Spoken text, or ``sound:NAME`` (a prompt Asterisk already has)."""
    if text.startswith("sound:"):
        if not SOUND.match(text) or ".." in text:
            raise ValueError(f"expected sound:NAME (letters, digits, '_', '-', '/'), got {shown(text)}")
        return text
    return free_text(text, limit=1000)


def hostname(text: str) -> str:
    if not HOSTNAME.match(text):
        raise ValueError(f"expected a host name or address, got {shown(text)}")
    return text


def url(text: str) -> str:
    if not URL.match(text):
        raise ValueError(f"expected http://HOST:PORT, got {shown(text)}")
    return text.rstrip("/")


def asterisk_path(text: str) -> str:
    if not re.fullmatch(r"/[A-Za-z0-9_./-]{0,255}", text) or ".." in text:
        raise ValueError(
            f"expected an absolute path of letters, digits, '_', '-', '.', '/', got {shown(text)}"
        )
    return text.rstrip("/") or "/"


def duration(text: str) -> float:
    """``20s``, ``1m``, ``1.5m`` or a bare number of seconds."""
    found = DURATION.fullmatch(text.strip())
    if not found:
        raise ValueError(f"expected a duration such as 20s, 1m or 20, got {shown(text)}")
    seconds = float(found.group(1)) * (60 if found.group(2) in ("m", "min") else 1)
    if not 0 < seconds <= 3600:
        raise ValueError("expected a duration between 1s and 1h")
    return seconds


def interval_or_off(text: str) -> float | None:
    """A duration as for ``duration``, or ``0`` (``0s``, ``0m``): None, the thing is turned off."""
    found = DURATION.fullmatch(text.strip())
    if found and float(found.group(1)) == 0:
        return None
    return duration(text)


def every(text: str) -> tuple[int, bool]:
    """``1 week`` -> (7, True); ``3 days`` -> (3, False)."""
    found = EVERY.fullmatch(text.strip())
    if not found or int(found.group(1)) == 0:
        raise ValueError(f"expected N day(s) or N week(s), e.g. 1 week, got {shown(text)}")
    weekly = found.group(2).startswith("week")
    return int(found.group(1)) * (7 if weekly else 1), weekly


def handoff(text: str) -> tuple[int | None, time]:
    """``monday 09:00`` -> (0, 09:00); ``09:00`` -> (None, 09:00)."""
    parts = text.strip().split()
    weekday: int | None = None
    if len(parts) == 2 and parts[0].lower() in DAY_NAMES:
        weekday = DAY_NAMES.index(parts[0].lower())
        parts = parts[1:]
    if len(parts) != 1:
        raise ValueError(f"expected HH:MM or WEEKDAY HH:MM, e.g. monday 09:00, got {shown(text)}")
    minutes = parse_minutes(parts[0])
    return weekday, time(minutes // 60, minutes % 60)


def day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {shown(text)}") from None


def instant(text: str, zone: ZoneInfo) -> datetime:
    """ISO-8601 date or date-time; without an offset it is local time in ``zone``."""
    return parse_instant(text, zone)


def timezone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ValueError, LookupError, OSError):
        raise ValueError(f"unknown time zone {shown(text)} (expected e.g. Europe/Paris)") from None



def email_address(text: str) -> str:
    text = text.strip()
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or "@" in domain or any(c in text for c in " ,;<>\r\n\"'"):
        raise ValueError(f"expected an e-mail address like ops@example.com, got {shown(text)}")
    return text
