"""The PBX-native fallbacks: the dialplan file astreinte ships, and the chains it dials. Pure.

Every call on the on-call trunk goes through these tiers; each sets ``ASTREINTE_TIER`` and
logs one ``Log(NOTICE, ...)`` line, so the call log can say which tier served it::

    astreinte-inbound   stasis     Stasis(app, number): the daemon hunts (greeting, confirm, presence)
                        (busy)     more than daemon.max_concurrent_calls calls: skip to the fallback
    astreinte-fallback  agi        STASISSTATUS=FAILED (daemon or ARI down), or the daemon handed
                                   the call back: FastAGI ``agi://HOST:PORT/chain`` sets the chain
                        astdb      the AGI failed too (daemon down): the chains the daemon wrote to
                                   AstDB (family ``astreinte``, see ``Timeline``), the one whose
                                   time has come; a caller in family ``astreinte_blocked`` is refused
                        (blocked)  the AGI or AstDB said the caller is blocked: refused, cause 21
                        (hunt)     dial each level ``ASTREINTE_DIAL_<n>`` for ``ASTREINTE_RING`` s,
                                   ``ASTREINTE_ROUNDS`` times
                        voicemail  nobody answered, or no chain: VoiceMail() or Record()

``chain_for()`` gives what the AGI server answers and what the AstDB writer stores; both
re-check every dial string against an allow-list, because a ``,`` in a value expanded in
``Dial(${ASTREINTE_DIAL_1},...)`` would add Dial options.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.schedule import Schedule

INBOUND_CONTEXT = "astreinte-inbound"
FALLBACK_CONTEXT = "astreinte-fallback"
ASTDB_FAMILY = "astreinte"
ASTDB_BLOCKED = "astreinte_blocked"     # GENERATION/NUMBER (digits and +) for each blocked caller
FILENAME = "extensions_astreinte.conf"
MAX_LEVELS = 9
MAX_ROUNDS = 5
MAX_SEGMENTS = 16           # chains stored ahead for the AstDB tier
MAX_STEPS = 1000            # instants looked at to find them (adjacent windows, hand-offs to the same)
HORIZON = timedelta(days=8)
DIAL_STRING = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}/[A-Za-z0-9_.@:+/-]{1,120}"
                         r"(?:&[A-Za-z][A-Za-z0-9_-]{0,31}/[A-Za-z0-9_.@:+/-]{1,120}){0,15}\Z")
NUMBER = re.compile(r"\+?[0-9]{1,20}\Z")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


class UnsafeValue(ValueError):
    """A value would reach the dialplan without passing the allow-list."""


def checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise UnsafeValue(f"refusing {what} {value[:60]!r} in the dialplan")
    return value


@dataclass(frozen=True)
class Chain:
    """What the dialplan dials for one team number: levels in order, each an ``&`` dial string."""

    number: str
    team: str
    levels: tuple[str, ...]
    ring: int
    rounds: int
    in_service: bool
    until: datetime | None        # when this chain changes next (a hand-off), if known

    def variables(self) -> list[tuple[str, str]]:
        """Channel variables the AGI tier sets; ``ASTREINTE_LEVELS`` last (the dialplan tests it)."""
        out = [("ASTREINTE_TEAM", self.team), ("ASTREINTE_RING", str(self.ring)),
               ("ASTREINTE_ROUNDS", str(self.rounds))]
        out += [(f"ASTREINTE_DIAL_{n}", dial) for n, dial in enumerate(self.levels, 1)]
        out.append(("ASTREINTE_LEVELS", str(len(self.levels))))
        return out

    def dialing(self) -> tuple[tuple[str, ...], int, int]:
        """What the dialplan does with this chain; chains alike here are one segment in AstDB."""
        return self.levels, self.ring, self.rounds

    def astdb(self, prefix: str) -> list[tuple[str, str]]:
        """(key, value) pairs under ``prefix`` (``NUMBER/a/s1``) in family ``astreinte``."""
        out = [(f"{prefix}/team", self.team), (f"{prefix}/ring", str(self.ring)),
               (f"{prefix}/rounds", str(self.rounds))]
        out += [(f"{prefix}/dial{n}", dial) for n, dial in enumerate(self.levels, 1)]
        out.append((f"{prefix}/levels", str(len(self.levels))))
        return out


@dataclass(frozen=True)
class Timeline:
    """What the AstDB tier dials for one team number from now on: the current chain, then each
    coming change (hand-off, service hours opening or closing) with the instant it applies from.

    Stored as one *generation* (``a`` or ``b``) and published by writing ``NUMBER/current`` last,
    so a call never reads half a rewrite::

        NUMBER/current = a          NUMBER/a/segments = 3
        NUMBER/a/s1/levels, ring, rounds, team, dial1..   (from now)
        NUMBER/a/s2/from = 1762880400 (Unix time), then s2's chain; s3 likewise
    """

    number: str
    segments: tuple[tuple[datetime, Chain], ...]      # the first one's instant is "now"

    def astdb(self) -> list[tuple[str, str]]:
        """(key, value) pairs relative to the generation (``segments`` last)."""
        out: list[tuple[str, str]] = []
        for k, (start, chain) in enumerate(self.segments, 1):
            if k > 1:
                out.append((f"s{k}/from", str(int(start.timestamp()))))
            out += chain.astdb(f"s{k}")
        out.append(("segments", str(len(self.segments))))
        return out


def endpoint(config: Config, phone: str) -> str:
    """``PJSIP/alice`` as is; a number through the outbound template (``PJSIP/{number}@trunk-out``)."""
    return phone if "/" in phone else config.asterisk.outbound.format(number=phone)


def chain_for(config: Config, schedule: Schedule, number: str, now: datetime) -> Chain | None:
    """The chain for a dialed number at ``now``; None for a number no team answers."""
    team = config.team_for_number(number)
    if team is None or not NUMBER.match(number):
        return None
    status = schedule.who(team.id, now)
    policy = team.hunt
    ring = max(1, min(600, math.ceil(policy.ring_timeout)))
    rounds = max(1, min(MAX_ROUNDS, policy.rounds))
    if status.in_service:
        levels = ["&".join(endpoint(config, p) for p in r.person.phones) for r in status.chain]
        until = min((r.until for r in status.chain), default=None)
        if policy.strategy == "ringall" and levels:
            levels = ["&".join(levels)]
    else:
        dial = status.outside_service_dial
        levels = [endpoint(config, dial)] if dial else []
        rounds, until = 1, None
    levels = [checked(DIAL_STRING, level, "dial string") for level in levels if level][:MAX_LEVELS]
    return Chain(number, checked(NAME, team.id, "team id"), tuple(levels), ring, rounds,
                 status.in_service, until)


def timelines(config: Config, schedule: Schedule, now: datetime) -> list[Timeline]:
    """One timeline per team number (computed once per team)."""
    out = []
    for team in config.teams.values():
        numbers = [number for number in team.numbers if NUMBER.match(number)]
        found = timeline(config, schedule, numbers[0], now) if numbers else None
        if found is not None:
            out += [Timeline(number, tuple((start, replace(chain, number=number)) for start, chain in found.segments))
                    for number in numbers]
    return out


def timeline(config: Config, schedule: Schedule, number: str, now: datetime,
             horizon: timedelta = HORIZON) -> Timeline | None:
    """The chains a number dials from ``now`` to ``now + horizon`` (at most MAX_SEGMENTS of them),
    so that the AstDB tier follows hand-offs and service hours while the daemon is away."""
    team = config.team_for_number(number)
    chain = chain_for(config, schedule, number, now)
    if team is None or chain is None:
        return None
    end = now + horizon
    edges: list[datetime] = []
    if team.service_hours is not None:
        local = now.astimezone(schedule.zone)
        days = horizon.days + 2
        edges = [edge.replace(tzinfo=schedule.zone) for edge in
                 team.service_hours.edges(local.date(), days, schedule.is_holiday)]
        edges = [edge for edge in edges if now < edge <= end]
    segments = [(now, chain)]
    at = now
    for _ in range(MAX_STEPS):
        candidates = [edge for edge in edges if edge > at][:1]
        if chain.until is not None and chain.until > at:
            candidates.append(chain.until)
        if not candidates or min(candidates) > end:
            break
        at = min(candidates)
        chain = chain_for(config, schedule, number, at) or chain
        if chain.dialing() != segments[-1][1].dialing():
            if len(segments) == MAX_SEGMENTS:
                break
            segments.append((at, chain))
    return Timeline(number, tuple(segments))


def next_handoff(config: Config, schedule: Schedule, now: datetime) -> datetime | None:
    """The first instant after ``now`` at which some team's chain changes."""
    ends = [r.until for team in config.teams for r in schedule.who(team, now).chain if r.until > now]
    return min(ends, default=None)


