"""The call log's record of one call: who called, which tier served it, how it ended, every attempt.

The flow (``domain.calls.flow``) owns it while the call lives; the store only writes it.
Instants are aware datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from astreinte.domain.hunt import Hunt

OUTCOMES = ("answered", "voicemail", "abandoned", "outside_service", "failed")
RESULTS = ("answered", "declined", "no_answer", "busy", "unreachable", "cancelled")


class _Attempt(Protocol):
    @property
    def level(self) -> int: ...
    @property
    def person(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def result(self) -> str | None: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def round(self) -> int: ...


@dataclass(frozen=True)
class AttemptRecord:
    level: int
    person: str
    phone: str
    result: str | None
    started_at: datetime
    ended_at: datetime | None
    round: int = 1


@dataclass
class CallRecord:
    id: str
    started_at: datetime
    did: str
    caller: str
    team: str | None = None
    outcome: str = "in_progress"
    reason: str | None = None              # blocked, unknown_number, nobody_available, error...
    answered_by: str | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    tier: str = "stasis"                   # which part of astreinte served the call
    customer: str | None = None            # the known caller (``callers:``), by number or customer PIN
    attempts: list[AttemptRecord] = field(default_factory=list)

    def complete(self, hunt: Hunt | None, connected_at: datetime | None, ended_at: datetime) -> None:
        """Fill in how the call ended from its hunt (None: it never got that far)."""
        self.ended_at, self.connected_at = ended_at, connected_at
        if hunt is not None:
            self.attempts = to_records(hunt.attempts)
            if connected_at is not None:
                self.answered_by = hunt.answered_by
        if self.reason == "outside_service" and self.outcome == "in_progress":
            self.outcome, self.answered_by = "outside_service", None
        elif self.outcome == "in_progress":
            outcome = hunt.outcome if hunt is not None else None
            if outcome == "answered" and connected_at is None:
                outcome = "abandoned"        # accepted, but the caller left before the bridge
            self.outcome = outcome or "failed"
            if self.outcome == "failed" and self.reason is None:
                self.reason = "nobody_available" if hunt is not None and hunt.finished else "error"

    def copy(self) -> CallRecord:
        """A snapshot to write while the call goes on."""
        return replace(self, attempts=list(self.attempts))

    @property
    def wait_seconds(self) -> float | None:
        """Until a human was connected, or until the caller was given up on."""
        end = self.connected_at or self.ended_at
        return None if end is None else round((end - self.started_at).total_seconds(), 3)

    @property
    def talk_seconds(self) -> float | None:
        if self.connected_at is None or self.ended_at is None:
            return None
        return round((self.ended_at - self.connected_at).total_seconds(), 3)


def after_restart(connected: bool, recorded: bool) -> tuple[str, str, str]:
    """(outcome, reason, tier) of a call a stopped daemon left ``in_progress``, from what is left of it:
    a message recorded (the lease let the recording finish), a conversation it logged when bridged
    (adopted by the next daemon), or else a caller the lease or the next daemon handed to the PBX tiers."""
    if recorded:
        return "voicemail", "daemon_restarted", "stasis"
    if connected:
        return "answered", "daemon_restarted", "stasis"
    return "failed", "daemon_restarted", "dialplan"


def to_records(attempts: Sequence[_Attempt]) -> list[AttemptRecord]:
    """The hunt's attempts as call-log rows."""
    return [AttemptRecord(a.level, a.person, a.phone, a.result, a.started_at, a.ended_at, a.round) for a in attempts]
