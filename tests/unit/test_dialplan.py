"""The generated dialplan and the chains it dials: deterministic, shipped as generated, injection-proof."""

from __future__ import annotations

import dataclasses
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from astreinte.cli import main
from astreinte.config import Config, load
from astreinte.dialplan import (
    DIAL_STRING,
    FILENAME,
    HORIZON,
    Chain,
    UnsafeValue,
    chain_for,
    checked,
    next_handoff,
    timeline,
    timelines,
)
from astreinte.dialplan_file import render

DATA = Path(__file__).parent.parent / "data"
REPO = Path(__file__).parents[2]
SHIPPED = REPO / "asterisk_conf" / FILENAME
PARIS = ZoneInfo("Europe/Paris")
SATURDAY_NOON = datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)      # weekends are in service, alice's week
TUESDAY_NOON = datetime(2026, 11, 10, 12, 0, tzinfo=PARIS)      # business hours: outside service


@pytest.fixture(scope="module")
def example() -> Config:
    return load(DATA / "config.example.yaml", environ={})


def test_the_lab_ships_exactly_what_dialplan_write_generates_for_the_sample() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == render(load(REPO / "config.yaml", environ={}))


def test_every_tier_sets_the_variable_and_logs(example: Config) -> None:
    text = render(example)
    for tier in ("stasis", "agi", "astdb", "voicemail"):
        assert f"Set(ASTREINTE_TIER={tier})" in text
        assert f"Log(NOTICE,astreinte: call ${{ASTREINTE_CALL}} to ${{ASTREINTE_NUMBER}}: tier {tier}" in text
    assert "Stasis(astreinte,${ASTREINTE_NUMBER})" in text
    assert 'GotoIf($["${STASISSTATUS}" = "FAILED"]?astreinte-fallback,${ASTREINTE_NUMBER},1)' in text
    assert "AGI(agi://127.0.0.1:4573/chain,${ASTREINTE_NUMBER})" in text
    assert "${DB(astreinte/${ASTREINTE_NUMBER}/current)}" in text and "${DB(${G}/levels)}" in text
    assert "${DB_EXISTS(${G}/${ASTREINTE_CALLER})}?blocked" in text
    assert "Set(TIMEOUT(absolute)=7200)" in text and "> 50]?busy" in text
    assert "Record(/var/spool/asterisk/astreinte/${ASTREINTE_FILE}.wav,10,120,k)" in text


def extensions(text: str, context: str) -> list[str]:
    """The extensions defined in ``[context]`` of a generated file."""
    body = text.split(f"[{context}]\n", 1)[1].split("\n[", 1)[0]
    return [line.split("=>", 1)[1].split(",", 1)[0].strip() for line in body.splitlines()
            if line.startswith("exten =>")]


def test_the_entry_point_takes_the_configured_numbers_only_in_every_carrier_form(example: Config) -> None:
    """The example's support team: +33180000000 and the extension 1000. No pattern at all: included in a
    shared trunk context, [astreinte-inbound] must not take the company's other DIDs."""
    text = render(example)
    assert sorted(extensions(text, "astreinte-inbound")) == sorted(
        ["+33180000000", "33180000000", "0033180000000", "0180000000", "180000000", "1000"])
    assert "exten => 0180000000,1,Set(ASTREINTE_NUMBER=+33180000000)" in text
    assert not any(exten.startswith("_") for exten in extensions(text, "astreinte-inbound"))
    assert sorted(extensions(text, "astreinte-fallback")) == ["+33180000000", "1000", "i", "s"]
    assert "${EXTEN}" not in text.split("\n\n", 1)[1], "the dialed number is never expanded"


def test_the_block_list_is_stored_in_every_form_a_caller_id_comes_in(tmp_path: Path) -> None:
    from astreinte.dialplan import blocked_entries

    path = tmp_path / "config.yaml"
    path.write_text((DATA / "config.example.yaml").read_text(encoding="utf-8")
                    + '\nblocklist: ["06 99 99 99 99", "4242"]\n', encoding="utf-8")
    config = load(path, environ={})
    assert config.blocklist == {"+33699999999", "4242"}
    assert [key for key, _ in blocked_entries(config)] == sorted(
        ["+33699999999", "33699999999", "0033699999999", "0699999999", "699999999", "4242"])


def test_daemon_settings_reach_the_dialplan(tmp_path: Path) -> None:
    text = (DATA / "config.example.yaml").read_text(encoding="utf-8") + (
        "\ndaemon:\n  agi: {host: 127.0.0.1, port: 4600}\n  max_concurrent_calls: 7\n  max_call_duration: 30m\n"
        "  fallback: {voicemail: 100@astreinte, max_recording: 1m}\n")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    rendered = render(load(path, environ={}))
    assert "AGI(agi://127.0.0.1:4600/chain,${ASTREINTE_NUMBER})" in rendered
    assert "> 7]?busy" in rendered and "TIMEOUT(absolute)=1800" in rendered
    assert "VoiceMail(100@astreinte,u)" in rendered and "Record(" not in rendered


