"""The notice a publication sends each person whose on-call time changed (Code du travail R3121-3).

It says what was added to and removed from their schedule, flags the time that starts less
than ``legal.notice_days`` after the publication (short notice, L3121-12 2°) with the reason
given, and carries as an ``.ics`` (the same UIDs as the subscription feed) their shifts of the
notice period and every event the changes touched, cancelled ones included. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from astreinte.domain.agenda import Revision
from astreinte.domain.publication import Change
from astreinte.i18n import texts
from astreinte.report.ics import calendar

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.config import Config

LISTED = 12          # changes spelled out per kind; the rest are counted (they are all in the .ics)
KIND = "publication"


class PublicationLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def reason(self) -> str: ...
    @property
    def changes(self) -> tuple[Change, ...]: ...


@dataclass(frozen=True)
class PersonNotice:
    """One person's notice of one publication."""

    person: str
    lang: str
    subject: str
    body: str
    filename: str
    ics: bytes
    short_notice: bool
    changes: tuple[Change, ...]

    def data(self, zone: ZoneInfo) -> dict[str, Any]:
        """What the webhook receives besides the text (machine-readable)."""
        return {"person": self.person, "short_notice": self.short_notice,
                "changes": [{"kind": c.kind, "team": c.team, "layer": c.layer,
                             "start": c.start.astimezone(zone).isoformat(timespec="seconds"),
                             "end": c.end.astimezone(zone).isoformat(timespec="seconds")} for c in self.changes]}


def by_person(changes: Iterable[Change]) -> dict[str, list[Change]]:
    grouped: dict[str, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.person, []).append(change)
    return dict(sorted(grouped.items()))


def attachment_window(config: Config, at: datetime, changes: Sequence[Change]) -> tuple[datetime, datetime]:
    """From the publication to the end of the notice period, or of the person's last change if later."""
    end = max([at + timedelta(days=config.legal.notice_days), *(c.end for c in changes)],
              key=lambda moment: moment.timestamp())
    return at, end


def attached(config: Config, at: datetime, changes: Sequence[Change], revisions: Iterable[Revision]) -> list[Revision]:
    """The events of the attachment: those of the notice period, and those the changes touched."""
    spans = [(at.timestamp(), at.timestamp() + config.legal.notice_days * 86400),
             *((c.start.timestamp(), c.end.timestamp()) for c in changes)]
    return [r for r in revisions
            if any(r.event.start.timestamp() < hi and r.event.end.timestamp() > lo for lo, hi in spans)]


def short_notice(config: Config, at: datetime, changes: Iterable[Change]) -> list[Change]:
    """On-call time added that starts less than ``notice_days`` after the publication."""
    limit = (at + timedelta(days=config.legal.notice_days)).timestamp()
    return [c for c in changes if c.kind == "added" and c.start.timestamp() < limit]


def person_notice(config: Config, publication: PublicationLike, person: str, changes: Sequence[Change],
                  revisions: Iterable[Revision]) -> PersonNotice:
    """The notice for ``person`` of their ``changes`` in ``publication``; ``revisions``: their calendar
    events of the attachment window, as published (cancelled ones too)."""
    lang = config.language_of(person)
    tr = texts(lang)
    _ = tr.gettext
    zone = config.timezone
    entry = config.people.get(person)
    name = entry.name if entry is not None else person
    hurried = short_notice(config, publication.at, changes)
    facts = {"name": name, "number": publication.id, "when": tr.instant(publication.at, zone)}
    if hurried:
        subject = _("[astreinte] Short notice: your on-call schedule changes, %(name)s") % facts
    else:
        subject = _("[astreinte] Your on-call schedule changes, %(name)s") % facts
    lines = [_("Hello %(name)s,") % facts, "",
             _("Your on-call schedule has changed (publication no. %(number)d of %(when)s).") % facts]
    for kind, title in (("added", _("Added to your on-call time:")), ("removed", _("Removed from your on-call time:"))):
        mine = [c for c in changes if c.kind == kind]
        if not mine:
            continue
        lines += ["", title]
        for change in mine[:LISTED]:
            lines.append("  - " + _("%(team)s, %(layer)s: from %(start)s to %(end)s") % {
                "team": change.team, "layer": change.layer, "start": tr.instant(change.start, zone),
                "end": tr.instant(change.end, zone)})
        if len(mine) > LISTED:
            rest = len(mine) - LISTED
            lines.append("  " + tr.ngettext("and %(count)d more stretch, in the attached calendar.",
                                            "and %(count)d more stretches, in the attached calendar.", rest)
                         % {"count": rest})
    if hurried:
        first = min(hurried, key=lambda c: c.start.timestamp())
        lines += ["", _("Short notice: on-call time from %(start)s was published less than %(days)d days "
                        "ahead, the notice the law asks for (Code du travail L3121-12).") % {
                      "start": tr.instant(first.start, zone), "days": config.legal.notice_days},
                  _("Reason: %(reason)s") % {"reason": publication.reason or _("no reason given")}]
    filename = f"astreinte-{person}.ics"
    if entry is not None and entry.email is None and config.notifications.email is not None:
        lines += ["", _("You receive this notice because %(name)s has no e-mail address in the configuration "
                        "(people.%(id)s.email): please pass it on.") % {"name": name, "id": person}]
    lines += ["", _("Your on-call shifts of the next %(days)d days and those that changed are in the attached "
                    "file %(file)s: open it to add them to your calendar.") % {
                        "days": config.legal.notice_days, "file": filename},
              "", _("This notice was sent by astreinte; the publication log keeps the date it was sent.")]
    title = _("On call: %(name)s") % {"name": name}
    ics = calendar(attached(config, publication.at, changes, revisions), config.people, zone, title, lang)
    return PersonNotice(person, lang, subject, "\n".join(lines) + "\n", filename, ics, bool(hurried),
                        tuple(changes))


def notices(config: Config, publication: PublicationLike,
            revisions: Mapping[str, Sequence[Revision]]) -> list[PersonNotice]:
    """One notice per person whose on-call time changed; ``revisions``: person -> their events."""
    return [person_notice(config, publication, person, changes, revisions.get(person, ()))
            for person, changes in by_person(publication.changes).items()]
