"""Call handling around the hunt: a team's ``voicemail:`` and ``caller_id:``, the top-level
``menus:`` (numbers that let the caller choose a team) and ``blocklist:`` (numbers refused).

    teams:
      support:
        caller_id: {show: caller, name: "ASTREINTE support"}   # or show: line (the on-call number)
        voicemail: {greeting: "...", max_length: 2m, max_silence: 10s}
        translations:                 # heard by a known customer of that language (docs/callers.md)
          en: {greeting: "Hello, ...", voicemail: "Please leave a message after the beep."}
    menus:
      "1500":
        prompt: "Pour le support, tapez 1. Pour la maintenance, tapez 2."
        options: {"1": support, "2": maintenance}
        default: support          # on silence or another digit
        timeout: 6s
    blocklist: ["+33612345678", "0899123456"]
"""

from __future__ import annotations

from collections.abc import Collection

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child
from astreinte.config.numbers import NumberPlan
from astreinte.domain.calling import CallerIdPolicy, Menu, Translation, VoicemailPolicy
from astreinte.i18n import check_language

TEAM_KEYS = ("voicemail", "caller_id", "translations")
DIGITS = tuple("0123456789*#")


def read_voicemail(reader: Reader, node: yaml.Node, path: str) -> VoicemailPolicy | None:
    fields = reader.mapping(node, path, optional=("greeting", "max_length", "max_silence"))
    if fields is None:
        return None
    default = VoicemailPolicy()
    greeting = reader.get(fields, path, "greeting", values.greeting) if "greeting" in fields else default.greeting
    length = reader.get(fields, path, "max_length", values.duration) if "max_length" in fields \
        else default.max_seconds
    silence = reader.get(fields, path, "max_silence", values.duration) if "max_silence" in fields \
        else default.max_silence
    if length is not None and not 5 <= length <= 600:
        reader.error(fields["max_length"], child(path, "max_length"), "expected between 5s and 10m")
        length = None
    if greeting is None or length is None or silence is None:
        return None
    return VoicemailPolicy(greeting, length, silence)


def read_translations(reader: Reader, node: yaml.Node, path: str) -> dict[str, Translation] | None:
    """``translations: {en: {greeting: ..., voicemail: ...}}``: a team's caller-facing texts per language."""
    entries = reader.mapping(node, path, any_keys=True)
    if entries is None:
        return None
    found: dict[str, Translation] = {}
    for language, entry in entries.items():
        where = child(path, language)
        try:
            check_language(language)
        except ValueError as exc:
            reader.error(entry, where, str(exc))
            continue
        fields = reader.mapping(entry, where, optional=("greeting", "voicemail"))
        if fields is None:
            continue
        greeting = reader.get(fields, where, "greeting", values.greeting) if "greeting" in fields else None
        voicemail = reader.get(fields, where, "voicemail", values.greeting) if "voicemail" in fields else None
        if ("greeting" in fields and greeting is None) or ("voicemail" in fields and voicemail is None):
            continue
        found[language] = Translation(greeting, voicemail)
    return found if len(found) == len(entries) else None


def read_caller_id(reader: Reader, node: yaml.Node, path: str) -> CallerIdPolicy | None:
    fields = reader.mapping(node, path, optional=("show", "name"))
    if fields is None:
        return None
    show = reader.choice(fields["show"], child(path, "show"), ("caller", "line")) if "show" in fields else "caller"
    name = reader.get(fields, path, "name", _display_name) if "name" in fields else None
    if show is None or ("name" in fields and name is None):
        return None
    return CallerIdPolicy("line" if show == "line" else "caller", name)


def _display_name(text: str) -> str:
    cleaned = values.free_text(text, limit=40)
    if '"' in cleaned or "<" in cleaned or ">" in cleaned:
        raise ValueError('a caller ID name cannot hold ", < or >')
    return cleaned


def read_menus(reader: Reader, node: yaml.Node, teams: Collection[str],
               team_numbers: Collection[str], plan: NumberPlan | None = None) -> dict[str, Menu]:
    """Menus by canonical number (a menu written ``"03 88 00 00 09"`` is ``+33388000009``)."""
    plan = plan or NumberPlan()
    menus: dict[str, Menu] = {}
    fields = reader.mapping(node, "menus", any_keys=True)
    for key, value in (fields or {}).items():
        where = child("menus", key)
        number = reader.parse(reader.keys.get(where), where, plan.reachable) if where in reader.keys else None
        if number is None:
            continue
        if number in team_numbers:
            reader.error(reader.keys.get(where), where, f"number '{number}' already reaches a team directly")
            continue
        if number in menus:
            reader.error(reader.keys.get(where), where, f"number '{number}' already has a menu")
            continue
        entry = reader.mapping(value, where, required=("prompt", "options"), optional=("default", "timeout"))
        if entry is None:
            continue
        prompt = reader.get(entry, where, "prompt", values.greeting)
        options: dict[str, str] = {}
        option_fields = reader.mapping(entry["options"], child(where, "options"), any_keys=True) \
            if "options" in entry else None
        for digit, team_node in (option_fields or {}).items():
            opt = child(child(where, "options"), digit)
            if digit not in DIGITS:
                reader.error(team_node, opt, "expected a single key of the keypad (0-9, * or #)")
                continue
            team = reader.parse(team_node, opt, values.identifier)
            if team is not None and team not in teams:
                reader.error(team_node, opt, f"unknown team '{team}'")
            elif team is not None:
                options[digit] = team
        default = reader.get(entry, where, "default", values.identifier) if "default" in entry else None
        if default is not None and default not in teams:
            reader.error(entry["default"], child(where, "default"), f"unknown team '{default}'")
            default = None
        timeout = reader.get(entry, where, "timeout", values.duration) if "timeout" in entry else 6.0
        if prompt and options and timeout:
            menus[number] = Menu(number, prompt, options, default, timeout)
    return menus


def read_blocklist(reader: Reader, node: yaml.Node, plan: NumberPlan | None = None) -> frozenset[str]:
    """Blocked callers, canonical: ``0899123456`` blocks a caller ID sent as ``+33899123456`` too."""
    plan = plan or NumberPlan()
    numbers: set[str] = set()
    for index, item in enumerate(reader.sequence(node, "blocklist", allow_empty=True) or []):
        number = reader.parse(item, child("blocklist", index), plan.configured)
        if number is not None:
            numbers.add(number)
    return frozenset(numbers)
