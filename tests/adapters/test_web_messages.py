"""The Messages page and its acknowledge button (``POST /messages/N/ack``), on a real aiohttp server in
this process, over real sockets, on a real SQLite database: the example rota with a second team,
``network`` (carol only); bob and carol employees, chef a manager; the console's clock at 03:20 on
Saturday 7 November 2026, when a message on support has been heard by bob but not acknowledged.

What a user would check: the page says each message's state, who heard it, its callouts; a manager
acknowledges any message, an employee only those of their own teams; the acknowledgement is the one
``astreinte messages`` then shows (``web``, by whom), in the outbox the daemon sends its notice from;
a second press changes nothing and says so; no session, no CSRF token, or an unknown id are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from click.testing import CliRunner

from astreinte.adapters.store import Store
from astreinte.adapters.store.accounts import Accounts, User
from astreinte.cli import main
from astreinte.config import load
from astreinte.web import passwords
from astreinte.web.security import may_acknowledge
from tests.helpers.web import console_client

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
# the console keeps the signed-in user in the request by string keys (web/security.py); aiohttp 3.14
# recommends RequestKey and warns, which the suite turns into errors
PARIS = ZoneInfo("Europe/Paris")
RECORDED = datetime(2026, 11, 7, 2, 14, tzinfo=UTC)        # 03:14 in Paris
NOW = datetime(2026, 11, 7, 3, 20, tzinfo=PARIS)
PASSWORDS = {"bob": "bob-password-1", "carol": "carol-password-1", "chef": "chef-password-1"}
NETWORK = """\
  network:
    numbers: ["1001"]
    greeting: "Astreinte réseau."
    hunt:
      strategy: linear
      ring_timeout: 20s
      rounds: 1
      on_no_answer: voicemail
    layers:
      - name: primary
        rotation:
          members: [carol]
          every: 1 week
          handoff: monday 09:00
          start: 2026-11-02

