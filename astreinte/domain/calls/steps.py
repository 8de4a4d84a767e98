"""A call's steps: each is a line of the operator's log (a ``Trace`` command) and a row of the call log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from astreinte.domain.calls.commands import Command, Trace


class Steps:
    def __init__(self) -> None:
        self.items: list[tuple[datetime, str, str]] = []

    def trace(self, text: str, now: datetime, out: list[Command], level: Literal["info", "warning"] = "info") -> None:
        self.items.append((now, "step", text))
        out.append(Trace(text, level))
