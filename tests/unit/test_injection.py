"""Hostile values never reach a generated Asterisk file: each is refused with a located ConfigError.

Strict fields (they reach the dialplan, AstDB, AGI or ARI requests) refuse every separator of
the dialplan (``,`` ``;`` ``&`` ``|`` ``)``), variable syntax, line breaks and overlong values.
Spoken or shown text (greetings, people's names) may hold commas and semicolons — it is
rendered to speech or shown, never written into a dialplan — but never line breaks, control
characters, ``${`` or unbounded length.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.domain.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
GREETING = ('greeting: "Bonjour, vous êtes en relation avec l\'astreinte du support. Merci de patienter, nous '
            'recherchons la personne de garde."')

EVERYWHERE = {
    "newline": "a\nexten => s,1,System(rm -rf /)",
    "carriage return": "a\rb",
    "variable": "${SHELL(id)}",
    "overlong": "7" * 5000,
    "nul": "a\x00b",
}
SEPARATORS = {"expression": "$[1+1]", "semicolon": "a;b", "comma": "a,b", "ampersand": "PJSIP/a&PJSIP/b", "pipe": "a|b",
              "parenthesis": "a)", "space": "a b", "backtick": "`id`"}

# field -> (text in the example, replacement holding {v}, key path of the problem, a valid value)
STRICT = {
    "team number": ('numbers: ["+33180000000", "1000"]', 'numbers: ["+33180000000", {v}]',
                    "teams.support.numbers[1]", "1000"),
    "phone": ("phones: [PJSIP/carol]", "phones: [{v}]", "people.carol.phones[0]", "PJSIP/carol"),
    "outbound": ("outbound: PJSIP/{number}@trunk-out", "outbound: {v}", "asterisk.outbound",
                 "PJSIP/{number}@trunk-out"),
    "stasis app": ("    app: astreinte", "    app: {v}", "asterisk.ari.app", "astreinte"),
    "outside dial": ("dial: PJSIP/reception", "dial: {v}", "teams.support.outside_service.dial", "PJSIP/reception"),
}
TEXT = {
    "person name": ("    name: Carol Petit", "    name: {v}", "people.carol.name"),
    "greeting": (GREETING, "greeting: {v}", "teams.support.greeting"),
}
DAEMON = {
    "voicemail box": ("fallback: {{voicemail: {v}}}", "daemon.fallback.voicemail"),
    "recordings folder": ("fallback: {{recordings: {v}}}", "daemon.fallback.recordings"),
    "agi host": ("agi: {{host: {v}}}", "daemon.agi.host"),
    "metrics host": ("metrics: {{host: {v}}}", "daemon.metrics.host"),
}


def problems_for(tmp_path: Path, old: str, new: str) -> list[tuple[str | None, int | None, str, str]]:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    return [(p.file, p.line, p.path, p.message) for p in caught.value.problems]


def cases(fields: Mapping[str, tuple[str, ...]], corpus: Mapping[str, str]) -> list[object]:
    return [pytest.param(field, *spec, value, id=f"{field}-{name}")
            for field, spec in fields.items() for name, value in corpus.items()]


def assert_located(found: list[tuple[str | None, int | None, str, str]], path: str, tmp_path: Path) -> None:
    assert any(p == path or p.startswith(path) for _, _, p, _ in found), found
    for file, line, _, message in found:
        assert file == str(tmp_path / "config.yaml") and line is not None and message
        assert "\n" not in message, "the offending value is quoted, never echoed raw"


@pytest.mark.parametrize("where", ["alone", "after a valid value"])
@pytest.mark.parametrize(("field", "old", "new", "path", "valid", "value"), cases(STRICT, {**EVERYWHERE, **SEPARATORS}))
def test_strict_fields_refuse_injection(tmp_path: Path, field: str, old: str, new: str, path: str, valid: str,
                                        value: str, where: str) -> None:
    """Alone, and appended to a value that is valid without it (``PJSIP/carol,tT``: the real attack)."""
    hostile = value if where == "alone" else valid + value
    assert_located(problems_for(tmp_path, old, new.format(v=json.dumps(hostile))), path, tmp_path)


@pytest.mark.parametrize(("field", "old", "new", "path", "valid"),
                         [pytest.param(f, *spec, id=f) for f, spec in STRICT.items()])
def test_the_valid_values_of_the_corpus_are_accepted(tmp_path: Path, field: str, old: str, new: str, path: str,
                                                     valid: str) -> None:
    """Otherwise a refusal above could come from the prefix, not from the hostile part."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(old, new.format(v=json.dumps(valid)), 1)
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    load(config, environ={})


@pytest.mark.parametrize(("field", "old", "new", "path", "value"), cases(TEXT, EVERYWHERE))
def test_spoken_text_refuses_line_breaks_variables_and_overlong(tmp_path: Path, field: str, old: str, new: str,
                                                                path: str, value: str) -> None:
    assert_located(problems_for(tmp_path, old, new.format(v=json.dumps(value))), path, tmp_path)


@pytest.mark.parametrize(("field", "block", "path", "value"),
                         [pytest.param(f, b, p, v, id=f"{f}-{n}") for f, (b, p) in DAEMON.items()
                          for n, v in {**EVERYWHERE, **SEPARATORS}.items()])
def test_daemon_values_that_reach_the_dialplan_refuse_injection(tmp_path: Path, field: str, block: str, path: str,
                                                                 value: str) -> None:
    old = "holidays:"
    new = "daemon:\n  " + block.format(v=json.dumps(value)) + "\n\nholidays:"
    assert_located(problems_for(tmp_path, old, new), path, tmp_path)


def test_caller_id_and_digits_are_untrusted() -> None:
    from astreinte.config.numbers import NumberPlan

    safe_caller_number = NumberPlan().shown

    assert safe_caller_number('0611"; System(id) ${X}\n,&') == "0611"
    assert len(safe_caller_number("1" * 500)) == 20                 # numbers.MAX_DIGITS
    assert safe_caller_number("+33 6 11 22 33 44") == safe_caller_number("0611223344") == "0611223344"
    assert safe_caller_number("anonymous") == ""
