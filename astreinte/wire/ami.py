"""The Asterisk Manager Interface wire format, sans I/O.

An AMI message is ``Key: Value`` lines ended by an empty line (CRLF). The
server greets with one banner line (``Asterisk Call Manager/9.0.0``) first.
``AmiParser.feed(bytes)`` returns whole messages; ``encode_action`` builds an
action and refuses values that would smuggle a line break into the stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_BUFFER = 1 << 20   # a peer that never sends an empty line cannot make us grow without bound


class AmiProtocolError(ValueError):
    """The peer broke the framing, or an action value carries a line break."""


@dataclass
class Message:
    """One AMI message. Keys keep Asterisk's spelling; repeated keys are kept in order."""

    fields: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str, default: str = "") -> str:
        low = key.lower()
        for k, v in self.fields:
            if k.lower() == low:
                return v
        return default

    def all(self, key: str) -> list[str]:
        low = key.lower()
        return [v for k, v in self.fields if k.lower() == low]

    @property
    def event(self) -> str:
        return self.get("Event")

    @property
    def response(self) -> str:
        return self.get("Response")

    @property
    def action_id(self) -> str:
        return self.get("ActionID")

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.fields}


class AmiParser:
    """Incremental parser: feed bytes, get complete messages."""

    def __init__(self) -> None:
        self._buffer = b""
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        out: list[Message] = []
        if self.banner is None:
            line, sep, rest = self._buffer.partition(b"\r\n")
            if not sep:
                self._check_size()
                return out
            self.banner = line.decode("utf-8", "replace")
            self._buffer = rest
        while True:
            block, sep, rest = self._buffer.partition(b"\r\n\r\n")
            if not sep:
                break
            self._buffer = rest
            msg = Message()
            for raw in block.split(b"\r\n"):
                if not raw:
                    continue
                key, colon, value = raw.decode("utf-8", "replace").partition(":")
                if colon:
                    msg.fields.append((key.strip(), value.strip()))
                else:  # old-style command output lines
                    msg.fields.append(("Output", key.rstrip()))
            if msg.fields:
                out.append(msg)
        self._check_size()
        return out

    def _check_size(self) -> None:
        if len(self._buffer) > MAX_BUFFER:
            raise AmiProtocolError(f"AMI message larger than {MAX_BUFFER} bytes without an end")


def encode_action(action: str, action_id: str, fields: Mapping[str, str | Sequence[str]] | None = None) -> bytes:
    """``Action: X`` + ``ActionID`` + fields; a list value repeats the key (``Variable:`` lines)."""
    lines = [("Action", action), ("ActionID", action_id)]
    for key, value in (fields or {}).items():
        values = [value] if isinstance(value, str) else list(value)
        lines.extend((key, v) for v in values)
    for key, value in lines:
        if any(c in key + value for c in "\r\n") or ":" in key:
            raise AmiProtocolError(f"AMI field {key!r} carries a line break or colon")
    return "".join(f"{k}: {v}\r\n" for k, v in lines).encode() + b"\r\n"
