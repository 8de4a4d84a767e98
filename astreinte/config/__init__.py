"""``load(path) -> Config``: the YAML configuration, fully checked, as frozen values.

Every problem in the file is collected and raised at once as a ``ConfigError`` whose
problems carry file, line and key path (``config.yaml:42
teams.support.layers[0].rotation.members[2]: unknown person 'carl'``). Unknown keys are
errors. The grammar is documented in ``docs/rotas.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from astreinte.adapters.holidays import HolidayCalendar, HolidaySettings, supported_subdivisions
from astreinte.config import calling, numbers, values
from astreinte.config.callers import read_callers, read_levels
from astreinte.config.daemon import DaemonSettings, read_daemon
from astreinte.config.legal import CompensationSettings, read_compensation, read_legal
from astreinte.config.nodes import Reader, compose, syntax_problem
from astreinte.config.notify import NotifySettings, read_notifications
from astreinte.config.phones import PhoneSettings, read_phones
from astreinte.config.rotas import mapping_keys, read_overrides, read_people, read_teams
from astreinte.config.service import read_service
from astreinte.config.settings import (
    AmiSettings,
    AriSettings,
    AsteriskSettings,
    PromptSettings,
    read_asterisk,
)
from astreinte.config.web import WebSettings, read_web
from astreinte.domain.callers import Directory
from astreinte.domain.calling import Menu
from astreinte.domain.calls.service_line import ServiceSettings
from astreinte.domain.errors import ConfigError, Problem
from astreinte.domain.legal import LegalSettings
from astreinte.domain.rota import Layer, Override, Person, Rotation, Team
from astreinte.domain.schedule import Schedule
from astreinte.i18n import DEFAULT_LANGUAGE, check_language

__all__ = [
    "AmiSettings",
    "AriSettings",
    "AsteriskSettings",
    "Config",
    "HolidaySettings",
    "Layer",
    "NotifySettings",
    "Override",
    "Person",
    "PromptSettings",
    "Rotation",
    "Team",
    "load",
]

TOP_KEYS_REQUIRED = ("timezone", "asterisk", "people", "teams")
TOP_KEYS_OPTIONAL = ("database", "holidays", "numbering", "overrides", "notifications", "daemon", "menus",
                     "blocklist", "phones", "legal", "compensation", "language", "web", "service", "callers",
                     "contract_levels")


@dataclass(frozen=True)
class Config:
    """The whole configuration. ``database`` is already resolved against the file's folder."""

    path: Path
    timezone: ZoneInfo
    database: Path
    asterisk: AsteriskSettings
    holidays: HolidaySettings
    people: Mapping[str, Person]
    teams: Mapping[str, Team]
    overrides: tuple[Override, ...]
    lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    notifications: NotifySettings = field(default_factory=NotifySettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    menus: Mapping[str, Menu] = field(default_factory=dict)
    blocklist: frozenset[str] = frozenset()
    phones: PhoneSettings | None = None      # softphones astreinte provisions (None: none)
    legal: LegalSettings = field(default_factory=LegalSettings)
    compensation: CompensationSettings | None = None   # None: the default profile (config.legal)
    # Every file the load read -> its text (this file first, then a profile, secret files): what a
    # cached compilation of this configuration is keyed on (astreinte.cli.rota_cache).
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    language: str = DEFAULT_LANGUAGE                    # of people-facing text (fr, en); people may differ
    web: WebSettings = field(default_factory=WebSettings)   # the web console (astreinte web)
    numbering: numbers.NumberPlan = field(default_factory=numbers.NumberPlan)   # how numbers are read
    service: ServiceSettings = field(default_factory=ServiceSettings)   # the line the people on call dial
    callers: Directory = field(default_factory=Directory)     # the known callers (config/callers.py)

    def language_of(self, person_id: str | None) -> str:
        """The language of what ``person_id`` is sent (theirs, else the configuration's)."""
        person = self.people.get(person_id) if person_id is not None else None
        return person.language if person is not None and person.language else self.language

    def is_blocked(self, caller_number: str) -> bool:
        """Is this caller (an untrusted caller ID, in whatever form the trunk sends it) on the block list?"""
        caller = self.numbering.caller(caller_number)
        return bool(caller) and caller in self.blocklist

    def team_for_number(self, number: str) -> Team | None:
        """The team a dialed number reaches, in any form a carrier delivers it (``0180000000``,
        ``33180000000``, ``+33180000000``...); ``1000`` is an extension of its own."""
        team_id = self._numbers.get(self.numbering.caller(number))
        return self.teams[team_id] if team_id is not None else None

    def is_service_number(self, number: str) -> bool:
        """Does a dialed number (any carrier form) reach the service line (``service.numbers``)?"""
        return bool(number) and self.numbering.caller(number) in self.service.numbers

    def menu_for_number(self, number: str) -> Menu | None:
        """The menu a dialed number reaches, in any form a carrier delivers it."""
        return self.menus.get(self.numbering.caller(number))

    def endpoint(self, phone: str) -> str:
        """What Asterisk dials for a phone: ``PJSIP/alice`` as is; a number through ``asterisk.outbound``
        (``PJSIP/{number}@trunk-out``, ``Local/{national}@from-internal/n``...)."""
        return phone if "/" in phone else self.numbering.endpoint(self.asterisk.outbound, phone)

    @cached_property
    def _numbers(self) -> dict[str, str]:
        return {number: team.id for team in self.teams.values() for number in team.numbers}

    @cached_property
    def holiday_calendar(self) -> HolidayCalendar:
        """``calendar(day) -> bool`` for the configured country and subdivision."""
        return HolidayCalendar(self.holidays)

    def schedule(self, extra_overrides: Iterable[Override] = ()) -> Schedule:
        """A Schedule of this configuration; ``extra_overrides`` (CLI ones) rank after the file's."""
        overrides = (*self.overrides, *extra_overrides)
        return Schedule(self.teams, self.people, self.timezone, overrides, self.holiday_calendar)

    def line(self, path: str) -> int | None:
        """The line where a key path (``teams.support.service_hours``) is written, if known."""
        return self.lines.get(path)


def load(path: Path | str, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read and check the configuration; raise ConfigError listing every problem."""
    path = Path(path)
    file = str(path)
    environ = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(Problem(file, None, "", f"cannot read: {exc.strerror or exc}")) from None
    except UnicodeDecodeError:
        raise ConfigError(Problem(file, None, "", "not UTF-8 text")) from None
    try:
        root = compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(syntax_problem(exc, file)) from None
    if root is None:
        raise ConfigError(Problem(file, None, "", "the file is empty"))
    reader = Reader(file)
    reader.read_from(file, text)
    fields = reader.mapping(root, "", required=TOP_KEYS_REQUIRED, optional=TOP_KEYS_OPTIONAL)
    if fields is None:
        raise ConfigError(reader.problems)
    zone = reader.parse(fields["timezone"], "timezone", values.timezone) if "timezone" in fields else None
    database = reader.string(fields["database"], "database") if "database" in fields else "astreinte.db"
    base = path.parent
    asterisk = read_asterisk(reader, fields.get("asterisk"), base, environ) if "asterisk" in fields else None
    holidays = _holidays(reader, fields["holidays"]) if "holidays" in fields else HolidaySettings()
    plan = _numbering(reader, fields.get("numbering"), holidays)
    people = read_people(reader, fields["people"], plan) if "people" in fields else {}
    person_ids = mapping_keys(fields.get("people"))     # written, valid or not: no cascading errors
    declared_layers: dict[str, set[str]] = {}
    teams: dict[str, Team] = {}
    if "teams" in fields:
        teams = read_teams(reader, fields["teams"], person_ids, holidays.country is not None, declared_layers, plan)
    overrides: tuple[Override, ...] = ()
    if "overrides" in fields:
        overrides = read_overrides(reader, fields["overrides"], teams, declared_layers, person_ids, zone)
    notifications = (read_notifications(reader, fields["notifications"], base, environ)
                     if "notifications" in fields else NotifySettings())
    daemon = read_daemon(reader, fields["daemon"]) if "daemon" in fields else DaemonSettings()
    team_numbers = {number for team in teams.values() for number in team.numbers}
    menus = calling.read_menus(reader, fields["menus"], teams, team_numbers, plan) if "menus" in fields else {}
    blocklist = calling.read_blocklist(reader, fields["blocklist"], plan) if "blocklist" in fields else frozenset()
    phones = read_phones(reader, fields["phones"], base, base / (database or ""), person_ids) \
        if "phones" in fields else None
    legal = read_legal(reader, fields["legal"]) if "legal" in fields else LegalSettings()
    compensation = read_compensation(reader, fields["compensation"], base) if "compensation" in fields else None
    language = reader.parse(fields["language"], "language", check_language) if "language" in fields else None
    web = read_web(reader, fields["web"]) if "web" in fields else WebSettings()
    service = read_service(reader, fields["service"], plan, {*team_numbers, *menus}, phones is not None) \
        if "service" in fields else ServiceSettings()
    levels = read_levels(reader, fields["contract_levels"]) if "contract_levels" in fields else {}
    directory = read_callers(reader, fields.get("callers"), plan, teams, levels)
    if reader.problems or zone is None or asterisk is None or database is None:
        raise ConfigError(reader.problems or [Problem(file, None, "", "invalid configuration")])
    return Config(
        path=path,
        timezone=zone,
        database=base / database,
        asterisk=asterisk,
        holidays=holidays,
        people=people,
        teams=teams,
        overrides=overrides,
        lines=dict(reader.lines),
        notifications=notifications,
        daemon=daemon,
        menus=menus,
        blocklist=blocklist,
        phones=phones,
        legal=legal,
        compensation=compensation,
        sources=dict(reader.sources),
        language=language or DEFAULT_LANGUAGE,
        web=web,
        numbering=plan,
        service=service,
        callers=directory,
    )


def _numbering(reader: Reader, node: yaml.Node | None, holidays: HolidaySettings) -> numbers.NumberPlan:
    """``numbering: {country: FR}``: how national forms of numbers are read (default: the holidays'
    country, else FR). ``astreinte.config.numbers`` documents the canonical form."""
    try:
        default = numbers.NumberPlan(numbers.country(holidays.country or numbers.DEFAULT_COUNTRY))
    except ValueError:          # a holidays country phonenumbers does not know
        default = numbers.NumberPlan()
    if node is None:
        return default
    fields = reader.mapping(node, "numbering", optional=("country",))
    if not fields or "country" not in fields:
        return default
    code = reader.parse(fields["country"], "numbering.country", numbers.country)
    return numbers.NumberPlan(code) if code else default


def _holidays(reader: Reader, node: yaml.Node) -> HolidaySettings:
    fields = reader.mapping(node, "holidays", optional=("country", "subdivision"))
    if not fields:
        return HolidaySettings()
    country = None
    if "country" in fields and not reader.is_null(fields["country"]):
        country = reader.string(fields["country"], "holidays.country")
    subdivision = None
    if "subdivision" in fields and not reader.is_null(fields["subdivision"]):
        subdivision = reader.string(fields["subdivision"], "holidays.subdivision")
    if country is None:
        if subdivision is not None:
            reader.error(fields["subdivision"], "holidays.subdivision", "needs holidays.country")
        return HolidaySettings()
    known = supported_subdivisions(country)
    if known is None:
        reader.error(fields["country"], "holidays.country",
                     f"unknown country {values.shown(country)} (expected an ISO code such as FR)")
        return HolidaySettings(country)   # the file is rejected anyway; avoids a cascading error
    if subdivision is not None and subdivision not in known:
        reader.error(fields["subdivision"], "holidays.subdivision",
                     f"unknown subdivision {values.shown(subdivision)} for {country} "
                     f"(expected one of: {', '.join(known[:20])}…)")
        return HolidaySettings(country)
    return HolidaySettings(country, subdivision)
