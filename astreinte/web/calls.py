"""Appels (the call log, filtered by team, outcome and date; a call's attempts, tier and timeline)
and Messages (each message with its recording to play, its state, who heard and acknowledged it, its
callouts; the button that acknowledges it, ``astreinte messages ack``'s store path with how="web")."""

from __future__ import annotations

import logging
import mimetypes
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from astreinte.domain.callers import merged
from astreinte.domain.errors import StoreError
from astreinte.web.console import CONSOLE
from astreinte.web.render import render
from astreinte.web.security import may_acknowledge, signed_in

if TYPE_CHECKING:
    from astreinte.adapters.store import Store
    from astreinte.config import Config

log = logging.getLogger("astreinte.web")
OUTCOMES = ("answered", "voicemail", "abandoned", "outside_service", "failed", "blocked", "in_progress")
SHOWN = 200                  # the latest calls of the filter
AUDIO = {".wav": "audio/wav", ".gsm": "audio/x-gsm", ".ogg": "audio/ogg", ".mp3": "audio/mpeg"}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def calls(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    config = console.config()
    zone = config.timezone
    query = request.query
    team = query.get("team") if query.get("team") in config.teams else None
    outcome = query.get("outcome") if query.get("outcome") in OUTCOMES else None
    first, last = _day(query.get("from")), _day(query.get("to"))
    if first is None and last is None:
        first = console.now().date() - timedelta(days=31)
    since = datetime.combine(first, time(), tzinfo=zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone) if last else None
    rows, customers = await console.store.run(lambda s: (s.calls(since=since, team=team), known(config, s)))
    rows = [r for r in rows if (outcome is None or r["outcome"] == outcome)
            and (until is None or datetime.fromisoformat(r["started_at"]) < until)]
    rows.reverse()
    return render(request, "calls.html", rows=rows[:SHOWN], more=max(0, len(rows) - SHOWN), teams=list(config.teams),
                  outcomes=OUTCOMES, team=team, outcome=outcome, first=first, last=last, customers=customers)


def known(config: Config, store: Store) -> dict[str, str]:
    """Each known caller's name and site (``Biogaz de la Vallée (Saint-Lô)``) by id: the configuration's
    ``callers:`` over the imported ones, as the daemon sees them (a call of a customer since removed shows its id)."""
    from astreinte.adapters.store.customers import CustomerBook

    return {ident: customer.label for ident, customer in merged(config.callers, CustomerBook(store.db).all())
            .customers.items()}


async def call(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    call_id = request.match_info["call"]

    config = console.config()

    def read(store: Store) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
        found = store.db.execute("SELECT started_at FROM calls WHERE id = ?", [call_id]).fetchone()
        if found is None:
            return None, [], []
        at = datetime.fromisoformat(found[0])
        row = next((r for r in store.calls(since=at) if r["id"] == call_id), None)
        if row is not None and row.get("customer"):
            row["customer_label"] = known(config, store).get(row["customer"], row["customer"])
        left = [m for m in store.messages(since=at) if m["call_id"] == call_id]
        return row, store.call_events(call_id), left

    row, steps, left = await console.store.run(read)
    if row is None:
        raise web.HTTPNotFound(text="404 Not Found: no such call\n")
    start = datetime.fromisoformat(row["started_at"])
    timeline = [{**step, "offset": (datetime.fromisoformat(step["at"]) - start).total_seconds()} for step in steps]
    return render(request, "call.html", call=row, timeline=timeline, messages=left)


async def messages(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    config = console.config()
    user = signed_in(request)
    since = datetime.combine(console.now().date() - timedelta(days=62), time(), tzinfo=config.timezone)

    def read(store: Store) -> list[dict[str, Any]]:
        rows = store.messages(since=since)
        for row in rows:
            rung = () if user.manager or row["state"] == "acknowledged" else store.message_people(row["id"])
            row["may_ack"] = row["state"] != "acknowledged" and may_acknowledge(user, config, row["team"], rung)
        return rows

    rows = await console.store.run(read)
    rows.reverse()
    return render(request, "messages.html", rows=rows,
                  names={person.id: person.name for person in config.people.values()})


async def acknowledge(request: web.Request) -> web.StreamResponse:
    """``POST /messages/N/ack``: the acting user acknowledges message N (``astreinte messages ack``'s
    ``store.acknowledge``, how="web"); the daemon stops its callouts and sends its notice."""
    console = request.app[CONSOLE]
    config = console.config()
    user = signed_in(request)
    number = int(request.match_info["message"])

    def read(store: Store) -> tuple[dict[str, Any] | None, list[str]]:
        found = store.message(number)
        return found, store.message_people(number) if found is not None and not user.manager else []

    found, rung = await console.store.run(read)
    if found is None:
        raise web.HTTPNotFound(text=f"404 Not Found: no message #{number}\n")
    if not may_acknowledge(user, config, found["team"], rung):
        log.warning("refused: %s acknowledging message #%d of team %s", user.login, number, found["team"])
        raise web.HTTPForbidden(text="403 Forbidden: you may acknowledge only the messages of your own teams\n")
    by = user.person if user.person is not None and user.person in config.people else user.login
    now = console.now()
    try:
        done = await console.store.run(lambda s: s.acknowledge(number, by, "web", now, detail=f"web:{user.login}"))
    except StoreError as exc:
        raise web.HTTPNotFound(text=f"404 Not Found: {exc}\n") from None
    if done.first:
        log.info("message #%d acknowledged by %s (web:%s)", number, by, user.login)
    else:
        log.info("message #%d was already acknowledged by %s (%s): nothing changed", number,
                 done.message["acknowledged_by"], done.message["acknowledged_how"])
    code = "acknowledged" if done.first else "already-acknowledged"
    raise web.HTTPSeeOther(f"/messages?done={code}#message-{number}")


def recording_folders(config: Config) -> list[Path]:
    """Where recordings may be read from: Asterisk's recording folder and the fallback tier's."""
    return [config.asterisk.recordings, Path(config.daemon.fallback.recordings)]


async def audio(request: web.Request) -> web.StreamResponse:
    """A message's recording, only from the recording folders (a path in the database is not trusted)."""
    console = request.app[CONSOLE]
    text = request.match_info["message"]
    if not text.isdigit():
        raise web.HTTPNotFound()
    number = int(text)
    rows = await console.store.run(lambda s: s.db.execute("SELECT path FROM messages WHERE id = ?",
                                                          [number]).fetchall())
    if not rows or not rows[0][0]:
        raise web.HTTPNotFound(text="404 Not Found: no recording\n")
    path = Path(rows[0][0])
    if not path.suffix:
        path = path.with_suffix(".wav")
    try:
        real = path.resolve(strict=True)
    except OSError:
        raise web.HTTPNotFound(text="404 Not Found: the recording is gone\n") from None
    folders = [folder.resolve() for folder in recording_folders(console.current)]
    if not any(real.is_relative_to(folder) for folder in folders) or not real.is_file():
        raise web.HTTPForbidden(text="403 Forbidden: outside the recording folders\n")
    kind = AUDIO.get(real.suffix.lower()) or mimetypes.guess_type(real.name)[0] or "application/octet-stream"
    return web.FileResponse(real, headers={"Content-Type": kind})
