"""The ``people:``, ``teams:`` and ``overrides:`` blocks, read into domain values with located problems."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from astreinte.config import calling, values
from astreinte.config.messages import read_messages
from astreinte.config.nodes import Reader, child
from astreinte.config.numbers import NumberPlan
from astreinte.domain import overrides as overrides_rule
from astreinte.domain.callers import policy
from astreinte.domain.calling import CallerIdPolicy, MessagePolicy, VoicemailPolicy
from astreinte.domain.hours import DAY_NAMES, HOLIDAYS, SELECTORS, HoursRule, WeekHours, Window
from astreinte.domain.hunt import HuntPolicy
from astreinte.domain.rota import Layer, Override, Person, Rotation, Team
from astreinte.i18n import check_language

HUNT_KEYS = ("strategy", "ring_timeout", "rounds", "confirm", "on_no_answer", "confirm_timeout",
             "hold_message_every", "greeting_interruptible", "greeting_min")


def read_hours(reader: Reader, node: yaml.Node | None, path: str) -> WeekHours | None:
    """``{weekdays: "18:00-08:30", weekends: all-day, holidays: all-day, friday: [...]}``."""
    fields = reader.mapping(node, path, optional=(*SELECTORS, HOLIDAYS))
    if fields is None:
        return None
    rules: list[HoursRule] = []
    ok = True
    for selector, value in fields.items():
        where = child(path, selector)
        items = reader.sequence(value, where) if isinstance(value, yaml.SequenceNode) else [value]
        if items is None:
            ok = False
            continue
        windows = []
        for index, item in enumerate(items):
            item_path = child(where, index) if isinstance(value, yaml.SequenceNode) else where
            window = reader.parse(item, item_path, Window.parse)
            ok = ok and window is not None
            if window is not None:
                windows.append(window)
        rules.append(HoursRule(selector, tuple(windows)))
    if not rules:
        reader.error(node, path, f"name at least one of: {', '.join((*SELECTORS, HOLIDAYS))}")
        return None
    return WeekHours(tuple(rules)) if ok else None


def read_people(reader: Reader, node: yaml.Node | None, plan: NumberPlan | None = None) -> dict[str, Person]:
    fields = reader.mapping(node, "people", any_keys=True)
    people: dict[str, Person] = {}
    for key, value in (fields or {}).items():
        path = child("people", key)
        person_id = reader.parse(reader.keys.get(path), path, values.identifier)
        entry = reader.mapping(value, path, required=("name", "phones"),
                               optional=("work_hours", "forfait_jours", "leave", "email", "language"))
        if person_id is None or entry is None:
            continue
        name = reader.get(entry, path, "name", _name)
        phones = _phones(reader, entry.get("phones"), child(path, "phones"), plan or NumberPlan()) \
            if "phones" in entry else None
        work_hours = None
        if "work_hours" in entry:
            work_hours = read_hours(reader, entry["work_hours"], child(path, "work_hours"))
        forfait = bool(reader.boolean(entry["forfait_jours"], child(path, "forfait_jours"))) \
            if "forfait_jours" in entry else False
        leave = _leave(reader, entry["leave"], child(path, "leave")) if "leave" in entry else ()
        email = reader.get(entry, path, "email", values.email_address) if "email" in entry else None
        language = reader.get(entry, path, "language", check_language) if "language" in entry else None
        if name is not None and phones is not None:
            people[person_id] = Person(person_id, name, phones, work_hours, forfait, leave, email, language)
    if fields is not None and not fields:
        reader.error(node, "people", "must name at least one person")
    return people


def _leave(reader: Reader, node: yaml.Node, path: str) -> tuple[tuple[date, date], ...]:
    """``leave: [{from: 2026-12-21, to: 2026-12-31}]`` (both days included)."""
    periods: list[tuple[date, date]] = []
    for index, item in enumerate(reader.sequence(node, path) or []):
        where = child(path, index)
        entry = reader.mapping(item, where, required=("from", "to"))
        if not entry:
            continue
        first, last = reader.get(entry, where, "from", values.day), reader.get(entry, where, "to", values.day)
        if first is not None and last is not None:
            if last < first:
                reader.error(entry["to"], child(where, "to"), "must not be before 'from'")
            else:
                periods.append((first, last))
    return tuple(periods)


def read_teams(
    reader: Reader,
    node: yaml.Node | None,
    people: Collection[str],
    has_holidays: bool,
    declared_layers: dict[str, set[str]],
    plan: NumberPlan | None = None,
) -> dict[str, Team]:
    """The valid teams; ``declared_layers`` receives every team and layer name written, valid or not,
    so that overrides naming an invalid team are not reported a second time as unknown."""
    fields = reader.mapping(node, "teams", any_keys=True)
    teams: dict[str, Team] = {}
    owners: dict[str, str] = {}
    for key, value in (fields or {}).items():
        path = child("teams", key)
        team_id = reader.parse(reader.keys.get(path), path, values.identifier)
        declared_layers[key] = _layer_names(value)
        team = _team(reader, value, path, team_id or key, people, has_holidays, owners, plan or NumberPlan())
        if team_id is not None and team is not None:
            teams[team_id] = team
    if fields is not None and not fields:
        reader.error(node, "teams", "must name at least one team")
    return teams


def _team(
    reader: Reader,
    node: yaml.Node,
    path: str,
    team_id: str,
    people: Collection[str],
    has_holidays: bool,
    owners: dict[str, str],
    plan: NumberPlan,
) -> Team | None:
    entry = reader.mapping(
        node, path, required=("numbers", "greeting", "layers"),
        optional=("service_hours", "outside_service", "hunt", "messages", "callers", *calling.TEAM_KEYS),
    )
    if entry is None:
        return None
    numbers = _numbers(reader, entry.get("numbers"), child(path, "numbers"), team_id, owners, plan)
    greeting = reader.get(entry, path, "greeting", values.greeting)
    hours = None
    if "service_hours" in entry:
        hours = read_hours(reader, entry["service_hours"], child(path, "service_hours"))
        if hours is not None and hours.uses_holidays and not has_holidays:
            reader.error(entry["service_hours"], child(path, "service_hours.holidays"),
                         "uses public holidays but no holidays.country is configured")
    dial: str | None = None
    if "outside_service" in entry:
        outside = reader.mapping(entry["outside_service"], child(path, "outside_service"), required=("dial",))
        if outside and "dial" in outside:
            dial = reader.parse(outside["dial"], child(path, "outside_service.dial"),
                                lambda text: values.phone(text, plan.country))
    hunt = _hunt(reader, entry["hunt"], child(path, "hunt")) if "hunt" in entry else HuntPolicy()
    layers = _layers(reader, entry.get("layers"), child(path, "layers"), people) if "layers" in entry else None
    voicemail = calling.read_voicemail(reader, entry["voicemail"], child(path, "voicemail")) \
        if "voicemail" in entry else VoicemailPolicy()
    caller_id = calling.read_caller_id(reader, entry["caller_id"], child(path, "caller_id")) \
        if "caller_id" in entry else CallerIdPolicy()
    if numbers is None or greeting is None or hunt is None or layers is None:
        return None
    if "service_hours" in entry and hours is None:
        return None
    messages = read_messages(reader, entry["messages"], child(path, "messages")) \
        if "messages" in entry else MessagePolicy()
    if voicemail is None or caller_id is None or messages is None:
        return None
    callers = reader.get(entry, path, "callers", policy) or "anyone"
    translations = calling.read_translations(reader, entry["translations"], child(path, "translations")) \
        if "translations" in entry else {}
    if translations is None:
        return None
    return Team(team_id, numbers, greeting, hours, dial, hunt, layers, voicemail, caller_id, messages, callers,
                translations)


def _numbers(
    reader: Reader, node: yaml.Node | None, path: str, team_id: str, owners: dict[str, str], plan: NumberPlan
) -> tuple[str, ...] | None:
    """The team's numbers, canonical (``0388000001`` is stored as ``+33388000001``): a number written
    twice in two forms is one number."""
    items = reader.sequence(node, path)
    if items is None:
        return None
    numbers: list[str] = []
    for index, item in enumerate(items):
        number = reader.parse(item, child(path, index), plan.reachable)
        if number is None:
            continue
        if number in owners:
            written = "" if number == item.value else f" ({item.value} is {number})"
            owner = owners[number]
            reader.error(item, child(path, index), f"number '{number}'{written} already reaches "
                         f"{'this team' if owner == team_id else f'team {owner!r}'}")
            continue
        owners[number] = team_id
        numbers.append(number)
    return tuple(numbers) if len(numbers) == len(items) else None


def _hunt(reader: Reader, node: yaml.Node, path: str) -> HuntPolicy | None:
    fields = reader.mapping(node, path, optional=HUNT_KEYS)
    if fields is None:
        return None
    parsed: dict[str, Any] = {}
    before = len(reader.problems)
    for key, value in fields.items():
        where = child(path, key)
        if key == "hold_message_every":      # null or 0 turns the "please hold" messages off
            parsed[key] = None if reader.is_null(value) else reader.parse(value, where, values.interval_or_off)
        elif key == "strategy":
            parsed[key] = reader.choice(value, where, ("linear", "ringall"))
        elif key == "on_no_answer":
            parsed[key] = reader.choice(value, where, ("voicemail", "hangup"))
        elif key in ("ring_timeout", "confirm_timeout", "greeting_min"):
            parsed[key] = reader.parse(value, where, values.duration)
        elif key == "rounds":
            parsed[key] = reader.integer(value, where, minimum=1, maximum=20)
        elif key == "confirm":
            parsed[key] = _confirm(reader, value, where)
        else:
            parsed[key] = reader.boolean(value, where)
    if len(reader.problems) > before:
        return None
    interruptible = parsed.pop("greeting_interruptible", None)
    if interruptible is False and "greeting_min" in parsed:
        reader.error(fields["greeting_min"], child(path, "greeting_min"),
                     "a minimum makes the greeting interruptible: remove greeting_interruptible: false")
        return None
    if interruptible and "greeting_min" not in parsed:
        parsed["greeting_min"] = 0.0
    return HuntPolicy(**parsed)


def _confirm(reader: Reader, node: yaml.Node, path: str) -> bool | str | None:
    """``true`` (every callee presses 1), ``false``, or ``external`` (only legs a voicemail may answer)."""
    if isinstance(node, yaml.ScalarNode) and node.value == "external":
        return "external"
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
        return reader.boolean(node, path)
    reader.error(node, path, f"expected true, false or external, got {reader.describe(node)}")
    return None


def _layers(
    reader: Reader, node: yaml.Node | None, path: str, people: Collection[str]
) -> tuple[Layer, ...] | None:
    items = reader.sequence(node, path)
    if items is None:
        return None
    layers: list[Layer] = []
    names: set[str] = set()
    for index, item in enumerate(items):
        where = child(path, index)
        entry = reader.mapping(item, where, required=("name", "rotation"))
        if entry is None:
            continue
        name = reader.get(entry, where, "name", values.identifier)
        if name is not None and name in names:
            reader.error(entry["name"], child(where, "name"), f"layer '{name}' is already defined in this team")
            name = None
        rotation = None
        if "rotation" in entry:
            rotation = _rotation(reader, entry["rotation"], child(where, "rotation"), people)
        if name is not None and rotation is not None:
            names.add(name)
            layers.append(Layer(name, rotation))
    return tuple(layers) if len(layers) == len(items) else None


def _rotation(reader: Reader, node: yaml.Node, path: str, people: Collection[str]) -> Rotation | None:
    entry = reader.mapping(node, path, required=("members", "every", "handoff", "start"))
    if entry is None:
        return None
    members: list[str] = []
    items = reader.sequence(entry.get("members"), child(path, "members")) if "members" in entry else None
    for index, item in enumerate(items or []):
        member = reader.string(item, child(path, f"members[{index}]"))
        if member is not None and member not in people:
            reader.error(item, child(path, f"members[{index}]"), f"unknown person {values.shown(member)}")
        elif member is not None:
            members.append(member)
    every = reader.get(entry, path, "every", values.every)
    handoff = reader.get(entry, path, "handoff", values.handoff)
    start = reader.get(entry, path, "start", values.day)
    if every is None or handoff is None or start is None or items is None or len(members) != len(items):
        return None
    (days, _weekly), (weekday, at) = every, handoff
    if weekday is not None and days % 7:
        reader.error(entry["handoff"], child(path, "handoff"),
                     f"a weekday hand-off needs every: N week(s), not {days} day(s); write the time only (e.g. "
                     f"{at.strftime('%H:%M')})")
        return None
    if weekday is not None and start.weekday() != weekday:
        reader.error(entry["start"], child(path, "start"),
                     f"{start.isoformat()} is a {DAY_NAMES[start.weekday()]}, but the hand-off is on "
                     f"{DAY_NAMES[weekday]}: start on a {DAY_NAMES[weekday]}")
        return None
    return Rotation(tuple(members), days, at, start, weekday)


def read_overrides(
    reader: Reader,
    node: yaml.Node | None,
    teams: Mapping[str, Team],
    declared_layers: Mapping[str, set[str]],
    people: Collection[str],
    zone: ZoneInfo | None,
) -> tuple[Override, ...]:
    items = reader.sequence(node, "overrides", allow_empty=True)
    overrides: list[Override] = []
    for index, item in enumerate(items or []):
        path = child("overrides", index)
        entry = reader.mapping(item, path, required=("team", "layer", "person", "from", "to"), optional=("reason",))
        if entry is None:
            continue
        team_id = reader.string(entry.get("team"), child(path, "team")) if "team" in entry else None
        layer = reader.string(entry.get("layer"), child(path, "layer")) if "layer" in entry else None
        person = reader.string(entry.get("person"), child(path, "person")) if "person" in entry else None
        reason = reader.parse(entry["reason"], child(path, "reason"), _reason) if "reason" in entry else ""
        team = teams.get(team_id) if team_id is not None else None
        start = end = None
        if zone is not None:
            start = reader.get(entry, path, "from", lambda text: values.instant(text, zone))
            end = reader.get(entry, path, "to", lambda text: values.instant(text, zone))
        known = {name: sorted(names) for name, names in declared_layers.items()}
        wrong = overrides_rule.problems(known, people, team_id or "", layer or "", person or "", start, end)
        given = {"team": team_id, "layer": layer, "person": person, "to": end}   # None: already an error
        for field, message in wrong:
            if given[field] is not None:
                reader.error(entry[field], child(path, field), message.replace("the start", "'from'"))
        if wrong or zone is None or team is None or layer is None or person is None or start is None \
                or end is None or reason is None:
            continue
        overrides.append(Override(team.id, layer, person, start, end, reason, f"config:{index}", "config"))
    return tuple(overrides)


def _phones(reader: Reader, node: yaml.Node | None, path: str, plan: NumberPlan) -> tuple[str, ...] | None:
    items = reader.sequence(node, path)
    if items is None:
        return None
    phones = [reader.parse(item, child(path, index), lambda text: values.phone(text, plan.country))
              for index, item in enumerate(items)]
    clean = tuple(phone for phone in phones if phone is not None)
    return clean if len(clean) == len(phones) else None


def _name(text: str) -> str:
    return values.free_text(text, limit=100)


def _reason(text: str) -> str:
    return values.free_text(text, limit=200)


def _layer_names(node: yaml.Node | None) -> set[str]:
    """The layer names written in a team block, whether or not the block is valid."""
    names: set[str] = set()
    if not isinstance(node, yaml.MappingNode):
        return names
    for key_node, value in node.value:
        if key_node.value == "layers" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if isinstance(item, yaml.MappingNode):
                    names.update(
                        str(v.value) for k, v in item.value if k.value == "name" and isinstance(v, yaml.ScalarNode)
                    )
    return names


def mapping_keys(node: yaml.Node | None) -> set[str]:
    """The keys written in a mapping node (e.g. every person id, valid or not)."""
    if not isinstance(node, yaml.MappingNode):
        return set()
    return {str(key.value) for key, _ in node.value if isinstance(key, yaml.ScalarNode)}

