"""Things a valid configuration may still get wrong; ``astreinte check`` prints them as warnings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from astreinte.config import Config
from astreinte.domain.callers import unpassable, untranslated
from astreinte.domain.hours import WeekHours, irregular_gaps
from astreinte.domain.rota import Override


def _always(hours: WeekHours) -> bool:
    """Does every minute of an ordinary week (no holiday) fall in service hours?"""
    monday = datetime(2026, 11, 2)
    return all(hours.contains(monday + timedelta(minutes=m)) for m in range(0, 7 * 24 * 60, 15))


def config_warnings(config: Config, cli_overrides: Iterable[Override] = (), now: datetime | None = None) -> list[str]:
    """Located warnings (``config.yaml:40 teams.support.service_hours: …``), in file order."""
    found: list[tuple[int, str]] = []

    def warn(path: str, message: str) -> None:
        line = config.line(path)
        where = f"{config.path}:{line}" if line else str(config.path)
        found.append((line or 0, f"{where} {path}: {message}"))

    for team in config.teams.values():
        path = f"teams.{team.id}"
        destination = team.outside_service_dial or "nowhere (no outside_service.dial)"
        if team.service_hours is not None:
            for stretch in irregular_gaps(team.service_hours):
                warn(f"{path}.service_hours",
                     f"{stretch} is outside service hours every week: calls go to {destination}")
            if team.outside_service_dial is None and not _always(team.service_hours):
                warn(f"{path}.service_hours",
                     "outside service hours calls have nowhere to go: set outside_service.dial")
        elif team.outside_service_dial is not None:
            warn(f"{path}.outside_service", "unused: without service_hours the team is always in service")
        messages = team.messages
        if messages.at_opening is not None and team.service_hours is None:
            warn(f"{path}.messages.at_opening", "unused: without service_hours the team is always in service")
        if messages.active and team.hunt.on_no_answer == "hangup":
            warn(f"{path}.messages", "nothing to call out: no message is left (hunt.on_no_answer is hangup); "
                                     "messages the PBX records while the daemon is away still are")
        if now is not None:
            for index, layer in enumerate(team.layers):
                if layer.rotation.start > now.astimezone(config.timezone).date():
                    warn(f"{path}.layers[{index}].rotation.start",
                         f"layer '{layer.name}' has nobody on call before {layer.rotation.start.isoformat()}")
    for team_id, why in unpassable(((t.id, t.callers) for t in config.teams.values()), config.callers):
        warn(f"teams.{team_id}.callers", f"{why} (unless customers are imported: astreinte callers import)")
    translated = ((t.id, [lang for lang, text in t.translations.items() if text.greeting])
                  for t in config.teams.values())
    for team_id, language in untranslated(translated, config.callers, config.language):
        warn(f"teams.{team_id}.translations", f"customers of this team speak {language} but hear the greeting in "
                                              f"{config.language}: add translations.{language}.greeting")
    if config.notifications.email is None:
        for person in config.people.values():
            if person.email:
                warn(f"people.{person.id}.email", "nothing sends it: notifications.email (the SMTP server) is not set")
    schedule = config.schedule(cli_overrides)
    for override in schedule.ignored:
        warn("overrides", f"CLI override #{override.id.removeprefix('cli:')} ({override.team}/{override.layer}/"
                          f"{override.person}) no longer matches the rota and is ignored")
    if now is not None:
        for index, override in enumerate(config.overrides):
            if override.end.timestamp() <= now.timestamp():
                warn(f"overrides[{index}]", "is over: it can be deleted")
    return [message for _, message in sorted(found, key=lambda item: item[0])]
