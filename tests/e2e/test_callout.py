"""Issue 16's proof: a message someone hears. Against the real lab Asterisk with sipp phones: nobody takes
the call, the caller leaves a message, and astreinte calls the people on call back until one of them has
listened to it and acknowledged it (or called the caller back); the PBX's own voicemail tier is imported.

Phones: alice 127.0.0.1:5081, bob :5082 (pressing keys as SIP INFO), the customer behind the outbound
trunk :5086 (asterisk_conf/pjsip.conf `trunk-out`).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lab import phones
from lab.observer import Observer, channel_name
from lab.phones import TIMEOUT_FACTOR
from tests.helpers.daemon import REPO, call_log, lab_config
from tests.helpers.lab import PORT, team
from tests.helpers.timing import stays, wait_until

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp]

VOICEMAIL = 'voicemail: {greeting: "Laissez un message.", max_length: 20s, max_silence: 15s}\n'
LISTEN_THEN_ACK = ((2000, "1"), (11000, "1"))        # 1 during the intro, 1 after the 6 s message and the menu


def messages_policy(every: str = "5s", rounds: int = 2, escalate: bool = True) -> str:
    return f"messages: {{callout: true, every: {every}, rounds: {rounds}, escalate: {str(escalate).lower()}}}\n"


async def cli(config: Path, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astreinte", "--config", str(config), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=REPO)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def messages(config: Path) -> list[dict[str, Any]]:
    return list(json.loads(await cli(config, "messages", "--json")))


async def message_when(config: Path, check: Any, timeout: float, what: str) -> dict[str, Any]:
    """The only message, once ``check(message)`` holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout * TIMEOUT_FACTOR
    rows: list[dict[str, Any]] = []
    while loop.time() < end:
        rows = await messages(config)
        if len(rows) == 1 and check(rows[0]):
            return rows[0]
        await asyncio.sleep(0.3)
    raise AssertionError(f"the message never was {what}: {rows}")


def rounds(message: dict[str, Any]) -> list[tuple[int, list[tuple[str, str]]]]:
    return [(c["round"], [(a["person"], a["result"]) for a in c["attempts"]]) for c in message["callouts"]]


def created(observer: Observer, person: str) -> list[float]:
    return [s.at for s in observer.of_type("ChannelCreated") if channel_name(s).startswith(f"PJSIP/{person}-")]


async def leave_a_message(number: str, tmp_path: Path, recording_after: float = 4.0) -> None:
    """The caller waits for the hunt, hears "leave a message" (the recording starts ``recording_after`` s
    after the answer), speaks (RTP) from then on and hangs up 7.5 s later: a message of about 6 s."""
    caller = await phones.call(number, tmp_path, hold_ms=7500, speaks_after_ms=int(recording_after * 1000))
    assert await caller.done(45) == 0, caller.output


async def test_level_1_answers_the_callout_listens_and_acknowledges(lab: Any, daemon: Any, observer: Observer,
                                                                    tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), ring="3s", on_no_answer="voicemail",
                                            extra=VOICEMAIL + messages_policy()))
    process = await daemon(config)
    hunt = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    caller = asyncio.create_task(leave_a_message("1000", tmp_path))
    assert await hunt.done(30) == 0
    alice = await phones.phone("alice", PORT["alice"], "keys", tmp_path, ring_ms=500, keys=LISTEN_THEN_ACK)
    await caller
    assert await alice.done(60) == 0, alice.output
    message = await message_when(config, lambda m: m["state"] == "acknowledged", 20, "acknowledged")
    assert (message["acknowledged_by"], message["acknowledged_how"], message["heard_by"]) == ("alice", "phone",
                                                                                             "alice")
    assert message["heard_phone"] == "PJSIP/alice" and message["heard_at"] <= message["acknowledged_at"]
    assert rounds(message) == [(1, [("alice", "answered")])], "one callout attempt"
    assert [h["state"] for h in message["history"]] == ["new", "calling", "heard", "acknowledged"]
    assert alice.received("BYE"), "astreinte hung up after saying it was acknowledged"
    await stays(lambda: len(created(observer, "alice")) == 2, 8,      # longer than `every`: no more rounds
                "the hunt, then one callout: nothing after the acknowledgement")
    await process.wait_for_line("message acknowledged by alice (phone)")
    callout = [row for row in await call_log(config, count=2) if row["tier"] == "callout"]
    assert [(row["answered_by"], row["reason"]) for row in callout] == [("alice", "acknowledged")]