def test_chain_in_service_levels_phones_and_mobile_through_outbound(example: Config) -> None:
    schedule = example.schedule()
    chain = chain_for(example, schedule, "1000", SATURDAY_NOON)
    assert chain is not None and chain.in_service
    assert chain.levels[0] == "PJSIP/alice"
    bobs_week = chain_for(example, schedule, "1000", SATURDAY_NOON + timedelta(days=7))
    assert bobs_week is not None and bobs_week.levels[0] == "PJSIP/bob&PJSIP/+33611223344@trunk-out"
    assert (chain.ring, chain.rounds, chain.team) == (20, 2, "support")
    assert chain.until is not None and chain.until > SATURDAY_NOON
    same = chain_for(example, schedule, "+33180000000", SATURDAY_NOON)
    assert same is not None and same.levels == chain.levels


def test_chain_outside_service_dials_the_outside_destination_once(example: Config) -> None:
    chain = chain_for(example, example.schedule(), "1000", TUESDAY_NOON)
    assert chain is not None and not chain.in_service
    assert (chain.levels, chain.rounds) == (("PJSIP/reception",), 1)


def test_unknown_number_has_no_chain(example: Config) -> None:
    assert chain_for(example, example.schedule(), "4242", SATURDAY_NOON) is None
    assert chain_for(example, example.schedule(), "1000;x", SATURDAY_NOON) is None


def test_levels_come_last_in_the_agi_variables() -> None:
    chain = Chain("1000", "support", ("PJSIP/a", "PJSIP/b&PJSIP/c"), 20, 2, True, None)
    assert chain.variables()[-1] == ("ASTREINTE_LEVELS", "2")
    assert ("ASTREINTE_DIAL_2", "PJSIP/b&PJSIP/c") in chain.variables()
    assert ("s1/dial2", "PJSIP/b&PJSIP/c") in chain.astdb("s1")


def test_every_team_number_gets_a_timeline_and_hand_offs_are_ahead(example: Config) -> None:
    numbers = {t.number for t in timelines(example, example.schedule(), SATURDAY_NOON)}
    assert numbers == {"1000", "+33180000000"}
    upcoming = next_handoff(example, example.schedule(), SATURDAY_NOON)
    assert upcoming is not None and SATURDAY_NOON < upcoming <= SATURDAY_NOON + timedelta(days=7)


def test_the_timeline_holds_the_coming_changes_in_order(example: Config) -> None:
    """Saturday noon, alice's weekend: from Monday 00:00 the reception (the example's weekend ends at
    midnight and its weekday nights start at 18:00; the 09:00 hand-off changes nothing there), from
    Monday 18:00 bob's first night."""
    found = timeline(example, example.schedule(), "1000", SATURDAY_NOON)
    assert found is not None
    starts = [start for start, _chain in found.segments]
    dials = [chain.levels[0] for _start, chain in found.segments]
    assert starts[:3] == [SATURDAY_NOON, datetime(2026, 11, 9, 0, 0, tzinfo=PARIS),
                          datetime(2026, 11, 9, 18, 0, tzinfo=PARIS)]
    assert dials[:3] == ["PJSIP/alice", "PJSIP/reception", "PJSIP/bob&PJSIP/+33611223344@trunk-out"]
    entries = dict(found.astdb())
    assert entries["s2/from"] == str(int(starts[1].timestamp()))
    assert "s1/from" not in entries and entries["s1/dial1"] == "PJSIP/alice"
    assert found.astdb()[-1] == ("segments", str(len(found.segments)))


@pytest.mark.parametrize("start", [SATURDAY_NOON, TUESDAY_NOON, datetime(2026, 12, 24, 17, 59, tzinfo=PARIS),
                                   datetime(2027, 3, 26, 20, 0, tzinfo=PARIS)])   # Christmas; spring DST
def test_what_the_astdb_tier_picks_is_what_the_daemon_would_dial(example: Config, start: datetime) -> None:
    """At every quarter hour of the horizon, the segment the dialplan picks (the last one whose
    ``from`` has passed) dials what ``chain_for`` says at that instant."""
    schedule = example.schedule()
    found = timeline(example, schedule, "1000", start)
    assert found is not None and len(found.segments) > 1
    at = start
    last = found.segments[-1][0]
    while at < min(start + HORIZON, last + timedelta(days=1)):
        picked = [chain for begin, chain in found.segments if begin <= at][-1]
        expected = chain_for(example, schedule, "1000", at)
        assert expected is not None and picked.dialing() == expected.dialing(), at
        at += timedelta(minutes=15)


@pytest.mark.parametrize("value", ["PJSIP/a,10,G(x)", "PJSIP/a)", "PJSIP/${EXTEN}", "PJSIP/a\nexten", "PJSIP/a;b",
                                   "PJSIP/a|b", "", "PJSIP/" + "a" * 200, "Local/x@ctx&"])
def test_unsafe_dial_strings_are_refused(value: str) -> None:
    with pytest.raises(UnsafeValue):
        checked(DIAL_STRING, value, "dial string")


