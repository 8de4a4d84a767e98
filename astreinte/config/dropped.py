"""What a new configuration drops outright: whole teams and people. Pure.

The daemon's file watcher refuses such a reload (``runtime/watch.py``): a file caught half-written,
cut after its first team, is valid YAML and would silently unplug a team's number and record a bogus
removal in the publication log. ``astreinte rota load`` and SIGHUP, said on purpose, apply it.
"""

from __future__ import annotations

from astreinte.config import Config
from astreinte.domain.errors import Problem

HOW = "run `astreinte rota load` or `systemctl reload astreinte` (SIGHUP) to apply it on purpose"


def dropped(running: Config, new: Config, text: str = "") -> list[Problem]:
    """Located problems: each team and person of ``running`` that ``new`` (read from ``text``) lacks."""
    file = str(new.path)
    end = text.count("\n") + (0 if text.endswith("\n") or not text else 1) or None
    found = []
    for kind, old, now in (("teams", running.teams, new.teams), ("people", running.people, new.people)):
        for name in old:
            if name not in now:
                was = running.line(f"{kind}.{name}")
                found.append(Problem(file, end, f"{kind}.{name}",
                                     f"{'team' if kind == 'teams' else 'person'} {name!r} (line {was} before the "
                                     f"edit) is gone from the file, which now ends at line {end}: a file written "
                                     f"in several steps? Not reloaded; {HOW}"))
    return found
