"""The file watcher waits for a complete, stable file (astreinte/runtime/watch.py) and refuses one that
drops a whole team or person (astreinte/config/dropped.py)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from astreinte.config.dropped import dropped
from astreinte.runtime.watch import FileWatch
from tests.helpers.calls import example


def test_a_change_counts_once_the_file_stayed_the_same_for_a_whole_interval(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("a: 1\n")
    watch = FileWatch(path)
    assert watch.poll() is None, "nothing new"
    path.write_text("a: 1\nb: 2")
    assert watch.poll() is None, "just changed: maybe still being written"
    with path.open("a") as out:
        out.write("\nc: 3\n")
    assert watch.poll() is None, "changed again"
    ready = watch.poll()
    assert ready is not None and ready.text == "a: 1\nb: 2\nc: 3\n"
    watch.done(ready)
    assert watch.poll() is None and watch.poll() is None, "done with: not offered again"


def test_a_content_refused_is_not_offered_again_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("a: 1\n")
    watch = FileWatch(path)
    path.write_text("half")
    watch.poll()
    refused = watch.poll()
    assert refused is not None
    watch.done(refused)
    assert watch.poll() is None
    path.write_text("whole")
    os.utime(path, ns=(1, 1))
    assert watch.poll() is None and watch.poll() is not None


def test_a_missing_file_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("a: 1\n")
    watch = FileWatch(path)
    path.unlink()
    assert watch.poll() is None and watch.poll() is None


def test_a_team_or_person_gone_is_located_and_a_harmless_edit_is_not() -> None:
    running = example()
    assert dropped(running, running) == []
    team = next(iter(running.teams))
    person = next(iter(running.people))
    cut = replace(running, teams={k: v for k, v in running.teams.items() if k != team},
                  people={k: v for k, v in running.people.items() if k != person})
    found = dropped(running, cut, "line\n" * 42)
    assert [p.path for p in found] == [f"teams.{team}", f"people.{person}"]
    assert all(p.line == 42 and p.file == str(running.path) for p in found)
    assert f"line {running.line(f'teams.{team}')} before the edit" in found[0].message
    assert "rota load" in found[0].message and "SIGHUP" in found[0].message
