"""``astreinte report statement|kpi|fairness``: monthly statements, call KPIs, yearly fairness.

The store is read here and everything is handed to the pure builders in ``astreinte.report``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from astreinte.cli import main
from astreinte.cli.display import load_config, parse_day_or_instant, parse_instant

if TYPE_CHECKING:
    from astreinte.config import Config
    from astreinte.domain.compensation import Intervention, Profile
    from astreinte.domain.schedule import Schedule
    from astreinte.report.facts import Published

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Data:
    """What the store knows, read once: schedule with CLI overrides, publication log, interventions."""

    schedule: Schedule
    log: list[Published]
    interventions: list[Intervention]
    calls: list[dict[str, Any]]


def gather(config: Config, start: datetime, end: datetime) -> Data:
    """Read the store (if it exists) for [start - 12 weeks, end): nothing is written."""
    from astreinte.adapters.store import Store
    from astreinte.report import facts

    if not config.database.exists():
        return Data(config.schedule(), [], [], [])
    since = start - facts.LOOKBACK
    with Store.open(config.database) as store:
        rows = [r for r in store.calls(since) if datetime.fromisoformat(r["started_at"]) < end]
        declared = store.interventions(since, end + facts.MARGIN)
        return Data(config.schedule(store.overrides()), facts.published(store.publications()),
                    [*declared, *facts.from_calls(rows)], rows)


def profile_of(config: Config) -> Profile:
    from astreinte.config.legal import DEFAULT_PROFILE, load_profile

    return config.compensation.profile if config.compensation else load_profile(DEFAULT_PROFILE)


@main.group()
def report() -> None:
    """Monthly astreinte statements, call KPIs and yearly fairness."""


@report.command()
@click.option("--month", required=True, metavar="YYYY-MM", help="The month of the statement.")
@click.option("--person", "-p", help="Only this person (default: everyone on call or with interventions).")
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json"]), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
@click.option("--no-store", is_flag=True, help="Do not keep the statement in the database.")
@click.option("--at", "at_text", metavar="ISO-8601", hidden=True, help="The current time (tests, back-filling).")
@click.pass_context
def statement(ctx: click.Context, month: str, person: str | None, fmt: str, output: Path | None,
              no_store: bool, at_text: str | None) -> None:
    """The monthly statement (Code du travail R3121-2): astreinte hours by kind, interventions,
    compensation under the configured profile, rest incidents, short-notice assignments.

    A statement of a closed month is kept in the database with its SHA-256 (append-only; the
    same bytes are kept once); rendering it again from the same data gives the same bytes.

    \b
    Examples:
        astreinte report statement --month 2026-11 --person bob --format html -o bob-2026-11.html
        astreinte report statement --month 2026-11 --format csv
    """
    from astreinte.report import statement as builder
    from astreinte.report.html import statement_html

    config = load_config(ctx)
    if not MONTH.fullmatch(month):
        raise click.BadParameter("expected YYYY-MM, e.g. 2026-11", param_hint="--month")
    if person is not None and person not in config.people:
        raise click.BadParameter(f"unknown person {person!r}", param_hint="--person")
    start, end = builder.month_bounds(config, month)
    data = gather(config, start, end)
    profile = profile_of(config)
    document = builder.build(config, data.schedule, profile, data.log, data.interventions, month, person)
    content = {"json": builder.to_json, "csv": builder.to_csv}.get(fmt, lambda d: statement_html(d).encode())(document)
    now = parse_instant(at_text, config.timezone, "--at")
    if not no_store and end <= now:
        from astreinte.adapters.store import Store

        with Store.open(config.database) as store:
            stored, new = store.save_statement(month, person or "*", fmt, content, profile.name, now)
        click.echo(f"{'kept' if new else 'already kept'}: statement #{stored.id} sha256 {stored.content_hash[:16]}",
                   err=True)
    elif end > now:
        click.echo(f"note: {month} is not over: this statement is provisional and not kept", err=True)
    if output is not None:
        output.write_bytes(content)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()


@report.command()
@click.option("--from", "from_text", required=True, metavar="DATE", help="First day (local) or an instant.")
@click.option("--to", "to_text", required=True, metavar="DATE", help="End (exclusive): a day or an instant.")
@click.option("--team", "-t", help="Only this team.")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
@click.pass_context
def kpi(ctx: click.Context, from_text: str, to_text: str, team: str | None, fmt: str, output: Path | None) -> None:
    """Calls, answer rate, time to a human (median, p90), level reached, declines, voicemails,
    abandons, outside-service share and load per person; the HTML report adds the rota calendar,
    load per person and the distribution of time to answer as charts.

    \b
    Examples:
        astreinte report kpi --from 2026-11-01 --to 2026-12-01 --format html -o kpi.html
    """
    import json

    from astreinte.report import kpi as builder
    from astreinte.report.html import kpi_html

    config = load_config(ctx)
    if team is not None and team not in config.teams:
        raise click.BadParameter(f"unknown team {team!r}", param_hint="--team")
    now = parse_instant(None, config.timezone, "--from")
    start = parse_day_or_instant(from_text, config.timezone, now, "--from")
    end = parse_day_or_instant(to_text, config.timezone, now, "--to")
    if end <= start:
        raise click.BadParameter("must be after --from", param_hint="--to")
    data = gather(config, start, end)
    rows = [r for r in data.calls if start <= datetime.fromisoformat(r["started_at"]) < end]
    document, calendars = builder.build(config, data.schedule, rows, start, end, team)
    if fmt == "json":
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    elif fmt == "html":
        text = kpi_html(document, calendars)
    else:
        text = builder.text(document)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@report.command()
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def fairness(ctx: click.Context, year: int, as_json: bool) -> None:
    """Weeks, nights, weekends and holidays on call per person over a year, and interventions.

    \b
    Examples:
        astreinte report fairness --year 2026
    """
    import json

    from astreinte.report import fairness as builder

    config = load_config(ctx)
    start = datetime(year, 1, 1, tzinfo=config.timezone)
    data = gather(config, start, datetime(year + 1, 1, 1, tzinfo=config.timezone))
    rows = builder.build(config, data.schedule, data.interventions, year)
    if as_json:
        click.echo(json.dumps({"year": year, "people": rows}, indent=2))
        return
    click.echo(f"{'person':<12}{'weeks':>7}{'nights':>8}{'weekends':>10}{'holidays':>10}{'interv.':>9}{'hours':>8}")
    for row in rows:
        click.echo(f"{row['person']:<12}{row['weeks']:>7}{row['nights']:>8}{row['weekends']:>10}"
                   f"{row['holidays']:>10}{row['interventions']:>9}{row['intervention_hours']:>8}")


def default_range(config: Config) -> tuple[datetime, datetime]:
    """This month and the next."""
    today = datetime.now(config.timezone).date()
    first = today.replace(day=1)
    after = (first + timedelta(days=62)).replace(day=1)
    zone = config.timezone
    return datetime.combine(first, datetime.min.time(), zone), datetime.combine(after, datetime.min.time(), zone)

