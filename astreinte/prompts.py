"""Every prompt astreinte plays, rendered once at load (and again only when its text changes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from astreinte.adapters.speech import Prompt, render

if TYPE_CHECKING:
    from astreinte.config import Config, PromptSettings

PLEASE_HOLD = "Merci de patienter, nous recherchons toujours la personne d'astreinte."
NOBODY = "Personne n'est disponible pour le moment. Merci de rappeler dans quelques minutes."
UNKNOWN_NUMBER = "Ce numéro n'est pas attribué."
BLOCKED = "Votre appel ne peut pas aboutir. Au revoir."
CONFIRM = "Appel d'astreinte pour l'équipe {team}. Appuyez sur 1 pour accepter, sur 2 pour refuser."
CONFIRM_FROM = ("Appel d'astreinte pour l'équipe {team}, du {number}. "
                "Appuyez sur 1 pour accepter, sur 2 pour refuser.")


def spoken_number(number: str) -> str:
    """``0611223344`` -> ``06 11 22 33 44``: read as pairs, the French way (digits only reach here)."""
    digits = number.lstrip("+")
    return ("plus " if number.startswith("+") else "") + " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))


@dataclass(frozen=True)
class PromptBook:
    """ARI media URIs, by purpose."""

    greetings: dict[str, str]      # team id -> media
    confirmations: dict[str, str]  # team id -> media
    voicemails: dict[str, str]     # team id -> media ("leave a message after the beep")
    menus: dict[str, str]          # menu number -> media
    please_hold: str
    nobody: str
    unknown_number: str
    blocked: str

    def greeting(self, team: str) -> str:
        return self.greetings[team]

    def confirmation(self, team: str) -> str:
        return self.confirmations[team]


async def render_confirmation(settings: PromptSettings, team: str, caller: str, file_id: str) -> Prompt:
    """The callee's prompt naming the caller's number, rendered per call while the phones ring (~30 ms)."""
    text = CONFIRM_FROM.format(team=team, number=spoken_number(caller))
    return await render(text, settings.dir, settings.asterisk_dir, name=f"call-{file_id}")


async def render_all(config: Config) -> PromptBook:
    """Render the prompts of every team (cached by content: a reload re-renders only what changed)."""
    settings = config.asterisk.prompts

    async def media(text: str) -> str:
        if text.startswith("sound:"):
            return text
        return (await render(text, settings.dir, settings.asterisk_dir)).media

    greetings = {team.id: await media(team.greeting) for team in config.teams.values()}
    confirmations = {team.id: await media(CONFIRM.format(team=team.id)) for team in config.teams.values()}
    voicemails = {team.id: await media(team.voicemail.greeting) for team in config.teams.values()}
    menus = {number: await media(menu.prompt) for number, menu in config.menus.items()}
    return PromptBook(greetings, confirmations, voicemails, menus, await media(PLEASE_HOLD),
                      await media(NOBODY), await media(UNKNOWN_NUMBER), await media(BLOCKED))
