"""The PBX-native fallbacks: the chains the dialplan dials, and what it needs to know. Pure.

The file itself is written by ``astreinte.dialplan_file``.

Every call on the on-call numbers goes through these contexts; each tier sets ``ASTREINTE_TIER``
and logs one ``Log(NOTICE, ...)`` line, so the call log can say which tier served it::

    astreinte-inbound   (entry)    the configured numbers only, each form a carrier delivers them in,
                                   matched literally: ASTREINTE_NUMBER = the canonical number
    astreinte-stasis    stasis     Stasis(app, number): the daemon hunts (greeting, confirm, presence)
                        (busy)     more than daemon.max_concurrent_calls calls: skip to the tiers
    astreinte-fallback             where the daemon hands calls back: canonical numbers, s, i
    astreinte-tiers     agi        STASISSTATUS=FAILED (daemon or ARI down), or the daemon handed
                                   the call back: FastAGI ``agi://HOST:PORT/chain,NUMBER`` sets the chain
                        astdb      the AGI failed too (daemon down): the chains the daemon wrote to
                                   AstDB (family ``astreinte``, see ``Timeline``), the one whose
                                   time has come; a caller in family ``astreinte_blocked`` is refused
                        (blocked)  the AGI or AstDB said the caller is blocked: refused, cause 21
                        (hunt)     dial each level ``ASTREINTE_DIAL_<n>`` for ``ASTREINTE_RING`` s,
                                   ``ASTREINTE_ROUNDS`` times; with ``ASTREINTE_CONFIRM`` (the team
                                   confirms) the callee must press 1 (``astreinte-confirm``), as
                                   with the daemon; silence, 2 or a hang-up: the next level
    astreinte-menus     menu       a menu number when the daemon cannot ask: its prompt, a key, the team
                        voicemail  nobody answered, or no chain: VoiceMail() or Record()
    astreinte-trace                what these tiers did with each call, in AstDB (``TRACE_FAMILY``)

The dialed number is data, never syntax: ``${EXTEN}`` is never expanded (a peer can put anything
in a Request-URI), only literals the generator wrote; caller ID and the unique id reach the
dialplan through ``FILTER()`` once, as ``ASTREINTE_CALLER`` and ``ASTREINTE_CALL``.

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

INBOUND_CONTEXT = "astreinte-inbound"    # the on-call numbers, literally, in every carrier form
STASIS_CONTEXT = "astreinte-stasis"      # tier 1
FALLBACK_CONTEXT = "astreinte-fallback"  # where the daemon hands calls back: canonical numbers
TIERS_CONTEXT = "astreinte-tiers"        # agi -> astdb -> hunt -> voicemail
PHONES_CONTEXT = "astreinte-phones"      # calls from provisioned softphones (phones.context's default)
ASTDB_FAMILY = "astreinte"
ASTDB_BLOCKED = "astreinte_blocked"     # GENERATION/NUMBER (digits and +) for each blocked caller
TRACE_CONTEXT = "astreinte-trace"       # the durable trace of the calls the PBX tiers serve (issue 16)
TRACE_FAMILY = "astreinte_calls"        # UNIQUEID/... in AstDB, read back by ``runtime.pbx_import``
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
SOUND_PATH = re.compile(r"[A-Za-z0-9_/.-]{1,255}\Z")      # what Read()/Playback() play: a name or a path
# The callee's press-1 prompt: the daemon's (astreinte/prompts.py renders it for every team, so the
# file exists wherever the daemon ran) and the PBX tiers', which play that same file (``confirm_sound``).
CONFIRM_PROMPT = "Appel d'astreinte pour l'équipe {team}. Appuyez sur 1 pour accepter, sur 2 pour refuser."


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
    confirm: str = ""             # the press-1 prompt the callee hears (a sound path); "": no confirmation
    confirm_timeout: int = 10     # seconds the answered callee has to press 1

    def variables(self) -> list[tuple[str, str]]:
        """Channel variables the AGI tier sets; ``ASTREINTE_LEVELS`` last (the dialplan tests it)."""
        out = [("ASTREINTE_TEAM", self.team), ("ASTREINTE_RING", str(self.ring)),
               ("ASTREINTE_ROUNDS", str(self.rounds)), ("ASTREINTE_CONFIRM", self.confirm),
               ("ASTREINTE_CONFIRM_TIMEOUT", str(self.confirm_timeout))]
        out += [(f"ASTREINTE_DIAL_{n}", dial) for n, dial in enumerate(self.levels, 1)]
        out.append(("ASTREINTE_LEVELS", str(len(self.levels))))
        return out

    def dialing(self) -> tuple[tuple[str, ...], int, int, str, int]:
        """What the dialplan does with this chain; chains alike here are one segment in AstDB."""
        return self.levels, self.ring, self.rounds, self.confirm, self.confirm_timeout

    def astdb(self, prefix: str) -> list[tuple[str, str]]:
        """(key, value) pairs under ``prefix`` (``NUMBER/a/s1``) in family ``astreinte``."""
        out = [(f"{prefix}/team", self.team), (f"{prefix}/ring", str(self.ring)),
               (f"{prefix}/rounds", str(self.rounds)), (f"{prefix}/confirm", self.confirm),
               (f"{prefix}/confirm_timeout", str(self.confirm_timeout))]
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
    return config.endpoint(phone)


def sound(config: Config, text: str) -> str:
    """What Asterisk plays for a prompt the daemon renders: ``sound:NAME`` as NAME, spoken text as the
    file the daemon's render gives it (named by the hash of the text, in ``asterisk.prompts``)."""
    from astreinte.adapters.speech import prompt_name  # pure: the name only, nothing is rendered here

    if text.startswith("sound:"):
        return checked(SOUND_PATH, text.removeprefix("sound:"), "sound")
    folder = config.asterisk.prompts.asterisk_dir.rstrip("/")
    return checked(SOUND_PATH, f"{folder}/{prompt_name(text)}", "prompt path")


