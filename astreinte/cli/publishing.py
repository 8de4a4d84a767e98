"""What the commands that publish share (``rota load``, ``override add|remove``): the reason given,
and telling the people whose shifts changed, with what each channel answered."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from astreinte.cli.display import echo_deliveries

if TYPE_CHECKING:
    from datetime import datetime

    from astreinte.adapters.store import Publication, Store
    from astreinte.config import Config

CHANGES_SHOWN = 5     # per person, after a publication (a first one holds a year of shifts)
FINDINGS_SHOWN = 20


def checked_reason(reason: str, option: str = "--reason") -> str:
    from astreinte.config.actions import ActionError
    from astreinte.config.actions import checked_reason as check

    try:
        return check(reason)
    except ActionError as exc:
        raise click.BadParameter(exc.message, param_hint=option) from None


def tell(config: Config, store: Store, publication: Publication | None, at: datetime) -> None:
    """Send the publication's notices (``adapters.publication_notices``) and say what each channel did."""
    if publication is None or not publication.changes:
        return
    import asyncio

    from astreinte.adapters.publication_notices import Inline, notify_publication
    from astreinte.adapters.store.notices import NO_CHANNEL

    deliveries = asyncio.run(notify_publication(config, Inline(store), publication, at))
    echo_deliveries(deliveries, config.timezone)
    failed = sorted({d.person for d in deliveries if not d.accepted and d.channel != NO_CHANNEL})
    if failed:
        click.echo(f"warning: the notice did not reach {', '.join(failed)} by every channel: the publication is "
                   "recorded; tell them another way (the log keeps what each channel answered)", err=True)
