"""Every prompt astreinte plays, rendered once at load (and again only when its text changes)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from astreinte.adapters.speech import VOICES, Prompt, SpeechError, read_lengths, render
from astreinte.dialplan import CONFIRM_PROMPT
from astreinte.domain import callers
from astreinte.domain.calling import DEFAULT_VOICEMAIL_GREETING
from astreinte.domain.calls.callout_text import spoken_number
from astreinte.domain.calls.line import PromptBook
from astreinte.domain.calls.play_lengths import PlayLengths
from astreinte.domain.calls.service_text import ANNOUNCEMENT_CHOICE
from astreinte.i18n import LANGUAGES, texts

log = logging.getLogger("astreinte.daemon")

if TYPE_CHECKING:
    from astreinte.config import Config, PromptSettings



def N_(text: str) -> str:       # marks a people-facing text for ``make messages`` (translated below)
    return text


PLEASE_HOLD = N_("Please hold, we are still looking for the person on call.")
NOBODY = N_("Nobody is available at the moment. Please call again in a few minutes.")
LEAVE_A_MESSAGE = N_("Nobody is available at the moment. Leave your message after the beep, with your name "
                     "and number, then hang up.")     # its French is DEFAULT_VOICEMAIL_GREETING (a test says so)
UNKNOWN_NUMBER = "Ce numéro n'est pas attribué."
BLOCKED = "Votre appel ne peut pas aboutir. Au revoir."
CONNECTING = "Mise en relation, ne quittez pas."
CONFIRM = CONFIRM_PROMPT      # one owner: the PBX tiers play the file this text renders to (dialplan.py)
CONFIRM_FROM = ("Appel d'astreinte pour l'équipe {team}, du {number}. "
                "Appuyez sur 1 pour accepter, sur 2 pour refuser.")


async def render_confirmation(settings: PromptSettings, team: str, caller: str, file_id: str) -> Prompt:
    """The callee's prompt naming the caller's number, rendered per call while the phones ring (~30 ms)."""
    text = CONFIRM_FROM.format(team=team, number=spoken_number(caller))
    return await render(text, settings.dir, settings.asterisk_dir, name=f"call-{file_id}")


async def render_customer_confirmation(settings: PromptSettings, language: str, customer: str, site: str,
                                       file_id: str) -> tuple[Prompt, str]:
    """The callee's prompt naming a known caller ("Appel de Biogaz de la Vallée, site de Saint-Lô"), and
    its text (the call's steps keep it)."""
    gettext = texts(language).gettext
    text = gettext(callers.CONFIRM) % {"customer": customer, "site": site} if site else \
        gettext(callers.CONFIRM_NO_SITE) % {"customer": customer}
    return await render(text, settings.dir, settings.asterisk_dir, VOICES[language], name=f"call-{file_id}"), text


async def render_all(config: Config, learned: PlayLengths | None = None) -> PromptBook:
    """Render the prompts of every team (cached by content: a reload re-renders only what changed), and
    the caller-facing ones again in every other language, for the known customers who speak it;
    ``learned``: the lengths of Asterisk's sounds played so far (a reload keeps them)."""
    settings = config.asterisk.prompts
    durations: dict[str, float] = {}

    async def media(text: str, language: str = config.language) -> str:
        if text.startswith("sound:"):
            return text
        prompt = await render(text, settings.dir, settings.asterisk_dir, voice=VOICES[language])
        if (seconds := prompt.seconds) is not None:
            durations[prompt.media] = seconds       # the lease covers a prompt (domain/calls/lease.py)
        return prompt.media

    confirmations = {team.id: await media(CONFIRM.format(team=team.id)) for team in config.teams.values()}
    menus = {number: await media(menu.prompt) for number, menu in config.menus.items()}
    gettext = texts(config.language).gettext
    ask, wrong = [await media(gettext(text)) for text in (callers.ASK_PIN, callers.WRONG_PIN)] \
        if any(team.callers == "pin" for team in config.teams.values()) else ["sound:vm-password", "sound:vm-incorrect"]
    spoken = {config.language: await caller_prompts(config, config.language, media)}
    for language in LANGUAGES:
        if language != config.language:     # for the customers who speak it: never a reason not to start
            try:
                spoken[language] = await caller_prompts(config, language, media)
            except SpeechError as exc:
                log.warning("the prompts in %s could not be rendered (its callers hear %s): %s", language,
                            config.language, exc)
    book = PromptBook(spoken[config.language].greetings, confirmations, spoken[config.language].voicemails, menus,
                      spoken[config.language].please_hold, spoken[config.language].nobody,
                      await media(UNKNOWN_NUMBER), await media(BLOCKED), await media(CONNECTING), durations,
                      spoken[config.language].announcement_choice, ask, wrong, language=config.language,
                      learned=PlayLengths(read_lengths(settings.dir)) if learned is None else learned)
    return replace(book, languages={language: replace(book, greetings=theirs.greetings, voicemails=theirs.voicemails,
                                                      please_hold=theirs.please_hold, nobody=theirs.nobody,
                                                      announcement_choice=theirs.announcement_choice,
                                                      language=language)
                                    for language, theirs in spoken.items() if language != config.language})


Media = Callable[[str, str], Awaitable[str]]


async def caller_prompts(config: Config, language: str, media: Media) -> CallerPrompts:
    """What a caller hears in ``language``: each team's greeting and voicemail greeting (their
    ``translations:``; else the team's own), the built-in sentences from the catalogs."""
    gettext = texts(language).gettext
    greetings, voicemails = {}, {}
    for team in config.teams.values():
        translated = team.translations.get(language)
        greeting = translated.greeting if translated is not None and translated.greeting else None
        voicemail = translated.voicemail if translated is not None and translated.voicemail else None
        if voicemail is None and team.voicemail.greeting == DEFAULT_VOICEMAIL_GREETING:
            voicemail = gettext(LEAVE_A_MESSAGE)
        greetings[team.id] = await (media(greeting, language) if greeting else media(team.greeting, config.language))
        voicemails[team.id] = await (media(voicemail, language) if voicemail else
                                     media(team.voicemail.greeting, config.language))
    return CallerPrompts(greetings, voicemails, await media(gettext(PLEASE_HOLD), language),
                         await media(gettext(NOBODY), language), await media(gettext(ANNOUNCEMENT_CHOICE), language))


@dataclass(frozen=True)
class CallerPrompts:
    greetings: dict[str, str]
    voicemails: dict[str, str]
    please_hold: str
    nobody: str
    announcement_choice: str
