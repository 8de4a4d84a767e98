"""The AMI client against a fake AMI server on a free port (no Asterisk needed)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from astreinte.adapters.ami import Ami, AmiRefused
from astreinte.config import AmiSettings
from astreinte.domain.errors import LinkError
from astreinte.wire.ami import AmiParser, Message


class FakeAmi:
    """Speaks enough AMI: Login, Ping, DBPut, a list action, and events on demand."""

    def __init__(self, secret: str = "secret") -> None:
        self.secret = secret
        self.logins = 0
        self.actions: list[Message] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.silent = False
        self.trailing_event = ""        # written in the same segment as each action's response
        self.astdb: dict[str, str] = {"5102/current": "a"}
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        parser = AmiParser()
        parser.banner = "client"
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(4096):
                for msg in parser.feed(data):
                    self.actions.append(msg)
                    self._answer(msg, writer)
        writer.close()

    def _answer(self, msg: Message, writer: asyncio.StreamWriter) -> None:
        aid = msg.action_id
        action = msg.get("Action")
        if self.silent:
            return
        if action == "Login":
            if msg.get("Secret") == self.secret:
                self.logins += 1
                writer.write(f"Response: Success\r\nActionID: {aid}\r\n"
                             "Message: Authentication accepted\r\n\r\n".encode())
            else:
                writer.write(f"Response: Error\r\nActionID: {aid}\r\nMessage: Authentication failed\r\n\r\n".encode())
        elif action == "PJSIPShowEndpoints":
            writer.write(f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n\r\n".encode())
            for name in ("alice", "bob"):
                writer.write(f"Event: EndpointList\r\nActionID: {aid}\r\nObjectName: {name}\r\n\r\n".encode())
            writer.write(f"Event: EndpointListComplete\r\nActionID: {aid}\r\nEventList: Complete\r\n\r\n".encode())
        elif action in ("DBGet", "DBDel", "DBDelTree") and msg.get("Key") not in self.astdb:
            writer.write(f"Response: Error\r\nActionID: {aid}\r\nMessage: Database entry not found\r\n\r\n".encode())
        elif action == "DBGet":      # as Asterisk 22 answers it: a list of one DBGetResponse
            writer.write(f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n"
                         f"Message: Result will follow\r\n\r\n"
                         f"Event: DBGetResponse\r\nActionID: {aid}\r\nFamily: {msg.get('Family')}\r\n"
                         f"Key: {msg.get('Key')}\r\nVal: {self.astdb[msg.get('Key')]}\r\n\r\n"
                         f"Event: DBGetComplete\r\nActionID: {aid}\r\nEventList: Complete\r\n"
                         f"ListItems: 1\r\n\r\n".encode())
        elif action == "DBGetTree":   # as Asterisk 22.10 answers it (keys with their family, in key order)
            family = msg.get("Family")
            found = sorted((k, v) for k, v in self.astdb.items() if k.startswith(f"/{family}/"))
            writer.write((f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n"
                          f"Message: Result will follow\r\n\r\n"
                          + "".join(f"Event: DBGetTreeResponse\r\nKey: {k}\r\nVal: {v}\r\nActionID: {aid}\r\n\r\n"
                                    for k, v in found)
                          + f"Event: DBGetTreeComplete\r\nActionID: {aid}\r\nEventList: Complete\r\n"
                          f"ListItems: {len(found)}\r\n\r\n").encode())
        elif action == "Bogus":
            writer.write(f"Response: Error\r\nActionID: {aid}\r\nMessage: Invalid/unknown command\r\n\r\n".encode())
        else:
            writer.write(f"Response: Success\r\nActionID: {aid}\r\n\r\n{self.trailing_event}".encode())

    def event(self, text: str) -> None:
        for writer in self.writers:
            writer.write(text.encode())

    def drop_clients(self) -> None:
        for writer in self.writers:
            writer.close()
        self.writers.clear()

    async def close(self) -> None:
        self.drop_clients()
        if self.server:
            self.server.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    server = FakeAmi()
    yield server
    await server.close()


async def _running(ami: Ami) -> asyncio.Task[None]:
    task = asyncio.create_task(ami.run())
    assert await ami.wait_connected(5)
    return task


async def test_actions_lists_and_events(fake: FakeAmi) -> None:
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"))
    events: list[Message] = []
    ami.on_event(events.append)
    task = await _running(ami)
    try:
        await ami.db_put("astreinte", "support/chain", "PJSIP/alice")
        put = next(m for m in fake.actions if m.get("Action") == "DBPut")
        assert (put.get("Family"), put.get("Key"), put.get("Val")) == ("astreinte", "support/chain", "PJSIP/alice")
        listing = await ami.action("PJSIPShowEndpoints")
        assert [m.get("ObjectName") for m in listing[1:-1]] == ["alice", "bob"]
        with pytest.raises(LinkError, match="Invalid/unknown"):
            await ami.action("Bogus")
        fake.event("Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
        for _ in range(50):
            if events:
                break
            await asyncio.sleep(0.01)
        assert [e.event for e in events] == ["FullyBooted"]
    finally:
        task.cancel()


async def test_reconnects_and_reruns_login_hooks(fake: FakeAmi) -> None:
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"))
    hooks: list[int] = []

    async def hook() -> None:
        hooks.append(fake.logins)

    ami.on_login(hook)
    task = await _running(ami)
    try:
        fake.drop_clients()
        for _ in range(100):
            if fake.logins == 2 and ami.connected:
                break
            await asyncio.sleep(0.02)
        assert fake.logins == 2 and hooks == [1, 2]
        await ami.db_put("a", "b", "c")
    finally:
        task.cancel()


async def test_action_while_down_fails_at_once() -> None:
    ami = Ami(AmiSettings("127.0.0.1", 1, "astreinte", "secret"))
    with pytest.raises(LinkError, match="not connected"):
        await ami.db_put("a", "b", "c")


async def test_action_without_answer_times_out(fake: FakeAmi) -> None:
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"), action_timeout=0.3)
    task = await _running(ami)
    try:
        fake.silent = True
        with pytest.raises(LinkError, match="no answer"):
            await ami.db_put("a", "b", "c")
    finally:
        task.cancel()


async def test_a_refused_login_is_reported_and_retried_until_asterisk_accepts_it(fake: FakeAmi) -> None:
    """Hunting does not need AMI: a wrong secret must not end the daemon (issue 15, item 5)."""
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "wrong"))
    task = asyncio.create_task(ami.run())
    try:
        for _ in range(100):
            if ami.refused is not None:
                break
            await asyncio.sleep(0.05)
        assert not task.done(), "a refused login is not fatal"
        refused = ami.refused
        assert refused is not None and "refused user 'astreinte'" in refused and "wrong" not in refused
        assert ami.problem == ami.refused and not ami.connected
        fake.secret = "wrong"                       # manager.conf fixed: the next attempt (2 s later) logs in
        assert await ami.wait_connected(6)
        assert ami.refused is None and ami.problem is None
    finally:
        task.cancel()


async def test_a_refused_login_fails_at_once_for_the_cli(fake: FakeAmi) -> None:
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "wrong"))
    with pytest.raises(AmiRefused, match="refused user 'astreinte'") as info:
        await asyncio.wait_for(ami.run(retry_refused=False), 5)
    assert "wrong" not in str(info.value)


async def test_a_client_without_event_handlers_asks_asterisk_for_no_events(fake: FakeAmi) -> None:
    """The daemon only sends actions: unasked events (dozens per call) would cost both sides CPU."""
    port = await fake.start()
    quiet = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"))
    task = await _running(quiet)
    listening = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"))
    listening.on_event(lambda _msg: None)
    task2 = await _running(listening)
    try:
        logins = [m.get("Events") for m in fake.actions if m.get("Action") == "Login"]
        assert logins == ["off", "on"]
    finally:
        for t in (task, task2):
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t


async def test_an_action_cancelled_as_its_answer_arrives_stays_cancelled(fake: FakeAmi) -> None:
    """A daemon stopping (SIGTERM, or another link failing) cancels its AMI work; the cancellation must
    not be lost when the answer lands in the same instant, or the daemon never exits
    (asyncio.wait_for on Python 3.11 returned the answer instead, gh-86296)."""
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"))
    doing: list[asyncio.Task[None]] = []
    def cancel(_msg: object) -> None:     # runs right after the answer is handed over
        doing[0].cancel()

    ami.on_event(cancel)
    task = await _running(ami)
    try:
        fake.trailing_event = "Event: VarSet\r\nVariable: x\r\n\r\n"
        doing.append(asyncio.create_task(ami.db_put("a", "b", "c")))
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(doing[0], 5)
    finally:
        task.cancel()


async def test_astdb_reads_and_deletes_take_a_missing_key_in_their_stride(fake: FakeAmi) -> None:
    """What the AstDB writer relies on: DBGet of a missing key is None, deleting one is not an error."""
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"))
    task = await _running(ami)
    try:
        assert await ami.db_get("astreinte", "5102/current") == "a"
        assert await ami.db_get("astreinte", "5103/current") is None
        await ami.db_del("astreinte", "5103/b", tree=True)
        await ami.db_del("astreinte", "5103/current")
        deletes = [(m.get("Action"), m.get("Key")) for m in fake.actions if m.get("Action", "").startswith("DBDel")]
        assert deletes == [("DBDelTree", "5103/b"), ("DBDel", "5103/current")]
    finally:
        task.cancel()


async def test_a_whole_astdb_family_is_read_in_one_action(fake: FakeAmi) -> None:
    """What the PBX trace importer reads: every key of astreinte_calls, values holding ':' and '!' intact."""
    fake.astdb |= {"/astreinte_calls/1795.12/start": "1795000000",
                   "/astreinte_calls/1795.12/a1": "1!PJSIP/alice&PJSIP/x@y:5!NOANSWER!17!3!0!"}
    port = await fake.start()
    ami = Ami(AmiSettings("127.0.0.1", port, "astreinte", "secret"))
    task = await _running(ami)
    try:
        assert await ami.db_tree("astreinte_calls") == {
            "/astreinte_calls/1795.12/a1": "1!PJSIP/alice&PJSIP/x@y:5!NOANSWER!17!3!0!",
            "/astreinte_calls/1795.12/start": "1795000000"}
        assert await ami.db_tree("nothing_here") == {}
        (asked,) = [m for m in fake.actions if m.get("Action") == "DBGetTree"][:1]
        assert asked.get("Key") == "", "no Key: the whole family"
    finally:
        task.cancel()
