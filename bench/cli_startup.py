"""CLI start-up: ``astreinte who`` and ``who --json`` beside ``python -c 'import click, yaml, sqlite3'``.

That floor is what any click CLI reading YAML and SQLite pays before doing anything; the target
(issue 18) is ``who --json`` within 2x of it. Every command runs with the same interpreter
(``sys.executable``; ``astreinte`` is the console script beside it), in the same run, the
commands alternated round by round (each round starting one further along); a figure is the
median of N runs, a ratio the median of the command over the median of the floor (``paired``:
the median of the per-round ratios). Nothing is asserted.

The configuration is the reference example (tests/data/config.example.yaml: one team, two
layers, an override, French holidays) copied into a temporary folder with
its database and the compiled-rota cache (``ASTREINTE_CACHE``); one untimed run of each command
first, so ``who`` answers from the cache as it does from the second run after an edit. The
``no cache`` row is a run after every edit: the full load.

    .venv/bin/python bench/cli_startup.py [--runs 21] [--also DIR]   # DIR: another astreinte tree
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "tests" / "data" / "config.example.yaml"
FLOOR = "import click, yaml, sqlite3"
TARGET = 2.0


def astreinte_command() -> list[str]:
    script = Path(sys.executable).with_name("astreinte")
    return [str(script)] if script.exists() else [sys.executable, "-m", "astreinte"]


def cases(folder: Path, also: Path | None) -> list[tuple[str, str, list[str], dict[str, str]]]:
    """(key, label, argv, extra environment) of every command timed."""
    config = ["--config", str(folder / "config.yaml")]
    cli = astreinte_command()
    found = [
        ("floor", f"python -c '{FLOOR}'", [sys.executable, "-c", FLOOR], {}),
        ("pass", "python -c pass", [sys.executable, "-c", "pass"], {}),
        ("who_json", "astreinte who --json", [*cli, *config, "who", "--json"], {}),
        ("who", "astreinte who (table)", [*cli, *config, "who"], {}),
        ("who_json_full", "astreinte who --json, no cache (the full load)", [*cli, *config, "who", "--json"],
         {"ASTREINTE_CACHE": "off"}),
    ]
    if also is not None:
        other = [sys.executable, "-m", "astreinte", *config]
        found += [("also_who_json", f"{also}: who --json", [*other, "who", "--json"], {"PYTHONPATH": str(also)}),
                  ("also_who", f"{also}: who (table)", [*other, "who"], {"PYTHONPATH": str(also)})]
    return found


def startup(runs: int, also: Path | None = None) -> dict[str, Any]:
    """Time every case ``runs`` times, alternated; the figures as a dict (milliseconds)."""
    with tempfile.TemporaryDirectory(prefix="astreinte-cli-bench-") as tmp:
        folder = Path(tmp)
        shutil.copy(EXAMPLE, folder / "config.yaml")
        env = {**os.environ, "ASTREINTE_CACHE": str(folder / "cache" / "rotas.sqlite"), "COLUMNS": "120",
               "ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}
        timed = cases(folder, also)
        for _key, label, argv, extra in timed:                # warm: pyc files, page cache, the rota cache
            done = subprocess.run(argv, env={**env, **extra}, cwd=folder, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{label} failed ({done.returncode}): {done.stderr.strip()}")
        samples: dict[str, list[float]] = {key: [] for key, *_ in timed}
        for round_number in range(runs):
            shift = round_number % len(timed)
            for key, _label, argv, extra in timed[shift:] + timed[:shift]:
                started = time.perf_counter()
                subprocess.run(argv, env={**env, **extra}, cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=True)
                samples[key].append(time.perf_counter() - started)
    floor = statistics.median(samples["floor"])
    rows = {}
    for key, label, _argv, _extra in timed:
        values = samples[key]
        median = statistics.median(values)
        rows[key] = {
            "label": label,
            "median_ms": round(median * 1000, 1),
            "min_ms": round(min(values) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "ratio": round(median / floor, 2),
            "paired_ratio": round(statistics.median(v / f for v, f in zip(values, samples["floor"], strict=True)), 2),
        }
    return {"runs": runs, "python": sys.executable, "astreinte": " ".join(astreinte_command()),
            "config": str(EXAMPLE.relative_to(REPO)), "target_ratio": TARGET, "rows": rows}


def table(result: dict[str, Any]) -> list[str]:
    lines = [f"CLI start-up, median of {result['runs']} runs each, alternated; {result['python']}",
             f"{'command':<52} {'median':>8} {'min':>8} {'x floor':>8} {'paired':>7}"]
    for row in result["rows"].values():
        lines.append(f"{row['label']:<52} {row['median_ms']:>5.0f} ms {row['min_ms']:>5.0f} ms "
                     f"{row['ratio']:>7.2f}x {row['paired_ratio']:>6.2f}x")
    verdict = result["rows"]["who_json"]["ratio"]
    lines.append(f"who --json: {verdict:.2f}x the floor (target {result['target_ratio']:.0f}x: "
                 f"{'met' if verdict <= result['target_ratio'] else 'NOT met'})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--also", type=Path, default=None,
                        help="another astreinte source tree to time beside (python -m astreinte, PYTHONPATH=DIR)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    result = startup(args.runs, args.also)
    print("\n".join(table(result)))
    if args.json:
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
