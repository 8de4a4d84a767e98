"""``astreinte check`` (configuration and rotas) and ``astreinte check legal`` (labour law)."""

from __future__ import annotations

import json

import click

from astreinte.cli import main
from astreinte.cli.display import cli_overrides, load_config, now, parse_day_or_instant, short


@main.group(invoke_without_command=True)
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the configuration and rotas: exit 0 if valid, else 1 with every error.

    Errors name file, line and key. Warnings (a night left outside service hours, a
    layer starting later, a CLI override that no longer matches the rota…) do not fail
    the check. Nothing is written: the database is only read, if it exists.
    Then, per team and menu, the numbers that reach it and every form a carrier
    may deliver them in (0388000001, 33388000001, +33388000001...): the generated
    dialplan takes exactly these. ``astreinte check legal`` checks French
    labour-law rules instead.

    \b
    Examples:
        astreinte --config /etc/astreinte/config.yaml check
        astreinte check legal --from 2026-11-01 --to 2026-12-01
    """
    if ctx.invoked_subcommand is not None:
        return
    from astreinte.config.warnings import config_warnings

    config = load_config(ctx)
    extra = cli_overrides(config)
    for warning in config_warnings(config, extra, now=now(ctx, config.timezone)):
        click.echo(f"warning: {warning}", err=True)
    n_layers = sum(len(team.layers) for team in config.teams.values())
    click.echo(
        f"ok: {config.path}: {_count(len(config.teams), 'team')}, {_count(n_layers, 'layer')}, "
        f"{_count(len(config.people), 'person', 'people')}, {_count(len(config.overrides), 'override')} "
        f"(+{len(extra)} from the CLI)"
    )
    plan = config.numbering
    click.echo(f"numbers reaching astreinte (national forms read as {plan.country}), as a carrier may dial them:")
    for team in config.teams.values():
        click.echo(f"  team {team.id}: " + "; ".join(_forms(plan.forms(number)) for number in team.numbers))
    for number in config.menus:
        click.echo(f"  menu {number}: {_forms(plan.forms(number))}")


def _forms(forms: tuple[str, ...]) -> str:
    """``+33388000001 (also 33388000001, 0033388000001, 0388000001, 388000001)``."""
    return forms[0] + (f" (also {', '.join(forms[1:])})" if len(forms) > 1 else "")


@check.command()
@click.option("--from", "from_text", metavar="DATE", help="Start (a local day or an instant; default: this month).")
@click.option("--to", "to_text", metavar="DATE", help="End, exclusive (default: the end of next month).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def legal(ctx: click.Context, from_text: str | None, to_text: str | None, as_json: bool) -> None:
    """Check the astreinte rules of French labour law: exit 1 if any error.

    Notice of the rota against the publication log (notice_days, exceptional reason and one
    jour franc minimum), daily rest (11 h) and weekly rest (35 h) around interventions and
    regular working time, maximum working time (not for forfait-jours), and the fairness
    limits configured under ``legal:``. Each finding names the rule, the person, the
    instants and the article. Nothing before ``legal.since`` (the adoption date) is
    checked. Nothing is written.

    \b
    Examples:
        astreinte check legal
        astreinte check legal --from 2026-11-01 --to 2026-12-01 --json
    """
    from astreinte.cli.report import default_range, gather
    from astreinte.domain.legal import adopted
    from astreinte.report import facts

    config = load_config(ctx)
    first, last = default_range(now(ctx, config.timezone))
    start = parse_day_or_instant(from_text, config.timezone, first, "--from")
    end = parse_day_or_instant(to_text, config.timezone, last, "--to")
    if end <= start:
        raise click.BadParameter("must be after --from", param_hint="--to")
    calendar = facts.calendar_of(config)
    since = adopted(config.legal, calendar)
    adoption = ""
    if since is not None and start < since:
        start, adoption = min(since, end), " (nothing is checked before legal.since)"
    data = gather(config, start, end)
    found = facts.findings(config, data.schedule, data.log, data.interventions, start, end)
    errors = sum(f.severity == "error" for f in found)
    if as_json:
        click.echo(json.dumps({"from": start.isoformat(), "to": end.isoformat(), "errors": errors,
                               "warnings": len(found) - errors,
                               "findings": [f.to_json(calendar) for f in found]}, indent=2, ensure_ascii=False))
    else:
        zone = config.timezone
        for f in found:
            click.echo(f"{f.severity}: {f.rule}: {f.person}: {short(f.start, zone)} -> {short(f.end, zone)}: "
                       f"{f.message} [{f.article}]")
        click.echo(f"{_count(errors, 'error')}, {_count(len(found) - errors, 'warning')} "
                   f"from {short(start, zone)} to {short(end, zone)}{adoption}", err=True)
    if errors:
        ctx.exit(1)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
