"""The call's lease on its channels: how long Asterisk leaves them to the daemon. Pure.

The dialplan sets ``TIMEOUT(absolute)=FIRST_LEASE`` just before ``Stasis()``. When an absolute
timeout fires in ``Stasis()``, Asterisk 22 ends the app's hold (``StasisEnd``) and the dialplan
goes on at the ``T`` extension, which sends the caller to the PBX tiers (``astreinte-fallback``,
``ASTREINTE_REASON=lease-expired``). So a daemon that dies or freezes loses its callers to the
PBX within one lease, whether or not a daemon ever comes back. While the daemon holds the call
it renews the lease::

    arrival ─(FIRST_LEASE, set by the dialplan)─▶ renewed every RENEW_EVERY s to TERM s from now
    bridged (a conversation) ──▶ the rest of max_call_duration, no more renewals: a dead daemon
                                 never cuts a conversation
    recording a message ──▶ the recording's own bound: it completes even if the daemon dies
    handed to the dialplan ──▶ the rest of max_call_duration (the fallback tiers need the time)

Asterisk applies a channel's variable writes on the channel's own thread, after the playback it is
busy with (seen on the lab: renewals sent during a 4.5 s greeting landed after it, and the lease
ran out mid-greeting). So before each prompt the flow moves the lease past the prompt's end
(``cover``): a daemon dying mid-prompt hands the caller over at most ``TERM`` s after the prompt.
The prompt's length: its file's for a prompt the daemon rendered, its longest play so far for one
of Asterisk's own sounds (``play_lengths.py``), 10 s for a sound never played yet.

An answered phone leg is held the same way (a leg left in the app by a dead daemon is hung up
by Asterisk); a ringing leg cannot be (it is not in ``Stasis()`` yet): its originate timeout
bounds it. A channel the dialplan took back answers 422 (``Channel not in Stasis
application``): the flow treats it as gone, never hunts for it again.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e

if TYPE_CHECKING:
    from astreinte.domain.calls.callees import Callees
    from astreinte.domain.calls.line import PromptBook
    from astreinte.domain.calls.record import CallRecord
    from astreinte.domain.calls.steps import Steps

FIRST_LEASE = 3         # seconds the dialplan gives the daemon to take the call (dialplan.render)
TERM = 4                # each renewal: the PBX tiers take the call this long after the daemon's last word
RENEW_EVERY = 1.5       # so a renewal may be late by 2.5 s (a busy loop) without losing the call
SKEW = timedelta(seconds=0.5)


def arrival(now: datetime, created: datetime | None) -> datetime:
    """When the caller arrived: Asterisk's creation time of the channel when it is earlier than
    ``now`` (a daemon that was frozen, or that reads its events late, sees the call long after it
    came), else the daemon's clock (a clock skewed the other way says nothing of the wait)."""
    return created if created is not None and created < now else now


