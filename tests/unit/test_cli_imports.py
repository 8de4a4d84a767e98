"""What the CLI imports: each sub-command alone, and ``who`` without the heavy modules.

``astreinte who --json`` answers from the compiled rota (astreinte/cli/rota_cache.py) without
importing the configuration loader, the hunt or the labour-law code, rich, phonenumbers or
holidays. The speed itself is measured by ``make bench`` (bench/cli_startup.py), never
asserted here; these tests keep the imports that made it slow from creeping back, and check
that importing lazily broke no command.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import astreinte.cli
from astreinte.cli import COMMANDS, main

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
ASTREINTE = Path(sys.executable).with_name("astreinte")

# Modules `who --json` must not import once the rota is compiled (prefixes: a package and its modules).
HEAVY = (
    "rich", "phonenumbers", "holidays", "yaml", "sqlite_utils", "aiohttp", "icalendar", "asyncio",
    "urllib.request", "astreinte.config", "astreinte.domain.hunt", "astreinte.domain.hunt_events",
    "astreinte.domain.legal", "astreinte.domain.compensation", "astreinte.domain.publication",
    "astreinte.adapters.store", "astreinte.dialplan", "astreinte.report",
)

PROBE = """
import json, sys
sys.argv = ["astreinte", *json.loads(sys.argv[1])]
from astreinte.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}))
"""


def imported(args: list[str], env: dict[str, str]) -> tuple[int, set[str], str]:
    """Run the CLI in a fresh interpreter: exit code, the modules it imported, its output."""
    # no subprocess timeout: its polling sleep fails under faketime (tests/other_instants.sh);
    # pytest-timeout bounds the test
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                          env={**os.environ, **env})
    *output, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    return report["exit"], set(report["modules"]), "\n".join(output) + done.stderr


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    shutil.copy(EXAMPLE, tmp_path / "config.yaml")
    return {"ASTREINTE_CACHE": str(tmp_path / "cache" / "rotas.sqlite"),
            "ASTREINTE_CONFIG": str(tmp_path / "config.yaml"),
            "ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}


@pytest.mark.parametrize("args", [
    ["who", "--json"],
    ["who", "--json", "--at", "2026-12-24T19:00"],
    ["--now", "2026-12-24T19:00", "who", "--json", "--team", "support"],
], ids=" ".join)
def test_who_json_from_the_cache_imports_nothing_heavy(args: list[str], env: dict[str, str]) -> None:
    code, cold, _ = imported(args, env)
    assert code == 0 and "astreinte.config" in cold          # the first run compiles: the full load
    code, warm, output = imported(args, env)
    assert code == 0, output
    assert json.loads(output)["teams"][0]["team"] == "support"
    assert heavy_in(warm) == []


def test_who_table_from_the_cache_imports_rich_only(env: dict[str, str]) -> None:
    imported(["who", "--at", "2026-12-24T19:00"], env)    # the same year: its holidays are then cached
    code, modules, output = imported(["who", "--at", "2026-12-24T19:00"], env)
    assert code == 0 and "David Moreau" in output
    assert "rich" in modules
    assert [m for m in heavy_in(modules) if not m.startswith("rich")] == []


def test_check_still_loads_everything(env: dict[str, str]) -> None:
    imported(["who", "--json"], env)
    code, modules, output = imported(["check"], env)
    assert code == 0 and output.startswith("ok:"), output
    assert {"astreinte.config", "astreinte.config.legal", "holidays", "phonenumbers"} <= modules


def test_every_command_is_in_the_lazy_table() -> None:
    for module in pkgutil.iter_modules(astreinte.cli.__path__):
        importlib.import_module(f"astreinte.cli.{module.name}")
    registered = {name: command.callback.__module__.rsplit(".", 1)[-1]
                  for name, command in main.commands.items() if command.callback is not None}
    assert registered == COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_runs_in_a_fresh_interpreter(name: str, env: dict[str, str]) -> None:
    """Only its own module imported: a command must not lean on another module's imports."""
    done = subprocess.run([str(ASTREINTE), name, "--help"], capture_output=True, text=True,
                          env={**os.environ, **env})
    assert done.returncode == 0 and "Usage:" in done.stdout, done.stderr
    code, modules, _ = imported([name, "--help"], env)
    loaded = {m.rsplit(".", 1)[-1] for m in modules if m.startswith("astreinte.cli.")} & set(COMMANDS.values())
    assert code == 0 and loaded == {COMMANDS[name]}


def test_help_lists_every_command(env: dict[str, str]) -> None:
    done = subprocess.run([str(ASTREINTE), "--help"], capture_output=True, text=True, env={**os.environ, **env})
    assert done.returncode == 0
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)
    unknown = subprocess.run([str(ASTREINTE), "whoo"], capture_output=True, text=True, env={**os.environ, **env})
    assert unknown.returncode == 2 and "No such command 'whoo'" in unknown.stderr
