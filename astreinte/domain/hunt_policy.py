"""How a team's chain is hunted: the ``hunt:`` block of a team, as the pure ``Hunt`` reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Strategy = Literal["linear", "ringall"]
NoAnswer = Literal["voicemail", "hangup"]
Confirm = bool | Literal["external"]


@dataclass(frozen=True)
class HuntPolicy:
    """How a team's chain is hunted (the ``hunt:`` block of a team)."""

    strategy: Strategy = "linear"
    ring_timeout: float = 20.0      # seconds a level rings (linear) or everything rings (ringall)
    rounds: int = 1                 # how many times the whole chain is walked
    confirm: Confirm = False        # callee must press 1 to accept ("external": only legs a voicemail may answer)
    on_no_answer: NoAnswer = "voicemail"
    confirm_timeout: float = 10.0   # seconds an answered callee has to press a digit
    hold_message_every: float | None = 20.0  # seconds between "please hold" messages; None: never
    greeting_min: float | None = None  # an accepted callee interrupts the greeting once it played this long

    def must_confirm(self, phone: str) -> bool:
        """Whether the callee on ``phone`` must press 1: a softphone of ours has no voicemail to answer for it."""
        if self.confirm != "external":
            return bool(self.confirm)
        return external(phone)


def external(phone: str) -> bool:
    """A phone that can reach a voicemail: a number (dialed through the outbound route), a ``Local/``
    channel (the PBX's own routes), or an endpoint on a trunk (``PJSIP/0612345678@trunk``)."""
    return "/" not in phone or phone.startswith("Local/") or "@" in phone
