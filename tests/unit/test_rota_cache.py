"""The compiled rota ``astreinte who`` caches (astreinte/cli/rota_cache.py): never stale, never
used by ``check``, private to its user.

Every test runs the real CLI (CliRunner) or the real cache on real files; "stale" is shown
the way a user would see it: the answer of ``who`` after an edit, or an error that the full
load reports and a stale cache would have hidden.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.cli import main, rota_cache
from astreinte.cli.rota_cache import Rota, RotaCache, code_version

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
XMAS = "2026-12-24T19:00"          # the example's override: dave instead of the rotation
ENV = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "200"}


@pytest.fixture
def cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    file = tmp_path / "cache" / "rotas.sqlite"
    monkeypatch.setenv("ASTREINTE_CACHE", str(file))
    return file


@pytest.fixture
def config_file(tmp_path: Path, cache_file: Path) -> Path:
    path = tmp_path / "etc" / "config.yaml"
    path.parent.mkdir()
    shutil.copy(EXAMPLE, path)
    return path


def run(config_file: Path, *args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    return CliRunner().invoke(main, ["--config", str(config_file), *args], env={**ENV, **(env or {})},
                              catch_exceptions=False)


def who(config_file: Path, at: str = XMAS, env: dict[str, str] | None = None) -> dict[str, object]:
    result = run(config_file, "who", "--at", at, "--json", env=env)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.output)
    return document


def team(document: dict[str, object]) -> dict[str, object]:
    teams = document["teams"]
    assert isinstance(teams, list)
    found: dict[str, object] = teams[0]
    return found


def first_person(document: dict[str, object]) -> str:
    chain = team(document)["chain"]
    assert isinstance(chain, list)
    return str(chain[0]["person"])


def load(cache: RotaCache, path: Path) -> Rota:
    """One ``who`` as the CLI does it: load, then save."""
    rota = cache.load(path, {**os.environ, **ENV})
    cache.save(rota)
    return rota


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def poison(cache_file: Path, person_name: str) -> None:
    """Rewrite every stored rota, digest untouched, so that serving it shows ``person_name``."""
    with sqlite3.connect(cache_file) as conn:
        for key, blob in conn.execute("SELECT config, rota FROM rotas").fetchall():
            rota = pickle.loads(blob)
            people = {pid: replace(person, name=person_name) for pid, person in rota.people.items()}
            stale = pickle.dumps(replace(rota, people=people))
            conn.execute("UPDATE rotas SET rota = ? WHERE config = ?", (stale, key))
    conn.close()


def test_a_cached_answer_is_the_full_answer(config_file: Path, cache_file: Path) -> None:
    cold = who(config_file)
    assert cache_file.exists()
    cache = RotaCache(cache_file)
    load(cache, config_file)
    assert cache.hit
    assert who(config_file) == cold == who(config_file, env={"ASTREINTE_CACHE": "off"})
    assert run(config_file, "who", "--at", XMAS).output == run(
        config_file, "who", "--at", XMAS, env={"ASTREINTE_CACHE": "off"}).output


def test_an_edited_file_is_read_again(config_file: Path) -> None:
    assert first_person(who(config_file)) == "dave"
    edit(config_file, "    person: dave\n", "    person: carol\n")
    assert first_person(who(config_file)) == "carol"
    edit(config_file, "    name: Carol Petit", "    name: Caroline Petit")
    assert "Caroline Petit" in json.dumps(team(who(config_file)), ensure_ascii=False)


def test_a_file_made_invalid_fails_as_without_the_cache(config_file: Path) -> None:
    who(config_file)
    edit(config_file, "    person: dave\n", "    person: zoe\n")
    result = run(config_file, "who", "--at", XMAS, "--json")
    assert result.exit_code == 1
    assert "overrides[0].person" in result.output and "zoe" in result.output


def test_an_edited_profile_is_read_again(config_file: Path) -> None:
    (config_file.parent / "mine.yaml").write_text(
        (Path(__file__).parents[2] / "astreinte" / "profiles" / "fr-prive-exemple.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    with config_file.open("a", encoding="utf-8") as out:
        out.write("compensation:\n  profile: mine.yaml\n")
    who(config_file)
    cache = RotaCache(Path(os.environ["ASTREINTE_CACHE"]))
    load(cache, config_file)
    assert cache.hit
    edit(config_file.parent / "mine.yaml", 'amount: "30.00"', 'amount: "thirty"')
    result = run(config_file, "who", "--at", XMAS, "--json")
    assert result.exit_code == 1 and "mine.yaml" in result.output and "thirty" in result.output
    (config_file.parent / "mine.yaml").unlink()
    assert run(config_file, "who", "--json").exit_code == 1


def test_a_secret_file_and_the_environment_are_inputs(config_file: Path) -> None:
    (config_file.parent / "ari.secret").write_text("s3cret\n", encoding="utf-8")
    edit(config_file, "    password: secret ", "    password_file: ari.secret ")
    who(config_file)
    (config_file.parent / "ari.secret").write_text("two\nlines\n", encoding="utf-8")
    failed = run(config_file, "who", "--json")
    assert failed.exit_code == 1 and "password_file" in failed.output and "lines" not in failed.output
    (config_file.parent / "ari.secret").unlink()
    assert run(config_file, "who", "--json").exit_code == 1
    # the variable wins over the file: with it set the file is not needed, without it it is again
    assert first_person(who(config_file, env={"ASTREINTE_ARI_PASSWORD": "from-env"})) == "dave"
    assert run(config_file, "who", "--json").exit_code == 1
    assert run(config_file, "who", "--json", env={"ASTREINTE_ARI_PASSWORD": "bad\x01"}).exit_code == 1


def test_cli_overrides_are_read_on_every_run(config_file: Path) -> None:
    assert first_person(who(config_file, at="2026-12-02T13:00")) == "bob"
    added = run(config_file, "--now", "2026-12-01T11:00", "override", "add", "--team", "support", "--person",
                "carol", "--from", "2026-12-02T12:00", "--to", "2026-12-03T12:00")
    assert added.exit_code == 0, added.output
    assert first_person(who(config_file, at="2026-12-02T13:00")) == "carol"
    assert run(config_file, "--now", "2026-12-01T12:00", "override", "remove", "1").exit_code == 0
    assert first_person(who(config_file, at="2026-12-02T13:00")) == "bob"


def test_other_code_never_reads_a_row(config_file: Path, cache_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    who(config_file)
    poison(cache_file, "Stale Name")
    names = json.dumps(who(config_file))
    assert "Stale Name" in names             # the poisoned row is what the cache serves to this code...
    monkeypatch.setattr(rota_cache, "code_version", lambda: "astreinte 9.9")
    assert "Stale Name" not in json.dumps(who(config_file))   # ...and never to another version


def test_a_new_package_version_is_new_code(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "site-packages"
    (site / "holidays-0.109.dist-info").mkdir(parents=True)
    package = tmp_path / "astreinte"
    (package / "domain").mkdir(parents=True)
    (package / "domain" / "rota.py").write_text("x = 1\n")
    before = code_version(package, [str(site)])
    assert code_version(package, [str(site)]) == before
    (site / "holidays-0.109.dist-info").rename(site / "holidays-0.110.dist-info")
    upgraded = code_version(package, [str(site)])
    assert upgraded != before
    (site / "phonenumbers-9.0.43.dist-info").mkdir()
    assert code_version(package, [str(site)]) != upgraded
    installed = code_version(package, [str(site)])
    (package / "domain" / "rota.py").write_text("x = 22\n")          # an edited source file
    assert code_version(package, [str(site)]) != installed


def test_the_installed_packages_are_part_of_the_digest(config_file: Path, cache_file: Path,
                                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    site = tmp_path / "venv" / "site-packages"
    (site / "holidays-0.109.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    who(config_file)
    poison(cache_file, "Stale Name")
    assert "Stale Name" in json.dumps(who(config_file))
    (site / "holidays-0.109.dist-info").rename(site / "holidays-0.110.dist-info")
    assert "Stale Name" not in json.dumps(who(config_file))


def test_check_never_reads_the_cache(config_file: Path, cache_file: Path) -> None:
    who(config_file)
    poison(cache_file, "Stale Name")
    assert "Stale Name" in json.dumps(who(config_file))
    edit(config_file, "    person: dave\n", "    person: zoe\n")
    who_result, check_result = run(config_file, "who", "--json"), run(config_file, "check")
    assert who_result.exit_code == check_result.exit_code == 1
    assert "unknown person 'zoe'" in check_result.output
    edit(config_file, "    person: zoe\n", "    person: dave\n")      # the file as cached again
    check_result = run(config_file, "check")
    assert check_result.exit_code == 0 and "1 team" in check_result.output
    assert "Stale Name" not in run(config_file, "schedule", "--from", "2026-12-24", "--to", "2026-12-25").output


def test_relative_paths_are_kept_absolute(config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(config_file.parent)
    assert first_person(who(Path("config.yaml"), at="2026-12-02T13:00")) == "bob"
    added = run(Path("config.yaml"), "--now", "2026-12-01T11:00", "override", "add", "--team", "support",
                "--person", "carol", "--from", "2026-12-02T12:00", "--to", "2026-12-03T12:00")
    assert added.exit_code == 0, added.output
    monkeypatch.chdir(tmp_path)
    assert first_person(who(config_file, at="2026-12-02T13:00")) == "carol"       # the same database
    monkeypatch.chdir(config_file.parent)
    assert first_person(who(Path("config.yaml"), at="2026-12-02T13:00")) == "carol"


def test_holiday_years_are_learnt(config_file: Path, cache_file: Path) -> None:
    assert team(who(config_file, at="2026-12-22T11:00"))["in_service"] is False
    cache = RotaCache(cache_file)
    assert load(cache, config_file).holiday_calendar.years == {2026}
    christmas_2031 = who(config_file, at="2031-12-25T11:00")                # a Thursday, a public holiday
    assert team(christmas_2031)["in_service"] is True
    assert load(cache, config_file).holiday_calendar.years == {2026, 2031} and cache.hit


def test_a_cache_not_private_or_broken_is_not_read(config_file: Path, cache_file: Path) -> None:
    who(config_file)
    poison(cache_file, "Stale Name")
    cache_file.chmod(0o666)
    assert "Stale Name" not in json.dumps(who(config_file))
    cache_file.chmod(0o600)
    cache_file.parent.chmod(0o777)
    assert "Stale Name" not in json.dumps(who(config_file))
    cache_file.parent.chmod(0o700)
    with sqlite3.connect(cache_file) as conn:
        conn.execute("UPDATE rotas SET rota = ?", (b"not a pickle",))
    conn.close()
    assert first_person(who(config_file)) == "dave"
    cache_file.write_bytes(b"not a database either")
    assert first_person(who(config_file)) == "dave"


def test_the_cache_file_is_private_and_holds_no_secret(config_file: Path, cache_file: Path) -> None:
    edit(config_file, "    password: secret ", "    password: Sup3r-s3cret-ARI ")
    who(config_file)
    assert cache_file.stat().st_mode & 0o777 == 0o600
    assert cache_file.parent.stat().st_mode & 0o777 == 0o700
    assert b"Sup3r-s3cret-ARI" not in cache_file.read_bytes()


def test_off_and_unwritable_caches_still_answer(config_file: Path, tmp_path: Path) -> None:
    assert first_person(who(config_file, env={"ASTREINTE_CACHE": "off"})) == "dave"
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert first_person(who(config_file, env={"ASTREINTE_CACHE": str(blocked / "rotas.sqlite")})) == "dave"
