"""Planning: a month of a team, overrides and holidays marked, legal findings flagged; the actions
that change the rota, each with ``astreinte override add|remove``'s checks, publication and notices.

- a manager adds an override for anyone and removes one;
- an employee proposes a swap of a stretch of their own shift to a colleague; it becomes an
  override only when that colleague accepts it from their own session (their consent is the
  acceptance, recorded with the override in one transaction); the colleague may decline, the
  employee withdraw.
"""

from __future__ import annotations

import calendar as months
import logging
import re
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from aiohttp import web

from astreinte.adapters.publication_notices import notify_publication
from astreinte.config.actions import ActionError, checked_override, checked_reason
from astreinte.domain.errors import StoreError
from astreinte.i18n import texts
from astreinte.web.console import CONSOLE
from astreinte.web.forms import instant, local_input, text
from astreinte.web.render import language, render
from astreinte.web.security import manager, signed_in

if TYPE_CHECKING:
    from astreinte.adapters.store import Publication, Store
    from astreinte.adapters.store.accounts import Accounts, Swap
    from astreinte.config import Config
    from astreinte.domain.legal import Finding
    from astreinte.domain.schedule import Schedule
    from astreinte.web.console import Console

log = logging.getLogger("astreinte.web")
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")


@cache
def holiday_names(country: str | None, subdivision: str | None, year: int, lang: str) -> dict[date, str]:
    """The public holidays of a year named in the reader's language (``holidays`` translates them)."""
    if country is None:
        return {}
    import holidays

    wanted = {"fr": "fr", "en": "en_US"}.get(lang, lang)
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    language = wanted if wanted in (getattr(calendar, "supported_languages", ()) or ()) else None
    named = holidays.country_holidays(country, subdiv=subdivision, years=year, language=language)
    return {day: str(name) for day, name in named.items() if day.year == year}


def month_of(request: web.Request, now: datetime) -> tuple[int, int]:
    found = MONTH.match(request.query.get("month", ""))
    return (int(found.group(1)), int(found.group(2))) if found else (now.year, now.month)


async def findings(console: Console, config: Config, schedule: Schedule, start: datetime,
                   end: datetime) -> list[Finding]:
    """The legal findings of the period (``astreinte check legal``'s), from what the store knows."""
    from astreinte.report import facts

    since = start - facts.LOOKBACK

    def read(store: Store) -> tuple[list[Any], list[Any]]:
        rows = [r for r in store.calls(since) if datetime.fromisoformat(r["started_at"]) < end]
        declared = store.interventions(since, end + facts.MARGIN)
        return facts.published(store.publications()), [*declared, *facts.from_calls(rows)]

    log_, interventions = await console.store.run(read)
    return facts.findings(config, schedule, log_, interventions, start, end)


