"""What other programs read, each with a token instead of a session.

    GET /ical/<token>.ics     the calendar of a person or a team (``report.ics``: the last month and
                              at least the next six, stable UIDs, SEQUENCE, cancellations)
    GET /api/oncall           who is on call now, the shape of ``astreinte who --json``
                              (``Authorization: Bearer <token>``; ``?team=``, ``?at=``)

A feed token names one person or one team; an API token (``astreinte web token add --api``) reads
who is on call. A revoked or unknown token gets 404 (a feed) or 401 (the API), never a hint.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from astreinte.domain.oncall import as_document
from astreinte.report.ics import MEDIA_TYPE, feed, feed_window
from astreinte.web.console import CONSOLE

if TYPE_CHECKING:
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.accounts import Token

log = logging.getLogger("astreinte.web")


async def ical(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    value = request.match_info["token"]
    token: Token | None = await console.accounts(lambda a: a.token(value))
    if token is None or token.kind not in ("person", "team"):
        log.info("refused a feed with an unknown or revoked token from %s", request.remote)
        raise web.HTTPNotFound(text="404 Not Found: no such calendar (revoked?)\n")
    config = console.config()
    start, end = feed_window(config, console.now())
    person = token.subject if token.kind == "person" else None
    team = token.subject if token.kind == "team" else None
    if (person is not None and person not in config.people) or (team is not None and team not in config.teams):
        raise web.HTTPNotFound(text="404 Not Found: this calendar's person or team is no longer in the rota\n")

    def read(store: Store) -> bytes:
        return feed(config, store.calendar(start, end, team=team, person=person), team=team, person=person)

    body = await console.store.run(read)
    name = f"astreinte-{token.subject}.ics"
    return web.Response(body=body, headers={"Content-Type": MEDIA_TYPE,
                                            "Content-Disposition": f'inline; filename="{name}"'})


def bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


async def oncall(request: web.Request) -> web.Response:
    from astreinte.domain.hours import parse_instant

    console = request.app[CONSOLE]
    value = bearer(request)
    token: Token | None = await console.accounts(lambda a: a.token(value)) if value else None
    if token is None or token.kind != "api" or not hmac.compare_digest(token.token, value):
        return web.json_response({"error": "a valid API token is needed: Authorization: Bearer <token>"},
                                 status=401, headers={"WWW-Authenticate": 'Bearer realm="astreinte"'})
    config = console.config()
    team = request.query.get("team")
    if team is not None and team not in config.teams:
        return web.json_response({"error": f"unknown team {team[:40]!r}", "teams": list(config.teams)}, status=400)
    at = console.now()
    if "at" in request.query:
        try:
            at = parse_instant(request.query["at"], config.timezone)
        except ValueError as exc:
            return web.json_response({"error": f"at: {exc}"}, status=400)
    overrides = await console.store.run(lambda s: s.overrides())
    schedule = config.schedule(overrides)
    statuses = [schedule.who(team_id, at) for team_id in ([team] if team else list(config.teams))]
    document: dict[str, Any] = as_document(statuses, at, config.timezone)
    return web.json_response(document, dumps=_dumps)


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
