"""The Appels page names a known caller's calls by the customer's name and site, not its id (issue 19): a
customer of the ``callers:`` block and one imported from CSV, on a real aiohttp server over real sockets,
on a real SQLite database, signed in as a manager."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from astreinte.adapters.store import Store
from astreinte.adapters.store.accounts import Accounts
from astreinte.adapters.store.customers import CustomerBook
from astreinte.config import load
from astreinte.domain.callers import Customer
from astreinte.domain.calls.record import CallRecord
from astreinte.web import passwords
from tests.helpers.web import console_client

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 11, 7, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)
PASSWORD = "chef-password-1"
DIRECTORY = """
callers:
  biogaz-stlo: {name: Biogaz de la Vallée, site: Saint-Lô, numbers: ["02 33 00 11 22"], level: premium}
"""


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + DIRECTORY, encoding="utf-8")
    config = load(path, environ={})
    with Store.open(config.database) as store:
        Accounts(store.db).add_user("chef", passwords.hashed(PASSWORD), role="manager", person=None, at=T0)
        CustomerBook(store.db).replace([Customer("hotel-caen", "Hôtel du Port", "Caen", numbers=("+33231000003",))],
                                       T0, "test", "customers.csv")
        for n, (caller, customer) in enumerate((("0233001122", "biogaz-stlo"), ("0231000003", "hotel-caen"),
                                                ("0611223344", None), ("0299000001", "gone-customer"))):
            start = T0 + timedelta(hours=n)
            store.finish_call(CallRecord(f"c{n}", start, did="1000", caller=caller, team="support",
                                         outcome="answered", answered_by="alice", connected_at=start,
                                         ended_at=start + timedelta(minutes=2), customer=customer))
    async with console_client(path, NOW) as client:
        async with client.get("/login") as response:
            token = re.search(r'name="csrf" value="([^"]+)"', await response.text())
        assert token
        async with client.post("/login", data={"csrf": token.group(1), "login": "chef", "password": PASSWORD,
                                               "next": "/"}, allow_redirects=False) as response:
            assert response.status == 303
        yield client


async def text_of(http: TestClient[web.Request, web.Application], path: str) -> str:
    async with http.get(path, params={"from": "2026-11-01"}) as response:
        assert response.status == 200
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(await response.text())))


def row(text: str, caller: str) -> str:
    found = re.search(rf"{caller}[^·]*?(answered)", text)
    assert found, f"no call of {caller} on the page"
    return found.group(0)


async def test_the_calls_page_names_the_customer_and_its_site(http: TestClient[web.Request, web.Application]) -> None:
    text = await text_of(http, "/appels")
    assert "0233001122 Biogaz de la Vallée (Saint-Lô) answered" in row(text, "0233001122"), "the configuration's"
    assert "0231000003 Hôtel du Port (Caen) answered" in row(text, "0231000003"), "an imported customer"
    assert "0611223344 answered" in row(text, "0611223344"), "nobody known: the number alone"
    assert "0299000001 gone-customer answered" in row(text, "0299000001"), "a customer since removed: its id"
    assert "(biogaz-stlo)" not in text and "(hotel-caen)" not in text


async def test_a_call_page_names_the_customer(http: TestClient[web.Request, web.Application]) -> None:
    text = await text_of(http, "/appels/c0")
    assert "Appelant connu : Biogaz de la Vallée (Saint-Lô)" in text
    assert "Appelant connu" not in await text_of(http, "/appels/c2")
