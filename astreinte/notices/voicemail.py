"""The e-mail and webhook text announcing a message left on the on-call line (French by default).

    subject, body = voicemail_text(config, "support", caller="0611223344", number="1000",
                                   at=recorded_at, duration=14.0, path=Path(".../astreinte-x.wav"))

The call's runtime sends it (``adapters.notify``) to ``notifications.email.to`` and the people
the hunt rang; it is written in the configuration's language (they may not share one).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from astreinte.i18n import texts

if TYPE_CHECKING:
    from astreinte.config import Config

KIND = "voicemail"


def voicemail_text(config: Config, team: str, *, caller: str, number: str, at: datetime,
                   duration: float | None, path: Path, lang: str | None = None) -> tuple[str, str]:
    """(subject, body) of the notice of a message left on ``team``'s line."""
    tr = texts(lang or config.language)
    _ = tr.gettext
    caller = caller or _("an unknown number")
    facts = {"caller": caller, "team": team, "number": number, "when": tr.instant(at, config.timezone),
             "path": str(path)}
    subject = _("[astreinte] message on %(team)s from %(caller)s") % facts
    if duration is None:
        first = _("%(caller)s called the %(team)s on-call line (%(number)s) on %(when)s; nobody answered, "
                  "and they left a message.") % facts
    else:
        seconds = round(duration)
        first = tr.ngettext(
            "%(caller)s called the %(team)s on-call line (%(number)s) on %(when)s; nobody answered, "
            "and they left a message of %(seconds)d second.",
            "%(caller)s called the %(team)s on-call line (%(number)s) on %(when)s; nobody answered, "
            "and they left a message of %(seconds)d seconds.", seconds) % {**facts, "seconds": seconds}
    body = "\n".join([first, _("Recording: %(path)s") % facts,
                      _("Call them back, or listen to it: astreinte messages.")]) + "\n"
    return subject, body
