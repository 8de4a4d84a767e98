"""``astreinte callers import|list|pin-hash``: the known callers (customers) imported from CSV, beside ``callers:``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from astreinte.cli import main
from astreinte.cli.display import author, load_config, now


@main.group()
def callers() -> None:
    """The known callers: the callers: block of the configuration and the customers imported from CSV
    (kept in the database; the configuration wins on an id both have). docs/callers.md.

    \b
    Examples:
        astreinte callers import customers.csv
        astreinte callers list --json
    """


@callers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file, change nothing.")
@click.pass_context
def import_(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Replace the imported customers with FILE's: a CSV file with a header row (id, name, site, numbers,
    level, team, pin, language; id, name and numbers required, numbers separated by ';'). A file with a
    mistake is refused whole, each mistake located (customers.csv:3 numbers: ...). The daemon takes the
    new directory within seconds.

    \b
    Examples:
        astreinte callers import customers.csv --dry-run
    """
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.customers import CustomerBook
    from astreinte.config.callers import read_csv

    config = load_config(ctx)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text") from None
    found, problems = read_csv(text, str(file), config.numbering, config.teams)
    if problems:
        raise click.ClickException("the file is refused, nothing changed:\n" + "\n".join(problems))
    shadowed = sorted(c.id for c in found if c.id in config.callers.customers)
    for ident in shadowed:
        click.echo(f"note: {ident} is also in the callers: block of {config.path}, which wins", err=True)
    if dry_run:
        click.echo(f"{len(found)} customer(s) in {file}: nothing changed (--dry-run)")
        return
    with Store.open(config.database) as store:
        CustomerBook(store.db).replace(found, now(ctx, config.timezone), author(), str(file))
    click.echo(f"{len(found)} customer(s) imported from {file}")


@callers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the PINs are not shown).")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Every known caller, from the configuration and imported, with its numbers (canonical form).

    \b
    Examples:
        astreinte callers list
        astreinte callers list --json
    """
    from astreinte.adapters.store import Store
    from astreinte.adapters.store.customers import CustomerBook
    from astreinte.domain.callers import merged

    config = load_config(ctx)
    imported = {}
    if config.database.exists():
        with Store.open(config.database) as store:
            imported = CustomerBook(store.db).all()
    rows: list[dict[str, Any]] = [
        {"id": c.id, "name": c.name, "site": c.site, "level": c.level, "numbers": list(c.numbers), "team": c.team,
         "pin": c.pin is not None, "language": c.language,
         "source": "configuration" if c.id in config.callers.customers else "import"}
        for c in sorted(merged(config.callers, imported).customers.values(), key=lambda c: c.id)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        where = f"{row['name']} ({row['site']})" if row["site"] else row["name"]
        click.echo(f"{row['id']:<24} {where:<40} {row['level'] or '-':<10} {row['team'] or 'any team':<12} "
                   f"{'PIN' if row['pin'] else '-':<4} {', '.join(row['numbers'])}  [{row['source']}]")


@callers.command("pin-hash")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the PIN from standard input (one line).")
def pin_hash(from_stdin: bool) -> None:
    """Print the hash of a customer PIN (4 to 8 digits, asked twice), to write as its pin: in the callers:
    block instead of the digits (the same argon2id hash as people's PINs, astreinte phones pin).

    \b
    Examples:
        astreinte callers pin-hash
        echo 2468 | astreinte callers pin-hash --stdin
    """
    import sys

    from astreinte.config.callers import PIN
    from astreinte.web.passwords import hashed

    secret = sys.stdin.readline().strip() if from_stdin else \
        str(click.prompt("PIN", hide_input=True, confirmation_prompt=True))
    if not PIN.match(secret):
        raise click.BadParameter("expected 4 to 8 digits", param_hint="PIN")
    click.echo(hashed(secret))
