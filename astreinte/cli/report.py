"""``astreinte report statement|kpi|customers|fairness``: monthly statements, call KPIs, yearly fairness.

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
from astreinte.cli.display import load_config, parse_day_or_instant
from astreinte.cli.display import now as current

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


def messages_of(config: Config, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The messages recorded in [start, end), with their state (none if no database yet)."""
    from astreinte.adapters.store import Store

    if not config.database.exists():
        return []
    with Store.open(config.database) as store:
        return [m for m in store.messages(since=start) if datetime.fromisoformat(m["recorded_at"]) < end]


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
@click.pass_context
def statement(ctx: click.Context, month: str, person: str | None, fmt: str, output: Path | None,
              no_store: bool) -> None:
    """The monthly statement (Code du travail R3121-2): astreinte hours by kind, interventions,
    compensation under the configured profile, rest incidents, short-notice assignments.

    The HTML is one A4 page per employee, in their language (French by default), with a
    signature block and, at its foot, the page's SHA-256. A statement of a closed month is
    kept in the database with its SHA-256 (append-only; the same bytes are kept once);
    rendering it again from the same data gives the same bytes. ``report statements list``
    and ``report statements show`` read the versions kept.

    \b
    Examples:
        astreinte report statement --month 2026-11 --person bob --format html -o bob-2026-11.html
        astreinte report statement --month 2026-11 --format csv
    """
    from astreinte.report import statement as builder
    from astreinte.report.statement_html import statement_html

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
    now = current(ctx, config.timezone)
    if not no_store and end <= now:
        from astreinte.adapters.store import Store

        with Store.open(config.database) as store:
            stored, new = store.save_statement(month, person or "*", fmt, content, profile.name, now,
                                               builder.page_hashes(document))
        click.echo(f"{'kept' if new else 'already kept'}: statement #{stored.id} sha256 {stored.content_hash[:16]}",
                   err=True)
    elif end > now:
        click.echo(f"note: {month} is not over: this statement is provisional and not kept", err=True)
    if output is not None:
        output.write_bytes(content)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()


@report.group()
def statements() -> None:
    """The monthly statements kept in the database (append-only, at least three years)."""


@statements.command("list")
@click.option("--month", metavar="YYYY-MM", help="Only this month.")
@click.option("--hash", "sha", metavar="HEX", help="Only the versions holding this hash (of the file or of a page: "
              "at least 8 hex digits, as printed at the foot of a page).")
@click.pass_context
def statements_list(ctx: click.Context, month: str | None, sha: str | None) -> None:
    """List the statements kept: number, month, person (* for everyone), format, when it was kept,
    the SHA-256 of the file, and the SHA-256 printed at the foot of each person's page.

    \b
    Examples:
        astreinte report statements list --month 2026-11
        astreinte report statements list --hash 3f2a9c41
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    if month is not None and not MONTH.fullmatch(month):
        raise click.BadParameter("expected YYYY-MM, e.g. 2026-11", param_hint="--month")
    if sha is not None and not re.fullmatch(r"[0-9a-fA-F]{8,64}", sha):
        raise click.BadParameter("expected 8 to 64 hex digits", param_hint="--hash")
    if not config.database.exists():
        click.echo("no statement kept yet")
        return
    with Store.open(config.database) as store:
        kept = store.statements(month)
    if sha is not None:
        wanted = sha.lower()
        kept = [s for s in kept if s.content_hash.startswith(wanted)
                or any(h.startswith(wanted) for h in s.page_hashes.values())]
    if not kept:
        click.echo("no statement kept" + (f" for {month}" if month else "") + (" with that hash" if sha else ""))
    for item in kept:
        click.echo(f"#{item.id}  {item.month}  {item.person:<10} {item.format:<5} {item.created_at}  "
                   f"file {item.content_hash}")
        for person, page in sorted(item.page_hashes.items()):
            click.echo(f"      page {person:<10} {page}")


@statements.command("show")
@click.argument("number", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
@click.pass_context
def statements_show(ctx: click.Context, number: int, output: Path | None) -> None:
    """Print statement NUMBER exactly as it was kept (the bytes whose SHA-256 ``list`` shows).

    \b
    Examples:
        astreinte report statements show 3 -o bob-2026-11.html
    """
    from astreinte.adapters.store import Store

    config = load_config(ctx)
    found = None
    if config.database.exists():
        with Store.open(config.database) as store:
            found = store.statement(number)
    if found is None:
        raise click.ClickException(f"no statement #{number} (see astreinte report statements list)")
    if output is not None:
        output.write_bytes(found.content)
    else:
        sys.stdout.buffer.write(found.content)
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
    abandons, outside-service share and load per person; the HTML report (in the configured
    language) adds the rota calendar, load per person and the distribution of time to answer
    as charts.

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
    start = parse_day_or_instant(from_text, config.timezone, None, "--from")
    end = parse_day_or_instant(to_text, config.timezone, None, "--to")
    if end <= start:
        raise click.BadParameter("must be after --from", param_hint="--to")
    data = gather(config, start, end)
    rows = [r for r in data.calls if start <= datetime.fromisoformat(r["started_at"]) < end]
    document, calendars = builder.build(config, data.schedule, rows, start, end, team, messages_of(config, start, end))
    if fmt == "json":
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    elif fmt == "html":
        text = kpi_html(document, calendars, config.language)
    else:
        text = builder.text(document)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@report.command()
@click.option("--from", "from_text", required=True, metavar="DATE", help="First day (local) or an instant.")
@click.option("--to", "to_text", required=True, metavar="DATE", help="End (exclusive): a day or an instant.")
@click.option("--customer", "-c", help="Only this customer (an id of the callers: block).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def customers(ctx: click.Context, from_text: str, to_text: str, customer: str | None, as_json: bool) -> None:
    """Per known caller (callers:) and month: calls, answered, time to a human (median, p90),
    messages; the calls of no customer on a line of their own.

    \b
    Examples:
        astreinte report customers --from 2026-11-01 --to 2027-01-01
        astreinte report customers --from 2026-11-01 --to 2026-12-01 --customer biogaz-stlo --json
    """
    import json

    from astreinte.adapters.store import Store
    from astreinte.adapters.store.customers import CustomerBook
    from astreinte.report import customers as builder

    config = load_config(ctx)
    imported = {}
    if config.database.exists():
        with Store.open(config.database) as store:
            imported = CustomerBook(store.db).all()
    if customer is not None and customer not in config.callers.customers and customer not in imported:
        raise click.BadParameter(f"unknown customer {customer!r} (see the callers: block)", param_hint="--customer")
    start = parse_day_or_instant(from_text, config.timezone, None, "--from")
    end = parse_day_or_instant(to_text, config.timezone, None, "--to")
    if end <= start:
        raise click.BadParameter("must be after --from", param_hint="--to")
    rows = [r for r in gather(config, start, end).calls if start <= datetime.fromisoformat(r["started_at"]) < end]
    document = builder.build(config, rows, start, end, customer, imported)
    click.echo(json.dumps(document, indent=2, ensure_ascii=False) if as_json else builder.text(document), nl=as_json)


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


def default_range(now: datetime) -> tuple[datetime, datetime]:
    """The month of ``now`` and the next, in ``now``'s zone."""
    first = now.date().replace(day=1)
    after = (first + timedelta(days=62)).replace(day=1)
    zone = now.tzinfo
    return datetime.combine(first, datetime.min.time(), zone), datetime.combine(after, datetime.min.time(), zone)