def test_render_refuses_an_unsafe_app_even_if_the_config_was_built_by_hand(example: Config) -> None:
    ari = dataclasses.replace(example.asterisk.ari, app="astreinte,x)")
    bad = dataclasses.replace(example, asterisk=dataclasses.replace(example.asterisk, ari=ari))
    with pytest.raises(UnsafeValue):
        render(bad)


def test_cli_writes_atomically_with_mode_0644(tmp_path: Path) -> None:
    out = tmp_path / "etc" / FILENAME
    result = CliRunner().invoke(main, ["--config", str(DATA / "config.example.yaml"), "dialplan", "write",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render(load(DATA / "config.example.yaml", environ={}))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert [p.name for p in out.parent.iterdir()] == [FILENAME], "no temporary file left behind"
    shown = CliRunner().invoke(main, ["--config", str(DATA / "config.example.yaml"), "dialplan", "write", "-o", "-"])
    assert shown.exit_code == 0 and "[astreinte-fallback]" in shown.output


def test_cli_reports_an_unreachable_ami_cleanly(tmp_path: Path) -> None:
    text = (DATA / "config.example.yaml").read_text(encoding="utf-8").replace("port: 5038", "port: 1")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "dialplan", "write", "-o", str(tmp_path / "x.conf"),
                                       "--reload"])
    assert result.exit_code == 1
    assert "dialplan written but not reloaded" in result.output and "Traceback" not in result.output


def test_the_softphones_context_comes_with_the_phones_block(tmp_path: Path, example: Config) -> None:
    assert "[astreinte-phones]" not in render(example)
    path = tmp_path / "config.yaml"
    path.write_text((DATA / "config.example.yaml").read_text(encoding="utf-8")
                    + "\nphones: {domain: pbx.example.com}\n", encoding="utf-8")
    text = render(load(path, environ={}))
    assert "[astreinte-phones]\n" in text and "exten => _X.,1,Hangup(21)" in text.split("[astreinte-phones]")[1]
    path.write_text((DATA / "config.example.yaml").read_text(encoding="utf-8")
                    + "\nphones: {domain: pbx.example.com, context: from-internal}\n", encoding="utf-8")
    assert "[astreinte-phones]" not in render(load(path, environ={})), "a context of the PBX is never redefined"


def test_the_chain_asks_for_1_with_the_prompt_the_daemon_renders(example: Config) -> None:
    """The example's support team confirms: the AGI and AstDB tiers get the prompt the daemon renders for it
    (prompts.render_all renders CONFIRM_PROMPT for every team, named by its hash)."""
    from astreinte.adapters.speech import prompt_name
    from astreinte.dialplan import CONFIRM_PROMPT
    from astreinte.runtime.prompts import CONFIRM

    assert CONFIRM == CONFIRM_PROMPT
    chain = chain_for(example, example.schedule(), "1000", SATURDAY_NOON)
    assert chain is not None and chain.confirm_timeout == 10
    assert chain.confirm == "/var/lib/asterisk/sounds/astreinte/" + prompt_name(CONFIRM_PROMPT.format(team="support"))
    variables = dict(chain.variables())
    assert variables["ASTREINTE_CONFIRM"] == chain.confirm and variables["ASTREINTE_CONFIRM_TIMEOUT"] == "10"
    assert ("s1/confirm", chain.confirm) in chain.astdb("s1")
    outside = chain_for(example, example.schedule(), "1000", TUESDAY_NOON)
    assert outside is not None and outside.confirm == "", "outside service hours, as the daemon: no press-1"


def test_menus_get_their_menu_in_the_pbx_tiers(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text((DATA / "config.example.yaml").read_text(encoding="utf-8") + """
menus:
  "1500": {prompt: "sound:astreinte/menu", options: {"1": support, "#": support}, default: support, timeout: 4s}
  "1501": {prompt: "sound:astreinte/menu", options: {"1": support}}
""", encoding="utf-8")
    text = render(load(path, environ={}))
    fallback = text.split("[astreinte-fallback]\n", 1)[1].split("\n[", 1)[0]
    assert "exten => 1500,1,Set(ASTREINTE_NUMBER=1500)\n same => n,Goto(astreinte-menus,1500,1)" in fallback
    menus = text.split("[astreinte-menus]\n", 1)[1].split("\n[", 1)[0]
    assert "Read(ASTREINTE_CHOICE,astreinte/menu,1,t(),1,4)" in menus
    assert 'GotoIf($["${ASTREINTE_CHOICE}" = "#"]?astreinte-fallback,+33180000000,1)' in menus
    assert "Read(ASTREINTE_CHOICE,astreinte/menu,1,t(),2,6)" in menus, "no default: asked twice, as the daemon"
    assert menus.rstrip().endswith("Goto(astreinte-tiers,voicemail,1)"), "then a message, never silence"
    assert 'GotoIf($["${STASISSTATUS}" = "FAILED"]?astreinte-fallback,${ASTREINTE_NUMBER},1)' in text
