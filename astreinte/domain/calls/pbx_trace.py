"""The trace the PBX tiers leave of each call they serve (AstDB, family ``astreinte_calls``), read back
into the call log. Pure: the keys in, a ``PbxCall`` out. The dialplan that writes it is
``astreinte.dialplan`` (``[astreinte-trace]``)::

    UNIQUEID/number     the dialed number             UNIQUEID/start    when the fallback took it (Unix time)
    UNIQUEID/caller     the caller's number (digits)  UNIQUEID/reason   why the daemon did not serve it
    UNIQUEID/aN         the N-th Dial(): LEVEL!DIAL STRING!DIALSTATUS!END!DIALEDTIME!ANSWEREDTIME!PEER
    UNIQUEID/recording  START!/path/of/the/Record()ed.wav, or START!mailbox:BOX for VoiceMail()
    UNIQUEID/tier       the last tier (agi, astdb, voicemail)      UNIQUEID/blocked   1: refused
    UNIQUEID/end        when the call ended (the hang-up handler; missing if Asterisk died meanwhile)

Every value is untrusted (anyone with AMI access can write AstDB): each is checked, and a trace that
does not parse is reported, never half-imported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from astreinte.domain.calls.record import AttemptRecord, CallRecord

FAMILY = "astreinte_calls"
UNIQUEID = re.compile(r"[A-Za-z0-9._-]{1,150}\Z")
NUMBER = r"\+?[0-9]{0,32}"           # the dialed and the caller's numbers, as the dialplan FILTER()s them
TIERS = ("agi", "astdb", "voicemail")
RESULTS = {"ANSWER": "answered", "NOANSWER": "no_answer", "BUSY": "busy", "CONGESTION": "unreachable",
           "CHANUNAVAIL": "unreachable", "CANCEL": "cancelled", "DONTCALL": "declined", "TORTURE": "declined",
           "INVALIDARGS": "unreachable"}
SHORTEST_MESSAGE = 1.0      # seconds: a recording shorter than this is a caller who hung up at the beep


class BadTrace(ValueError):
    """A trace whose keys do not parse (the message names the key)."""


@dataclass(frozen=True)
class PbxDial:
    index: int
    level: int
    dial: str                   # the dial string (``PJSIP/alice&PJSIP/+336...``)
    status: str                 # DIALSTATUS
    ended_at: datetime
    dialed: float               # seconds Dial() ran
    answered: float             # seconds of conversation
    peer: str                   # the channel that answered (``PJSIP/alice-0000001a``)


@dataclass(frozen=True)
class PbxTrace:
    uniqueid: str
    number: str
    caller: str
    reason: str
    started_at: datetime
    ended_at: datetime | None
    tier: str
    blocked: bool
    dials: tuple[PbxDial, ...]
    recording: str | None       # the file as Asterisk wrote it
    mailbox: str | None
    recorded_at: datetime | None

    def complete(self, now: datetime, longest: timedelta) -> bool:
        """Over (the hang-up handler ran), or so old that the call cannot be going on (Asterisk died)."""
        return self.ended_at is not None or now - self.started_at > longest


def traces(tree: Mapping[str, str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """``DBGetTree`` keys (``/astreinte_calls/UNIQUEID/name``) grouped by call; and the keys that are not."""
    calls: dict[str, dict[str, str]] = {}
    stray: list[str] = []
    for key, value in tree.items():
        parts = key.strip("/").split("/")
        if len(parts) == 3 and parts[0] == FAMILY and UNIQUEID.match(parts[1]):
            calls.setdefault(parts[1], {})[parts[2]] = value
        else:
            stray.append(key)
    return calls, stray


def parse(uniqueid: str, keys: Mapping[str, str]) -> PbxTrace:
    if not UNIQUEID.match(uniqueid):
        raise BadTrace(f"call id {uniqueid[:40]!r}")
    start = _instant(keys, "start")
    if start is None:
        raise BadTrace("no start")
    tier = keys.get("tier", "")
    if tier and tier not in TIERS:
        raise BadTrace(f"tier {tier[:20]!r}")
    dials = tuple(sorted((_dial(name, value) for name, value in keys.items() if re.fullmatch(r"a[0-9]{1,3}", name)),
                         key=lambda d: d.index))
    recording = mailbox = None
    recorded_at = None
    if "recording" in keys:
        at, _, where = keys["recording"].partition("!")
        recorded_at = _epoch(at, "recording")
        if where.startswith("mailbox:"):
            mailbox = _checked(where.removeprefix("mailbox:"), r"[0-9A-Za-z_@-]{1,65}", "recording")
        else:
            recording = _checked(where, r"/[A-Za-z0-9_./+-]{1,400}\.wav", "recording")
            if ".." in recording:
                raise BadTrace("recording")
    return PbxTrace(uniqueid, _checked(keys.get("number", ""), NUMBER, "number"),
                    _checked(keys.get("caller", ""), NUMBER, "caller"),
                    re.sub(r"[^a-z0-9-]", "", keys.get("reason", ""))[:40], start, _instant(keys, "end"),
                    tier or ("voicemail" if recording or mailbox else "agi"), keys.get("blocked") == "1", dials,
                    recording, mailbox, recorded_at)


def record(trace: PbxTrace, team: str | None, people: Mapping[str, str], duration: float | None) -> CallRecord:
    """The call log's row; ``people``: endpoint (``PJSIP/alice``) -> person id; ``duration``: the recording's."""
    attempts: list[AttemptRecord] = []
    rounds: dict[int, int] = {}
    answered_by = connected_at = None
    for dial in trace.dials:
        rounds[dial.level] = rounds.get(dial.level, 0) + 1
        started = dial.ended_at - timedelta(seconds=dial.dialed)
        connected = dial.ended_at - timedelta(seconds=dial.answered) if dial.status == "ANSWER" else None
        for phone in dial.dial.split("&"):
            person = people.get(phone, phone)
            result = RESULTS.get(dial.status, "no_answer")
            if dial.status == "ANSWER" and not dial.peer.startswith(f"{phone}-") and "&" in dial.dial:
                result = "cancelled"            # another phone of the level took it
            elif dial.status == "ANSWER":
                answered_by, connected_at = person, connected
            attempts.append(AttemptRecord(dial.level, person, phone, result, started, connected or dial.ended_at,
                                          rounds[dial.level]))
    outcome, reason = _outcome(trace, answered_by, duration)
    return CallRecord(trace.uniqueid, trace.started_at, did=trace.number, caller=trace.caller or "anonymous",
                      team=team, outcome=outcome, reason=reason, answered_by=answered_by, connected_at=connected_at,
                      ended_at=trace.ended_at or trace.started_at, tier=trace.tier, attempts=attempts)


def has_message(trace: PbxTrace, duration: float | None) -> bool:
    """A message to hear: a mailbox, or a recording long enough (unknown length: kept, to be safe)."""
    if trace.mailbox is not None:
        return True
    return trace.recording is not None and (duration is None or duration >= SHORTEST_MESSAGE)


def steps(trace: PbxTrace, imported_at: datetime) -> list[tuple[datetime, str, str]]:
    """The call's lines in the call log, as the daemon would have written them."""
    why = f" ({trace.reason})" if trace.reason else ""
    out = [(trace.started_at, "step", f"served by the PBX while the daemon was away{why}: tier {trace.tier}")]
    for dial in trace.dials:
        out.append((dial.ended_at, "step", f"level {dial.level} {dial.dial}: {dial.status or 'no status'}"
                                           f" after {dial.dialed:.0f} s"))
    if trace.recording or trace.mailbox:
        out.append((trace.recorded_at or trace.started_at, "step",
                    f"message recorded: {trace.recording or 'voicemail box ' + str(trace.mailbox)}"))
    if trace.ended_at is None:
        out.append((trace.started_at, "step", "no end recorded: Asterisk stopped during the call"))
    out.append((imported_at, "step", "imported from the PBX trace"))
    return out


