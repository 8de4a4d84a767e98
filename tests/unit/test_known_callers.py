"""Known callers (issue 19): the ``callers:`` directory, each team's policy (anyone, known, pin) and what the
pure ``CallFlow`` does with it: the customer named to the callee, a message instead of waking anyone."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.config.warnings import config_warnings
from astreinte.domain.callers import Customer, Directory, admit
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.errors import ConfigError
from astreinte.domain.rota import Team
from astreinte.web.passwords import hashed, verify_pin
from tests.helpers.calls import CALL, PROMPTS, TUESDAY_NOON, CallScript, example, line

EXAMPLE = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text()
DIRECTORY = """
callers:
  biogaz-stlo:
    name: Biogaz de la Vallée
    site: Saint-Lô
    numbers: ["02 33 00 11 22", "+33 6 12 00 00 01"]
    level: premium
    team: support
    pin: "2468"
  ferme-dupont:
    name: Ferme Dupont
    numbers: ["0033 2 99 00 00 01"]
"""
BIOGAZ = Customer("biogaz-stlo", "Biogaz de la Vallée", "Saint-Lô", "premium", ("+33233001122",), "support",
                  hashed("2468"))
PIN_PROMPTS = replace(PROMPTS, customer_pin="sound:code", customer_pin_wrong="sound:wrong-code")


def config_with(tmp_path: Path, block: str, policy: str | None = None) -> Path:
    text = EXAMPLE if policy is None else EXAMPLE.replace(
        '    numbers: ["+33180000000", "1000"]', f'    numbers: ["+33180000000", "1000"]\n    callers: {policy}', 1)
    path = tmp_path / "config.yaml"
    path.write_text(text + "\n" + block)
    return path


def team_with(policy: str) -> Team:
    team = example().teams["support"]
    return replace(team, callers=policy)      # type: ignore[arg-type]


def call(policy: str, caller: str = "0611223344", caller_key: str = "+33611223344") -> CallScript:
    base = line(caller=caller)
    team = team_with(policy)
    return CallScript(replace(base, team=team, teams={**base.teams, "support": team}, prompts=PIN_PROMPTS,
                              directory=Directory({BIOGAZ.id: BIOGAZ}), caller_key=caller_key))


def keys(script: CallScript, digits: str) -> None:
    for digit in digits:
        looked_up(script, script.send(e.DigitPressed(CALL, digit), after=0.3))


def looked_up(script: CallScript, commands: list[c.Command]) -> None:
    """Answer the PIN look-ups among ``commands`` as the runtime does (``CallDriver._check_pin``)."""
    for check in script.of(c.CheckCustomerPin, commands):
        found = script.flow.line.directory.by_pin(check.keys, check.team, verify_pin)
        script.send(e.CustomerPinChecked(found.id if found is not None else None), after=0.2)


# ── the directory ────────────────────────────────────────────────────────────


def test_the_directory_reads_numbers_in_any_carrier_form(tmp_path: Path) -> None:
    config = load(config_with(tmp_path, DIRECTORY, "pin"), environ={})
    directory = config.callers
    for form in ("0233001122", "33233001122", "+33233001122", "0033233001122"):
        found = directory.find(config.numbering.caller(form), "support")
        assert found is not None and found.name == "Biogaz de la Vallée", form
    assert directory.find(config.numbering.caller("0299000001"), "sales") is not None, "no team: every team's"
    assert directory.find(config.numbering.caller("0233001122"), "sales") is None, "only support's customer"
    assert directory.find("", "support") is None, "a withheld number is nobody"
    assert config.teams["support"].callers == "pin" and example().teams["support"].callers == "anyone"


def test_a_pin_names_only_a_customer_of_the_team() -> None:
    directory = Directory({BIOGAZ.id: BIOGAZ})
    assert directory.by_pin("2468", "support", verify_pin) == BIOGAZ
    assert directory.by_pin("2469", "support", verify_pin) is None
    assert directory.by_pin("2468", "sales", verify_pin) is None
    assert "2468" not in repr(BIOGAZ) and "2468" not in repr(c.CheckCustomerPin("support", "2468")), \
        "the PIN is not in the logs"


def test_a_customer_pin_is_a_hash_else_the_yaml_digits_compared_in_constant_time() -> None:
    assert BIOGAZ.pin is not None and BIOGAZ.pin.startswith("$argon2id$") and "2468" not in BIOGAZ.pin
    assert verify_pin(BIOGAZ.pin, "2468") and not verify_pin(BIOGAZ.pin, "2469")
    assert verify_pin("2468", "2468") and not verify_pin("2468", "24680") and not verify_pin("2468", "")


def test_each_policy_decides_for_an_unknown_caller() -> None:
    assert admit("anyone", None) == "anyone" and admit("known", None) == "message"
    assert admit("pin", None) == "ask pin"
    assert {admit(policy, BIOGAZ) for policy in ("anyone", "known", "pin")} == {"named"}


def test_mistakes_in_the_directory_are_located_errors(tmp_path: Path) -> None:
    block = """
