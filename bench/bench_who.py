"""Benchmark ``who``: 200 teams x 10 years of rotations with 5,000 overrides.

Prints, without asserting anything:
  - configuration load and Schedule build times;
  - in-process ``Schedule.who(team, at)`` latency p50/p95/p99 over random instants of the
    10 years (target: p99 < 1 ms);
  - the ``astreinte who`` command end to end (process start included) beside
    ``python -c pass``, as a ratio; once with the overrides in the YAML file and once with
    them stored as CLI overrides in SQLite; from the compiled-rota cache (astreinte/cli/
    rota_cache.py, warmed by the first run) and, for the YAML case, without it (the full
    load every run after an edit pays).

    .venv/bin/python bench/bench_who.py [--teams 200] [--years 10] [--overrides 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from astreinte.adapters.store import Store
from astreinte.config import load

ZONE = ZoneInfo("Europe/Paris")
START = date(2016, 11, 7)            # a Monday, ten years before the reference example


def write_config(folder: Path, teams: int, overrides: int, seed: int, *, overrides_in_yaml: bool) -> Path:
    rng = random.Random(seed)
    people = [f"p{i:04d}" for i in range(teams * 4)]
    lines = [
        "timezone: Europe/Paris", "database: bench.db",
        "asterisk:",
        "  ari: {url: 'http://127.0.0.1:8088', username: astreinte, password: x, app: astreinte}",
        "  ami: {host: 127.0.0.1, port: 5038, username: astreinte, secret: x}",
        "  outbound: PJSIP/{number}@trunk-out",
        "holidays: {country: FR, subdivision: '57'}",
        "people:",
    ]
    lines += [f"  {p}: {{name: Person {p}, phones: [PJSIP/{p}, '+336{i:08d}']}}" for i, p in enumerate(people)]
    lines.append("teams:")
    for t in range(teams):
        members = ", ".join(people[t * 4:(t + 1) * 4])
        lines += [
            f"  team-{t:03d}:",
            f"    numbers: ['+3318{t:07d}', '{1000 + t}']",
            "    greeting: Bonjour",
            "    service_hours: {weekdays: '18:00-08:30', weekends: all-day, holidays: all-day}",
            "    outside_service: {dial: PJSIP/reception}",
            "    layers:",
            f"      - {{name: primary, rotation: {{members: [{members}], every: 1 week, handoff: monday 09:00, "
            f"start: {START.isoformat()}}}}}",
            f"      - {{name: secondary, rotation: {{members: [{members}], every: 2 days, handoff: '08:00', "
            f"start: {START.isoformat()}}}}}",
            f"      - {{name: manager, rotation: {{members: [{people[(t * 4 + 7) % len(people)]}], every: 4 weeks, "
            f"handoff: monday 09:00, start: {START.isoformat()}}}}}",
        ]
    if overrides_in_yaml:
        lines.append("overrides:")
        for team, layer, person, begin, end in random_overrides(rng, teams, people, overrides):
            lines.append(f"  - {{team: {team}, layer: {layer}, person: {person}, from: '{begin:%Y-%m-%dT%H:%M}', "
                         f"to: '{end:%Y-%m-%dT%H:%M}', reason: bench}}")
    path = folder / ("config-yaml-overrides.yaml" if overrides_in_yaml else "config.yaml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def random_overrides(
    rng: random.Random, teams: int, people: list[str], count: int
) -> list[tuple[str, str, str, datetime, datetime]]:
    span = (date(2026, 11, 7) - START).days * 24
    result = []
    for _ in range(count):
        begin = datetime.combine(START, datetime.min.time()) + timedelta(hours=rng.randrange(span))
        end = begin + timedelta(hours=rng.randrange(2, 24 * 10))
        result.append((f"team-{rng.randrange(teams):03d}", rng.choice(["primary", "secondary", "manager"]),
                       rng.choice(people), begin, end))
    return result


def percentiles(samples_ns: list[int]) -> str:
    ordered = sorted(samples_ns)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000

    return (f"p50 {at(0.50):7.1f} µs   p95 {at(0.95):7.1f} µs   p99 {at(0.99):7.1f} µs"
            f"   max {ordered[-1] / 1000:8.1f} µs")


def time_command(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    durations = []
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)   # warm
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--overrides", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--cli-runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="astreinte-bench-") as tmp:
        folder = Path(tmp)
        yaml_path = write_config(folder, args.teams, args.overrides, args.seed, overrides_in_yaml=True)
        plain_path = write_config(folder, args.teams, args.overrides, args.seed, overrides_in_yaml=False)
        print(f"{args.teams} teams x 3 layers, rotations since {START} (10 years), {args.overrides} overrides")

        started = time.perf_counter()
        config = load(yaml_path)
        loaded = time.perf_counter()
        schedule = config.schedule()
        built = time.perf_counter()
        print(f"load config (overrides in YAML, {yaml_path.stat().st_size // 1024} KiB): "
              f"{(loaded - started) * 1000:.0f} ms; build Schedule: {(built - loaded) * 1000:.0f} ms")

        teams = list(config.teams)
        first = datetime(2016, 11, 7, tzinfo=UTC).timestamp()
        last = datetime(2026, 11, 7, tzinfo=UTC).timestamp()
        queries = [(rng.choice(teams), datetime.fromtimestamp(rng.uniform(first, last), ZONE))
                   for _ in range(args.queries)]
        for team, moment in queries[:2000]:                      # warm the holiday cache for every year
            schedule.who(team, moment)
        samples = []
        clock = time.perf_counter_ns
        who = schedule.who
        for team, moment in queries:
            begin = clock()
            who(team, moment)
            samples.append(clock() - begin)
        print(f"in-process who ({args.queries} queries over 10 years): {percentiles(samples)}")
        far = [(team, moment.replace(year=2036)) for team, moment in queries[:20_000]]
        samples = []
        for team, moment in far:
            begin = clock()
            who(team, moment)
            samples.append(clock() - begin)
        print(f"in-process who, 20 years after start:            {percentiles(samples)}")

        plain = load(plain_path)
        with Store.open(plain.database) as store:
            for team, layer, person, begin, end in random_overrides(random.Random(args.seed), args.teams,
                                                                    list(plain.people), args.overrides):
                store.db.execute(
                    "INSERT INTO overrides (team, layer, person, start, end, reason, author, created_at)"
                    " VALUES (?, ?, ?, ?, ?, 'bench', 'bench', ?)",
                    [team, layer, person, begin.replace(tzinfo=ZONE).astimezone(UTC).isoformat(),
                     end.replace(tzinfo=ZONE).astimezone(UTC).isoformat(), datetime.now(UTC).isoformat()],
                )
            store.db.conn.commit()

        python = sys.executable
        baseline = time_command([python, "-c", "pass"], args.cli_runs)
        print(f"\npython -c pass: {baseline * 1000:.0f} ms (median of {args.cli_runs})")
        at = "2026-12-24T19:00"
        cached = {**os.environ, "ASTREINTE_CACHE": str(folder / "rotas.sqlite")}
        uncached = {**os.environ, "ASTREINTE_CACHE": "off"}
        for label, path, extra, env in (
            ("who --team T --json, overrides in SQLite", plain_path, ["--team", "team-042"], cached),
            ("who --json (all teams), overrides in SQLite", plain_path, [], cached),
            ("who --team T --json, overrides in YAML", yaml_path, ["--team", "team-042"], cached),
            ("who --team T --json, overrides in YAML, no cache", yaml_path, ["--team", "team-042"], uncached),
        ):
            command = [python, "-m", "astreinte", "--config", str(path), "who", "--at", at, "--json", *extra]
            took = time_command(command, args.cli_runs, env)
            print(f"astreinte {label:<50} {took * 1000:6.0f} ms  = {took / baseline:5.1f} x python -c pass")


if __name__ == "__main__":
    main()