def _outcome(trace: PbxTrace, answered_by: str | None, duration: float | None) -> tuple[str, str | None]:
    if trace.blocked:
        return "failed", "blocked"
    if answered_by is not None:
        return "answered", None
    if has_message(trace, duration):
        return "voicemail", None
    if trace.tier == "voicemail" or any(d.status == "CANCEL" for d in trace.dials):
        return "abandoned", None
    return "failed", "nobody_available"


def _dial(name: str, value: str) -> PbxDial:
    parts = value.split("!")
    if len(parts) != 7:
        raise BadTrace(f"{name}: expected 7 fields")
    level, dial, status, end, dialed, answered, peer = parts
    if not level.isdigit() or not re.fullmatch(r"[A-Za-z0-9_./@:+&-]{1,2000}", dial):
        raise BadTrace(name)
    return PbxDial(int(name[1:]), int(level), dial, _checked(status, r"[A-Z]{0,20}", name), _epoch(end, name),
                   _seconds(dialed, name), _seconds(answered, name),
                   _checked(peer, r"[A-Za-z0-9_./@:+;-]{0,200}", name))


def _instant(keys: Mapping[str, str], name: str) -> datetime | None:
    return _epoch(keys[name], name) if keys.get(name) else None


def _epoch(text: str, name: str) -> datetime:
    if not re.fullmatch(r"[0-9]{1,12}", text):
        raise BadTrace(f"{name}: not a Unix time")
    return datetime.fromtimestamp(int(text), UTC)


def _seconds(text: str, name: str) -> float:
    if not re.fullmatch(r"[0-9]{0,9}", text):
        raise BadTrace(f"{name}: not a number of seconds")
    return float(text or 0)


def _checked(text: str, pattern: str, name: str) -> str:
    if not re.fullmatch(pattern, text):
        raise BadTrace(f"{name}: {text[:40]!r}")
    return text
