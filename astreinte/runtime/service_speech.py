"""What the service line says, rendered: each sentence translated into the person's language (gettext,
French by default), its values spoken (instants the way a person says them, numbers digit pair by digit
pair), then rendered to speech once per distinct text (``adapters.speech``, cached by content)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from astreinte.adapters.speech import render
from astreinte.domain.calls.callout_text import spoken_number, spoken_when
from astreinte.domain.calls.service_line import Digits, Sentence, Spoken
from astreinte.i18n import texts

if TYPE_CHECKING:
    from astreinte.config import PromptSettings


def spoken(value: Spoken, language: str, zone: ZoneInfo, now: datetime) -> str:
    if isinstance(value, datetime):
        if language == "fr":
            return spoken_when(value, zone, now)
        local, today = value.astimezone(zone), now.astimezone(zone).date()
        day = "today" if local.date() == today else "tomorrow" if local.date() == today + timedelta(days=1) \
            else local.strftime("%A %d %B")
        return f"{day} at {local.strftime('%H:%M')}"
    if isinstance(value, Digits):
        return spoken_number(value.text) if language == "fr" else " ".join(value.text)
    return str(value)


def sentence_text(sentence: Sentence, language: str, zone: ZoneInfo, now: datetime) -> str:
    """The sentence in ``language``, its placeholders filled."""
    text = texts(language).gettext(sentence.text)
    values = {key: spoken(value, language, zone, now) for key, value in sentence.values}
    return text % values if values else text


async def media(parts: tuple[Sentence | str, ...], settings: PromptSettings, language: str, zone: ZoneInfo,
                now: datetime) -> str:
    """The ARI media of ``parts`` played as one playback (``sound:a,recording:b``): consecutive sentences
    are one rendered prompt, media (a recording) are played as they are."""
    out: list[str] = []
    pending: list[str] = []

    async def flush() -> None:
        if pending:
            out.append((await render(" ".join(pending), settings.dir, settings.asterisk_dir)).media)
            pending.clear()

    for part in parts:
        if isinstance(part, Sentence):
            pending.append(sentence_text(part, language, zone, now))
        else:
            await flush()
            out.append(part)
    await flush()
    return ",".join(out)
