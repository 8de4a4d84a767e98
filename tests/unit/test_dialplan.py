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
    render,
    timeline,
    timelines,
)

DATA = Path(__file__).parent.parent / "data"
SHIPPED = Path(__file__).parents[2] / "asterisk_conf" / FILENAME
PARIS = ZoneInfo("Europe/Paris")
SATURDAY_NOON = datetime(2026, 11, 7, 12, 0, tzinfo=PARIS)      # weekends are in service, alice's week
TUESDAY_NOON = datetime(2026, 11, 10, 12, 0, tzinfo=PARIS)      # business hours: outside service


@pytest.fixture(scope="module")
def example() -> Config:
    return load(DATA / "config.example.yaml", environ={})


def test_the_lab_ships_exactly_what_dialplan_write_generates(example: Config):
    assert SHIPPED.read_text(encoding="utf-8") == render(example)


def test_every_tier_sets_the_variable_and_logs(example: Config):
    text = render(example)
    for tier in ("stasis", "agi", "astdb", "voicemail"):
        assert f"Set(ASTREINTE_TIER={tier})" in text
        assert f"Log(NOTICE,astreinte: call ${{UNIQUEID}} to ${{EXTEN}}: tier {tier}" in text
    assert "Stasis(astreinte,${EXTEN})" in text
    assert 'GotoIf($["${STASISSTATUS}" = "FAILED"]?astreinte-fallback,${EXTEN},1)' in text
    assert "AGI(agi://127.0.0.1:4573/chain)" in text
    assert "${DB(astreinte/${EXTEN}/current)}" in text and "${DB(${G}/levels)}" in text
    assert "${DB_EXISTS(${G}/${ASTREINTE_CALLER})}?blocked" in text
    assert "Set(TIMEOUT(absolute)=7200)" in text and "> 50]?busy" in text
    assert "Record(/var/spool/asterisk/astreinte/${EXTEN}-${UNIQUEID}.wav,10,120,k)" in text


def test_daemon_settings_reach_the_dialplan(tmp_path: Path):
    text = (DATA / "config.example.yaml").read_text(encoding="utf-8") + (
        "\ndaemon:\n  agi: {host: 127.0.0.1, port: 4600}\n  max_concurrent_calls: 7\n  max_call_duration: 30m\n"
        "  fallback: {voicemail: 100@astreinte, max_recording: 1m}\n")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    rendered = render(load(path, environ={}))
    assert "AGI(agi://127.0.0.1:4600/chain)" in rendered
    assert "> 7]?busy" in rendered and "TIMEOUT(absolute)=1800" in rendered
    assert "VoiceMail(100@astreinte,u)" in rendered and "Record(" not in rendered


def test_chain_in_service_levels_phones_and_mobile_through_outbound(example: Config):
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


def test_chain_outside_service_dials_the_outside_destination_once(example: Config):
    chain = chain_for(example, example.schedule(), "1000", TUESDAY_NOON)
    assert chain is not None and not chain.in_service
    assert (chain.levels, chain.rounds) == (("PJSIP/reception",), 1)


def test_unknown_number_has_no_chain(example: Config):
    assert chain_for(example, example.schedule(), "4242", SATURDAY_NOON) is None
    assert chain_for(example, example.schedule(), "1000;x", SATURDAY_NOON) is None


def test_levels_come_last_in_the_agi_variables():
    chain = Chain("1000", "support", ("PJSIP/a", "PJSIP/b&PJSIP/c"), 20, 2, True, None)
    assert chain.variables()[-1] == ("ASTREINTE_LEVELS", "2")
    assert ("ASTREINTE_DIAL_2", "PJSIP/b&PJSIP/c") in chain.variables()
    assert ("s1/dial2", "PJSIP/b&PJSIP/c") in chain.astdb("s1")


def test_every_team_number_gets_a_timeline_and_hand_offs_are_ahead(example: Config):
    numbers = {t.number for t in timelines(example, example.schedule(), SATURDAY_NOON)}
    assert numbers == {"1000", "+33180000000"}
    upcoming = next_handoff(example, example.schedule(), SATURDAY_NOON)
    assert upcoming is not None and SATURDAY_NOON < upcoming <= SATURDAY_NOON + timedelta(days=7)


def test_the_timeline_holds_the_coming_changes_in_order(example: Config):
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
def test_what_the_astdb_tier_picks_is_what_the_daemon_would_dial(example: Config, start: datetime):
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
def test_unsafe_dial_strings_are_refused(value: str):
    with pytest.raises(UnsafeValue):
        checked(DIAL_STRING, value, "dial string")


def test_render_refuses_an_unsafe_app_even_if_the_config_was_built_by_hand(example: Config):
    ari = dataclasses.replace(example.asterisk.ari, app="astreinte,x)")
    bad = dataclasses.replace(example, asterisk=dataclasses.replace(example.asterisk, ari=ari))
    with pytest.raises(UnsafeValue):
        render(bad)


def test_cli_writes_atomically_with_mode_0644(tmp_path: Path):
    out = tmp_path / "etc" / FILENAME
    result = CliRunner().invoke(main, ["--config", str(DATA / "config.example.yaml"), "dialplan", "write",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == SHIPPED.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert [p.name for p in out.parent.iterdir()] == [FILENAME], "no temporary file left behind"
    shown = CliRunner().invoke(main, ["--config", str(DATA / "config.example.yaml"), "dialplan", "write", "-o", "-"])
    assert shown.exit_code == 0 and "[astreinte-fallback]" in shown.output


def test_cli_reports_an_unreachable_ami_cleanly(tmp_path: Path):
    text = (DATA / "config.example.yaml").read_text(encoding="utf-8").replace("port: 5038", "port: 1")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "dialplan", "write", "-o", str(tmp_path / "x.conf"),
                                       "--reload"])
    assert result.exit_code == 1
    assert "dialplan written but not reloaded" in result.output and "Traceback" not in result.output
