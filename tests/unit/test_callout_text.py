"""What the callee hears and what the e-mails say about a message (astreinte/domain/calls/callout_text.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from astreinte.domain.calls.callout_text import MessageFacts, intro, length, spoken_when
from tests.helpers.calls import PARIS

AT = datetime(2026, 11, 7, 3, 14, tzinfo=PARIS)
MESSAGE = MessageFacts("support", "0611223344", "1000", AT, 42.0)


def test_the_intro_says_who_called_when_for_which_team_and_how_long() -> None:
    assert intro(MESSAGE, PARIS, AT + timedelta(minutes=5), audio=True) == (
        "Message d'astreinte pour l'équipe support. Le 06 11 22 33 44 a appelé aujourd'hui à 3 heures 14 et a "
        "laissé un message de 42 secondes. Appuyez sur 1 pour l'écouter.")
    withheld = MessageFacts("support", "", "1000", AT, None)
    assert intro(withheld, PARIS, AT, audio=False).startswith(
        "Message d'astreinte pour l'équipe support. Un correspondant au numéro masqué a appelé aujourd'hui à "
        "3 heures 14 ; son message n'a pas pu être enregistré.")


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 11, 6, 23, 0, tzinfo=PARIS), "hier à 23 heures"),
    (datetime(2026, 11, 2, 12, 5, tzinfo=PARIS), "le lundi 2 novembre à midi 5"),
    (datetime(2026, 11, 7, 0, 1, tzinfo=PARIS), "aujourd'hui à minuit 1"),
    (datetime(2026, 11, 7, 1, 0, tzinfo=PARIS), "aujourd'hui à 1 heure"),
])
def test_when_is_said_the_way_people_say_it(moment: datetime, expected: str) -> None:
    assert spoken_when(moment, PARIS, AT) == expected


def test_lengths_are_said_in_minutes_and_seconds() -> None:
    assert [length(s) for s in (1, 42.4, 60, 65, 125, None)] == \
        ["1 seconde", "42 secondes", "1 minute", "1 minute 5 secondes", "2 minutes 5 secondes", ""]
