"""The web console in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``,
through Selenium) against a real ``astreinte web`` and its SQLite database, the console's clock set to
Wednesday 4 November 2026 (the example rota: bob holds support/primary from Monday 9 November 09:00 to
Monday 16 November, dave secondary every week).

- bob signs in, sees his next shift, proposes a swap of Wednesday 11 November's night to carol;
  nothing changes until carol signs in and accepts it; then bob's and carol's calendars and
  ``astreinte who`` show carol on call that night (an override), and the swap's consent is in the log;
- a manager adds an override on Planning (``astreinte override list`` shows it) and removes it;
- a manager plays a message heard by bob but not acknowledged, acknowledges it on Messages, and sees
  its new state on the page and in ``astreinte messages``;
- screenshots of Maintenant and Planning are saved in ``test-artifacts/`` (ignored by git).

Outside CI, a machine without Chromium or its driver skips with how to get them; under ``CI=true`` it fails.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import wave
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from tests.helpers.web import FACTOR, PASSWORDS, WebServer

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
NOW = "2026-11-04T10:00"
WIDTH, HEIGHT = 1280, 1400


def browser_binaries() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    message = "headless Chromium and its driver are needed: apt-get install -y chromium chromium-driver (make deb)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebServer]:
    running = WebServer.start(tmp_path, now=NOW)
    yield running
    running.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={tmp_path / 'chromium'}", "--lang=fr"):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(60 * FACTOR)
    try:
        yield chrome
    finally:
        chrome.quit()


def sign_in(chrome: WebDriver, server: WebServer, login: str) -> None:
    from selenium.webdriver.common.by import By

    chrome.delete_all_cookies()
    chrome.get(f"{server.url}/login")
    chrome.find_element(By.NAME, "login").send_keys(login)
    chrome.find_element(By.NAME, "password").send_keys(PASSWORDS[login])
    chrome.find_element(By.CSS_SELECTOR, "form.signin button").click()
    wait_for(chrome, "h1", "D'astreinte maintenant")


def wait_for(chrome: WebDriver, selector: str, text: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(chrome, 20 * FACTOR).until(
            expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))
    except TimeoutException:
        page = chrome.find_element(By.TAG_NAME, "body").text
        raise AssertionError(f"{text!r} never in {selector!r} of {chrome.current_url}:\n{page[:1500]}") from None


def set_value(chrome: WebDriver, field: WebElement, value: str) -> None:
    """A ``datetime-local`` field's value, as the browser's date picker sets it."""
    chrome.execute_script("arguments[0].value = arguments[1]", field, value)


def texts(chrome: WebDriver, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in chrome.find_elements(By.CSS_SELECTOR, selector)]


def feed_of(chrome: WebDriver, server: WebServer, person: str) -> str:
    """The person's calendar address, made on their page, and what it serves."""
    from selenium.webdriver.common.by import By

    chrome.get(f"{server.url}/personnes/{person}")
    chrome.find_element(By.ID, "new-person-feed").click()
    wait_for(chrome, "p.done", "nouvelle adresse")
    url = chrome.find_element(By.CSS_SELECTOR, f'li.feed[data-subject="{person}"] input.feed-url')
    address = str(url.get_attribute("value"))
    path = address.removeprefix(server.url)
    status, _, body = server.http("GET", path)
    assert status == 200, address
    return body.replace("\r\n ", "").replace("\\,", ",")  # unfold RFC 5545 lines, unescape commas


