"""How long Asterisk's own sounds play (astreinte/domain/calls/play_lengths.py), and the lease that covers
them: a daemon that freezes during a short ``sound:beep`` greeting must not keep its caller for 14 s
(the chaos benchmark lost such a caller). Pure; the lab proves it (tests/e2e/test_lease.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from astreinte.adapters.speech import LENGTHS, read_lengths, write_lengths
from astreinte.domain.calls import commands as c
from astreinte.domain.calls.lease import TERM
from astreinte.domain.calls.line import PromptBook
from astreinte.domain.calls.play_lengths import PlayLengths
from tests.helpers.calls import CALL, PROMPTS, CallScript, line

T0 = datetime(2026, 12, 2, 9, 43, 14, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def played(lengths: PlayLengths, playback: str, media: str, start: float, end: float) -> float | None:
    lengths.started(playback, media, at(start))
    return lengths.finished(playback, at(end))


def test_a_sound_is_as_long_as_its_longest_play() -> None:
    lengths = PlayLengths()
    assert lengths.seconds("sound:beep") is None, "never played: unknown"
    assert played(lengths, "p1", "sound:beep", 0.0, 0.27) == 0.3
    assert lengths.seconds("sound:beep") == 0.3
    played(lengths, "p2", "sound:beep", 5.0, 5.1)          # cut short: the caller hung up
    assert lengths.seconds("sound:beep") == 0.3
    played(lengths, "p3", "sound:beep", 9.0, 9.4)
    assert lengths.seconds("sound:beep") == 0.4


def test_only_asterisks_own_sounds_are_timed_and_only_plays_seen_from_their_start() -> None:
    lengths = PlayLengths()
    assert played(lengths, "p1", "sound:custom/welcome", 0.0, 12.0) == 12.0
    assert played(lengths, "p2", "sound:/var/lib/asterisk/sounds/astreinte/call-17", 0.0, 3.0) is None, \
        "a prompt the daemon rendered (one per call for the confirmations): its file says how long"
    assert played(lengths, "p3", "recording:x", 0.0, 3.0) is None
    assert lengths.finished("never-started", at(2.0)) is None, "started before this daemon: no length"
    assert set(lengths.lengths) == {"sound:custom/welcome"}


def test_the_prompts_length_is_the_rendered_files_else_the_learned_one_else_the_default() -> None:
    book = replace(PROMPTS, durations={"sound:rendered": 4.5}, learned=PlayLengths())
    played(book.learned, "p1", "sound:greeting", 0.0, 0.3)
    assert (book.seconds("sound:rendered"), book.seconds("sound:greeting"), book.seconds("sound:hold")) == \
        (4.5, 0.3, 10.0)


def greeting_lease(prompts: PromptBook) -> int:
    call = CallScript(replace(line(), prompts=prompts))
    call.greeted()
    covers = [x.seconds for x in call.sent if isinstance(x, c.Lease) and x.channel == CALL and x.seconds > TERM]
    assert covers, call.sent
    return covers[0]


def test_once_a_short_sound_has_played_the_lease_covers_it_for_its_length_not_ten_seconds() -> None:
    prompts = replace(PROMPTS, learned=PlayLengths())
    assert greeting_lease(prompts) == TERM + 10, "first play: its length is unknown"
    played(prompts.learned, "p1", "sound:greeting", 0.0, 0.3)
    assert greeting_lease(prompts) == TERM + 1, "a daemon frozen during the greeting lets go of the caller in 5 s"


def test_the_lengths_outlive_the_daemon_and_a_damaged_file_is_no_lengths(tmp_path: Path) -> None:
    lengths = PlayLengths(read_lengths(tmp_path))
    assert lengths.seconds("sound:beep") is None, "no file yet"
    played(lengths, "p1", "sound:beep", 0.0, 0.3)
    write_lengths(tmp_path, lengths.lengths)
    assert PlayLengths(read_lengths(tmp_path)).seconds("sound:beep") == 0.3, "the next daemon knows the beep"
    (tmp_path / LENGTHS).write_text('{"sound:beep": "long", "sound:x": 2')
    assert read_lengths(tmp_path) == {}
    (tmp_path / LENGTHS).write_text('{"sound:beep": "long", "sound:x": 2}')
    assert read_lengths(tmp_path) == {"sound:x": 2.0}
    assert list(tmp_path.iterdir()) == [tmp_path / LENGTHS], "written whole (a temporary file, then renamed)"
