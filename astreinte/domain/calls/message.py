"""Nobody took the call: "leave a message after the beep", a bounded recording, then it is filed. Pure.

    prompt ──over, failed or too long──▶ recording ──finished, failed or too long──▶ filing ──▶ done
       └──the caller left──▶ (abandoned)    the caller hanging up ends the recording: it is kept
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from astreinte.domain.calls import commands as c
from astreinte.domain.calls.lease import Lease
from astreinte.domain.calls.line import Line, file_id
from astreinte.domain.calls.media import Media
from astreinte.domain.calls.steps import Steps
from astreinte.domain.rota import Team

MessagePhase = Literal["prompt", "recording", "filing", "done"]


class MessageTaking:
    def __init__(self, call_id: str, team: Team, line: Line, media: Media, steps: Steps) -> None:
        self.call_id, self.team, self.line, self.media, self.steps = call_id, team, line, media, steps
        self.name = "astreinte-" + file_id(call_id)      # the recording's file name: the call id made safe
        self.phase: MessagePhase = "prompt"
        self.until: datetime | None = None
        self.recorded_at: datetime | None = None

    def start(self, now: datetime, out: list[c.Command]) -> None:
        """Stop what the caller hears and play "leave a message after the beep"."""
        out += self.media.stop()
        out += self.media.ringback(False)
        out.append(self.media.to_caller(self.line.prompts.voicemails[self.team.id], "voicemail-greeting"))
        self.until = now + timedelta(seconds=self.line.timings.voicemail_prompt)

    def record(self, now: datetime, out: list[c.Command], lease: Lease) -> datetime:
        """Start the recording (leased for its whole length: it completes if the daemon dies); when to
        give up waiting for its end."""
        policy = self.team.voicemail
        lease.extend(now, out, policy.max_seconds + self.line.timings.recording_margin)   # before: see lease.py
        out.append(c.Record(self.name, int(policy.max_seconds), int(policy.max_silence)))
        self.steps.trace(f"recording a message (at most {policy.max_seconds:.0f} s)", now, out)
        self.phase, self.recorded_at = "recording", now
        self.until = now + timedelta(seconds=policy.max_seconds + self.line.timings.recording_margin)
        return self.until

    def recorded(self, duration: float | None, failure: str | None, caller: str, tried: tuple[str, ...],
                 now: datetime, out: list[c.Command]) -> None:
        """The recording is over (finished, failed, or never reported): file what there is."""
        assert self.recorded_at is not None
        if failure is not None:
            self.steps.trace(f"the voicemail recording failed ({failure})", now, out, level="warning")
        self.phase, self.until = "filing", None
        path = self.line.recordings / f"{self.name}.wav"
        self.steps.trace(f"message recorded: {path} ({'?' if duration is None else f'{duration:.0f}'} s)", now, out)
        out.append(c.FileMessage(self.call_id, self.team.id, caller, self.line.number, self.recorded_at, duration,
                                 self.name, tried))

    def filed(self, notified: tuple[tuple[str, bool], ...], now: datetime, out: list[c.Command]) -> None:
        self.phase = "done"
        if notified:
            self.steps.trace("message notified: " + ", ".join(f"{k} {'ok' if ok else 'FAILED'}" for k, ok in notified),
                             now, out)