callers:
  acme:
    name: Acme
    numbers: ["not a number"]
    team: nowhere
    pin: "12"
"""
    with pytest.raises(ConfigError) as caught:
        load(config_with(tmp_path, block, "pin"), environ={})
    text = str(caught.value)
    assert "callers.acme.numbers[0]: expected a phone number" in text
    assert "callers.acme.team: unknown team 'nowhere'" in text
    assert "callers.acme.pin: expected 4 to 8 digits" in text


def test_a_policy_nobody_can_pass_is_a_warning_and_a_wrong_one_an_error(tmp_path: Path) -> None:
    (warning,) = [w for w in config_warnings(load(config_with(tmp_path, "", "known"), environ={}))
                  if ".callers" in w]
    assert "teams.support.callers: known, but no customer calls this team: every call goes to a message " \
           "(unless customers are imported: astreinte callers import)" in warning
    no_pin = DIRECTORY.replace('    pin: "2468"\n', "")
    (warning,) = [w for w in config_warnings(load(config_with(tmp_path, no_pin, "pin"), environ={}))
                  if ".callers" in w]
    assert "teams.support.callers: pin, but no customer of this team has a pin" in warning
    assert not [w for w in config_warnings(load(config_with(tmp_path, DIRECTORY, "pin"), environ={}))
                if ".callers" in w]
    with pytest.raises(ConfigError, match=re.escape("teams.support.callers: expected one of anyone, known, pin")):
        load(config_with(tmp_path, "", "everybody"), environ={})


# ── the call ─────────────────────────────────────────────────────────────────


def test_a_known_customer_is_named_to_the_callee_and_in_the_call_log() -> None:
    script = call("anyone", "0233001122", "+33233001122")
    script.greeted()
    assert c.RenderConfirmation("support", "0233001122", "Biogaz de la Vallée", "Saint-Lô") in script.sent
    (ring,) = script.of(c.Originate)
    assert ring.caller_id == '"Biogaz de la Vallée (Saint-Lô)" <0233001122>', "the callee's display names them"
    assert "caller known by number: Biogaz de la Vallée (Saint-Lô), contract premium" in script.traces()
    script.send(e.PromptRendered("sound:call-1", text="Appel de Biogaz de la Vallée, site de Saint-Lô."))
    assert "confirmation prompt: Appel de Biogaz de la Vallée, site de Saint-Lô." in script.traces()
    script.caller_hangs_up(after=1)
    assert script.saved().record.customer == "biogaz-stlo"


def test_callers_known_an_unknown_number_leaves_a_message_and_nobody_is_rung() -> None:
    script = call("known")
    script.answered()
    assert [p.media for p in script.of(c.Play)] == ["sound:leave-a-message"] and not script.of(c.Originate)
    assert "caller 0611223344 not in the directory (callers: known): a message, nobody rung" in script.traces()
    assert script.flow.record.reason == "unknown_caller" and script.flow.customer is None


def test_callers_pin_a_right_pin_names_the_customer_then_the_on_call_phone_rings() -> None:
    script = call("pin")
    script.answered()
    assert [p.media for p in script.of(c.Play)] == ["sound:code"] and not script.of(c.Originate)
    assert script.hears() == "prompt"
    keys(script, "2468#")
    assert "caller known by customer PIN (4 digits): Biogaz de la Vallée (Saint-Lô), contract premium" \
        in script.traces()
    assert not [t for t in script.traces() if "2468" in t], "the digits are never logged"
    script.started("sound:greeting")
    assert [o.endpoint for o in script.of(c.Originate)] == ["PJSIP/alice"]
    assert c.RenderConfirmation("support", "0611223344", "Biogaz de la Vallée", "Saint-Lô") in script.sent


def test_callers_pin_three_wrong_pins_leave_a_message_and_nobody_is_rung() -> None:
    script = call("pin")
    script.answered()
    for attempt, wrong in enumerate(("1111#", "99", "1234#"), start=1):
        keys(script, wrong)
        if not wrong.endswith("#"):
            looked_up(script, script.wait(7))     # the digits without the #: taken after a pause
        if attempt < 3:
            assert [p.media for p in script.last if isinstance(p, c.Play)][-2:] == ["sound:wrong-code", "sound:code"]
    warnings = [t.text for t in script.of(c.Trace) if t.level == "warning"]
    assert warnings == ["wrong customer PIN of 4 digits from 0611223344 (1/3)",
                        "wrong customer PIN of 2 digits from 0611223344 (2/3)",
                        "wrong customer PIN of 4 digits from 0611223344 (3/3): a message, nobody rung"]
    assert [p.media for p in script.of(c.Play)][-1] == "sound:leave-a-message" and not script.of(c.Originate)


def test_keys_typed_while_the_pin_is_looked_up_are_ignored_and_a_lost_look_up_is_a_wrong_pin() -> None:
    script = call("pin")
    script.answered()
    for digit in "2468#1":
        script.send(e.DigitPressed(CALL, digit), after=0.3)
    assert [check.team for check in script.of(c.CheckCustomerPin)] == ["support"], "one look-up, the 1 ignored"
    script.wait(31)
    assert "customer PIN: no answer from the check" in script.traces()
    assert "wrong customer PIN of 4 digits from 0611223344 (1/3)" in script.traces()
    assert [p.media for p in script.of(c.Play)][-2:] == ["sound:wrong-code", "sound:code"], "asked again"
    script.send(e.CustomerPinChecked("biogaz-stlo"), after=1)
    assert script.flow.customer is None, "a late answer names nobody"


def test_callers_pin_silence_leaves_a_message_and_a_hang_up_is_abandoned() -> None:
    script = call("pin")
    script.answered()
    script.finished("sound:code", after=3)
    script.wait(7)
    script.finished("sound:code", after=3)
    script.wait(7)
    assert [p.media for p in script.of(c.Play)] == ["sound:code", "sound:code", "sound:leave-a-message"]
    assert not script.of(c.Originate)
    gone = call("pin")
    gone.answered()
    gone.caller_hangs_up(after=2)
    assert gone.saved().record.outcome == "abandoned" and not gone.of(c.Originate)


# ── the contract level's hunt ────────────────────────────────────────────────


def test_a_premium_contract_rings_every_level_at_once(tmp_path: Path) -> None:
    levels = "contract_levels:\n  premium: {strategy: ringall, ring_timeout: 30s}\n"
    config = load(config_with(tmp_path, DIRECTORY + levels), environ={})
    assert config.callers.levels["premium"].strategy == "ringall"
    base = line(config, caller="0233001122")
    premium = CallScript(replace(base, directory=config.callers, caller_key="+33233001122"))
    premium.greeted()
    assert [o.endpoint for o in premium.of(c.Originate)] == ["PJSIP/alice", "PJSIP/dave"], "every level at once"
    assert "contract premium: ringall, ring 30 s" in premium.traces()
    other = CallScript(replace(base, directory=config.callers, caller_key="+33299000001"))     # Ferme Dupont
    other.greeted()
    assert [o.endpoint for o in other.of(c.Originate)] == ["PJSIP/alice"], "no level: the team's linear hunt"


def test_a_contract_level_with_a_wrong_strategy_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("contract_levels.premium.strategy: expected linear or ringall")):
        load(config_with(tmp_path, DIRECTORY + "contract_levels:\n  premium: {strategy: all}\n"), environ={})


def test_the_daemon_merges_the_imported_customers_under_the_configuration(tmp_path: Path) -> None:
    from astreinte.runtime.services import Services

    config = load(config_with(tmp_path, DIRECTORY), environ={})
    live = Services(config, config.schedule(), PROMPTS)
    assert live.directory is config.callers
    hotel = Customer("hotel-caen", "Hôtel du Port", numbers=("+33231000003",))
    shadow = Customer("biogaz-stlo", "Old name", numbers=("+33231000009",))
    assert live.take_imported({hotel.id: hotel, shadow.id: shadow}) and not live.take_imported(
        {hotel.id: hotel, shadow.id: shadow})
    assert live.directory.find("+33231000003", "support") == hotel
    assert live.directory.customers["biogaz-stlo"].name == "Biogaz de la Vallée", "the configuration wins"
    assert live.directory.find("+33231000009", "support") is None


def test_outside_service_hours_the_destination_rings_for_an_unknown_caller_too() -> None:
    base = line()
    team = team_with("known")
    script = CallScript(replace(base, team=team, teams={**base.teams, "support": team}, prompts=PIN_PROMPTS,
                                directory=Directory({BIOGAZ.id: BIOGAZ}), caller_key="+33611223344"),
                        at=TUESDAY_NOON)
    script.answered()
    assert [o.endpoint for o in script.of(c.Originate)] == ["PJSIP/reception"], "nobody on call is woken"
    assert not [t for t in script.traces() if "directory" in t]
