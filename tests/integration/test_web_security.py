"""The web console refuses what it must, tested over HTTP against a real ``astreinte web`` process and
its SQLite database (the example rota, published; bob and carol employees, chef a manager).

Every page and feed refuses without a session or token; an employee cannot act for another person; a
form without its CSRF token is refused; a revoked feed token stops working; nothing answers but the
configured address (another address, another Host); the proxy's header counts from the proxy only.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.helpers.web import Client, WebServer

NOW = "2026-11-04T10:00"
PAGES = ["/", "/planning", "/planning?team=support&month=2026-11", "/appels", "/messages", "/rapports",
         "/rapports/kpi?month=2026-11", "/personnes", "/personnes/bob", "/fragment/now", "/appels/x",
         "/rapports/releves/1", "/messages/1/audio"]
FORMS = ["/planning/overrides", "/planning/overrides/1/remove", "/swaps", "/swaps/1/accept",
         "/personnes/bob/feeds", "/personnes/bob/feeds/1/revoke", "/personnes/bob/interventions", "/logout",
         "/messages/1/ack"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    running = WebServer.start(tmp_path_factory.mktemp("web-security"), now=NOW)
    yield running
    running.stop()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_refuses_without_a_session(server: WebServer, path: str) -> None:
    status, headers, _ = server.http("GET", path)
    assert (status == 303 and headers["location"].startswith("/login")) or (path.startswith("/fragment") and
                                                                         status == 401)
    status, _, _ = server.http("GET", path, headers={"Cookie": "astreinte_session=forged-value"})
    assert status in (303, 401)


@pytest.mark.parametrize("path", FORMS)
def test_every_form_refuses_without_a_session(server: WebServer, path: str) -> None:
    status, _, text = server.http("POST", path, body="csrf=x&team=support&person=bob")
    assert status == 401, text


def test_feeds_and_the_api_refuse_without_a_valid_token(server: WebServer) -> None:
    assert server.http("GET", "/ical/" + "A" * 43 + ".ics")[0] == 404
    assert server.http("GET", "/ical/short.ics")[0] == 404
    status, headers, text = server.http("GET", "/api/oncall")
    assert status == 401 and headers["www-authenticate"].startswith("Bearer") and "token" in json.loads(text)["error"]
    assert server.http("GET", "/api/oncall", headers={"Authorization": "Bearer " + "B" * 43})[0] == 401
    feed = server.cli("web", "token", "add", "--team", "support", now=NOW)
    team_token = re.search(r"/ical/([\w-]+)\.ics", feed).group(1)     # type: ignore[union-attr]
    status, _, _ = server.http("GET", "/api/oncall", headers={"Authorization": f"Bearer {team_token}"})
    assert status == 401, "a feed token is not an API token"


def test_the_api_answers_the_shape_of_who_json(server: WebServer) -> None:
    made = server.cli("web", "token", "add", "--api", "grafana", now=NOW)
    token = re.search(r"Bearer ([\w-]+)", made).group(1)             # type: ignore[union-attr]
    status, headers, text = server.http("GET", "/api/oncall?at=2026-11-11T20:00",
                                        headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert json.loads(text) == json.loads(server.cli("who", "--json", "--at", "2026-11-11T20:00", now=NOW))
    assert server.http("GET", "/api/oncall?team=nope", headers={"Authorization": f"Bearer {token}"})[0] == 400


def test_a_revoked_feed_token_stops_working(server: WebServer) -> None:
    bob = Client(server)
    bob.sign_in("bob")
    status, headers, _ = bob.post("/personnes/bob/feeds", {"kind": "person", "subject": "bob"}, "/personnes/bob")
    assert status == 303
    _, _, page = bob.request("GET", "/personnes/bob")
    revoke, feed = re.search(r'/personnes/bob/feeds/(\d+)/revoke".*?', page), re.search(r"/ical/([\w-]+)\.ics", page)
    assert revoke is not None and feed is not None
    number, token = revoke.group(1), feed.group(1)
    status, headers, body = server.http("GET", f"/ical/{token}.ics")
    assert status == 200 and headers["content-type"].startswith("text/calendar") and "BEGIN:VCALENDAR" in body
    assert "Bob Durand" in body and "Carol Petit" not in body
    assert bob.post(f"/personnes/bob/feeds/{number}/revoke", {}, "/personnes/bob")[0] == 303
    assert server.http("GET", f"/ical/{token}.ics")[0] == 404
    assert token not in bob.request("GET", "/personnes/bob")[2]


def test_a_form_without_its_csrf_token_is_refused(server: WebServer) -> None:
    chef = Client(server)
    chef.sign_in("chef")
    fields = {"team": "support", "layer": "primary", "person": "dave", "start": "2026-11-20T18:00",
              "end": "2026-11-21T09:00", "reason": "csrf test"}
    for body in (urlencode(fields), urlencode({**fields, "csrf": "wrong-token"})):
        status, _, text = chef.request("POST", "/planning/overrides", body)
        assert status == 403 and "CSRF" in text
    assert "csrf test" not in server.cli("override", "list", now=NOW)
    status, _, text = server.http("POST", "/login", body=urlencode({"login": "bob", "password": "bob-password-1"}))
    assert status == 403, "the sign-in form needs its token too"


def test_an_employee_cannot_act_for_another_person(server: WebServer) -> None:
    bob = Client(server)
    bob.sign_in("bob")
    override = {"team": "support", "layer": "primary", "person": "bob", "start": "2026-11-17T18:00",
                "end": "2026-11-18T09:00", "reason": "taking carol's night"}
    assert bob.post("/planning/overrides", override)[0] == 403, "only managers add overrides"
    assert bob.post("/planning/overrides/1/remove", {})[0] == 403
    assert bob.post("/personnes/carol/interventions", {"start": "2026-11-03T10:00", "end": "2026-11-03T11:00"})[0] \
        == 403
    assert bob.post("/personnes/carol/feeds", {"kind": "person", "subject": "carol"})[0] == 403
    status, _, text = bob.post("/swaps", {"team": "support", "layer": "primary", "start": "2026-11-17T18:00",
                                          "end": "2026-11-18T09:00", "taker": "dave"})
    assert status == 400 and "céder que vos propres astreintes" in text, "carol's shift is not bob's to give"
    status, _, _ = bob.post("/swaps", {"team": "support", "layer": "primary", "start": "2026-11-10T18:00",
                                       "end": "2026-11-11T09:00", "taker": "dave"})
    assert status == 303
    number = re.findall(r'/swaps/(\d+)/cancel', bob.request("GET", "/personnes/bob")[2])[-1]
    assert bob.post(f"/swaps/{number}/accept", {})[0] == 403, "bob cannot consent for dave"
    carol = Client(server)
    carol.sign_in("carol")
    assert carol.post(f"/swaps/{number}/accept", {})[0] == 403, "nor can carol"
    assert carol.post(f"/swaps/{number}/cancel", {})[0] == 403
    assert "taking carol" not in server.cli("override", "list", now=NOW)
    who = json.loads(server.cli("who", "--json", "--at", "2026-11-10T20:00", now=NOW))
    assert who["teams"][0]["chain"][0]["person"] == "bob"
    assert bob.request("GET", "/rapports/kpi?month=2026-11")[0] == 403, "the KPI report is for managers"


def test_sign_in_refuses_a_wrong_password_and_sessions_end_at_sign_out(server: WebServer) -> None:
    client = Client(server)
    token = client.csrf("/login")
    status, _, text = client.request("POST", "/login", urlencode({"csrf": token, "login": "bob",
                                                                  "password": "not-bobs-password"}))
    assert status == 401 and "Identifiant ou mot de passe erroné" in text
    client.sign_in("bob")
    assert client.request("GET", "/")[0] == 200
    session = client.cookies["astreinte_session"]
    assert client.post("/logout", {})[0] == 303
    assert server.http("GET", "/", headers={"Cookie": f"astreinte_session={session}"})[0] == 303


def test_nothing_answers_but_the_configured_address(server: WebServer) -> None:
    for address in other_addresses():
        with pytest.raises(OSError), socket.create_connection((address, server.port), timeout=2):
            pass
    status, _, _ = server.http("GET", "/login", headers={"Host": f"evil.example:{server.port}"})
    assert status == 421, "a page of another site resolving to us gets nothing"
    assert server.http("GET", "/ical/" + "A" * 43 + ".ics", headers={"Host": "attacker.test"})[0] == 421
    assert server.http("GET", "/login")[0] == 200
    assert server.http("GET", "/login", headers={"Host": f"localhost:{server.port}"})[0] == 200


def other_addresses() -> list[str]:
    """127.0.0.2 (loopback, not the bound address) and every non-loopback IPv4 address of the machine."""
    found = ["127.0.0.2"]
    done = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=False)
    found += [m for m in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)", done.stdout) if not m.startswith("127.")]
    return found


def test_the_proxy_header_counts_from_the_trusted_proxy_only(tmp_path: Path) -> None:
    block = ("web:\n  listen: {host: 127.0.0.1, port: PORT}\n  trusted_proxy:\n    header: X-Remote-User\n"
             "    from: [127.0.0.2]\n")
    server = WebServer.start(tmp_path, now=NOW, web_block=block)
    try:
        status, _, _ = server.http("GET", "/", headers={"X-Remote-User": "chef"})
        assert status == 303, "from 127.0.0.1, not the proxy: the header is ignored"
        status, headers, text = server.http("GET", "/", headers={"X-Remote-User": "chef"}, source="127.0.0.2")
        assert status == 200 and "chef" in text and "astreinte_session=" in headers["set-cookie"]
        status, _, _ = server.http("GET", "/", headers={"X-Remote-User": "nobody"}, source="127.0.0.2")
        assert status == 303, "a user without an account is not let in"
    finally:
        server.stop()
