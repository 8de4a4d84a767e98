"""The rule of an override, in one place: who may hold which layer, when. Pure.

The YAML loader (located errors), the CLI (``override add``), the store, the phone service line
and the web console all ask ``problems`` and word its answers for their audience.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Literal

from astreinte.domain.rota import Team

Field = Literal["team", "layer", "person", "to"]


def layers_of(teams: Mapping[str, Team]) -> dict[str, list[str]]:
    """Each team's layer names, in order."""
    return {team.id: [layer.name for layer in team.layers] for team in teams.values()}


def problems(layers: Mapping[str, Sequence[str]], people: Collection[str], team: str, layer: str, person: str,
             start: datetime | None, end: datetime | None) -> list[tuple[Field, str]]:
    """What is wrong with "``person`` holds ``team``/``layer`` during [start, end)": (field, message).

    ``layers``: each team's layer names (``layers_of(config.teams)``, or what a file declares)."""
    found: list[tuple[Field, str]] = []
    names = layers.get(team)
    if names is None:
        found.append(("team", f"unknown team {team!r} (teams: {', '.join(layers)})"))
    elif layer not in names:
        found.append(("layer", f"team {team!r} has no layer {layer!r} (it has: {', '.join(names)})"))
    if person not in people:
        found.append(("person", f"unknown person {person!r}"))
    if start is not None and end is not None and end.timestamp() <= start.timestamp():
        found.append(("to", "must be after the start"))
    return found
