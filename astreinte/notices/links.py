"""The e-mail and webhook text telling that the daemon's AMI link stays down, or is back (French by default).

    subject, body = link_down_text("fr", where="127.0.0.1:5038", minutes=0.5, problem="refused")

Sent by ``runtime.links.LinkAlarm`` to ``notifications``; written in the configuration's language.
The daemon's log line stays in English.
"""

from __future__ import annotations

from astreinte.i18n import texts


def link_down_text(lang: str, *, where: str, minutes: float, problem: str) -> tuple[str, str]:
    _ = texts(lang).gettext
    facts = {"where": where, "minutes": f"{minutes:.1f}", "problem": problem}
    subject = _("[astreinte] AMI unavailable: the AstDB fallback is not kept up to date")
    body = "\n".join([
        _("AMI at %(where)s has been unavailable for %(minutes)s min: %(problem)s") % facts,
        _("Calls are still hunted (ARI). But if the daemon stops, the dialplan's AstDB tier rings the chain "
          "it stored last, which may be stale. Check asterisk.ami in the configuration and manager.conf; "
          "the daemon retries by itself."),
    ]) + "\n"
    return subject, body


def link_up_text(lang: str, *, where: str) -> tuple[str, str]:
    _ = texts(lang).gettext
    subject = _("[astreinte] AMI is back: the AstDB fallback is up to date again")
    body = _("AMI at %(where)s is connected again; the daemon rewrote AstDB.") % {"where": where} + "\n"
    return subject, body
