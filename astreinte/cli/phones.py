"""``astreinte phones write|show|rotate|status``: the softphones astreinte provisions in Asterisk."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from astreinte.cli import main
from astreinte.cli.display import load_config, schedule_of, short
from astreinte.cli.display import now as current

if TYPE_CHECKING:
    from astreinte.adapters.ami import Ami
    from astreinte.config import AmiSettings, AriSettings, Config
    from astreinte.config.phones import PhoneSettings
    from astreinte.provision.duty import Alert, PhoneState
    from astreinte.provision.pjsip import Softphone

RELOAD_COMMAND = "module reload res_pjsip.so"
T = TypeVar("T")


def _settings(config: Config) -> PhoneSettings:
    if config.phones is None:
        raise click.ClickException(
            f"{config.path} has no `phones:` block: astreinte manages no softphone (see docs/phones.md)")
    return config.phones


def _managed(config: Config) -> tuple[Softphone, ...]:
    from astreinte.provision.pjsip import softphones

    return softphones(config.people.values(), _settings(config))


@main.group()
def phones() -> None:
    """Softphones (Zoiper...) astreinte provisions in Asterisk: write, show, rotate, status.

    A managed phone is a PJSIP/NAME entry of a person's phones (see `phones.manage`).

    \b
    Examples:
        astreinte phones write --reload
        astreinte phones show alice
        astreinte phones rotate alice --reload
        astreinte phones status
    """


OUTPUT = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                      help="Where to write the PJSIP file ('-' for standard output); default: phones.file, "
                           "else /etc/asterisk/pjsip_astreinte.conf once confirmed at a terminal.")


@phones.command("write")
@OUTPUT
@click.option("--reload", "reload_", is_flag=True, help="Then reload res_pjsip through AMI.")
@click.pass_context
def write(ctx: click.Context, output: Path | None, reload_: bool) -> None:
    """Write the PJSIP sections (endpoint, auth, aor) of every managed softphone.

    Passwords are generated once (32 random characters), kept in `phones.secrets` (mode 0600)
    and reused on every run. The file (--output, or `phones.file`) is replaced atomically;
    include it from pjsip.conf with `#tryinclude pjsip_astreinte.conf` (on FreePBX, from
    pjsip.endpoint_custom.conf).

    \b
    Examples:
        astreinte phones write --reload
        astreinte phones write -o /etc/asterisk/pjsip_astreinte.conf --reload
        astreinte phones write -o -
    """
    config = load_config(ctx)
    _write_and_reload(config, reload_, _target(config, output, reload_))


def _target(config: Config, output: Path | None, reload_: bool) -> Path | None:
    """Where the PJSIP file goes (None: standard output), decided before anything changes."""
    from astreinte.cli.output import destination
    from astreinte.config.phones import DEFAULT_FILE

    settings = _settings(config)
    target = destination(output, settings.file if settings.file_chosen else None, Path(DEFAULT_FILE),
                         "the softphones' PJSIP file")
    if target is None and reload_:
        raise click.UsageError("--reload needs a file Asterisk reads: give --output PATH or set phones.file")
    return target


def _write_and_reload(config: Config, reload_: bool, target: Path | None) -> None:
    """Write the PJSIP file from the stored passwords; with ``reload_``, load it and check it loaded."""
    from astreinte.adapters.secrets import PhoneSecrets, atomic_write
    from astreinte.provision.pjsip import render

    settings = _settings(config)
    managed = _managed(config)
    passwords = PhoneSecrets(settings.secrets).ensure(phone.endpoint for phone in managed)
    text = render(settings, managed, passwords)
    if target is None:
        click.echo(text, nl=False)
        return
    changed = atomic_write(target, text)
    names = ", ".join(phone.endpoint for phone in managed) or "none"
    click.echo(f"{'wrote' if changed else 'unchanged'} {target}: {len(managed)} softphone(s) ({names})")
    if reload_:
        import asyncio

        output, missing = asyncio.run(_reload(config.asterisk.ami, [phone.endpoint for phone in managed]))
        click.echo(f"reloaded res_pjsip: {output.strip() or 'ok'}")
        if missing:
            raise click.ClickException(
                f"Asterisk did not load {', '.join(missing)} as written: see its log (a section of the same "
                "name elsewhere in pjsip.conf makes res_pjsip refuse the whole file)")


@phones.command("rotate")
@click.argument("person")
@OUTPUT
@click.option("--reload", "reload_", is_flag=True, help="Then reload res_pjsip through AMI (the old password stops "
                                                         "working at once).")
@click.option("--qr/--no-qr", default=False, help="Print the new account as a QR code (default: no).")
@click.pass_context
def rotate(ctx: click.Context, person: str, output: Path | None, reload_: bool, qr: bool) -> None:
    """Give PERSON's softphones new passwords (a lost phone, a leaked password), rewrite the file.

    The old password keeps working until Asterisk reloads the file (--reload, or your own
    reload): the softphone must then be set up again with what this prints.

    \b
    Examples:
        astreinte phones rotate alice --reload
        astreinte phones rotate alice --reload --qr
    """
    from astreinte.adapters.secrets import PhoneSecrets

    config = load_config(ctx)
    settings = _settings(config)
    mine = _mine(config, person)
    target = _target(config, output, reload_)
    store = PhoneSecrets(settings.secrets)
    for phone in mine:
        store.rotate(phone.endpoint)
    _write_and_reload(config, reload_, target)
    click.echo(f"new password for {', '.join(phone.phone for phone in mine)}"
               f"{'' if reload_ else ' (in use once Asterisk reloads res_pjsip)'}:")
    _print_accounts(config, person, mine, store.load(), qr)


@phones.command("pin")
@click.argument("person")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the PIN from standard input (one line).")
@click.option("--remove", is_flag=True, help="Remove PERSON's PIN: their mobile no longer opens the service line.")
@click.pass_context
def pin(ctx: click.Context, person: str, from_stdin: bool, remove: bool) -> None:
    """Set PERSON's PIN for the service line (4 to 8 digits, asked twice; stored hashed).

    From a mobile, the service line (``service.numbers``) knows the person by the caller's number
    and asks this PIN; three wrong PINs end the call and are logged. Managed softphones need none.

    \b
    Examples:
        astreinte phones pin alice
        echo 4711 | astreinte phones pin alice --stdin
        astreinte phones pin alice --remove
    """
    import re
    import sys

    from astreinte.adapters.store import Store
    from astreinte.adapters.store.service import ServiceBook
    from astreinte.cli.display import author
    from astreinte.web.passwords import hashed

    config = load_config(ctx)
    if person not in config.people:
        raise click.BadParameter(f"unknown person {person!r}", param_hint="PERSON")
    secret: str | None = None
    if not remove:
        if from_stdin:
            secret = sys.stdin.readline().strip()
        else:
            secret = str(click.prompt("PIN", hide_input=True, confirmation_prompt=True))
        if not re.fullmatch(r"[0-9]{4,8}", secret or ""):
            raise click.BadParameter("expected 4 to 8 digits", param_hint="PIN")
    with Store.open(config.database) as store:
        ServiceBook(store.db).set_pin(person, hashed(secret) if secret else None, current(ctx, config.timezone),
                                      author())
    click.echo(f"PIN of {person} {'removed' if remove else 'set'}"
               + ("" if remove or config.service.numbers else " (no service.numbers configured yet)"))


def _mine(config: Config, person: str) -> list[Softphone]:
    if person not in config.people:
        raise click.BadParameter(f"unknown person {person!r}", param_hint="PERSON")
    mine = [phone for phone in _managed(config) if phone.person == person]
    if not mine:
        raise click.ClickException(f"{person} has no softphone managed by astreinte "
                                   "(a PJSIP/NAME phone, and phones.manage: all or listing them)")
    return mine


def _print_accounts(config: Config, person: str, mine: list[Softphone], passwords: dict[str, str], qr: bool) -> None:
    from astreinte.provision.account import account

    settings = _settings(config)
    for phone in mine:
        if phone.endpoint not in passwords:
            raise click.ClickException(f"no password yet for {phone.phone}: run `astreinte phones write --reload`")
        acct = account(settings, phone, passwords[phone.endpoint])
        click.echo(f"{config.people[person].name}: {phone.phone} ({acct.address})")
        width = max(len(label) for label, _ in acct.lines())
        for label, value in acct.lines():
            click.echo(f"  {label:<{width}}  {value}")
        click.echo(f"  {'auto-answer':<{width}}  must stay OFF: an answer on this softphone takes an on-call call "
                   "at once (confirm: external)")
        if qr:
            click.echo(f"  Account URI (scan it in Zoiper: Settings > Accounts > QR code):\n{_qr(acct.uri())}")


@phones.command("show")
@click.argument("person")
@click.option("--qr/--no-qr", default=True, help="Print the account as a QR code (default: yes).")
@click.pass_context
def show(ctx: click.Context, person: str, qr: bool) -> None:
    """What PERSON types into Zoiper: domain, user, password, transport, port; and a QR code.

    The QR code holds the account URI, password included: show it to its owner only.

    \b
    Examples:
        astreinte phones show alice
        astreinte phones show alice --no-qr
    """
    from astreinte.adapters.secrets import PhoneSecrets

    config = load_config(ctx)
    mine = _mine(config, person)
    _print_accounts(config, person, mine, PhoneSecrets(_settings(config).secrets).load(), qr)


def _qr(text: str) -> str:
    import segno

    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True)
    return out.getvalue()


@phones.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: phones by person, and warnings.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Whether each person's softphone is registered now (ARI), and who is on call with theirs offline.

    Warns for anyone on call now, or at the next hand-off, whose softphone is offline (calls skip
    it without ringing) or not loaded in Asterisk. Exit status 1 when there is such a warning.

    \b
    Examples:
        astreinte phones status
        astreinte phones status --json
    """
    from astreinte.provision.duty import alerts, duties, states_of

    config = load_config(ctx)
    settings = _settings(config)
    managed = _managed(config)
    import asyncio

    states = asyncio.run(_endpoint_states(config.asterisk.ari))
    by_person = states_of(managed, states)
    now = current(ctx, config.timezone)
    found = alerts(duties(schedule_of(config), list(config.teams), now), by_person,
                   next_only_before=now + timedelta(days=31))
    if as_json:
        click.echo(json.dumps(_as_json(by_person, found, settings), indent=2, ensure_ascii=False))
    else:
        _print_status(config, by_person, found)
    if found:
        ctx.exit(1)


