"""Who is asking, and may they: the allowed Host, sessions, the trusted proxy, CSRF, headers.

Every request passes ``guard``:

1. its ``Host`` must be the address the console listens on or the host of ``web.public_url``
   (421 otherwise: a page of another site resolving to us cannot read the console);
2. the user comes from the session cookie (argon2-checked sign-in, sessions that end after
   ``web.session_idle`` unused and ``web.session_max`` in all), or from the reverse proxy's
   header when the request comes from an address of ``web.trusted_proxy.from`` (the header from
   anywhere else is ignored and logged);
3. a page without a user redirects to the sign-in page (303), any other request gets 401;
   feeds and the API carry their own token instead (``feeds.py``);
4. every POST carries the session's CSRF token in its ``csrf`` field (the sign-in form: the one
   of its cookie), else 403;
5. responses say: no framing, no sniffing, no referrer (feed addresses hold a token), no caching.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from astreinte.web import passwords
from astreinte.web.console import CONSOLE, CSRF, USER
from astreinte.web.render import render

if TYPE_CHECKING:
    from collections.abc import Collection

    from astreinte.adapters.store.accounts import Accounts, Session, User
    from astreinte.config import Config
    from astreinte.web.console import Console

log = logging.getLogger("astreinte.web")

SESSION_COOKIE = "astreinte_session"
LOGIN_COOKIE = "astreinte_signin"          # the sign-in form's CSRF token (double submit)
OPEN_PATHS = ("/login", "/static/", "/ical/", "/api/")
FAILURES_ALLOWED = 5                       # wrong passwords for one login within FAILURE_WINDOW...
FAILURE_WINDOW = 900.0                     # ...then that login is refused for the rest of the window
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_open(path: str) -> bool:
    return path == "/login" or path.startswith(OPEN_PATHS[1:])


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    console = request.app[CONSOLE]
    config = console.config()
    if request.host.lower() not in config.web.allowed_hosts(console.port):
        log.warning("refused a request for Host %r from %s", request.host[:80], request.remote)
        return web.Response(status=421, text="421 Misdirected Request: unknown Host\n")
    session, new_cookie = await identify(request, console)
    request[USER] = session.user if session is not None else None
    request[CSRF] = session.csrf if session is not None else ""
    if session is None and not is_open(request.path):
        if request.method == "GET" and not request.path.startswith("/fragment/"):
            raise web.HTTPSeeOther(f"/login?next={request.path_qs}" if request.path != "/" else "/login")
        return web.Response(status=401, text="401 Unauthorized: sign in first\n")
    if request.method == "POST" and not request.path.startswith("/api/"):
        form = await request.post()
        expected = session.csrf if session is not None else request.cookies.get(LOGIN_COOKIE, "")
        given = form.get("csrf")
        if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
            log.warning("refused a %s %s without its CSRF token from %s", request.method, request.path,
                        request.remote)
            return web.Response(status=403, text="403 Forbidden: the form's CSRF token is missing or wrong "
                                                 "(reload the page)\n")
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        secure(exc, new_cookie, console)
        raise
    secure(response, new_cookie, console)
    return response


def secure(response: web.StreamResponse, new_cookie: str | None, console: Console) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if new_cookie is not None:
        set_session_cookie(response, new_cookie, console)


def set_session_cookie(response: web.StreamResponse, cookie: str, console: Console) -> None:
    # no Max-Age: the browser forgets it when closed; the store ends it after session_idle/session_max
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="Lax", path="/",
                        secure=console.current.web.secure_cookies)


async def identify(request: web.Request, console: Console) -> tuple[Session | None, str | None]:
    """The session of this request, and the cookie to set when one was opened for the proxy's user."""
    settings = console.current.web
    now = console.clock()
    cookie = request.cookies.get(SESSION_COOKIE)
    session = None
    if cookie:
        session = await console.accounts(lambda a: a.session(cookie, now, settings.session_idle))
    proxy = settings.trusted_proxy
    name = request.headers.get(proxy.header) if proxy is not None else None
    if proxy is None or name is None:
        return session, None
    if not proxy.trusts(request.remote):
        log.warning("ignored %s from %s: not a trusted proxy (web.trusted_proxy.from)", proxy.header, request.remote)
        return session, None
    if session is not None and session.user.login == name:
        return session, None

    def open_for(accounts: Accounts) -> tuple[str, Session] | None:
        if accounts.user(name) is None:
            return None
        return accounts.open_session(name, now, settings.session_max)

    opened = await console.accounts(open_for)
    if opened is None:
        log.warning("the proxy names %r, who has no account (astreinte web user add)", name[:64])
        return None, None
    return opened[1], opened[0]


