"""The FastAGI wire format, sans I/O.

Asterisk opens a TCP connection and sends its environment, one ``agi_key: value`` line
each, ended by an empty line::

    agi_network: yes
    agi_network_script: chain
    agi_request: agi://127.0.0.1:4573/chain
    agi_channel: PJSIP/trunk-00000002
    agi_extension: 1000
    <empty line>

Then the server sends commands (``SET VARIABLE NAME "value"\\n``) and reads one reply
each (``200 result=1``; ``510 Invalid or unknown command``; a ``520-`` block ended by
``520 End of proper usage.``). Asterisk may also send ``HANGUP`` on its own.

``AgiParser.feed(bytes)`` returns what arrived: the ``Request`` once, then ``Reply``s and
``Hangup``s. It is bounded (line length, environment size, buffer) and raises
``AgiProtocolError`` on anything malformed: a peer cannot make it crash or grow.
``set_variable()`` refuses names and values that could smuggle a second command.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_LINE = 4096
MAX_ENV_LINES = 200
MAX_BUFFER = 64 * 1024
MAX_REPLY_LINES = 100

VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
_REPLY = re.compile(r"([0-9]{3})([ -])(.*)\Z")
_RESULT = re.compile(r"result=(-?[0-9]+)(?:\s+\((.*)\))?")


class AgiProtocolError(ValueError):
    """The peer broke the framing, or a command would carry a line break."""


@dataclass(frozen=True)
class Request:
    """The environment Asterisk sent (``agi_`` prefix kept off the keys) and the script path."""

    env: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        return self.env.get(key, default)

    @property
    def script(self) -> str:
        """``chain`` for ``agi://127.0.0.1:4573/chain?x`` (path only, without the query)."""
        return self.get("network_script").split("?", 1)[0].strip("/")

    @property
    def extension(self) -> str:
        return self.get("extension")

    @property
    def channel(self) -> str:
        return self.get("channel")

    @property
    def uniqueid(self) -> str:
        return self.get("uniqueid")

    def arg(self, n: int) -> str:
        return self.get(f"arg_{n}")


@dataclass(frozen=True)
class Reply:
    code: int
    result: int | None
    data: str
    text: str

    @property
    def ok(self) -> bool:
        return self.code == 200


@dataclass(frozen=True)
class Hangup:
    """Asterisk's unsolicited ``HANGUP`` line: the channel is gone."""


Item = Request | Reply | Hangup


class AgiParser:
    """Incremental parser for what Asterisk sends on a FastAGI connection."""

    def __init__(self) -> None:
        self._buffer = b""
        self._env: dict[str, str] = {}
        self._env_lines = 0
        self.request: Request | None = None
        self._block: list[str] | None = None       # a ``520-`` reply being collected

    def feed(self, data: bytes) -> list[Item]:
        self._buffer += data
        out: list[Item] = []
        while True:
            line, sep, rest = self._buffer.partition(b"\n")
            if not sep:
                break
            self._buffer = rest
            if len(line) > MAX_LINE:
                raise AgiProtocolError(f"AGI line longer than {MAX_LINE} bytes")
            item = self._line(line.rstrip(b"\r").decode("utf-8", "replace"))
            if item is not None:
                out.append(item)
        if len(self._buffer) > MAX_LINE or len(self._buffer) > MAX_BUFFER:
            raise AgiProtocolError(f"AGI line longer than {MAX_LINE} bytes")
        return out

    def _line(self, line: str) -> Item | None:
        if self.request is None:
            return self._env_line(line)
        if line == "HANGUP":
            return Hangup()
        if self._block is not None:
            self._block.append(line)
            if len(self._block) > MAX_REPLY_LINES:
                raise AgiProtocolError("AGI reply block too long")
            found = _REPLY.match(line)
            if found and found.group(2) == " ":
                block, self._block = self._block, None
                return Reply(int(found.group(1)), None, "", "\n".join(block))
            return None
        if not line:
            return None
        found = _REPLY.match(line)
        if not found:
            raise AgiProtocolError(f"unexpected AGI reply {line[:60]!r}")
        code, dash, rest = int(found.group(1)), found.group(2), found.group(3)
        if dash == "-":
            self._block = [line]
            return None
        result = _RESULT.match(rest.strip())
        if result:
            return Reply(code, int(result.group(1)), result.group(2) or "", line)
        return Reply(code, None, "", line)

    def _env_line(self, line: str) -> Item | None:
        if not line:
            if not self._env:
                raise AgiProtocolError("AGI environment is empty")
            self.request = Request(dict(self._env))
            return self.request
        self._env_lines += 1
        if self._env_lines > MAX_ENV_LINES:
            raise AgiProtocolError(f"AGI environment longer than {MAX_ENV_LINES} lines")
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon or not key.startswith("agi_") or not VARIABLE_NAME.match(key):
            raise AgiProtocolError(f"not an AGI environment line: {line[:60]!r}")
        self._env[key.removeprefix("agi_")] = value.strip()
        return None


def quote(value: str) -> str:
    """An AGI argument in double quotes; backslash and quote escaped; no control characters."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise AgiProtocolError("AGI argument carries a line break or control character")
    if len(value) > MAX_LINE - 100:
        raise AgiProtocolError("AGI argument too long")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def set_variable(name: str, value: str) -> bytes:
    if not VARIABLE_NAME.match(name):
        raise AgiProtocolError(f"bad channel variable name {name[:40]!r}")
    return f"SET VARIABLE {name} {quote(value)}\n".encode()


def get_variable(name: str) -> bytes:
    if not VARIABLE_NAME.match(name):
        raise AgiProtocolError(f"bad channel variable name {name[:40]!r}")
    return f"GET VARIABLE {name}\n".encode()


def verbose(message: str, level: int = 1) -> bytes:
    return f"VERBOSE {quote(message)} {int(level)}\n".encode()
