"""Reading the fields of a posted form, with the errors the configuration's checkers give."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from multidict import MultiDictProxy

from astreinte.config.actions import ActionError
from astreinte.domain.hours import parse_instant

FIELD_LIMIT = 300


def text(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise ActionError(name, "expected text")
    if len(value) > FIELD_LIMIT:
        raise ActionError(name, f"too long (at most {FIELD_LIMIT} characters)")
    return value.strip()


def instant(form: MultiDictProxy[Any], name: str, zone: ZoneInfo) -> datetime:
    """A ``datetime-local`` field (``2026-11-11T18:00``), local time in ``zone``."""
    value = text(form, name)
    if not value:
        raise ActionError(name, "required")
    try:
        return parse_instant(value, zone)
    except ValueError as exc:
        raise ActionError(name, str(exc)) from None


def local_input(moment: datetime, zone: ZoneInfo) -> str:
    """The value of a ``datetime-local`` field."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