@pytest.mark.parametrize("escalate", [True, False], ids=["escalate: level 2 next", "escalate false: level 1 again"])
async def test_level_1_silent_the_next_round_comes_after_every(lab: Any, daemon: Any, observer: Observer,
                                                               tmp_path: Path, escalate: bool) -> None:
    config = lab_config(lab, tmp_path, team(("alice", "bob"), ring="3s", on_no_answer="voicemail",
                                            extra=VOICEMAIL + messages_policy(every="5s", escalate=escalate)))
    await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path, calls=2)    # the hunt, round 1
    bob_hunt = await phones.phone("bob", PORT["bob"], "noanswer", tmp_path)
    await leave_a_message("1000", tmp_path, recording_after=7.0)      # two levels rung 3 s each
    assert await bob_hunt.done(20) == 0
    second = "bob" if escalate else "alice"
    if escalate:
        answerer = await phones.phone("bob", PORT["bob"], "keys", tmp_path, keys=LISTEN_THEN_ACK)
        assert await alice.done(40) == 0
    else:
        assert await alice.done(40) == 0
        answerer = await phones.phone("alice", PORT["alice"], "keys", tmp_path, keys=LISTEN_THEN_ACK)
    assert await answerer.done(60) == 0, answerer.output
    message = await message_when(config, lambda m: m["state"] == "acknowledged", 20, "acknowledged")
    assert message["acknowledged_by"] == second
    assert rounds(message) == [(1, [("alice", "no_answer")]), (2, [(second, "answered")])]
    first_end = datetime.fromisoformat(message["callouts"][0]["ended_at"])
    second_start = datetime.fromisoformat(message["callouts"][1]["started_at"])
    waited = (second_start - first_end).total_seconds()
    assert 4.5 <= waited <= 6.5 * TIMEOUT_FACTOR, f"round 2 came {waited:.1f} s after round 1 (every: 5s)"


async def test_2_after_the_message_calls_the_caller_back_through_the_outbound_trunk(
        lab: Any, daemon: Any, observer: Observer, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), ring="3s", on_no_answer="voicemail",
                                            extra=VOICEMAIL + messages_policy()))
    await daemon(config)
    hunt = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    caller = asyncio.create_task(leave_a_message("1000", tmp_path))
    assert await hunt.done(30) == 0
    customer = await phones.customer(tmp_path, ring_ms=1000)
    alice = await phones.phone("alice", PORT["alice"], "keys", tmp_path, keys=((2000, "1"), (11000, "2")),
                               hang_up_ms=6000)
    await caller
    seen = await observer.wait_for(lambda s: s.type == "ChannelEnteredBridge"
                                   and channel_name(s).startswith("PJSIP/trunk-out-"), timeout=60,
                                   what="the customer entering a bridge")
    bridge = await observer.get(f"/bridges/{seen.event['bridge']['id']}")
    names = sorted([(await observer.get(f"/channels/{c}"))["name"].split("-")[0] for c in bridge["channels"]])
    assert names == ["PJSIP/alice", "PJSIP/trunk"], names
    assert await alice.done(40) == 0, alice.output
    assert await customer.done(20) == 0, customer.output
    (invite,) = customer.received("INVITE")
    assert "sip:0611223344@" in invite.first_line, "the caller's number is dialed"
    from_line = next(line for line in invite.text.splitlines() if line.startswith("From:"))
    assert "<sip:1000@" in from_line, f"the caller sees the on-call line's number: {from_line}"
    assert customer.received("BYE"), "alice hung up: the customer's leg ended too"
    rows = await call_log(config, count=2)
    (callout,) = [row for row in rows if row["tier"] == "callout"]
    assert (callout["answered_by"], callout["reason"], callout["caller"]) == ("alice", "callback", "0611223344")
    message = await message_when(config, lambda m: m["state"] == "acknowledged", 10, "acknowledged")
    assert (message["acknowledged_by"], message["history"][-1]["detail"]) == ("alice", "callback")