def _as_json(by_person: dict[str, list[PhoneState]], found: list[Alert], settings: PhoneSettings) -> dict[str, Any]:
    return {
        "domain": settings.domain,
        "people": {person: [{"phone": s.phone.phone, "state": s.state, "registered": s.state == "online"}
                            for s in states] for person, states in sorted(by_person.items())},
        "warnings": [{"person": a.duty.person, "phone": a.phone.phone.phone, "state": a.phone.state,
                      "team": a.duty.shift.team, "layer": a.duty.shift.layer,
                      "when": "now" if a.duty.current else "next",
                      "from": a.duty.shift.start.isoformat(), "until": a.duty.shift.end.isoformat()}
                     for a in found],
    }


def _print_status(config: Config, by_person: dict[str, list[PhoneState]], found: list[Alert]) -> None:
    zone = config.timezone
    labels = {"online": "registered", "offline": "OFFLINE (not registered)", "unknown": "unknown",
              "missing": "NOT IN ASTERISK (run `astreinte phones write --reload`)"}
    for person, states in sorted(by_person.items()):
        for s in states:
            click.echo(f"{person:<16} {s.phone.phone:<24} {labels.get(s.state, s.state)}")
    if not by_person:
        click.echo("no managed softphone")
    for alert in found:
        shift = alert.duty.shift
        when = "on call now" if alert.duty.current else f"on call from {short(shift.start, zone)}"
        click.echo(f"warning: {shift.person.name} ({alert.duty.person}) is {when} for {shift.team}/{shift.layer} "
                   f"and {alert.phone.phone.phone} is {alert.phone.state}", err=True)