def signed_in(request: web.Request) -> User:
    """The user of a page ``guard`` let through (401 if there is none: a page not behind the guard)."""
    user: User | None = request.get(USER)
    if user is None:
        raise web.HTTPUnauthorized(text="401 Unauthorized: sign in first\n")
    return user


def manager(request: web.Request) -> User:
    """The user, who must be a manager (403 otherwise)."""
    user: User | None = request.get(USER)
    if user is None or not user.manager:
        raise web.HTTPForbidden(text="403 Forbidden: managers only\n")
    return user


def may_act_for(user: User, person: str) -> bool:
    """A manager acts for anyone; an employee for their own person only."""
    return user.manager or (user.person is not None and user.person == person)


def may_acknowledge(user: User, config: Config, team: str | None, rung: Collection[str] = ()) -> bool:
    """A manager acknowledges any message; an employee the messages of their own teams (a person of
    one of the team's layers) and those whose call or callouts rang them (an override made them the one)."""
    if user.manager:
        return True
    person = user.person
    if person is None or person not in config.people:
        return False
    found = config.teams.get(team) if team is not None else None
    return person in rung or (found is not None and any(person in layer.rotation.members for layer in found.layers))


def acting(request: web.Request, person: str) -> User:
    user: User | None = request.get(USER)
    if user is None or not may_act_for(user, person):
        log.warning("refused: %s acting for %s on %s", user.login if user else "nobody", person, request.path)
        raise web.HTTPForbidden(text="403 Forbidden: you may act only for yourself\n")
    return user


class SignIn:
    """The sign-in and sign-out pages, and the count of wrong passwords per login."""

    def __init__(self) -> None:
        self.failures: dict[str, list[float]] = {}

    async def page(self, request: web.Request) -> web.Response:
        token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
        request[CSRF] = token
        response = render(request, "login.html", next=_next(request.query.get("next", "/")))
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/login",
                            secure=request.app[CONSOLE].current.web.secure_cookies)
        return response

    async def submit(self, request: web.Request) -> web.StreamResponse:
        console = request.app[CONSOLE]
        form = await request.post()
        login, password = str(form.get("login", "")).strip()[:64], str(form.get("password", ""))
        target = _next(str(form.get("next", "/")))
        request[CSRF] = request.cookies.get(LOGIN_COOKIE, "")
        recent = [t for t in self.failures.get(login, []) if time.monotonic() - t < FAILURE_WINDOW]
        if len(recent) >= FAILURES_ALLOWED:
            log.warning("sign-in of %r refused: %d wrong passwords within %.0f s", login, len(recent), FAILURE_WINDOW)
            return render(request, "login.html", status=429, next=target, error="locked")
        user = await console.accounts(lambda a: a.user(login))
        if not passwords.verify(user.password_hash if user is not None else None, password):
            self.failures[login] = [*recent, time.monotonic()]
            log.warning("wrong sign-in for %r from %s", login, request.remote)
            return render(request, "login.html", status=401, next=target, error="wrong")
        self.failures.pop(login, None)
        now = console.clock()
        cookie, _session = await console.accounts(lambda a: a.open_session(login, now,
                                                                           console.current.web.session_max))
        log.info("%s signed in from %s", login, request.remote)
        response = web.HTTPSeeOther(target)
        set_session_cookie(response, cookie, console)
        response.del_cookie(LOGIN_COOKIE, path="/login")
        raise response

    async def leave(self, request: web.Request) -> web.StreamResponse:
        console = request.app[CONSOLE]
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await console.accounts(lambda a: a.close_session(cookie))
        response = web.HTTPSeeOther("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response


def _next(target: str) -> str:
    """Where to go after signing in: a path of this site only."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"
