"""The e-mail and webhook text about a message at each state of its lifecycle (French by default): the
voicemail notice (``notices.voicemail``), with the state it is in ("already heard by Bob Durand at 03:14").

    subject, body = message_text(config, facts, state)     # domain.calls.callout_text.MessageFacts, StateFacts
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from astreinte.i18n import Texts, texts
from astreinte.notices.voicemail import voicemail_text

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from astreinte.config import Config
    from astreinte.domain.calls.callout_text import MessageFacts, StateFacts


def how(tr: Texts, acknowledged_how: str | None) -> str:
    _ = tr.gettext
    return {"phone": _("on the phone"), "cli": _("from the command line"),
            "web": _("on the web console")}.get(acknowledged_how or "", acknowledged_how or "?")


def state_line(tr: Texts, state: StateFacts, zone: ZoneInfo, names: dict[str, str]) -> str:
    """The message's state in a sentence; ``names``: a person's name from their id."""
    _ = tr.gettext

    def name(who: str | None) -> str:
        return names.get(who or "", who or "?")

    def clock(moment: datetime | None) -> str:
        return "?" if moment is None else f"{moment.astimezone(zone):%H:%M}"

    heard = {"heard_by": name(state.heard_by), "heard_time": clock(state.heard_at)}
    if state.state == "acknowledged":
        facts = {"by": name(state.acknowledged_by), "how": how(tr, state.acknowledged_how),
                 "time": clock(state.acknowledged_at), **heard}
        if state.heard_by and state.heard_by != state.acknowledged_by:
            return _("heard by %(heard_by)s at %(heard_time)s, acknowledged by %(by)s (%(how)s) at %(time)s") % facts
        return _("acknowledged by %(by)s (%(how)s) at %(time)s") % facts
    if state.state == "expired":
        counted = {"by": name(state.heard_by), "time": clock(state.heard_at), "rounds": state.rounds}
        if state.heard_by:
            return tr.ngettext("heard by %(by)s at %(time)s but NOT ACKNOWLEDGED after %(rounds)d callout round",
                               "heard by %(by)s at %(time)s but NOT ACKNOWLEDGED after %(rounds)d callout rounds",
                               state.rounds) % counted
        return tr.ngettext("NOT ACKNOWLEDGED after %(rounds)d callout round",
                           "NOT ACKNOWLEDGED after %(rounds)d callout rounds", state.rounds) % counted
    if state.heard_by:
        return _("already heard by %(by)s at %(time)s, not acknowledged yet") % {
            "by": name(state.heard_by), "time": clock(state.heard_at)}
    if state.state == "calling":
        return _("the people on call are being called back; nobody has heard it yet")
    return _("new: nobody has heard it yet")


def message_text(config: Config, message: MessageFacts, state: StateFacts,
                 lang: str | None = None) -> tuple[str, str]:
    """(subject, body) of the notice about ``message`` in ``state``."""
    tr = texts(lang or config.language)
    _ = tr.gettext
    subject, body = voicemail_text(config, message.team, caller=message.caller, number=message.number,
                                   at=message.recorded_at, duration=message.duration,
                                   path=Path(message.path or "-"), lang=lang)
    if not message.path:                    # a VoiceMail() box holds it
        box = _("the voicemail box %(mailbox)s") % {"mailbox": message.mailbox or "?"}
        body = body.replace(_("Recording: %(path)s") % {"path": "-"}, _("Recording: %(path)s") % {"path": box})
    names = {person.id: person.name for person in config.people.values()}
    facts = {"team": message.team, "caller": message.caller or _("an unknown number"),
             "by": names.get(state.acknowledged_by or "", state.acknowledged_by or "?"),
             "state": state_line(tr, state, config.timezone, names)}
    if state.state == "acknowledged":
        subject = _("[astreinte] message on %(team)s from %(caller)s acknowledged by %(by)s") % facts
    elif state.state == "expired":
        subject = _("[astreinte] message on %(team)s from %(caller)s NOT ACKNOWLEDGED") % facts
    elif state.state != "new":
        subject = _("[astreinte] message on %(team)s from %(caller)s: %(state)s") % facts
    first, _nl, rest = body.partition("\n")
    lines = [first, _("State: %(state)s.") % facts]
    if message.tier is not None:
        lines.append(_("This call was served by the PBX (%(tier)s) while the astreinte daemon was away.")
                     % {"tier": message.tier})
    return subject, "\n".join(lines) + "\n" + rest