async def _endpoint_states(settings: AriSettings) -> dict[str, str]:
    from astreinte.adapters.ari import Ari

    async with Ari(settings) as ari:
        return {f"PJSIP/{e.get('resource')}": str(e.get("state")) for e in await ari.endpoints("PJSIP")}


async def _reload(settings: AmiSettings, endpoints: list[str]) -> tuple[str, list[str]]:
    """Reload res_pjsip, then check each endpoint is loaded with our auth: (output, endpoints not loaded)."""
    async def job(ami: Ami) -> tuple[str, list[str]]:
        output = await ami.command(RELOAD_COMMAND)
        missing = [name for name in endpoints
                   if f"{name}-auth/{name}" not in await ami.command(f"pjsip show endpoint {name}")]
        return output, missing

    return await _with_ami(settings, job)


async def _with_ami(settings: AmiSettings, job: Callable[[Ami], Awaitable[T]], timeout: float = 10.0) -> T:
    """Connect to AMI, run ``job``, disconnect (bad credentials raise at once)."""
    import asyncio

    from astreinte.adapters.ami import Ami
    from astreinte.domain.errors import LinkError

    ami = Ami(settings)
    link = asyncio.create_task(ami.run(retry_refused=False))
    up = asyncio.create_task(ami.wait_connected(timeout))
    try:
        await asyncio.wait({link, up}, return_when=asyncio.FIRST_COMPLETED)
        if link.done():
            link.result()                    # raises AmiRefused (bad credentials)
        if not up.result():
            raise LinkError(f"AMI at {settings.host}:{settings.port} unreachable for {timeout:.0f} s")
        return await job(ami)
    finally:
        for task in (link, up):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