def render(config: Config) -> str:
    """The whole ``extensions_astreinte.conf``: deterministic (no date), so it can be diffed and tested."""
    d = config.daemon
    app = checked(NAME, config.asterisk.ari.app, "Stasis app")
    host = checked(re.compile(r"[A-Za-z0-9.:_-]{1,253}\Z"), d.agi.host, "AGI host")
    agi = f"agi://{host}:{int(d.agi.port)}/chain"
    fb = d.fallback
    if fb.voicemail is not None:
        box = checked(re.compile(r"[0-9A-Za-z_-]{1,32}(?:@[A-Za-z0-9_-]{1,32})?\Z"), fb.voicemail, "mailbox")
        last = [f"VoiceMail({box},u)"]
    else:
        folder = checked(re.compile(r"/[A-Za-z0-9_./-]{0,255}\Z"), fb.recordings, "recordings folder")
        last = ["Answer()", "Playback(vm-intro)",
                f"Record({folder}/${{EXTEN}}-${{UNIQUEID}}.wav,10,{int(fb.max_recording)},k)"]
    log = "Log(NOTICE,astreinte: call ${UNIQUEID} to ${EXTEN}: tier"
    lines = [
        "; Generated by `astreinte dialplan write`. Do not edit: change the configuration and run it again.",
        "; Include it from extensions.conf (#include extensions_astreinte.conf) and send the on-call trunk",
        f"; to [{INBOUND_CONTEXT}] (e.g. `include => {INBOUND_CONTEXT}` in the trunk's context).",
        "; Tiers: stasis -> agi -> astdb -> voicemail; each sets ASTREINTE_TIER and logs a NOTICE line.",
        "",
        f"[{INBOUND_CONTEXT}]",
        "exten => _[+0-9].,1,NoOp(astreinte: on-call call to ${EXTEN} from ${CALLERID(num)})",
        f" same => n,Set(TIMEOUT(absolute)={int(d.max_call_duration)})",
        " same => n,Set(GROUP(astreinte)=calls)",
        f" same => n,GotoIf($[${{GROUP_COUNT(calls@astreinte)}} > {int(d.max_concurrent_calls)}]?busy)",
        " same => n,Set(ASTREINTE_TIER=stasis)",
        f" same => n,{log} stasis)",
        f" same => n,Stasis({app},${{EXTEN}})",
        f' same => n,GotoIf($["${{STASISSTATUS}}" = "FAILED"]?{FALLBACK_CONTEXT},${{EXTEN}},1)',
        " same => n,Hangup()",
        " same => n(busy),Set(ASTREINTE_REASON=too-many-calls)",
        f" same => n,Goto({FALLBACK_CONTEXT},${{EXTEN}},1)",
        "",
        f"[{FALLBACK_CONTEXT}]",
        "exten => _[+0-9].,1,NoOp(astreinte fallback for ${EXTEN}: ${ASTREINTE_REASON})",
        " same => n,Set(ASTREINTE_TIER=agi)",
        f" same => n,{log} agi)",
        " same => n,Set(ASTREINTE_LEVELS=)",
        f" same => n,AGI({agi})",
        ' same => n,GotoIf($["${ASTREINTE_BLOCKED}" = "1"]?blocked)',
        ' same => n,GotoIf($["${AGISTATUS}" = "SUCCESS" & "${ASTREINTE_LEVELS}" != ""]?hunt)',
        " same => n,Set(ASTREINTE_TIER=astdb)",
        f" same => n,{log} astdb (FastAGI ${{AGISTATUS}}))",
        " same => n,Set(ASTREINTE_CALLER=${FILTER(+0-9,${CALLERID(num)})})",
        ' same => n,GotoIf($["${ASTREINTE_CALLER}" = ""]?astdb)',
        f" same => n,Set(G={ASTDB_BLOCKED}/${{DB({ASTDB_BLOCKED}/current)}})",
        " same => n,GotoIf(${DB_EXISTS(${G}/${ASTREINTE_CALLER})}?blocked)",
        # the generation the daemon published last, then the newest of its segments already begun
        f" same => n(astdb),Set(G={ASTDB_FAMILY}/${{EXTEN}}/${{DB({ASTDB_FAMILY}/${{EXTEN}}/current)}})",
        " same => n,Set(S=${DB(${G}/segments)})",
        ' same => n,GotoIf(${REGEX("^[1-9][0-9]?$" ${S})}?:voicemail)',
        " same => n,Set(P=1)",
        " same => n,Set(K=2)",
        " same => n,While($[${K} <= ${S}])",
        " same => n,Set(F=${DB(${G}/s${K}/from)})",
        ' same => n,ExecIf($[${EPOCH} >= ${IF($["${F}" != ""]?${F}:99999999999)}]?Set(P=${K}))',
        " same => n,Set(K=$[${K} + 1])",
        " same => n,EndWhile()",
        " same => n,Set(G=${G}/s${P})",
        " same => n,Set(ASTREINTE_LEVELS=${DB(${G}/levels)})",
        ' same => n,GotoIf(${REGEX("^[1-9]$" ${ASTREINTE_LEVELS})}?:voicemail)',
        " same => n,Set(ASTREINTE_RING=${DB(${G}/ring)})",
        " same => n,Set(ASTREINTE_ROUNDS=${DB(${G}/rounds)})",
        " same => n,Set(L=1)",
        " same => n,While($[${L} <= ${ASTREINTE_LEVELS}])",
        " same => n,Set(ASTREINTE_DIAL_${L}=${DB(${G}/dial${L})})",
        " same => n,Set(L=$[${L} + 1])",
        " same => n,EndWhile()",
        ' same => n(hunt),GotoIf(${REGEX("^[1-9]$" ${ASTREINTE_LEVELS})}?:voicemail)',
        ' same => n,GotoIf(${REGEX("^[1-9][0-9]?[0-9]?$" ${ASTREINTE_RING})}?:voicemail)',
        ' same => n,GotoIf(${REGEX("^[1-5]$" ${ASTREINTE_ROUNDS})}?:voicemail)',
        " same => n,Set(N=$[${ASTREINTE_LEVELS} * ${ASTREINTE_ROUNDS}])",
        " same => n,Set(I=0)",
        " same => n,While($[${I} < ${N}])",
        " same => n,Set(L=$[${I} % ${ASTREINTE_LEVELS} + 1])",
        " same => n,Set(I=$[${I} + 1])",
        f" same => n,{log} ${{ASTREINTE_TIER}} rings level ${{L}} ${{ASTREINTE_DIAL_${{L}}}})",
        " same => n,Dial(${ASTREINTE_DIAL_${L}},${ASTREINTE_RING},r)",
        ' same => n,GotoIf($["${DIALSTATUS}" = "ANSWER"]?done)',
        " same => n,EndWhile()",
        " same => n(voicemail),Set(ASTREINTE_TIER=voicemail)",
        f" same => n,{log} voicemail)",
        *(f" same => n,{step}" for step in last),
        " same => n(done),Hangup()",
        f" same => n(blocked),{log} ${{ASTREINTE_TIER}}: caller blocked)",
        " same => n,Hangup(21)",
        "exten => s,1,Goto(voicemail-only,1)",
        "exten => voicemail-only,1,Set(ASTREINTE_TIER=voicemail)",
        " same => n,Log(NOTICE,astreinte: call ${UNIQUEID}: tier voicemail (no number))",
        *(f" same => n,{step}" for step in last),
        " same => n,Hangup()",
        "",
    ]
    return "\n".join(lines)
