"""Pages from Jinja2 templates in the reader's language (``astreinte/i18n.py``'s catalogs).

    html = render(request, "now.html", teams=teams)      # the language: ?lang=, the cookie, the person's, the config's

Templates write English ``_()`` messages (extracted by ``make messages``, ``babel.cfg``), and
format instants with the filters below (``{{ shift.start | when }}`` -> ``09/11/2026 09:00``).
Autoescaping is on for every template.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from astreinte.i18n import LANGUAGES, texts, translator
from astreinte.web.console import CONSOLE, CSRF, USER

LANG_COOKIE = "astreinte_lang"


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


# ``?done=CODE`` after an action (a redirect): the sentence shown. Codes, not text, in the address:
# a link cannot make the console say something it never said.
FLASHES = {
    "override-added": N_("The override is published; the people concerned are being told."),
    "override-removed": N_("The override is removed and the change published."),
    "swap-asked": N_("Your swap is proposed: it takes effect when your colleague accepts it."),
    "swap-accepted": N_("Swap accepted: the override is published and both of you are told."),
    "swap-declined": N_("Swap declined."),
    "swap-cancelled": N_("Swap request withdrawn."),
    "intervention-added": N_("The intervention is recorded."),
    "token-added": N_("A new address is ready: subscribe to it in your calendar."),
    "token-revoked": N_("The address is revoked: calendars subscribed to it stop receiving updates."),
    "acknowledged": N_("The message is acknowledged: its callouts stop."),
    "already-acknowledged": N_("This message was already acknowledged: nothing changed (who did it is shown "
                               "on its line)."),
}


@cache
def environment(lang: str) -> Environment:
    env = Environment(loader=PackageLoader("astreinte.web", "templates"), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translator(lang), newstyle=True)   # type: ignore[attr-defined]
    return env


def language(request: web.Request) -> str:
    """``?lang=en`` (remembered in a cookie), else the cookie, else the person's, else the configuration's."""
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    console = request.app[CONSOLE]
    config = console.current
    user = request.get(USER)
    return config.language_of(user.person if user is not None else None)


def render(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    lang = language(request)
    tr = texts(lang)
    console = request.app[CONSOLE]
    zone = console.current.timezone

    def when(moment: datetime | str | None) -> str:
        if moment is None or moment == "":
            return "-"
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return tr.table_instant(moment, zone)

    def long(moment: datetime) -> str:
        return tr.instant(moment, zone)

    def seconds(value: float | None) -> str:
        return "-" if value is None else tr.number(value, 1) + " s"

    env = environment(lang)
    page = env.get_template(template).render(
        lang=lang, user=request.get(USER), csrf=request.get(CSRF, ""), path=request.path,
        config=console.current, problem=console.problem,
        flash=tr.gettext(FLASHES[done]) if (done := request.query.get("done", "")) in FLASHES else None,
        error=values.pop("error", None), when=when, long=long, seconds=seconds,
        day=tr.day, month_name=tr.month, weekdays=tr.weekdays(), **values)
    response = web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
    if request.query.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="Lax", path="/")
    return response
