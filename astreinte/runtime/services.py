"""The live configuration every new call starts from (swapped whole on reload), the snapshot one call
takes of it when it arrives (``line_for``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from astreinte.domain.callers import Customer, Directory, merged
from astreinte.domain.calls.line import Line, PromptBook

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.calls.service_line import Announcement
    from astreinte.domain.schedule import Schedule
    from astreinte.runtime.ports import StorePort
    from astreinte.wire.ari_events import Channel


@dataclass
class Services:
    """The configuration, schedule and prompts new calls get; ``swap`` replaces them together on reload."""

    config: Config
    schedule: Schedule
    prompts: PromptBook
    store: StorePort | None = None
    announcements: dict[str, Announcement] = field(default_factory=dict)   # team -> recorded by phone
    imported: Mapping[str, Customer] = field(default_factory=dict)  # known callers from CSV (callers import)
    _directory: Directory | None = field(default=None, repr=False)

    def swap(self, config: Config, schedule: Schedule, prompts: PromptBook) -> None:
        self.config, self.schedule, self.prompts, self._directory = config, schedule, prompts, None

    def take_imported(self, customers: Mapping[str, Customer]) -> bool:
        """The customers imported now (``CustomerBook.all``); True when they changed."""
        if customers == self.imported:
            return False
        self.imported, self._directory = customers, None
        return True

    @property
    def directory(self) -> Directory:
        """The known callers: the configuration's ``callers:`` over the imported ones (it wins on an id)."""
        if self._directory is None:
            self._directory = merged(self.config.callers, self.imported)
        return self._directory


def line_for(live: Services, caller: Channel, number: str, now: datetime | None = None) -> Line:
    """What the call arriving on ``number`` will see of the configuration for the whole call. Caller
    ID is untrusted: it is shown as the country dials it, "" when withheld (``config.numbering``)."""
    config = live.config
    shown = config.numbering.shown
    return Line(number=number, caller=shown(caller.caller_number),
                blocked=config.is_blocked(caller.caller_number), team=config.team_for_number(number),
                menu=config.menu_for_number(number), teams=config.teams, schedule=live.schedule,
                prompts=live.prompts, endpoint=config.endpoint, recordings=config.asterisk.recordings,
                line_number=shown(number), max_call_duration=config.daemon.max_call_duration,
                announcements={team: a.media for team, a in live.announcements.items() if now is None or a.until > now},
                directory=live.directory, caller_key=config.numbering.caller(caller.caller_number))