async def test_a_message_left_on_the_pbx_while_the_daemon_was_dead_is_imported_and_called_out_once(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    lab.cli("database deltree astreinte_calls")           # traces other tests' fallbacks left
    extra = f"daemon: {{fallback: {{recordings_dir: {lab.root / 'var/spool/asterisk/astreinte'}}}}}"
    config = lab_config(lab, tmp_path, team(("alice",), ring="3s", numbers='["5120"]', on_no_answer="voicemail",
                                            extra=VOICEMAIL + messages_policy()), extra=extra)
    first = await daemon(config)
    await first.wait_for_line("AstDB: wrote")
    assert first.proc is not None
    first.proc.kill()                                     # kill -9, and not restarted
    assert await first.proc.wait() == -signal.SIGKILL
    hunt = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path)
    await leave_a_message("5120", tmp_path, recording_after=5.5)    # the astdb tier: vm-intro, then Record()
    assert await hunt.done(20) == 0
    shown = lab.cli("database show astreinte_calls")
    assert "/tier" in shown and "voicemail" in shown and "/end" in shown, shown
    alice = await phones.phone("alice", PORT["alice"], "keys", tmp_path, keys=LISTEN_THEN_ACK)
    second = await daemon(config)
    line = await second.wait_for_line("served by the PBX (tier voicemail)")
    (row,) = await call_log(config)
    assert (row["tier"], row["outcome"], row["did"], row["caller"]) == ("voicemail", "voicemail", "5120", "0611223344")
    assert [(a["person"], a["result"]) for a in row["attempts"]] == [("alice", "no_answer")]
    assert row["id"] in line
    assert await alice.done(60) == 0, alice.output        # the callout rang the on-call phone
    message = await message_when(config, lambda m: m["state"] == "acknowledged", 20, "acknowledged")
    assert (message["source"], message["tier"], message["call_id"]) == ("pbx", "voicemail", row["id"])
    assert Path(message["path"]).stat().st_size > 8000 and message["duration"] > 3
    assert (message["heard_by"], message["acknowledged_by"]) == ("alice", "alice"), "the PBX's recording played"
    assert row["id"] not in lab.cli("database show astreinte_calls"), "the trace is deleted once imported"
    assert await second.stop() == 0
    third = await daemon(config)
    await third.wait_for_line("AMI connected")
    await stays(lambda: not any("served by the PBX" in line for line in third.lines), 3, "nothing imported twice")
    assert len([r for r in await call_log(config, count=2) if r["tier"] != "callout"]) == 1
    assert len(await messages(config)) == 1


async def test_an_acknowledgement_from_the_cli_cancels_the_ringing_callout_within_a_second(
        lab: Any, daemon: Any, tmp_path: Path) -> None:
    config = lab_config(lab, tmp_path, team(("alice",), ring="8s", on_no_answer="voicemail",
                                            extra=VOICEMAIL + messages_policy()))
    process = await daemon(config)
    alice = await phones.phone("alice", PORT["alice"], "noanswer", tmp_path, calls=2)    # the hunt, the callout
    await leave_a_message("1000", tmp_path, recording_after=9.0)
    await process.wait_for_line("round 1 (message)", timeout=30)
    await process.wait_for_line("ringing alice (level 1) on PJSIP/alice", timeout=5)
    await wait_until(lambda: len(alice.received("INVITE")) == 2, 5, "the callout's INVITE reaching alice")
    await asyncio.sleep(1.0)                              # it rings a moment
    (message,) = await messages(config)
    said = await cli(config, "messages", "ack", str(message["id"]), "--by", "bob")
    assert "acknowledged by bob" in said
    assert await alice.done(20) == 0
    (message,) = await messages(config)
    acked = datetime.fromisoformat(message["acknowledged_at"]).astimezone().replace(tzinfo=None)
    cancel = alice.received("CANCEL")[-1].at               # sipp's log: local wall-clock time
    delay = (cancel - acked).total_seconds()
    assert 0 <= delay < 1.0, f"the ringing callout was cancelled {delay:.2f} s after the acknowledgement"
    assert (message["state"], message["acknowledged_how"]) == ("acknowledged", "cli")
    assert rounds(message) == [(1, [("alice", "cancelled")])]
    await process.wait_for_line("acknowledged elsewhere by bob (cli): callout stopped")
