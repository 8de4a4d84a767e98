"""The ``service:`` block: numbers in any carrier form, the softphones' extension, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.dialplan_file import render
from astreinte.domain.errors import ConfigError

EXAMPLE = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text()


def config_with(tmp_path: Path, block: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE + "\n" + block)
    return path


def test_numbers_are_canonical_and_reach_the_service_line(tmp_path: Path) -> None:
    config = load(config_with(tmp_path, 'service: {numbers: ["01 80 00 99 99"], announcement_hours: 3h}\n'),
                  environ={})
    assert config.service.numbers == ("+33180009999",) and config.service.announcement_hours == 3.0
    assert config.is_service_number("0180009999") and config.is_service_number("33180009999")
    assert not config.is_service_number("1000")
    text = render(config)
    assert "exten => 0180009999,1,Set(ASTREINTE_NUMBER=+33180009999)" in text
    assert "exten => +33180009999,1,Set(ASTREINTE_NUMBER=+33180009999)\n same => n,Hangup(41)" in text


def test_a_number_of_a_team_and_an_extension_without_phones_are_located_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(config_with(tmp_path, 'service: {numbers: ["1000"], extension: "*88", longest_take: 30m}\n'),
             environ={})
    text = str(caught.value)
    assert "service.numbers[0]: number '1000' already reaches a team or a menu" in text
    assert "service.extension: needs a phones: block" in text
    assert "service.longest_take" in text


def test_the_softphones_extension_goes_to_the_service_line(tmp_path: Path) -> None:
    phones = f"phones: {{domain: 127.0.0.1, secrets: {tmp_path / 's.json'}, file: {tmp_path / 'p.conf'}}}\n"
    config = load(config_with(tmp_path, phones + 'service: {extension: "*88"}\n'), environ={})
    text = render(config)
    section = text[text.index("[astreinte-phones]"):]
    assert "exten => *88,1,Set(ASTREINTE_CALL=" in section and " same => n,Stasis(astreinte,service)" in section
    assert section.index("*88") < section.index("_[*#]X.")