class Lease:
    def __init__(self, caller: str, arrived: datetime, max_call: float, prompts: PromptBook | None = None) -> None:
        self.caller, self.arrived, self.max_call, self.prompts = caller, arrived, max_call, prompts
        self.known: dict[str, float] = {}       # media rendered for this call -> seconds
        self.expires = arrived + timedelta(seconds=FIRST_LEASE)   # as last asked of Asterisk (the caller)
        self.held: list[str] = [caller]         # the channels renewed: the caller, answered legs
        self.renew_at: datetime | None = None   # None: nothing to renew (extended, or the call is over)
        self.extended = False
        self.lost_at: datetime | None = None    # when the dialplan took the caller back (the lease lapsed)

    @property
    def deadline(self) -> datetime | None:
        return self.renew_at

    def lapsed(self, now: datetime) -> bool:
        """The dialplan has taken the caller back (or is about to): the channel is no longer ours."""
        return not self.extended and now >= self.expires - SKEW

    def take(self, now: datetime, out: list[c.Command]) -> None:
        """The daemon takes the call: the dialplan's lease is renewed RENEW_EVERY s later, then every
        RENEW_EVERY s (the first renewal has 1.5 s to spare, the later ones 2.5 s).

        Not at once: the call's start (the answer, the greeting, the first originate) carries no
        renewal, and the lease moved past the greeting (``cover``) lands long before the first one is
        due. A call read late (a frozen daemon: less than a second would be left) is renewed at once."""
        if self.expires - now < timedelta(seconds=RENEW_EVERY + 1.0):
            self.renew(now, out)
        else:
            self.renew_at = now + timedelta(seconds=RENEW_EVERY)

    def follow(self, event: e.Event, callees: Callees | None, now: datetime, out: list[c.Command]) -> bool:
        """After the flow handled ``event``: renew when due, hold an answered leg, and once the call is
        bridged extend to the rest of the call (True then: the flow saves the call as it stands)."""
        if isinstance(event, h.TimerExpired) and self.renew_at is not None and self.renew_at <= now:
            self.renew(now, out)
        elif isinstance(event, e.ChannelAnswered) and callees is not None and callees.knows(event.channel):
            self.hold(event.channel, now, out)
        elif isinstance(event, e.ChannelGone):
            self.release(event.channel)
        elif isinstance(event, e.PromptRendered) and event.seconds is not None:
            self.known[event.media] = event.seconds
        if callees is not None and callees.bridge is not None and not self.extended:
            self.extend(now, out)           # a dead daemon must never cut a conversation
            return True
        self.cover(out)
        return False

    def cover(self, out: list[c.Command]) -> None:
        """Before each prompt on a held channel: the lease moved past the prompt's end."""
        if self.extended:
            return
        i = 0
        while i < len(out):
            play = out[i]
            if isinstance(play, c.Play) and play.channel in self.held:
                seconds = self.known.get(play.media) or (self.prompts.seconds(play.media) if self.prompts else 10.0)
                superseded = [k for k in range(i) if isinstance(out[k], c.Lease)
                              and out[k] == c.Lease(play.channel, TERM)]      # a renewal of this same batch
                for k in reversed(superseded):
                    del out[k]
                i -= len(superseded)
                out.insert(i, c.Lease(play.channel, TERM + math.ceil(seconds)))
                i += 1
            i += 1

    def taken_back(self, record: CallRecord, steps: Steps, now: datetime, out: list[c.Command]) -> None:
        """The lease lapsed: the dialplan has the caller (the daemon was stopped, frozen or too slow)."""
        self.renew_at, self.lost_at = None, min(now, self.expires)
        record.outcome, record.reason, record.tier = "failed", "lease_expired", "dialplan"
        steps.trace(f"the lease lapsed {(now - self.expires).total_seconds():.1f} s ago: the PBX tiers have "
                    "the caller", now, out, level="warning")

    def renew(self, now: datetime, out: list[c.Command]) -> None:
        if self.extended:
            return
        out += [c.Lease(channel, TERM) for channel in self.held]
        self.expires = now + timedelta(seconds=TERM)
        self.renew_at = now + timedelta(seconds=RENEW_EVERY)

    def hold(self, channel: str, now: datetime, out: list[c.Command]) -> None:
        """An answered leg: leased like the caller (a conversation: for the rest of the call)."""
        if channel in self.held:
            return
        self.held.append(channel)
        out.append(c.Lease(channel, self.remaining(now), last=True) if self.extended else c.Lease(channel, TERM))

    def release(self, channel: str) -> None:
        if channel in self.held and channel != self.caller:
            self.held.remove(channel)

    def remaining(self, now: datetime) -> int:
        """The rest of ``max_call_duration``, in whole seconds, at least 1 (0 would mean "no timeout")."""
        left = self.max_call - (now - self.arrived).total_seconds()
        return max(1, math.ceil(left))

    def extend(self, now: datetime, out: list[c.Command], seconds: float | None = None) -> None:
        """No more renewals: the channels stay ours for ``seconds`` (default: the rest of the call)."""
        term = self.remaining(now) if seconds is None else min(self.remaining(now), max(1, math.ceil(seconds)))
        out += [c.Lease(channel, term, last=term == self.remaining(now)) for channel in self.held]
        self.extended, self.renew_at = True, None
        self.expires = now + timedelta(seconds=term)

    def end(self) -> None:
        self.renew_at = None
