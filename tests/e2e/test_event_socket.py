"""The event WebSocket's client (adapters/ari_ws.py) against Asterisk 22's own WebSocket server.

The daemon's link is held open through silence by its pings (a taken-over app gets no probe events,
so nothing else comes for minutes): Asterisk must answer them, or the link would drop and reconnect
every 22 s. The handshake's refusals and a real event's frame are read as Asterisk sends them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from astreinte.adapters import ari_ws
from astreinte.adapters.ari_http import HttpPool, basic_auth
from tests.helpers.timing import scaled, stays

pytestmark = [pytest.mark.asterisk]

URL = "http://127.0.0.1:8088"
AUTH = {"Authorization": basic_auth("astreinte", "secret")}
APP = "astreinte-socket-check"          # not the daemon's app: no daemon is disturbed


async def test_asterisk_answers_the_pings_so_a_silent_link_stays_open(lab: Any) -> None:
    texts: list[str] = []
    socket = await ari_ws.connect(URL, f"/ari/events?app={APP}&subscribeAll=false", AUTH, texts.append,
                                  timeout=5, heartbeat=0.4)
    try:
        await stays(lambda: not socket.done.done(), 3.0, "the link dropped: Asterisk did not answer a ping")
    finally:
        why = await socket.close()
    assert why == "closed by astreinte" and texts == []


async def test_a_user_event_reaches_the_callback_as_asterisk_wrote_it(lab: Any) -> None:
    arrived: asyncio.Queue[str] = asyncio.Queue()
    socket = await ari_ws.connect(URL, f"/ari/events?app={APP}&subscribeAll=false", AUTH, arrived.put_nowait,
                                  timeout=5)
    pool = HttpPool(URL + "/ari", AUTH, timeout=5)
    try:
        body = json.dumps({"variables": {"note": "été " + "x" * 300}}).encode()      # past 126 bytes, UTF-8
        response = await pool.request("POST", f"/ari/events/user/check?application={APP}", body)
        assert response.status == 204
        async with asyncio.timeout(scaled(5)):
            event = json.loads(await arrived.get())
        assert (event["type"], event["eventname"], event["userevent"]["note"]) == (
            "ChannelUserevent", "check", "été " + "x" * 300)
    finally:
        pool.close()
        await socket.close()


async def test_a_wrong_password_is_refused_with_401(lab: Any) -> None:
    with pytest.raises(ari_ws.HandshakeError) as refused:
        await ari_ws.connect(URL, f"/ari/events?app={APP}", {"Authorization": basic_auth("astreinte", "wrong")},
                             print, timeout=5)
    assert refused.value.status == 401
