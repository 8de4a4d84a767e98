"""The pure figures of the benchmarks: the daemon's own share from its ARI trace, the targets' verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.adapters.ari_trace import AriTrace
from bench.report import markdown
from bench.share import daemon_share
from bench.targets import beats, cell_verdict, summary_rows

MS = 1_000_000


def trace(*lines: tuple[float, str]) -> list[str]:
    return [f"{int(at * MS)} {text}" for at, text in lines]


ONE_CALL = trace(
    (0.0, "in StasisStart 17.1 PJSIP/trunk-0001 1000 s"),
    (0.3, "sent POST /ari/channels/17.1/variable"),          # the lease, beside the answer
    (0.4, "sent POST /ari/channels/17.1/answer"),
    (0.8, "done POST /ari/channels/17.1/variable 204"),
    (2.0, "done POST /ari/channels/17.1/answer 204"),
    (2.5, "sent POST /ari/channels/17.1/play/17.1-greeting1"),
    (2.9, "done POST /ari/channels/17.1/play/17.1-greeting1 201"),
    (3.5, "in PlaybackStarted 17.1"),
    (4.0, "sent POST /ari/channels/17.1-L1"),                 # the first originate
    (7.0, "done POST /ari/channels/17.1-L1 200"),
    (8.0, "sent POST /ari/channels/17.1-L2"),                 # a later one: not the first
)


def test_the_daemons_own_share_is_the_time_nothing_was_awaited_from_asterisk() -> None:
    got = daemon_share(ONE_CALL, exten="1000")
    assert got["calls"] == 1
    assert got["wall_ms"]["median"] == pytest.approx(4.0)
    # awaited: 0.3-2.0 (lease, then answer), 2.5-3.5 (the greeting's start): 2.7 ms; own: 0.3 + 0.5 + 0.5
    assert got["own_ms"]["median"] == pytest.approx(1.3)


def test_only_the_teams_callers_count_and_a_call_never_originated_is_left_out() -> None:
    other = trace((10.0, "in StasisStart 18.1 PJSIP/trunkbench-0002 1200 1200"),
                  (11.0, "sent POST /ari/channels/18.1-L1"),
                  (12.0, "in StasisStart 19.1 PJSIP/trunk-0003 1000 s"),
                  (12.5, "in StasisStart 17.1-L1 PJSIP/alice-0004 leg s"))     # a leg is not a caller
    assert daemon_share([*ONE_CALL, *other], exten="1000")["calls"] == 1
    assert daemon_share([*ONE_CALL, *other], exten="1200")["own_ms"]["median"] == pytest.approx(1.0)
    assert daemon_share(["garbage", ""], exten="1000")["own_ms"]["n"] == 0


def test_the_trace_writes_what_share_reads(tmp_path: Path) -> None:
    path = tmp_path / "trace.txt"
    t = AriTrace(path)
    t.received({"type": "StasisStart", "args": ["1000"],
                "channel": {"id": "5.1", "name": "PJSIP/trunk-1", "dialplan": {"exten": "s"}}})
    t.received({"type": "PlaybackStarted", "playback": {"target_uri": "channel:5.1"}})
    t.flush()
    fields = [line.split()[1:] for line in path.read_text().splitlines()]
    assert fields == [["in", "StasisStart", "5.1", "PJSIP/trunk-1", "1000", "s"], ["in", "PlaybackStarted", "5.1"]]


def test_a_cell_is_met_at_its_target_and_beats_a_native_only_when_faster() -> None:
    row = {"astreinte": {"median": 2.2}, "FollowMe": {"median": 9.0}, "FollowMe d": {"median": 2.2},
           "Dial + U()": {"median": None}}
    v = cell_verdict(row, 2.2)
    assert v["met"] is True
    assert v["beats"] == {"FollowMe": True, "FollowMe d": False, "Dial + U()": None}
    assert v["beats_all"] is None                 # a native without a figure: not known
    assert cell_verdict({**row, "Dial + U()": {"median": 8.0}}, 2.2)["beats_all"] is False
    assert cell_verdict({"astreinte": {"median": 2.21}}, 2.2)["met"] is False
    assert beats(None, 1.0) is None


def test_the_report_opens_with_every_target_and_whether_it_is_met() -> None:
    results = {
        "human": {"greeting_s": 6.0, "ring_s": 2.0, "dtmf_after_answer_s": 3.0, "rounds": 3, "cells": {
            "softphone answers": {"physical_floor_s": 2.0, "astreinte": {"median": 2.05, "p95": 2.1, "min": 2.0,
                                                                         "max": 2.1, "failed": 0},
                                  **{n: {"median": 8.0, "failed": 0} for n in ("FollowMe", "FollowMe d")},
                                  "Dial + U()": {"median": None, "failed": 3},
                                  "verdict": cell_verdict({"astreinte": {"median": 2.05}, "FollowMe": {"median": 8},
                                                           "FollowMe d": {"median": 8}, "Dial + U()": {}}, 2.2)}}},
        "overhead": {"daemon_share": {"own_ms": {"n": 20, "median": 0.8, "p99": 3.5}}},
        "burst": {"cpu_ms_per_call": {"daemon": 4.0}},
        "cli": {"rows": {"who_json": {"ratio": 1.4}, "who": {"ratio": 1.9}}},
    }
    rows = {what: met for what, _got, _wanted, met in summary_rows(results)}
    assert rows["time to a human: softphone answers"] == "yes; beats all: no figure"
    assert rows["daemon's own share, StasisStart → first originate written"] == "**no**"     # p99 over 3 ms
    assert rows["burst: daemon CPU per call (3 legs)"] == "yes"
    assert rows["`astreinte who --json` ÷ `python -c 'import click, yaml, sqlite3'`"] == "yes"
    text = markdown({"human": results["human"]})
    assert text.index("## Targets (issue 18)") < text.index("## Time to a human")
    assert "| softphone answers | 2.00 | 2.05 (2.10, 2.00–2.10) | ≤ 2.20 | 8.00 | 8.00 | – (3 failed) | yes |" in text
