"""Maintenant (who is on call now, phones, live calls, links), Personnes, and a person's page
(phones, next shifts, calendar addresses, swaps, interventions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from astreinte.web.console import CONSOLE, USER
from astreinte.web.render import render
from astreinte.web.security import acting, may_act_for, signed_in

if TYPE_CHECKING:
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.accounts import Accounts, Swap, Token, User
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule, Shift
    from astreinte.web.console import Console

AHEAD = timedelta(days=92)          # "next shifts": the coming three months
NEXT_SHOWN = 8


@dataclass(frozen=True)
class Phone:
    phone: str
    state: str          # online | offline | unknown | missing | external | ?


async def schedule_now(console: Console) -> tuple[Config, Schedule, datetime]:
    config = console.config()
    overrides = await console.store.run(lambda s: s.overrides())
    return config, config.schedule(overrides), console.now()


def phones_of(config: Config, person: str, states: dict[str, str] | None) -> list[Phone]:
    found = []
    for phone in config.people[person].phones:
        if not phone.upper().startswith("PJSIP/"):
            found.append(Phone(phone, "external"))
        elif states is None:
            found.append(Phone(phone, "?"))
        else:
            found.append(Phone(phone, states.get(phone, "missing")))
    return found


def next_shifts(config: Config, schedule: Schedule, person: str, now: datetime, limit: int = NEXT_SHOWN) -> list[Shift]:
    """The person's shifts still running or to come, merged across teams, soonest first."""
    found = [shift for team in config.teams for shift in schedule.shifts(team, now, now + AHEAD)
             if shift.person.id == person and shift.end > now]
    return sorted(found, key=lambda s: (s.start, s.team, s.level))[:limit]


async def now_values(request: web.Request) -> dict[str, Any]:
    console = request.app[CONSOLE]
    config, schedule, now = await schedule_now(console)
    status = await console.daemon_status()
    states = await console.phone_states()
    live = status.get("live_calls", []) if status else []
    teams = []
    for team in config.teams:
        who = schedule.who(team, now)
        teams.append({"id": team, "status": who,
                      "phones": {r.person.id: phones_of(config, r.person.id, states) for r in who.chain},
                      "calls": [call for call in live if call.get("team") == team]})
    user: User | None = request.get(USER)
    mine: list[Shift] = []
    waiting: list[Swap] = []
    if user is not None and user.person is not None and user.person in config.people:
        person = user.person
        mine = next_shifts(config, schedule, person, now, limit=3)
        waiting = await console.accounts(lambda a: a.swaps(person=person, state="pending"))
    return {"now": now, "teams": teams, "daemon": status, "ari_up": states is not None, "mine": mine,
            "waiting": waiting, "others_calls": [c for c in live if c.get("team") not in config.teams]}


async def maintenant(request: web.Request) -> web.Response:
    return render(request, "now.html", **await now_values(request))


async def maintenant_fragment(request: web.Request) -> web.Response:
    """The live part of Maintenant, for the page's refresh script."""
    return render(request, "now_live.html", **await now_values(request))


async def people(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    config, schedule, now = await schedule_now(console)
    states = await console.phone_states()
    rows = []
    for person_id, person in config.people.items():
        coming = next_shifts(config, schedule, person_id, now, limit=1)
        rows.append({"id": person_id, "name": person.name, "phones": phones_of(config, person_id, states),
                     "next": coming[0] if coming else None,
                     "teams": sorted({t.id for t in config.teams.values() for layer in t.layers
                                      if person_id in layer.rotation.members})})
    return render(request, "people.html", people=rows, ari_up=states is not None, now=now)


async def person_page(request: web.Request, *, person: str | None = None, error: str | None = None,
                      status: int = 200) -> web.Response:
    console = request.app[CONSOLE]
    person_id = person or request.match_info["person"]
    config, schedule, now = await schedule_now(console)
    if person_id not in config.people:
        raise web.HTTPNotFound(text="404 Not Found: no such person\n")
    user = signed_in(request)
    own = may_act_for(user, person_id)
    states = await console.phone_states()

    def read(accounts: Accounts) -> tuple[list[Token], list[Swap]]:
        tokens = [t for t in accounts.tokens(owner=user.login) if t.kind in ("person", "team")
                  and (t.kind == "team" or t.subject == person_id)] if own else []
        return tokens, accounts.swaps(person=person_id)

    tokens, swaps = await console.accounts(read)
    interventions = []
    if own:
        interventions = await console.store.run(
            lambda s: s.interventions(now - timedelta(days=62), None, person_id))
    teams = sorted({t.id for t in config.teams.values() for layer in t.layers if person_id in layer.rotation.members})
    return render(request, "person.html", status=status, error=error, person=config.people[person_id],
                  person_id=person_id, own=own, phones=phones_of(config, person_id, states), ari_up=states is not None,
                  shifts=next_shifts(config, schedule, person_id, now), tokens=tokens, swaps=swaps,
                  interventions=interventions, teams=teams, base_url=config.web.base_url, now=now,
                  colleagues=[(p, config.people[p].name) for p in config.people if p != person_id])


async def add_token(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    person_id = request.match_info["person"]
    user = acting(request, person_id)
    form = await request.post()
    kind, subject = str(form.get("kind", "person")), str(form.get("subject", person_id))
    config = console.config()
    if kind == "person" and subject != person_id:
        raise web.HTTPForbidden(text="403 Forbidden: a person's calendar is theirs\n")
    if kind not in ("person", "team") or (kind == "team" and subject not in config.teams):
        raise web.HTTPBadRequest(text="400 Bad Request: unknown calendar\n")
    now = console.clock()
    await console.accounts(lambda a: a.add_token(kind, subject, owner=user.login, at=now))
    raise web.HTTPSeeOther(f"/personnes/{person_id}?done=token-added#feeds")


async def revoke_token(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    person_id = request.match_info["person"]
    user = acting(request, person_id)
    number = _number(request.match_info["token"])
    found: Token | None = await console.accounts(lambda a: a.token_by_id(number))
    if found is None or (found.owner != user.login and not user.manager):
        raise web.HTTPForbidden(text="403 Forbidden: not your calendar address\n")
    now = console.clock()
    await console.accounts(lambda a: a.revoke_token(number, f"web:{user.login}", now))
    raise web.HTTPSeeOther(f"/personnes/{person_id}?done=token-revoked#feeds")


async def add_intervention(request: web.Request) -> web.StreamResponse:
    """Declare an intervention (``astreinte intervention add``'s checks): an employee for themselves."""
    from astreinte.config.actions import ActionError, checked_intervention
    from astreinte.web.forms import instant

    console = request.app[CONSOLE]
    person_id = request.match_info["person"]
    user = acting(request, person_id)
    form = await request.post()
    config = console.config()
    try:
        start = instant(form, "start", config.timezone)
        end = instant(form, "end", config.timezone)
        item = checked_intervention(config.people, person=person_id, start=start, end=end,
                                    on_site=form.get("on_site") == "on", travel=str(form.get("travel", "") or "0"),
                                    note=str(form.get("note", "")))
    except ActionError as exc:
        return await person_page(request, person=person_id, error=f"{exc.field}: {exc.message}", status=400)
    now = console.now()

    def add(store: Store) -> int:
        return store.add_intervention(item, now, f"web:{user.login}")

    await console.store.run(add)
    raise web.HTTPSeeOther(f"/personnes/{person_id}?done=intervention-added#interventions")


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise web.HTTPNotFound(text="404 Not Found\n")
    return int(text)
