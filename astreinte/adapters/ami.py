"""An asyncio AMI client: login, actions with timeouts, events, reconnects.

panoramisk works on 3.11 but keeps ``authenticated`` True while disconnected
and never resolves an action sent while down; this client is small, has one
reconnect loop, and every action either answers or raises within its timeout.

Nothing AMI does is needed to hunt (ARI does the calls): AMI keeps the AstDB tier up to date.
So no AMI failure ends the daemon. Asterisk down or unreachable: retried every 0.1..5 s. A refused
login (wrong secret, unknown user): logged as an error, kept in ``refused`` (``/status``, metrics,
a notification), and retried every 2..15 s, so that fixing ``manager.conf`` is enough.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from astreinte.adapters.ari import backoff
from astreinte.config import AmiSettings
from astreinte.domain.errors import LinkError
from astreinte.wire.ami import AmiParser, AmiProtocolError, Message, encode_action

log = logging.getLogger("astreinte.ami")

EventHandler = Callable[[Message], None]


class AmiRefused(LinkError):
    """Asterisk refused the login (wrong secret, unknown user, no permission): worth retrying slowly."""

LoginHook = Callable[[], Awaitable[None]]


class Ami:
    def __init__(self, settings: AmiSettings, *, action_timeout: float = 5.0) -> None:
        self.settings = settings
        self.action_timeout = action_timeout
        self._ids = itertools.count(1)
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[str, tuple[asyncio.Future[list[Message]], list[Message]]] = {}
        self._handlers: list[EventHandler] = []
        self._login_hooks: list[LoginHook] = []
        self._up = asyncio.Event()
        self.refused: str | None = None     # why Asterisk refused the last login (None: it did not)
        self.problem: str | None = "not connected yet"    # why AMI is not up now (None: it is)

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    def on_event(self, handler: EventHandler) -> None:
        """Receive AMI events; register before ``run()``. Without a handler the session logs in with
        ``Events: off``: Asterisk then sends nothing unasked (dozens of events per call otherwise)."""
        self._handlers.append(handler)

    def on_login(self, hook: LoginHook) -> None:
        """Run after every successful login (re-read state, re-write AstDB...)."""
        self._login_hooks.append(hook)

    async def wait_connected(self, timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                await self._up.wait()
        except TimeoutError:
            return False
        return True

    async def run(self, *, retry_refused: bool = True) -> None:
        """Stay connected forever (until cancelled): every failure is retried, none is fatal. The CLI,
        with ``retry_refused=False``, gets ``AmiRefused`` at once for a refused login."""
        delays, slow = backoff(), backoff(initial=2.0, factor=2.0, maximum=15.0)
        while True:
            refused = False
            try:
                await self._session()
                delays, slow = backoff(), backoff(initial=2.0, factor=2.0, maximum=15.0)
                reason = "connection closed"
            except AmiRefused as exc:
                if not retry_refused:
                    raise
                refused, reason = True, str(exc)
                if exc.args[0] != self.refused:
                    log.error("%s; the daemon goes on (hunting does not need AMI) but the AstDB tier is not kept "
                              "up to date; retrying", exc)
                self.refused = str(exc)
            except (OSError, LinkError, AmiProtocolError, asyncio.IncompleteReadError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            finally:
                self._down()
            self.problem = reason
            delay = await anext(slow if refused else delays)
            log.info("AMI unavailable at %s:%d (%s); retrying in %.2f s",
                     self.settings.host, self.settings.port, reason, delay)
            await asyncio.sleep(delay)

    async def _session(self) -> None:
        async with asyncio.timeout(self.action_timeout):
            reader, writer = await asyncio.open_connection(self.settings.host, self.settings.port)
        self._writer = writer
        parser = AmiParser()
        reading = asyncio.create_task(self._read(reader, parser))
        try:
            login = await self._send("Login", {"Username": self.settings.username,
                                               "Secret": self.settings.secret,
                                               "Events": "on" if self._handlers else "off"})
            if login[0].response != "Success":
                raise AmiRefused(
                    f"AMI at {self.settings.host}:{self.settings.port} refused user "
                    f"{self.settings.username!r}: {login[0].get('Message')} "
                    "(check asterisk.ami.username/secret and manager.conf)")
            self._up.set()
            self.refused = self.problem = None
            log.info("AMI connected to %s:%d (%s)", self.settings.host, self.settings.port, parser.banner)
            for hook in self._login_hooks:
                try:
                    await hook()
                except LinkError as exc:
                    log.warning("AMI post-login step failed: %s", exc)
            await reading
        finally:
            reading.cancel()
            writer.close()

    async def _read(self, reader: asyncio.StreamReader, parser: AmiParser) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for msg in parser.feed(data):
                self._dispatch(msg)

    def _dispatch(self, msg: Message) -> None:
        pending = self._pending.get(msg.action_id) if msg.action_id else None
        if pending is not None:
            future, collected = pending
            collected.append(msg)
            listing = msg.get("EventList").lower()
            if (msg.response and listing != "start") or listing == "complete":
                self._pending.pop(msg.action_id, None)
                if not future.done():
                    future.set_result(collected)
            return   # a response, or an item of a list we asked for
        if msg.event:
            for handler in self._handlers:
                try:
                    handler(msg)
                except Exception:  # a bad handler must not kill the link
                    log.exception("AMI event handler failed on %s", msg.event)

    def _down(self) -> None:
        self._up.clear()
        self._writer = None
        for future, _ in self._pending.values():
            if not future.done():
                future.set_exception(LinkError("AMI connection lost"))
        self._pending.clear()

    async def _send(self, action: str, fields: Mapping[str, str | Sequence[str]] | None) -> list[Message]:
        writer = self._writer
        if writer is None:
            raise LinkError(f"AMI is not connected (action {action})")
        action_id = f"astreinte-{next(self._ids)}"
        future: asyncio.Future[list[Message]] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = (future, [])
        try:
            writer.write(encode_action(action, action_id, fields))
            await writer.drain()
            async with asyncio.timeout(self.action_timeout):
                return await future
        except TimeoutError as exc:
            raise LinkError(f"AMI action {action} got no answer in {self.action_timeout} s") from exc
        finally:
            self._pending.pop(action_id, None)

    async def action(self, action: str, **fields: str | Sequence[str]) -> list[Message]:
        """Send an action once logged in; the response first, then any list events."""
        if not self.connected:
            raise LinkError(f"AMI is not connected (action {action})")
        messages = await self._send(action, fields)
        if messages and messages[0].response == "Error":
            raise LinkError(f"AMI {action}: {messages[0].get('Message')}")
        return messages

    async def db_put(self, family: str, key: str, value: str) -> None:
        await self.action("DBPut", Family=family, Key=key, Val=value)

    async def db_get(self, family: str, key: str) -> str | None:
        """The value, or None when AstDB has no such key."""
        messages = await self._db("DBGet", family, key)
        found = [m for m in messages if m.event == "DBGetResponse"]
        return found[0].get("Val") if found else None

    async def db_tree(self, family: str) -> dict[str, str]:
        """Every key of ``family`` (``/family/a/b`` -> value); {} when it has none."""
        messages = await self._db("DBGetTree", family, "")
        return {m.get("Key"): m.get("Val") for m in messages if m.event == "DBGetTreeResponse"}

    async def db_del(self, family: str, key: str, *, tree: bool = False) -> None:
        """Delete a key (or a whole tree under it); a key already gone is fine."""
        await self._db("DBDelTree" if tree else "DBDel", family, key)

    async def _db(self, action: str, family: str, key: str) -> list[Message]:
        if not self.connected:
            raise LinkError(f"AMI is not connected (action {action})")
        messages = await self._send(action, {"Family": family, **({"Key": key} if key else {})})
        if messages and messages[0].response == "Error":
            if "not found" in messages[0].get("Message").lower():
                return []
            raise LinkError(f"AMI {action}: {messages[0].get('Message')}")
        return messages

    async def command(self, command: str) -> str:
        messages = await self.action("Command", Command=command)
        return "\n".join(messages[0].all("Output")) if messages else ""
