"""Calendar events as iCalendar (RFC 5545, the ``icalendar`` package), in the reader's language.

Used for the subscription feeds of a team or a person (``feed``), the ``.ics`` attached to
publication notices, and ``astreinte schedule --ics``. UIDs, SEQUENCE and cancellations come
from ``domain.agenda``; this module only writes them down. Pure: revisions in, bytes out.

    start, end = feed_window(config, now)
    revisions = store.calendar(start, end, person="bob")         # the store's rows (cancelled too)
    body = feed(config, revisions, person="bob")                 # text/calendar; charset=utf-8
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event

from astreinte.domain.agenda import Revision
from astreinte.domain.publication import horizon
from astreinte.i18n import texts

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.config import Config
    from astreinte.domain.rota import Person

FEED_PAST = timedelta(days=31)
FEED_MONTHS = 7            # the feed runs to the first day of the 7th month ahead: always more than 6 months
MEDIA_TYPE = "text/calendar; charset=utf-8"


def feed_window(config: Config, now: datetime) -> tuple[datetime, datetime]:
    """What a subscription shows: the last month and at least the next six."""
    return now - FEED_PAST, horizon(now, config.timezone, FEED_MONTHS)


def feed(config: Config, revisions: Iterable[Revision], *, team: str | None = None,
         person: str | None = None) -> bytes:
    """The feed of a team, a person or everyone, in the person's language (else the configuration's)."""
    lang = config.language_of(person)
    _ = texts(lang).gettext
    if person is not None:
        name = _("On call: %(name)s") % {"name": config.people[person].name if person in config.people else person}
    elif team is not None:
        name = _("On call: team %(team)s") % {"team": team}
    else:
        name = _("On call")
    chosen = [r for r in revisions if (team is None or r.event.team == team)
              and (person is None or r.event.person == person)]
    return calendar(chosen, config.people, config.timezone, name, lang)


def calendar(revisions: Iterable[Revision], people: Mapping[str, Person], zone: ZoneInfo, name: str,
             lang: str) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH, with its VTIMEZONE) of one VEVENT per revision."""
    tr = texts(lang)
    _ = tr.gettext
    cal = Calendar()
    cal.add("prodid", "-//astreinte//on-call rota//" + lang.upper())
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone.key)
    revisions = list(revisions)
    for revision in revisions:
        item = revision.event
        person = people.get(item.person)
        who = person.name if person is not None else item.person
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", revision.stamp.astimezone(UTC))
        event.add("last-modified", revision.stamp.astimezone(UTC))
        event.add("sequence", revision.sequence)
        event.add("status", "CANCELLED" if revision.cancelled else "CONFIRMED")
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
        summary = _("On call %(team)s, level %(level)d (%(layer)s): %(name)s") % {
            "team": item.team, "level": item.level, "layer": item.layer, "name": who}
        if item.override_id:
            summary += " " + _("[replacement]")
        event.add("summary", summary)
        lines = [_("Level %(level)d of team %(team)s, from %(start)s to %(end)s") % {
            "level": item.level, "team": item.team, "start": tr.instant(item.start, zone),
            "end": tr.instant(item.end, zone)}]
        if person is not None:
            lines.append(_("Phones: %(phones)s") % {"phones": ", ".join(person.phones)})
        if item.override_id:
            lines.append(_("Replacement: %(reason)s") % {"reason": item.reason or _("no reason given")})
        if revision.cancelled:
            lines.append(_("Cancelled: this time is no longer on call for %(name)s.") % {"name": who})
        event.add("description", "\n".join(lines))
        event.add("categories", ["astreinte", item.team])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    if revisions:   # a VTIMEZONE covering just the exported period (DST rules included)
        first = min(r.event.start for r in revisions).astimezone(zone).date() - timedelta(days=1)
        last = max(r.event.end for r in revisions).astimezone(zone).date() + timedelta(days=1)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return bytes(cal.to_ical())

