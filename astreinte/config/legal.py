"""The ``legal:`` and ``compensation:`` blocks, and compensation profiles (shipped or a file).

    legal:
      notice_days: 15                 # publish each person's astreinte this many days ahead
      min_notice_days: 1              # exceptional reason: at least this many jours francs
      daily_rest: 11h
      weekly_rest: 35h
      max_day: 10h
      max_week: 48h
      max_consecutive_weeks: 1        # fairness limits: unset = not checked
      max_24h_periods_per_month: 8
      night: "21:00-06:00"
      since: 2026-11-20               # adoption: no check before this day (the paper rota before it)
    compensation:
      profile: fr-interieur-2015      # a shipped profile, or a path to your own YAML file

Shipped profiles live in ``astreinte/profiles/`` (``fr-interieur-2015``,
``fr-territoriale-technique-2015``, ``fr-prive-exemple``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child, compose, syntax_problem
from astreinte.domain.compensation import PERIOD_KINDS, PeriodKind, Profile
from astreinte.domain.errors import ConfigError, Problem
from astreinte.domain.hours import Window
from astreinte.domain.legal import LegalSettings
from astreinte.domain.timesplit import KINDS, Kind

DEFAULT_PROFILE = "fr-interieur-2015"
HOURS = re.compile(r"(\d+)\s*h(?:\s*(\d{1,2}))?|(\d+)\s*m(?:in)?")
INTEGER_KEYS = {"notice_days": (0, 365), "min_notice_days": (0, 365), "max_working_days": (1, 7),
                "max_consecutive_weeks": (1, 52), "max_24h_periods_per_month": (1, 31),
                "max_interventions_per_night": (1, 50)}
DURATION_KEYS = ("daily_rest", "weekly_rest", "max_day", "max_week", "max_average_week")


@dataclass(frozen=True)
class CompensationSettings:
    profile: Profile


def hours_duration(text: str) -> int:
    """``11h``, ``10h30``, ``90m`` -> seconds."""
    found = HOURS.fullmatch(text.strip())
    if not found:
        raise ValueError(f"expected a duration such as 11h, 10h30 or 90m, got {values.shown(text)}")
    if found.group(3):
        return int(found.group(3)) * 60
    return int(found.group(1)) * 3600 + int(found.group(2) or 0) * 60


def money(text: str) -> Decimal:
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"expected an amount such as 149.48, got {values.shown(text)}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"expected a positive amount, got {values.shown(text)}")
    return amount


def read_legal(reader: Reader, node: yaml.Node | None) -> LegalSettings:
    fields = reader.mapping(node, "legal", optional=(*INTEGER_KEYS, *DURATION_KEYS, "night", "since"))
    if fields is None:
        return LegalSettings()
    parsed: dict[str, Any] = {}
    for key, value in fields.items():
        where = child("legal", key)
        if key in INTEGER_KEYS:
            low, high = INTEGER_KEYS[key]
            parsed[key] = reader.integer(value, where, minimum=low, maximum=high)
        elif key in DURATION_KEYS:
            parsed[key] = reader.parse(value, where, hours_duration)
        elif key == "since":
            parsed[key] = reader.parse(value, where, values.day)
        else:
            parsed[key] = reader.parse(value, where, Window.parse)
    return LegalSettings(**{k: v for k, v in parsed.items() if v is not None})


def read_compensation(reader: Reader, node: yaml.Node | None, base: Path) -> CompensationSettings:
    fields = reader.mapping(node, "compensation", optional=("profile",))
    name = DEFAULT_PROFILE
    if fields and "profile" in fields:
        name = reader.string(fields["profile"], "compensation.profile") or DEFAULT_PROFILE
        try:
            return CompensationSettings(load_profile(name, base, reader.sources))
        except ConfigError as exc:
            for problem in exc.problems:
                reader.error(fields["profile"], "compensation.profile", f"{problem}")
    return CompensationSettings(load_profile(DEFAULT_PROFILE, base))


def shipped_profiles() -> list[str]:
    folder = resources.files("astreinte.profiles")
    return sorted(item.name.removesuffix(".yaml") for item in folder.iterdir() if item.name.endswith(".yaml"))


def load_profile(name: str, base: Path = Path(), sources: dict[str, str] | None = None) -> Profile:
    """A shipped profile by name, or a YAML file (relative to ``base``; its text is recorded in
    ``sources``); ConfigError if invalid."""
    if name in shipped_profiles():
        text = resources.files("astreinte.profiles").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
        file = f"<shipped profile {name}>"
    else:
        path = base / name
        file = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(Problem(file, None, "", f"no shipped profile named {values.shown(name)} "
                                      f"({', '.join(shipped_profiles())}) and cannot read it as a file: "
                                      f"{exc.strerror or exc}")) from None
        except UnicodeDecodeError:
            raise ConfigError(Problem(file, None, "", "not UTF-8 text")) from None
        if sources is not None:
            sources[file] = text
        name = path.stem
    try:
        root = compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(syntax_problem(exc, file)) from None
    reader = Reader(file)
    profile = _profile(reader, root, name)
    if reader.problems or profile is None:
        raise ConfigError(reader.problems or [Problem(file, None, "", "invalid profile")])
    return profile


def _amounts(reader: Reader, node: yaml.Node, path: str, keys: tuple[str, ...]) -> dict[str, Decimal]:
    fields = reader.mapping(node, path, optional=keys) or {}
    amounts: dict[str, Decimal] = {}
    for key, value in fields.items():
        amount = reader.parse(value, child(path, key), money)
        if amount is not None:
            amounts[key] = amount
    return amounts


def _profile(reader: Reader, root: yaml.Node | None, name: str) -> Profile | None:
    fields = reader.mapping(root, "", required=("title",),
                            optional=("source", "currency", "periods", "block", "interventions", "rest",
                                      "short_notice"))
    if fields is None:
        return None
    title = reader.string(fields["title"], "title") if "title" in fields else None
    source = reader.string(fields["source"], "source") if "source" in fields else ""
    currency = reader.string(fields["currency"], "currency") if "currency" in fields else "EUR"
    periods = _amounts(reader, fields["periods"], "periods", PERIOD_KINDS) if "periods" in fields else {}
    rates = _amounts(reader, fields["interventions"], "interventions", KINDS) if "interventions" in fields else {}
    block_hours, block_amount = None, Decimal(0)
    if "block" in fields:
        block = reader.mapping(fields["block"], "block", required=("hours", "amount")) or {}
        if "hours" in block:
            block_hours = reader.integer(block["hours"], "block.hours", minimum=1, maximum=24 * 31)
        block_amount = reader.get(block, "block", "amount", money) or Decimal(0)
    rest_periods: dict[str, Decimal] = {}
    uplift: dict[str, Decimal] = {}
    if "rest" in fields:
        rest = reader.mapping(fields["rest"], "rest", optional=("periods", "intervention_uplift")) or {}
        if "periods" in rest:
            rest_periods = _amounts(reader, rest["periods"], "rest.periods", PERIOD_KINDS)
        if "intervention_uplift" in rest:
            uplift = _amounts(reader, rest["intervention_uplift"], "rest.intervention_uplift", KINDS)
    notice_days, notice_uplift = None, Decimal(0)
    if "short_notice" in fields:
        notice = reader.mapping(fields["short_notice"], "short_notice", required=("days", "uplift")) or {}
        if "days" in notice:
            notice_days = reader.integer(notice["days"], "short_notice.days", minimum=1, maximum=365)
        notice_uplift = reader.get(notice, "short_notice", "uplift", money) or Decimal(0)
    if title is None or source is None or currency is None:
        return None
    return Profile(
        name=name, title=title, source=source, currency=currency,
        periods=cast("dict[PeriodKind, Decimal]", periods), block_hours=block_hours, block_amount=block_amount,
        interventions=cast("dict[Kind, Decimal]", rates),
        rest_periods=cast("dict[PeriodKind, Decimal]", rest_periods),
        rest_uplift=cast("dict[Kind, Decimal]", uplift),
        short_notice_days=notice_days, short_notice_uplift=notice_uplift,
    )
