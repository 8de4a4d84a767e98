"""The ``callers:`` block: the known callers (customers) and what each team lets through.

    callers:
      biogaz-stlo:                            # the customer's id: the call log and calls --json carry it
        name: Biogaz de la Vallée             # said to the callee ("Appel de Biogaz de la Vallée, ...")
        site: Saint-Lô                        # optional
        numbers: ["02 33 00 11 22", "+33 6 12 00 00 01"]   # any form a carrier sends (config/numbers.py)
        level: premium                        # the contract level (optional)
        team: support                         # optional: only this team's numbers know them
        pin: "2468"                           # optional: 4 to 8 digits, for a team with callers: pin
        language: fr                          # optional

    teams:
      support:
        callers: pin                          # anyone (default) | known | pin (domain/callers.py)

    contract_levels:                          # optional: a contract level's calls hunted otherwise
      premium: {strategy: ringall, ring_timeout: 30s, rounds: 2}    # over the team's hunt: (each key optional)

A number may belong to several customers only if they name different teams. The PINs are in the
configuration file: keep it readable by astreinte's administrators only (like its secrets).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child
from astreinte.config.numbers import NumberPlan
from astreinte.domain.callers import Customer, Directory, LevelHunt
from astreinte.domain.hunt_policy import Strategy
from astreinte.i18n import check_language

KEYS = ("name", "site", "numbers", "level", "team", "pin", "language")
CUSTOMER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
PIN = re.compile(r"[0-9]{4,8}\Z")
STRATEGIES: tuple[Strategy, ...] = ("linear", "ringall")


HASHED = re.compile(r"\$argon2id\$[A-Za-z0-9$=,+/]{20,200}\Z")     # ``astreinte callers pin-hash``


def pin(text: str) -> str:
    """4 to 8 digits, or their argon2id hash (``web/passwords``), which the configuration may hold instead."""
    if HASHED.match(text.strip()):
        return text.strip()
    if not PIN.match(text.strip()):
        raise ValueError("expected 4 to 8 digits (quote it: pin: \"0123\") or a hash of astreinte callers pin-hash")
    return text.strip()


def read_levels(reader: Reader, node: yaml.Node | None) -> dict[str, LevelHunt]:
    """``contract_levels:``: level -> how its calls are hunted (over the team's ``hunt:``)."""
    path = "contract_levels"
    fields = reader.mapping(node, path, any_keys=True) if not reader.is_null(node) else None
    levels: dict[str, LevelHunt] = {}
    for level, entry in (fields or {}).items():
        where = child(path, level)
        hunt = reader.mapping(entry, where, optional=("strategy", "ring_timeout", "rounds"))
        if hunt is None:
            continue
        strategy = reader.get(hunt, where, "strategy", strategy_of)
        ring = reader.get(hunt, where, "ring_timeout", values.duration)
        rounds = reader.integer(hunt["rounds"], child(where, "rounds"), minimum=1, maximum=20) \
            if "rounds" in hunt else None
        levels[level] = LevelHunt(strategy, ring, rounds)
    return levels


def strategy_of(text: str) -> Strategy:
    for known in STRATEGIES:
        if text == known:
            return known
    raise ValueError(f"expected linear or ringall, got {text[:20]!r}")


def read_callers(reader: Reader, node: yaml.Node | None, plan: NumberPlan, teams: Collection[str],
                 levels: Mapping[str, LevelHunt] | None = None) -> Directory:
    path = "callers"
    if reader.is_null(node):
        return Directory(levels=levels or {})
    fields = reader.mapping(node, path, any_keys=True)
    customers: dict[str, Customer] = {}
    owners: dict[tuple[str, str | None], str] = {}        # (number, team) -> customer id
    for customer_id, entry in (fields or {}).items():
        where = child(path, customer_id)
        if not CUSTOMER_ID.match(customer_id):
            reader.error(entry, where, "a customer id is letters, digits, '-', '_' or '.' (at most 64)")
            continue
        customer = _customer(reader, entry, where, customer_id, plan, teams)
        if customer is None:
            continue
        for index, number in enumerate(customer.numbers):
            other = owners.setdefault((number, customer.team), customer_id)
            if other != customer_id:
                reader.error(entry, child(child(where, "numbers"), index),
                             f"number '{number}' is already customer {other}'s" +
                             (f" for team {customer.team}" if customer.team else ""))
        customers[customer_id] = customer
    return Directory(customers, levels or {})


def _customer(reader: Reader, node: yaml.Node, path: str, customer_id: str, plan: NumberPlan,
              teams: Collection[str]) -> Customer | None:
    fields = reader.mapping(node, path, required=("name", "numbers"), optional=KEYS)
    if fields is None:
        return None
    name = reader.get(fields, path, "name", _text)
    site = reader.get(fields, path, "site", _text) or ""
    level = reader.get(fields, path, "level", _text) or ""
    numbers: list[str] = []
    items = reader.sequence(fields.get("numbers"), child(path, "numbers"))
    for index, item in enumerate(items or []):
        number = reader.parse(item, child(child(path, "numbers"), index), plan.configured)
        if number is not None and number not in numbers:
            numbers.append(number)
    team = reader.get(fields, path, "team", str) if "team" in fields else None
    if team is not None and team not in teams:
        reader.error(fields["team"], child(path, "team"), f"unknown team '{team}' (teams: {', '.join(sorted(teams))})")
    code = reader.get(fields, path, "pin", pin) if "pin" in fields else None
    language = reader.get(fields, path, "language", check_language) if "language" in fields else None
    if name is None or items is None:
        return None
    return Customer(customer_id, name, site, level, tuple(numbers), team, code, language)


def _text(text: str) -> str:
    value = " ".join(text.split())
    if not value or len(value) > 80:
        raise ValueError("expected a short text (1 to 80 characters)")
    return value


CSV_COLUMNS = ("id", "name", "site", "numbers", "level", "team", "pin", "language")


def read_csv(text: str, source: str, plan: NumberPlan, teams: Collection[str]) -> tuple[list[Customer], list[str]]:
    """Customers from a CSV file (``astreinte callers import``): a header row naming the columns (``id``,
    ``name`` and ``numbers`` required; ``numbers`` separated by ``;``), then one customer per row. Every
    mistake is located (``customers.csv:3 numbers: ...``); a file with one is refused whole."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], [f"{source}: empty (expected a header row: {', '.join(CSV_COLUMNS)})"]
    header = [name.strip().lower() for name in rows[0]]
    problems = [f"{source}:1 unknown column '{name}' (expected: {', '.join(CSV_COLUMNS)})"
                for name in header if name not in CSV_COLUMNS]
    problems += [f"{source}:1 missing column '{name}'" for name in ("id", "name", "numbers") if name not in header]
    if problems:
        return [], problems
    customers: dict[str, Customer] = {}
    owners: dict[tuple[str, str | None], str] = {}        # (number, team) -> customer id, as in callers:
    for line, row in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in row):
            cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
            customer = _csv_customer(cells, f"{source}:{line}", plan, teams, customers, problems)
            if customer is None:
                continue
            taken = [n for n in customer.numbers if owners.setdefault((n, customer.team), customer.id) != customer.id]
            for number in taken:
                team = f" for team {customer.team}" if customer.team else ""
                problems.append(f"{source}:{line} numbers: number '{number}' is already customer "
                                f"{owners[(number, customer.team)]}'s{team}")
            if not taken:
                customers[customer.id] = customer
    return list(customers.values()), problems


def _csv_customer(cells: Mapping[str, str], where: str, plan: NumberPlan, teams: Collection[str],
                  earlier: Mapping[str, Customer], problems: list[str]) -> Customer | None:
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(f"{where} {column}: {message}")

    def checked(column: str, parse: Callable[[str], str]) -> str:
        try:
            return parse(cells.get(column, ""))
        except ValueError as exc:
            bad(column, str(exc))
            return ""

    ident = cells.get("id", "")
    if not CUSTOMER_ID.match(ident):
        bad("id", "a customer id is letters, digits, '-', '_' or '.' (at most 64)")
    elif ident in earlier:
        bad("id", f"customer {ident} is on an earlier line too")
    name = checked("name", _text)
    site = checked("site", _text) if cells.get("site") else ""
    level = checked("level", _text) if cells.get("level") else ""
    parts = (_number(part, plan, bad) for part in cells.get("numbers", "").split(";"))
    numbers = tuple(dict.fromkeys(number for number in parts if number))
    if not numbers and len(problems) == before:
        bad("numbers", "at least one number")
    team = cells.get("team") or None
    if team is not None and team not in teams:
        bad("team", f"unknown team '{team}' (teams: {', '.join(sorted(teams))})")
    code = checked("pin", pin) if cells.get("pin") else None
    language = checked("language", check_language) if cells.get("language") else None
    if len(problems) > before:
        return None
    return Customer(ident, name, site, level, numbers, team, code, language)


def _number(text: str, plan: NumberPlan, bad: Callable[[str, str], None]) -> str:
    if not text.strip():
        return ""
    try:
        return plan.configured(text)
    except ValueError as exc:
        bad("numbers", str(exc))
        return ""