async def planning(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    from astreinte.web.pages import schedule_now

    console = request.app[CONSOLE]
    config, schedule, now = await schedule_now(console)
    team = request.query.get("team") or next(iter(config.teams))
    if team not in config.teams:
        raise web.HTTPNotFound(text="404 Not Found: no such team\n")
    year, month = month_of(request, now)
    zone = config.timezone
    first = datetime(year, month, 1, tzinfo=zone)
    count = months.monthrange(year, month)[1]
    after = datetime.combine(date(year, month, count) + timedelta(days=1), time(), tzinfo=zone)
    pieces = schedule.shifts(team, first, after)
    found = [f for f in await findings(console, config, schedule, first, after)
             if any(p.person.id == f.person for p in pieces)]
    layers = [layer.name for layer in config.teams[team].layers]
    names = holiday_names(config.holidays.country, config.holidays.subdivision, year, language(request))
    days = []
    for number in range(1, count + 1):
        day = date(year, month, number)
        lo = datetime.combine(day, time(), tzinfo=zone)
        hi = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        cells = {layer: [p for p in pieces if p.layer == layer and p.start < hi and p.end > lo] for layer in layers}
        flagged = [f for f in found if f.start < hi and f.end > lo]
        holiday = names.get(day) if config.holiday_calendar(day) else None
        days.append({"day": day, "lo": lo, "hi": hi, "cells": cells, "holiday": holiday,
                     "weekend": day.weekday() >= 5, "findings": flagged})

    def read(store: Store) -> list[Any]:
        return [(o, audit) for o, audit in store.override_history()
                if not audit["removed_at"] and o.team == team and o.end > first and o.start < after]

    overrides = await console.store.run(read)
    swaps = [s for s in await console.accounts(lambda a: a.swaps(state="pending")) if s.team == team]
    previous = (first - timedelta(days=1)).strftime("%Y-%m")
    following = after.strftime("%Y-%m")
    return render(request, "planning.html", status=status, error=error, team=team, teams=list(config.teams),
                  layers=layers, days=days, findings=found, overrides=overrides, swaps=swaps, year=year,
                  month=month, previous=previous, following=following, now=now,
                  people=[(p, config.people[p].name) for p in config.people],
                  default_start=local_input(max(now, first), zone), default_end=local_input(after, zone))


async def tell(console: Console, config: Config, publication: Publication | None, now: datetime) -> None:
    """The notices of a publication made here, as the CLI sends them (recorded in the log)."""
    if publication is not None and publication.changes:
        deliveries = await notify_publication(config, console.store, publication, now)
        log.info("publication #%d: %d notice(s) recorded", publication.id, len(deliveries))


async def add_override(request: web.Request) -> web.StreamResponse:
    user = manager(request)
    console = request.app[CONSOLE]
    config = console.config()
    form = await request.post()
    try:
        wanted = checked_override(config, team=text(form, "team"), layer=text(form, "layer") or None,
                                  person=text(form, "person"), start=instant(form, "start", config.timezone),
                                  end=instant(form, "end", config.timezone), reason=text(form, "reason"))
    except ActionError as exc:
        return await planning(request, error=f"{exc.field}: {exc.message}", status=400)
    now = console.now()
    _added, publication = await console.store.run(lambda s: s.add_override(config, wanted, now, f"web:{user.login}"))
    await tell(console, config, publication, now)
    raise web.HTTPSeeOther(f"/planning?team={wanted.team}&month={wanted.start.astimezone(config.timezone):%Y-%m}"
                           "&done=override-added")


async def remove_override(request: web.Request) -> web.StreamResponse:
    user = manager(request)
    console = request.app[CONSOLE]
    config = console.config()
    number = int(request.match_info["number"])
    form = await request.post()
    try:
        reason = checked_reason(text(form, "reason"))
    except ActionError as exc:
        return await planning(request, error=f"{exc.field}: {exc.message}", status=400)
    now = console.now()
    try:
        removed, publication = await console.store.run(
            lambda s: s.remove_override(config, number, now, f"web:{user.login}", reason))
    except StoreError as exc:
        return await planning(request, error=str(exc), status=400)
    await tell(console, config, publication, now)
    raise web.HTTPSeeOther(f"/planning?team={removed.team}&done=override-removed")


def holds(schedule: Schedule, team: str, layer: str, person: str, start: datetime, end: datetime) -> bool:
    """Whether ``person`` holds ``team``/``layer`` during the whole of [start, end)."""
    cursor = start.timestamp()
    for piece in sorted((s for s in schedule.shifts(team, start, end) if s.layer == layer),
                        key=lambda s: s.start.timestamp()):
        if piece.person.id != person or piece.start.timestamp() > cursor:
            return False
        cursor = max(cursor, piece.end.timestamp())
    return cursor >= end.timestamp()


async def ask_swap(request: web.Request) -> web.StreamResponse:
    from astreinte.web.pages import person_page, schedule_now

    console = request.app[CONSOLE]
    user = signed_in(request)
    config, schedule, now = await schedule_now(console)
    if user.person is None or user.person not in config.people:
        raise web.HTTPForbidden(text="403 Forbidden: your account is not linked to a person of the rota\n")
    form = await request.post()
    giver = user.person
    try:
        wanted = checked_override(config, team=text(form, "team"), layer=text(form, "layer") or None,
                                  person=text(form, "taker"), start=instant(form, "start", config.timezone),
                                  end=instant(form, "end", config.timezone), reason=text(form, "reason"))
        gettext = texts(config.language_of(giver)).gettext
        if wanted.person == giver:
            raise ActionError("taker", gettext("choose a colleague: you already hold this shift"))
        if wanted.end <= now:
            raise ActionError("end", gettext("this time is already over"))
        if not holds(schedule, wanted.team, wanted.layer, giver, wanted.start, wanted.end):
            raise ActionError("start", gettext("you do not hold this layer during the whole of this time: you may "
                                               "only give away your own shifts"))
    except ActionError as exc:
        return await person_page(request, person=giver, error=f"{exc.field}: {exc.message}", status=400)
    at = console.clock()
    swap = await console.accounts(lambda a: a.ask_swap(
        team=wanted.team, layer=wanted.layer, start=wanted.start, end=wanted.end, giver=giver, taker=wanted.person,
        reason=wanted.reason, asked_by=user.login, at=at))
    log.info("swap #%d asked by %s: %s gives %s/%s to %s", swap.id, user.login, giver, swap.team, swap.layer,
             swap.taker)
    raise web.HTTPSeeOther(f"/personnes/{giver}?done=swap-asked#swaps")


async def decide_swap(request: web.Request) -> web.StreamResponse:
    """Accept or decline (the colleague asked), or withdraw (the one who asked, or a manager)."""
    from astreinte.web.pages import schedule_now

    console = request.app[CONSOLE]
    user = signed_in(request)
    number, decision = int(request.match_info["number"]), request.match_info["decision"]
    swap: Swap | None = await console.accounts(lambda a: a.swap(number))
    if swap is None:
        raise web.HTTPNotFound(text="404 Not Found: no such swap\n")
    allowed = user.person == swap.taker if decision in ("accept", "decline") else \
        user.person == swap.giver or user.manager
    if not allowed:
        log.warning("refused: %s tried to %s swap #%d", user.login, decision, number)
        raise web.HTTPForbidden(text="403 Forbidden: only the colleague asked may answer this swap\n")
    back = f"/personnes/{user.person}" if user.person else "/planning"
    if swap.state != "pending":
        raise web.HTTPSeeOther(back)
    at = console.now()
    if decision in ("decline", "cancel"):
        state = "declined" if decision == "decline" else "cancelled"
        await console.accounts(lambda a: a.decide_swap(number, state, f"web:{user.login}", at))
        raise web.HTTPSeeOther(f"{back}?done=swap-{state}#swaps")
    config, schedule, now = await schedule_now(console)
    if not holds(schedule, swap.team, swap.layer, swap.giver, swap.start, swap.end) or swap.end <= now:
        await console.accounts(lambda a: a.decide_swap(number, "cancelled", "rota changed", at))
        from astreinte.web.pages import person_page

        return await person_page(request, person=user.person or swap.taker, error=texts(config.language).gettext(
            "This swap no longer applies: the rota changed since it was asked."), status=409)
    gettext = texts(config.language).gettext
    names = {"number": number, "giver": config.people[swap.giver].name, "taker": config.people[swap.taker].name}
    reason = gettext("swap #%(number)d asked by %(giver)s, accepted by %(taker)s") % names
    reason = checked_reason((reason + (f": {swap.reason}" if swap.reason else ""))[:200])
    wanted = checked_override(config, team=swap.team, layer=swap.layer, person=swap.taker, start=swap.start,
                              end=swap.end, reason=reason)

    def accept(store: Store) -> tuple[Any, Publication | None]:
        from astreinte.adapters.store.accounts import Accounts

        accounts: Accounts = Accounts(store.db)

        def consent(override: int) -> None:
            if not accounts.decide_swap(number, "accepted", f"web:{user.login}", at, override):
                raise StoreError(f"swap #{number} was answered meanwhile")

        return store.add_override(config, wanted, at, f"web:{swap.asked_by}+web:{user.login}", inside=consent)

    try:
        _added, publication = await console.store.run(accept)
    except StoreError as exc:
        raise web.HTTPConflict(text=f"409 Conflict: {exc}\n") from None
    log.info("swap #%d accepted by %s", number, user.login)
    await tell(console, config, publication, at)
    raise web.HTTPSeeOther(f"{back}?done=swap-accepted#swaps")
