"""Numbers as carriers send them: one canonical form for team numbers, menus, the block list and callers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from astreinte.cli import main
from astreinte.config import load
from astreinte.config.numbers import NumberPlan, dial_template
from astreinte.domain.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
FR = NumberPlan("FR")

# (what it is, canonical, every form a French carrier delivers it in)
FRENCH = [
    ("geographic (Strasbourg)", "+33388000001",
     ["+33388000001", "33388000001", "0033388000001", "0388000001", "388000001"]),
    ("mobile", "+33612345678", ["+33612345678", "33612345678", "0033612345678", "0612345678", "612345678"]),
    ("mobile 07", "+33781234567", ["+33781234567", "33781234567", "0033781234567", "0781234567", "781234567"]),
    ("non-geographic 08", "+33810123456",
     ["+33810123456", "33810123456", "0033810123456", "0810123456", "810123456"]),
    ("non-geographic 09 (VoIP)", "+33972123456",
     ["+33972123456", "33972123456", "0033972123456", "0972123456", "972123456"]),
]


@pytest.mark.parametrize(("what", "canonical", "forms"), FRENCH, ids=[f[0] for f in FRENCH])
def test_every_carrier_form_of_a_french_number_is_the_same_number(what: str, canonical: str, forms: list[str]) -> None:
    for form in forms:
        assert FR.canonical(form) == canonical, form
        assert FR.caller(form) == canonical, form
    assert list(FR.forms(canonical)) == forms
    assert FR.configured(" ".join([forms[3][:2], forms[3][2:4], forms[3][4:6], forms[3][6:8], forms[3][8:]])) \
        == canonical                                                  # 03 88 00 00 01, as people write it


@pytest.mark.parametrize(("written", "canonical"), [
    ("00442079460958", "+442079460958"),      # 00: the international prefix, whatever the country
    ("442079460958", "+442079460958"),        # a country code without its +
    ("+44 20 7946 0958", "+442079460958"),
    ("0041446681800", "+41446681800"),
])
def test_international_prefix_and_numbers_abroad(written: str, canonical: str) -> None:
    assert FR.configured(written) == canonical
    assert FR.forms(canonical) == (canonical, canonical[1:], "00" + canonical[1:])   # no French national form


@pytest.mark.parametrize("extension", ["1000", "15", "112", "3615", "999999"])
def test_short_internal_extensions_stay_as_they_are(extension: str) -> None:
    assert FR.canonical(extension) == FR.caller(extension) == FR.reachable(extension) == extension
    assert FR.forms(extension) == (extension,)


@pytest.mark.parametrize("withheld", ["anonymous", "Anonymous", "ANONYMOUS", "restricted", "unknown",
                                      "unavailable", "Private", "", "   ", "<unknown>", "+"])
def test_anonymous_and_withheld_callers_have_no_number(withheld: str) -> None:
    assert FR.caller(withheld) == ""
    assert FR.shown(withheld) == ""


def test_a_hostile_caller_id_keeps_digits_only() -> None:
    assert FR.caller('0611"; System(id) ${X}\n,&') == "0611"
    assert FR.caller("06 11 22 33 44;ext=9").isdigit()
    assert FR.caller("sip:+33611223344@evil.example") == "+33611223344"
    assert len(FR.caller("1" * 500)) <= 20


def test_an_unknown_long_number_is_kept_as_sent_never_guessed() -> None:
    assert FR.canonical("12345678") == "12345678"
    with pytest.raises(ValueError, match="not a valid phone number"):
        FR.reachable("12345678")


def test_shown_is_how_a_french_phone_dials_it() -> None:
    assert FR.shown("+33611223344") == FR.shown("33611223344") == "0611223344"
    assert FR.shown("+442079460958") == "00442079460958"


def test_another_country_reads_its_own_national_forms() -> None:
    be = NumberPlan("BE")
    assert be.canonical("02 555 12 12".replace(" ", "")) == "+3225551212"
    assert "025551212" in be.forms("+3225551212")


@pytest.mark.parametrize(("template", "number", "dialed"), [
    ("PJSIP/{number}@trunk", "+33612345678", "PJSIP/+33612345678@trunk"),
    ("Local/{national}@from-internal/n", "+33612345678", "Local/0612345678@from-internal/n"),
    ("Local/{national}@from-internal/n", "+442079460958", "Local/00442079460958@from-internal/n"),
    ("PJSIP/{digits}@trunk", "+33612345678", "PJSIP/33612345678@trunk"),
])
def test_outbound_templates(template: str, number: str, dialed: str) -> None:
    assert FR.endpoint(dial_template(template), number) == dialed


@pytest.mark.parametrize("template", ["PJSIP/{number}{national}@x", "PJSIP/mobile@x", "PJSIP/{evil}@x",
                                      "PJSIP/{number.__class__}@x"])
def test_bad_outbound_templates_are_refused(template: str) -> None:
    with pytest.raises(ValueError):
        dial_template(template)


@given(st.sampled_from(["1", "2", "3", "4", "5", "6", "7", "8", "9"]), st.text("0123456789", min_size=8, max_size=8))
def test_every_form_gives_the_number_back(first: str, rest: str) -> None:
    number = FR.canonical("0" + first + rest)
    for form in FR.forms(number):
        assert FR.canonical(form) == number


def config_with(tmp_path: Path, old: str, new: str, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace(old, new, 1) + extra, encoding="utf-8")
    return path


def test_a_number_written_in_e164_is_reached_in_every_form_the_trunk_sends(tmp_path: Path) -> None:
    """The YAML says +33388000001, the trunk delivers 0388000001: the call must reach the team."""
    path = config_with(tmp_path, 'numbers: ["+33180000000", "1000"]', 'numbers: ["+33388000001", "1000"]',
                       '\nmenus:\n  "03 88 00 00 09": {prompt: "Tapez 1.", options: {"1": support}}\n'
                       'blocklist: ["0899123456"]\n')
    config = load(path, environ={})
    assert config.teams["support"].numbers == ("+33388000001", "1000")
    for form in ("0388000001", "33388000001", "+33388000001", "0033388000001", "388000001"):
        team = config.team_for_number(form)
        assert team is not None and team.id == "support", form
    assert config.team_for_number("1000") is not None and config.team_for_number("0388000002") is None
    menu = config.menu_for_number("33388000009")
    assert menu is not None and menu.number == "+33388000009"
    assert config.is_blocked("+33899123456") and config.is_blocked("0033 8 99 12 34 56")
    assert not config.is_blocked("anonymous") and not config.is_blocked("")


def test_one_number_written_in_two_forms_is_one_number(tmp_path: Path) -> None:
    path = config_with(tmp_path, 'numbers: ["+33180000000", "1000"]', 'numbers: ["+33180000000", "01 80 00 00 00"]')
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    (problem,) = caught.value.problems
    assert problem.path == "teams.support.numbers[1]" and "already reaches this team" in problem.message


def test_numbering_country_reads_national_forms(tmp_path: Path) -> None:
    path = config_with(tmp_path, 'numbers: ["+33180000000", "1000"]', 'numbers: ["025551212", "1000"]',
                       "\nnumbering: {country: BE}\n")
    assert load(path, environ={}).teams["support"].numbers == ("+3225551212", "1000")
    bad = config_with(tmp_path, "timezone:", "numbering: {country: XX}\ntimezone:")
    with pytest.raises(ConfigError) as caught:
        load(bad, environ={})
    assert [p.path for p in caught.value.problems] == ["numbering.country"]


def test_check_shows_the_forms_that_reach_each_team() -> None:
    result = CliRunner().invoke(main, ["--config", str(EXAMPLE), "check"])
    assert result.exit_code == 0, result.output
    assert ("team support: +33180000000 (also 33180000000, 0033180000000, 0180000000, 180000000); 1000"
            in result.stdout)
