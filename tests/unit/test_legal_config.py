"""The ``legal:`` and ``compensation:`` blocks, per-person ``forfait_jours`` and ``leave``, and profiles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.config.legal import hours_duration, load_profile
from astreinte.domain.errors import ConfigError
from astreinte.domain.hours import Window

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"


def write(tmp_path: Path, extra: str, people_extra: str = "") -> Path:
    text = EXAMPLE.read_text()
    if people_extra:
        text = text.replace("    phones: [PJSIP/carol]\n", "    phones: [PJSIP/carol]\n" + people_extra)
    path = tmp_path / "config.yaml"
    path.write_text(text + extra)
    return path


def test_legal_block_and_person_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "legal:\n  notice_days: 21\n  daily_rest: 11h\n  max_day: 12h\n  night: '22:00-07:00'\n"
                 "  max_consecutive_weeks: 1\ncompensation:\n  profile: fr-territoriale-technique-2015\n",
                 "    forfait_jours: true\n    leave:\n      - {from: 2026-12-21, to: 2026-12-31}\n")
    config = load(path, environ={})
    assert (config.legal.notice_days, config.legal.max_day, config.legal.max_consecutive_weeks) == (21, 12 * 3600, 1)
    assert config.legal.night == Window.parse("22:00-07:00")
    assert config.compensation is not None and config.compensation.profile.periods["week"] == Decimal("159.20")
    carol = config.people["carol"]
    assert carol.forfait_jours and carol.leave == ((date(2026, 12, 21), date(2026, 12, 31)),)


def test_own_profile_file(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text('title: Mine\nperiods: {week: "150"}\ninterventions: {night: "30.5"}\n')
    config = load(write(tmp_path, "compensation:\n  profile: mine.yaml\n"), environ={})
    assert config.compensation is not None
    assert config.compensation.profile.name == "mine" and config.compensation.profile.interventions["night"] == \
        Decimal("30.5")


@pytest.mark.parametrize(("extra", "people", "message"), [
    ("legal:\n  daily_rest: eleven\n", "", "legal.daily_rest: expected a duration such as 11h"),
    ("legal:\n  notice: 3\n", "", "legal.notice: unknown key"),
    ("compensation:\n  profile: nowhere\n", "", "no shipped profile named 'nowhere'"),
    ("", "    leave: [{from: 2026-12-31, to: 2026-12-21}]\n", "people.carol.leave[0].to: must not be before"),
])
def test_problems_are_located(tmp_path: Path, extra: str, people: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, extra, people), environ={})
    assert message in str(caught.value)


def test_bad_profile_amount(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text('title: Bad\nperiods: {week: "lots"}\n')
    with pytest.raises(ConfigError, match=r"periods\.week: expected an amount"):
        load_profile("bad.yaml", tmp_path)


def test_hours_duration() -> None:
    assert [hours_duration(t) for t in ("11h", "10h30", "90m", "35 h")] == [39600, 37800, 5400, 126000]


def test_a_profile_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes("title: Astreinte d'été\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1\.yaml.*not UTF-8 text"):
        load_profile("latin1.yaml", tmp_path)
