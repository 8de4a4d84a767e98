"""What the service line asks of the store, each run in the store's thread (``AsyncStore.run``): the same
functions as the CLI's (``checked_override`` + ``Store.add_override``, ``checked_intervention`` +
``Store.add_intervention``, ``Store.acknowledge``), and the legal check of "take the on-call now"."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from astreinte.adapters.store.service import ServiceBook
from astreinte.config.actions import ActionError, checked_intervention, checked_override
from astreinte.domain.calls import service_line as s
from astreinte.domain.calls.service_text import N_
from astreinte.web.passwords import verify

if TYPE_CHECKING:
    from astreinte.adapters.store import Publication, Store
    from astreinte.config import Config
    from astreinte.domain.rota import Override

# The rules of labour law the on-call time itself can break (``domain/legal.py``), as the refusal says them;
# notice is not one: the person takes the time themselves, and the replaced person is told at once.
RULES = {
    "daily_rest": N_("the daily rest"),
    "weekly_rest": N_("the weekly rest"),
    "working_days": N_("the days worked in a week"),
    "max_day": N_("the longest working day"),
    "max_week": N_("the longest working week"),
    "average_12_weeks": N_("the average working week over twelve weeks"),
    "consecutive_weeks": N_("the on-call weeks in a row"),
    "periods_per_month": N_("the on-call periods in a month"),
    "leave": N_("your leave"),
}
BREAKS = N_("It would break %(rule)s.")
NOT_VALID = N_("This change is not possible.")
REASON = "taken by phone (service line)"


def check_pin(store: Store, person: str, pin: str) -> s.PinChecked:
    stored = ServiceBook(store.db).pin_hash(person)
    return s.PinChecked(ok=verify(stored, pin) if stored else False, known=stored is not None)


def legal_refusal(config: Config, store: Store, wanted: Override) -> s.Sentence | None:
    """The first legal check configured as an error that the override would newly break for its person."""
    from astreinte.report import facts

    since = wanted.start - facts.LOOKBACK
    log = facts.published(store.publications())
    interventions = [*store.interventions(since, wanted.end + facts.MARGIN), *facts.from_calls(store.calls(since))]
    overrides = store.overrides()
    lo, hi = wanted.start, wanted.end

    def errors(extra: tuple[Override, ...]) -> set[tuple[str, datetime, datetime]]:
        found = facts.findings(config, config.schedule((*overrides, *extra)), log, interventions, lo, hi)
        return {(f.rule, f.start, f.end) for f in found
                if f.severity == "error" and f.person == wanted.person and f.rule in RULES}

    new = sorted(errors((wanted,)) - errors(()), key=lambda item: item[1])
    return s.Sentence(BREAKS, (("rule", RULES[new[0][0]]),)) if new else None


def take(config: Config, store: Store, command: s.TakeOnCall, now: datetime) -> tuple[s.TakeDone, Publication | None]:
    try:
        wanted = checked_override(config, team=command.team, layer=command.layer, person=command.person,
                                  start=command.start, end=command.end, reason=REASON)
    except ActionError:
        return s.TakeDone(s.Sentence(NOT_VALID)), None
    refused = legal_refusal(config, store, wanted)
    book = ServiceBook(store.db)
    if refused is not None:
        book.log(now, "", command.person, "", "take refused", f"{command.team}/{command.layer}: {refused.values}")
        return s.TakeDone(refused), None
    added, publication = store.add_override(config, wanted, now, f"{command.person} (service line)")
    book.log(now, "", command.person, "", "took the on-call",
             f"{added.id} {command.team}/{command.layer} until {wanted.end.isoformat()}")
    return s.TakeDone(None, wanted.end), publication


def pending(store: Store, teams: tuple[str, ...]) -> s.MessagesListed:
    """The teams' messages not acknowledged, oldest first, each with its recording's ARI media."""
    from astreinte.adapters.override_rows import unstamp
    from astreinte.adapters.store.messages import OPEN

    rows = [row for row in store.messages() if row.get("team") in teams and row.get("state") in OPEN]
    rows.sort(key=lambda row: str(row["recorded_at"]))
    return s.MessagesListed(tuple(s.Pending(int(row["id"]), str(row["team"]), str(row.get("caller") or ""),
                                            unstamp(str(row["recorded_at"])), row.get("media") or None)
                                  for row in rows))


def declare(config: Config, store: Store, command: s.DeclareIntervention, now: datetime) -> s.InterventionDone:
    item = checked_intervention(config.people, person=command.person, start=command.start.replace(microsecond=0),
                                end=command.end.replace(microsecond=0), on_site=command.on_site,
                                travel=f"{command.travel_minutes}m",
                                note="declared by phone (service line)")
    return s.InterventionDone(store.add_intervention(item, now, f"{command.person} (service line)"))
