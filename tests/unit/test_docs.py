"""Every CLI command has help with an example, and is documented for users (README.md or docs/).

As sqlite-utils' tests/test_docs.py does: a command added without its documentation fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from astreinte.cli import main

REPO = Path(__file__).resolve().parents[2]
DOCS = "\n".join(path.read_text(encoding="utf-8")
                 for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


ALL = list(commands(main))


def test_the_cli_has_its_commands() -> None:
    names = {" ".join(path) for path, _ in ALL}
    assert {"who", "run", "check", "check legal", "rota load", "report statement", "phones show"} <= names


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(path) for path, _ in ALL])
def test_every_command_has_help_and_is_documented(path: tuple[str, ...], command: click.Command) -> None:
    name = " ".join(path)
    assert (command.help or "").strip(), f"`astreinte {name}` has no help"
    if not isinstance(command, click.Group):
        assert "Examples:" in (command.help or ""), f"`astreinte {name} --help` shows no example"
    *group, last = path
    alternatives = rf"astreinte {re.escape(' '.join(group))}{' ' if group else ''}([\w-]+\\?\|)*{re.escape(last)}\b"
    assert re.search(alternatives, DOCS), f"`astreinte {name}` is in neither README.md nor docs/"