def screenshot(chrome: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / name
    chrome.save_screenshot(str(png))
    with Image.open(png) as image:
        assert image.size[0] >= WIDTH - 20
        counts = image.convert("L").histogram()
    total = sum(counts)
    mean = sum(level * n for level, n in enumerate(counts)) / total
    assert sum(n * (level - mean) ** 2 for level, n in enumerate(counts)) / total > 100, f"{name} looks blank"
    return png


def test_an_employee_swaps_with_a_colleague_who_accepts(server: WebServer, browser: WebDriver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    chrome = browser
    sign_in(chrome, server, "bob")
    assert texts(chrome, "li.my-shift")[0] == \
        "support, niveau 1 (primary) : du 09/11/2026 09:00 au 16/11/2026 09:00", "bob sees his next shift"
    assert "Bob Durand" not in " ".join(texts(chrome, "table.chain")), "alice is on call this week, not bob"
    screenshot(chrome, "web-maintenant.png")

    chrome.get(f"{server.url}/personnes/bob")
    first = chrome.find_elements(By.CSS_SELECTOR, "tr.shift details.swap-form")[0]
    first.find_element(By.TAG_NAME, "summary").click()
    for name, value in (("start", "2026-11-11T18:00"), ("end", "2026-11-12T09:00")):
        set_value(chrome, first.find_element(By.NAME, name), value)
    Select(first.find_element(By.NAME, "taker")).select_by_value("carol")
    first.find_element(By.NAME, "reason").send_keys("rendez-vous médical")
    first.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(chrome, "p.done", "Votre échange est proposé")
    assert texts(chrome, "tr.swap-pending td")[2:4] == ["11/11/2026 18:00", "12/11/2026 09:00"]
    at_night = ["who", "--json", "--at", "2026-11-11T20:00"]
    assert json.loads(server.cli(*at_night, now=NOW))["teams"][0]["chain"][0]["person"] == "bob", \
        "nothing changes before carol accepts"

    sign_in(chrome, server, "carol")
    waiting = texts(chrome, "section.swaps tr.swap-pending")
    assert len(waiting) == 1 and "Bob Durand" in waiting[0] and "rendez-vous médical" in waiting[0]
    chrome.find_element(By.CSS_SELECTOR, "section.swaps button[name=accept]").click()
    wait_for(chrome, "p.done", "Échange accepté")

    who = json.loads(server.cli(*at_night, now="2026-11-04T10:05"))["teams"][0]["chain"][0]
    assert (who["person"], who["override"], who["until"]) == ("carol", True, "2026-11-12T09:00:00+01:00")
    listed = server.cli("override", "list", now="2026-11-04T10:05")
    assert "carol" in listed and "web:bob+web:carol" in listed
    log = server.cli("rota", "log", "--changes", now="2026-11-04T10:05")
    assert "échange n° 1 demandé par Bob Durand, accepté par Carol Petit" in log

    carol_feed = feed_of(chrome, server, "carol")
    assert "DTSTART;TZID=Europe/Paris:20261111T180000" in carol_feed
    assert "Astreinte support, niveau 1 (primary) : Carol Petit [remplacement]" in carol_feed
    sign_in(chrome, server, "bob")
    bob_feed = feed_of(chrome, server, "bob")
    events = re.findall(r"BEGIN:VEVENT.*?END:VEVENT", bob_feed, re.S)
    def field(pattern: str, event: str) -> str:
        found = re.search(pattern, event)
        assert found is not None, (pattern, event)
        return found.group(1)

    november = sorted((field(r"DTSTART;TZID=Europe/Paris:(\w+)", e), field(r"DTEND;TZID=Europe/Paris:(\w+)", e),
                       field(r"STATUS:(\w+)", e))
                      for e in events if "20261109" <= e.split("DTSTART;TZID=Europe/Paris:")[1][:8] < "20261116")
    assert ("20261109T090000", "20261111T180000", "CONFIRMED") in november
    assert ("20261112T090000", "20261116T090000", "CONFIRMED") in november
    assert not any(start <= "20261111T200000" < end and state == "CONFIRMED" for start, end, state in november), \
        "bob's calendar no longer has him on call that night"


def test_a_manager_overrides_on_planning_and_removes_it(server: WebServer, browser: WebDriver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    chrome = browser
    sign_in(chrome, server, "chef")
    chrome.get(f"{server.url}/planning?team=support&month=2026-12")
    christmas = texts(chrome, 'tr.day[data-day="2026-12-25"]')[0]
    assert "jour férié : Noël" in christmas and "David Moreau" in christmas and "remplacement" in christmas
    form = chrome.find_element(By.ID, "add-override")
    Select(form.find_element(By.NAME, "layer")).select_by_visible_text("secondary")
    Select(form.find_element(By.NAME, "person")).select_by_value("alice")
    for name, value in (("start", "2026-12-31T18:00"), ("end", "2027-01-01T09:00")):
        set_value(chrome, form.find_element(By.NAME, name), value)
    form.find_element(By.NAME, "reason").send_keys("réveillon")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(chrome, "p.done", "Le remplacement est publié")
    new_year = texts(chrome, 'tr.day[data-day="2026-12-31"]')[0]
    assert "Alice Martin dès 18:00" in new_year
    screenshot(chrome, "web-planning.png")
    who = json.loads(server.cli("who", "--json", "--at", "2026-12-31T20:00", now=NOW))["teams"][0]["chain"]
    assert [(r["person"], r["override"]) for r in who] == [("carol", False), ("alice", True)]
    assert "réveillon" in server.cli("override", "list", now=NOW)

    row = next(r for r in chrome.find_elements(By.CSS_SELECTOR, "tr.override-row")
               if "réveillon" in r.text)
    row.find_element(By.NAME, "reason").send_keys("finalement non")
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(chrome, "p.done", "Le remplacement est retiré")
    who = json.loads(server.cli("who", "--json", "--at", "2026-12-31T20:00", now=NOW))["teams"][0]["chain"]
    assert [r["person"] for r in who] == ["carol", "dave"]


def tone(path: Path, seconds: float = 1.5, rate: int = 8000) -> Path:
    """A recording as Record() leaves it: 8 kHz mono 16-bit PCM (a 440 Hz tone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = b"".join(int(8000 * math.sin(2 * math.pi * 440 * n / rate)).to_bytes(2, "little", signed=True)
                       for n in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return path


def left_message(server: WebServer, recording: Path) -> int:
    """A message left on support at 03:14 that night, called back to bob who heard it, not acknowledged."""
    from astreinte.adapters.store import Store
    from astreinte.config import load

    at = datetime(2026, 11, 4, 3, 14, tzinfo=ZoneInfo("Europe/Paris"))
    with Store.open(load(server.config).database) as store:
        number = store.add_message("1793758440.7", "support", "0611223344", at, 1.5, str(recording), {}, now=at,
                                   number="1000", media="recording:astreinte-7", callout_at=at)
        assert number is not None
        store.callout_started(number, "callout-7", 1, "message", at + timedelta(seconds=5))
        store.message_heard(number, "bob", "PJSIP/bob", at + timedelta(seconds=40))
        store.callout_finished(number, "callout-7", reason="heard_not_acknowledged", answered_by="bob",
                               rounds_done=1, next_at=at + timedelta(minutes=10), now=at + timedelta(seconds=50))
    return number


def test_a_manager_acknowledges_a_message_and_astreinte_messages_shows_it(tmp_path: Path,
                                                                           browser: WebDriver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    spool = tmp_path / "spool"
    block = f"web:\n  listen: {{host: 127.0.0.1, port: PORT}}\ndaemon:\n  fallback:\n    recordings: {spool}\n"
    (tmp_path / "site").mkdir()
    server = WebServer.start(tmp_path / "site", now=NOW, web_block=block)
    try:
        number = left_message(server, tone(spool / "astreinte-7.wav"))
        chrome = browser
        sign_in(chrome, server, "chef")
        chrome.get(f"{server.url}/messages")
        row = f"tr#message-{number}"
        assert texts(chrome, f"{row} .message-state") == ["écouté, pas encore acquitté"]
        assert "écouté par Bob Durand le 04/11/2026 03:14" in texts(chrome, row)[0]
        assert "1 tournée" in texts(chrome, f"{row} td.callouts")[0]
        player = chrome.find_element(By.CSS_SELECTOR, f"{row} audio")
        chrome.execute_script("arguments[0].preload = 'metadata'; arguments[0].load()", player)
        WebDriverWait(chrome, 20 * FACTOR).until(
            lambda c: c.execute_script("return arguments[0].readyState", player) >= 1)
        duration = chrome.execute_script("return arguments[0].duration", player)
        assert abs(duration - 1.5) < 0.1, f"the player reads the recording: {duration} s"
        screenshot(chrome, "web-messages.png")

        chrome.find_element(By.CSS_SELECTOR, f"{row} button[name=ack]").click()
        wait_for(chrome, "p.done", "Le message est pris en charge")
        wait_for(chrome, f"{row} .message-state", "acquitté")
        assert texts(chrome, f"{row} .message-state") == ["acquitté"]
        assert "acquitté par chef sur la console web le 04/11/2026 10:0" in texts(chrome, row)[0]
        assert not chrome.find_elements(By.CSS_SELECTOR, f"{row} button[name=ack]"), "nothing left to acknowledge"

        (listed,) = json.loads(server.cli("messages", "--json", now="2026-11-04T10:30"))
        assert (listed["id"], listed["state"], listed["acknowledged_by"], listed["acknowledged_how"]) == \
            (number, "acknowledged", "chef", "web")
        assert listed["next_callout_at"] is None, "its callouts stop"
        table = server.cli("messages", now="2026-11-04T10:30")
        assert "│ acknowledged │" in table and "chef (web) 2026-11-04" in table
    finally:
        server.stop()
