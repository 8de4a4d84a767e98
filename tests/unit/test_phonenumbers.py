"""Mobile numbers are normalised to E.164; French national forms are accepted; injections are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from astreinte.config import load, values
from astreinte.domain.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"


@pytest.mark.parametrize(("written", "dialed"), [
    ("06 12 34 56 78", "+33612345678"),
    ("0612345678", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"),
    ("06-12-34-56-78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("+33.6.11.22.33.44", "+33611223344"),
    ("0033 6 12 34 56 78", "+33612345678"),
    ("07 81 23 45 67", "+33781234567"),
    ("01 80 00 00 00", "+33180000000"),            # a landline works the same way
    ("+44 20 7946 0958", "+442079460958"),          # international forms from anywhere
    ("+1 415 555 2671", "+14155552671"),
    ("1000", "1000"),                               # internal extensions stay as written
    ("15", "15"),
    ("PJSIP/alice", "PJSIP/alice"),
    ("PJSIP/bob@trunk", "PJSIP/bob@trunk"),
])
def test_accepted_and_normalised(written: str, dialed: str) -> None:
    assert values.phone(written) == dialed


@pytest.mark.parametrize("written", [
    "06 12 34 56",          # too short to be a French number, too long to be an extension
    "0012345",              # seven digits: not an extension, not a number anywhere
    "+33 6 12 34 56 78 90",
    "+999 123 456 789",     # no such country code
    "06 12 34 56 78;evil",
    "06 12 34 56 78\nExten => x",
    "0612345678&PJSIP/evil",
    "${EXTEN}",
    "+33(6)12345678",
    "",
])
def test_refused(written: str) -> None:
    with pytest.raises(ValueError):
        values.phone(written)


def test_another_region_reads_national_forms_there() -> None:
    assert values.phone("020 7946 0958", region="GB") == "+442079460958"


def test_the_configuration_stores_e164_and_locates_a_bad_number(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(text.replace('phones: [PJSIP/bob, "+33611223344"]', 'phones: [PJSIP/bob, "06 11 22 33 44"]', 1))
    assert load(path, environ={}).people["bob"].phones == ("PJSIP/bob", "+33611223344")
    path.write_text(text.replace('phones: [PJSIP/bob, "+33611223344"]', 'phones: [PJSIP/bob, "06 11 22 33"]', 1))
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    (problem,) = caught.value.problems
    assert problem.path == "people.bob.phones[1]" and "not a valid phone number" in problem.message