def confirm_sound(config: Config, team: str) -> str:
    """The press-1 prompt of ``team`` as Asterisk plays it (the daemon renders it at start)."""
    return sound(config, CONFIRM_PROMPT.format(team=team))


def chain_for(config: Config, schedule: Schedule, number: str, now: datetime) -> Chain | None:
    """The chain for a dialed number at ``now``; None for a number no team answers."""
    team = config.team_for_number(number)
    if team is None or not NUMBER.match(number):
        return None
    status = schedule.who(team.id, now)
    policy = team.hunt
    ring = max(1, min(600, math.ceil(policy.ring_timeout)))
    rounds = max(1, min(MAX_ROUNDS, policy.rounds))
    confirm = ""
    if status.in_service:
        levels = ["&".join(endpoint(config, p) for p in r.person.phones) for r in status.chain]
        until = min((r.until for r in status.chain), default=None)
        if policy.strategy == "ringall" and levels:
            levels = ["&".join(levels)]
        confirm = confirm_sound(config, team.id) if policy.confirm else ""
    else:            # as the daemon: outside service hours, the destination is dialed without confirmation
        dial = status.outside_service_dial
        levels = [endpoint(config, dial)] if dial else []
        rounds, until = 1, None
    levels = [checked(DIAL_STRING, level, "dial string") for level in levels if level][:MAX_LEVELS]
    return Chain(number, checked(NAME, team.id, "team id"), tuple(levels), ring, rounds,
                 status.in_service, until, confirm, max(1, min(99, math.ceil(policy.confirm_timeout))))


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


def blocked_entries(config: Config) -> list[tuple[str, str]]:
    """What AstDB holds for the block list: every form a carrier may send each blocked caller in, since
    the dialplan compares ``CALLERID(num)`` (digits and ``+`` only) as it comes."""
    forms = {form for number in config.blocklist for form in config.numbering.forms(number)}
    return [(checked(NUMBER, form, "blocked number"), "1") for form in sorted(forms)]


def trace_recording(where: str) -> str:
    """The line before Record()/VoiceMail(): when the message starts, and where it goes."""
    return f"Set(DB({TRACE_FAMILY}/${{ASTREINTE_CALL}}/recording)=${{EPOCH}}!{where})"


def trace_context() -> list[str]:
    """``[astreinte-trace]``: ``start`` (its first facts, and the hang-up handler that writes the last),
    ``dial`` (one Dial() of the hunt: level, dial string, DIALSTATUS, when, how long), ``end``."""
    key = f"{TRACE_FAMILY}/${{ASTREINTE_CALL}}"        # the call id, through FILTER() (dialplan_file)
    dial = "${L}!${ASTREINTE_DIAL_${L}}!${DIALSTATUS}!${EPOCH}!${DIALEDTIME}!${ANSWEREDTIME}!${DIALEDPEERNAME}"
    return [
        f"[{TRACE_CONTEXT}]",
        "; What the PBX did with a call while the daemon was away, kept in AstDB until the daemon imports it",
        "; into its call log and its messages (then deletes it): `astreinte messages`, `astreinte calls`.",
        f"exten => start,1,Set(DB({key}/start)=${{EPOCH}})",
        f" same => n,Set(DB({key}/number)=${{ASTREINTE_NUMBER}})",
        f" same => n,Set(DB({key}/caller)=${{ASTREINTE_CALLER}})",
        f" same => n,Set(DB({key}/reason)=${{ASTREINTE_REASON}})",
        f" same => n,Set(CHANNEL(hangup_handler_push)={TRACE_CONTEXT},end,1)",
        " same => n,Return()",
        f"exten => dial,1,Set(DB({key}/a${{I}})={dial})",
        " same => n,Set(ASTREINTE_TRACED=${I})",
        " same => n,Return()",
        # a caller hanging up during Dial() ends the dialplan before the line after it: the handler writes it
        'exten => end,1,GotoIf($["${I}" = "" | "${I}" = "0" | "${ASTREINTE_TRACED}" = "${I}"]?over)',
        f" same => n,Gosub({TRACE_CONTEXT},dial,1)",
        f" same => n(over),Set(DB({key}/tier)=${{ASTREINTE_TIER}})",
        f" same => n,Set(DB({key}/end)=${{EPOCH}})",
        " same => n,Return()",
        "",
    ]