"""


@dataclass
class Site:
    config: Path
    support: int             # heard by bob, one callout round made
    network: int             # new, nobody heard it
    http: TestClient[web.Request, web.Application]


def write_config(folder: Path) -> Path:
    path = folder / "config.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    path.write_text(text.replace("\noverrides:", "\n" + NETWORK + "overrides:", 1), encoding="utf-8")
    return path


def seed(config_path: Path) -> tuple[int, int]:
    config = load(config_path)
    with Store.open(config.database) as store:
        accounts = Accounts(store.db)
        for login, person in (("bob", "bob"), ("carol", "carol")):
            accounts.add_user(login, passwords.hashed(PASSWORDS[login]), role="employee", person=person, at=RECORDED)
        accounts.add_user("chef", passwords.hashed(PASSWORDS["chef"]), role="manager", person=None, at=RECORDED)
        support = store.add_message("1794535200.1", "support", "0611223344", RECORDED, 42.0, None, {}, now=RECORDED,
                                    number="1000", media="recording:m", callout_at=RECORDED)
        network = store.add_message("1794535300.1", "network", "0699887766", RECORDED + timedelta(minutes=1), 12.0,
                                    None, {}, now=RECORDED, number="1001", media="recording:n")
        assert support is not None and network is not None
        store.callout_started(support, "callout-1", 1, "message", RECORDED + timedelta(seconds=5))
        store.message_heard(support, "bob", "PJSIP/bob", RECORDED + timedelta(seconds=30))
        store.callout_finished(support, "callout-1", reason="heard_not_acknowledged", answered_by="bob", rounds_done=1,
                               next_at=RECORDED + timedelta(minutes=10), now=RECORDED + timedelta(seconds=40))
    return support, network


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    config = write_config(tmp_path)
    support, network = seed(config)
    async with console_client(config, NOW) as client:
        yield Site(config, support, network, client)


def cli(config: Path, *args: str) -> str:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "240"}
    done = CliRunner().invoke(main, ["--config", str(config), "--now", "2026-11-07T03:30", *args], env=env)
    assert done.exit_code == 0, done.output
    return done.output


def listed(config: Path, number: int) -> dict[str, object]:
    rows = json.loads(cli(config, "messages", "--json"))
    found: dict[str, object] = next(row for row in rows if row["id"] == number)
    return found


async def page(site: Site, path: str) -> str:
    async with site.http.get(path, allow_redirects=False) as response:
        assert response.status == 200, (path, response.status)
        return unescape(await response.text())     # what the reader sees: "n'a", not "n&#39;a"


async def csrf(site: Site, path: str = "/messages") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', await page(site, path))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def sign_in(site: Site, login: str) -> None:
    site.http.session.cookie_jar.clear()
    token = await csrf(site, "/login")
    async with site.http.post("/login", data={"csrf": token, "login": login, "password": PASSWORDS[login],
                                              "next": "/"}, allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/", await response.text()


async def ack(site: Site, number: int, fields: dict[str, str] | None = None) -> ClientResponse:
    sent = {"csrf": await csrf(site)} if fields is None else fields
    async with site.http.post(f"/messages/{number}/ack", data=sent, allow_redirects=False) as response:
        await response.read()
        return response


def line(text: str, number: int) -> str:
    found = re.search(rf'<tr class="message[^"]*" id="message-{number}".*?</tr>', text, re.S)
    assert found, f"message #{number} is not on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def has_button(text: str, number: int) -> bool:
    return f'action="/messages/{number}/ack"' in text


async def test_the_page_shows_each_messages_state_who_heard_it_and_its_callouts(site: Site) -> None:
    await sign_in(site, "chef")
    html = await page(site, "/messages")
    support = line(html, site.support)
    assert "écouté, pas encore acquitté" in support and "écouté par Bob Durand le 07/11/2026 03:14" in support
    assert "1 tournée" in support and "répondu par Bob Durand" in support
    assert "prochain rappel le 07/11/2026 03:24" in support
    network = line(html, site.network)
    assert "nouveau" in network and "néant" in network, "no callout for the network message"
    assert has_button(html, site.support) and has_button(html, site.network), "a manager may acknowledge any"
    english = await page(site, "/messages?lang=en")
    assert "heard, not acknowledged" in line(english, site.support)


async def test_a_manager_acknowledges_and_astreinte_messages_shows_it(site: Site) -> None:
    await sign_in(site, "chef")
    response = await ack(site, site.support)
    assert response.status == 303
    assert response.headers["Location"] == f"/messages?done=acknowledged#message-{site.support}"
    html = await page(site, "/messages?done=acknowledged")
    assert "Le message est pris en charge : ses rappels s'arrêtent." in html
    support = line(html, site.support)
    assert "acquitté" in support and "acquitté par chef sur la console web le 07/11/2026 03:20" in support
    assert not has_button(html, site.support), "nothing left to acknowledge"
    assert "chef (web) 2026-11-07 03:20:00" in cli(site.config, "messages")
    row = listed(site.config, site.support)
    assert (row["state"], row["acknowledged_by"], row["acknowledged_how"]) == ("acknowledged", "chef", "web")
    assert row["next_callout_at"] is None, "its callouts stop"
    history = row["history"]
    assert isinstance(history, list)
    last = history[-1]
    assert datetime.fromisoformat(last.pop("at")) == NOW
    assert last == {"state": "acknowledged", "by": "chef", "how": "web", "phone": None, "detail": "web:chef"}

    with Store.open(load(site.config).database) as store:
        outbox = [e for e in store.message_events_pending() if e["state"] == "acknowledged"]
    assert [(e["message_id"], e["by"], e["how"]) for e in outbox] == [(site.support, "chef", "web")], \
        "the daemon's notifier sends its notice from there, as for `astreinte messages ack`"
    from astreinte.runtime.message_notices import notice

    told = notice(load(site.config), outbox[0]["message"], "acknowledged", ["bob"])
    assert "acquitté par chef (sur la console web) à 03:20" in told.body


async def test_acknowledging_again_is_a_no_op_that_says_so(site: Site) -> None:
    cli(site.config, "messages", "ack", str(site.support), "--by", "alice")
    await sign_in(site, "chef")
    response = await ack(site, site.support)
    assert response.status == 303
    assert response.headers["Location"] == f"/messages?done=already-acknowledged#message-{site.support}"
    html = await page(site, response.headers["Location"])
    assert "Ce message était déjà acquitté : rien n'a changé" in html
    assert "acquitté par Alice Martin en ligne de commande" in line(html, site.support)
    row = listed(site.config, site.support)
    assert (row["acknowledged_by"], row["acknowledged_how"]) == ("alice", "cli"), "the first acknowledgement stays"


async def test_an_employee_acknowledges_only_the_messages_of_their_teams(site: Site) -> None:
    await sign_in(site, "bob")
    html = await page(site, "/messages")
    assert has_button(html, site.support) and not has_button(html, site.network)
    refused = await ack(site, site.network)
    assert refused.status == 403
    assert listed(site.config, site.network)["state"] == "new", "nothing changed"
    assert (await ack(site, site.support)).status == 303
    row = listed(site.config, site.support)
    assert (row["acknowledged_by"], row["acknowledged_how"]) == ("bob", "web"), "recorded as bob's person"

    await sign_in(site, "carol")
    assert has_button(await page(site, "/messages"), site.network)
    assert (await ack(site, site.network)).status == 303
    assert listed(site.config, site.network)["acknowledged_by"] == "carol"


async def test_without_its_csrf_token_or_a_session_the_button_does_nothing(site: Site) -> None:
    async with site.http.post(f"/messages/{site.support}/ack", data={}, allow_redirects=False) as response:
        assert response.status == 401, "no session"
    async with site.http.get("/messages", allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"].startswith("/login")
    await sign_in(site, "chef")
    for fields in ({}, {"csrf": "forged-token"}):
        refused = await ack(site, site.support, fields)
        assert refused.status == 403
    assert listed(site.config, site.support)["state"] == "heard", "nothing changed"


async def test_an_unknown_message_is_not_found(site: Site) -> None:
    await sign_in(site, "chef")
    assert (await ack(site, 999)).status == 404
    async with site.http.post("/messages/x1/ack", data={"csrf": await csrf(site)},
                              allow_redirects=False) as response:
        assert response.status == 404


def test_who_may_acknowledge_is_one_rule(tmp_path: Path) -> None:
    config = load(write_config(tmp_path))
    chef = User("chef", "manager", None, None)
    bob = User("bob", "employee", "bob", None)
    carol = User("carol", "employee", "carol", None)
    assert may_acknowledge(chef, config, "network") and may_acknowledge(chef, config, None)
    assert may_acknowledge(bob, config, "support") and not may_acknowledge(bob, config, "network")
    assert may_acknowledge(carol, config, "network") and may_acknowledge(carol, config, "support")
    assert may_acknowledge(bob, config, "network", rung=["bob"]), "an override rang him for it: his to take"
    assert not may_acknowledge(bob, config, None) and not may_acknowledge(bob, config, "gone")
    assert not may_acknowledge(User("ghost", "employee", "ghost", None), config, "support")

