"""What a callee hears on a callout, rendered by local speech like every prompt (``adapters.speech``):
the fixed prompts once (cached by content), the intro that names the caller and the time per round."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from astreinte.adapters.speech import render
from astreinte.domain.calls import callout_text as text
from astreinte.domain.calls.callout_line import CalloutPrompts, Message
from astreinte.domain.calls.callout_text import MessageFacts
from astreinte.domain.calls.line import file_id

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.config import PromptSettings


async def callout_prompts(settings: PromptSettings, message: Message, zone: ZoneInfo, now: datetime,
                          callout_id: str) -> tuple[CalloutPrompts, Path]:
    """The round's prompts, and the intro's file (delete it once the round is over)."""

    async def media(sentence: str) -> str:
        return (await render(sentence, settings.dir, settings.asterisk_dir)).media

    facts = MessageFacts(message.team, message.caller, message.number, message.recorded_at, message.duration)
    intro = await render(text.intro(facts, zone, now, audio=message.media is not None), settings.dir,
                         settings.asterisk_dir, name=f"callout-{file_id(callout_id)}")
    prompts = CalloutPrompts(intro.media, await media(text.MENU), await media(text.ACKNOWLEDGED),
                             await media(text.ACKNOWLEDGED_ELSEWHERE), await media(text.CALLING_BACK),
                             await media(text.CALLBACK_FAILED), await media(text.NO_NUMBER),
                             await media(text.NOT_ACKNOWLEDGED))
    return prompts, intro.file
