"""The configuration's scalar parsers (astreinte/config/values.py), at their edges.

Each parser returns the clean value or raises ValueError with the message the user reads; the
loader tests check that these messages arrive located. Here: the bounds, the normalisation, and
the quoting of a bad value (escaped, cut at 40 characters).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from astreinte.config import values

PARIS = ZoneInfo("Europe/Paris")


def refused(parser: object, text: str) -> str:
    with pytest.raises(ValueError) as caught:
        parser(text)  # type: ignore[operator]
    return str(caught.value)


def test_shown_quotes_and_cuts_at_40_characters() -> None:
    assert values.shown("a\nb") == "'a\\nb'"
    assert values.shown("x" * 40) == repr("x" * 40)
    assert values.shown("x" * 41) == repr("x" * 40 + "…")
    assert values.shown("abcdef", limit=3) == repr("abc…")


def test_free_text_bounds() -> None:
    assert values.free_text("Bonjour, Carol; à vous", limit=30) == "Bonjour, Carol; à vous"
    assert values.free_text("x" * 10, limit=10) == "x" * 10
    assert refused(lambda t: values.free_text(t, limit=10), "x" * 11) == "too long (11 characters, at most 10)"
    for bad in ("a\nb", "a\x1fb", "a\x7fb", "a\x00b"):
        message = refused(lambda t: values.free_text(t, limit=10), bad)
        assert message == "must not contain newlines or control characters"
    assert values.free_text("a b", limit=10) == "a b"         # a space (32) is text
    assert values.free_text("~", limit=10) == "~"            # 126 is printable
    assert refused(lambda t: values.free_text(t, limit=10), "${X}") == "must not contain '${'"
    assert values.free_text("$ {X} $", limit=10) == "$ {X} $"
    assert refused(lambda t: values.free_text(t, limit=10), "   ") == "must not be empty"


def test_secret_bounds() -> None:
    assert values.secret("s" * 256) == "s" * 256
    assert refused(values.secret, "") == "must not be empty"
    assert refused(values.secret, "s" * 257) == "must be one line of at most 256 printable characters"
    assert refused(values.secret, "a\nb") == "must be one line of at most 256 printable characters"
    assert refused(values.secret, "a\x7f") == "must be one line of at most 256 printable characters"
    assert values.secret(" a b ") == " a b "
    assert "p4ss" not in refused(values.secret, "p4ss\n"), "a secret is never echoed"


def test_identifier_bounds() -> None:
    assert values.identifier("a") == "a" and values.identifier("A" + "b" * 63) == "A" + "b" * 63
    assert values.identifier("on-call_2.x") == "on-call_2.x"
    for bad in ("", "_a", "-a", ".a", "a" * 65, "a b", "a,b", "é"):
        assert "expected letters, digits" in refused(values.identifier, bad)
    assert refused(values.identifier, "a;b") == "expected letters, digits, '_', '-' or '.' (at most 64), got 'a;b'"


def test_phone_keeps_tech_resource_and_short_numbers_and_normalises_the_rest() -> None:
    assert values.phone("PJSIP/alice") == "PJSIP/alice"
    assert values.phone("PJSIP/+33611223344@trunk-out") == "PJSIP/+33611223344@trunk-out"
    assert values.phone("1000") == "1000" and values.phone("15") == "15" and values.phone("123456") == "123456"
    assert values.phone("06 12 34 56 78") == "+33612345678"
    assert values.phone("06.12.34.56.78") == "+33612345678"
    assert values.phone("06-12-34-56-78") == "+33612345678"
    assert values.phone("0033 6 12 34 56 78") == "+33612345678"
    assert values.phone("+44 20 7946 0958") == "+442079460958"
    assert values.phone("0470123456", region="BE") == "+32470123456"
    message = "expected TECH/resource (e.g. PJSIP/alice) or a phone number (e.g. +33611223344), got "
    assert refused(values.phone, "PJSIP/a,b") == message + "'PJSIP/a,b'"
    assert refused(values.phone, "1") == message + "'1'"
    assert refused(values.phone, "0" * 41) == message + repr("0" * 40 + "…")
    assert values.phone("06 12 34 56 78".ljust(40)) == "+33612345678", "40 characters is the most"
    assert refused(values.phone, "06 12 34 56 78".ljust(41)).startswith(message), "over 40 characters"
    assert refused(values.phone, "1234567") == "not a valid phone number: '1234567' (national forms are read as FR)"


def test_dial_template() -> None:        # team numbers: tests/unit/test_numbers.py (astreinte.config.numbers)
    assert values.dial_template("PJSIP/{number}@trunk-out") == "PJSIP/{number}@trunk-out"
    assert refused(values.dial_template, "PJSIP/trunk") == (
        "expected a dial string holding one of {number}, {national} or {digits} once, got 'PJSIP/trunk'")
    assert "once" in refused(values.dial_template, "PJSIP/{number}{number}")
    longest = "PJSIP/{number}@" + "t" * 118          # a resource of 120 characters once {number} is a digit
    assert values.dial_template(longest) == longest
    assert refused(values.dial_template, longest + "t").startswith("expected TECH/resource with {number}")
    assert refused(values.dial_template, "PJSIP/{number},tT") == (
        "expected TECH/resource with {number}, e.g. PJSIP/{number}@trunk, got 'PJSIP/{number},tT'")


def test_greeting_text_or_sound() -> None:
    assert values.greeting("sound:astreinte/welcome") == "sound:astreinte/welcome"
    assert values.greeting("sound:a/b/c/d/e") == "sound:a/b/c/d/e"
    for bad in ("sound:", "sound:../etc/passwd", "sound:a/b/c/d/e/f", "sound:a.wav", "sound:a b"):
        assert refused(values.greeting, bad).startswith("expected sound:NAME")
    assert values.greeting("Bonjour, astreinte.") == "Bonjour, astreinte."
    assert values.greeting("x" * 1000) == "x" * 1000
    assert refused(values.greeting, "x" * 1001) == "too long (1001 characters, at most 1000)"


def test_hostname_url_and_asterisk_path() -> None:
    assert values.hostname("127.0.0.1") == "127.0.0.1" and values.hostname("::1") == "::1"
    assert values.hostname("h" * 253) == "h" * 253
    assert refused(values.hostname, "h" * 254).startswith("expected a host name or address")
    assert refused(values.hostname, "a b") == "expected a host name or address, got 'a b'"
    assert values.url("http://127.0.0.1:8088/") == "http://127.0.0.1:8088"
    assert values.url("https://pbx.example.com/ari") == "https://pbx.example.com/ari"
    assert values.url("http://pbx.example.com/X") == "http://pbx.example.com/X", "only slashes are trimmed"
    assert refused(values.url, "ftp://x") == "expected http://HOST:PORT, got 'ftp://x'"
    assert refused(values.url, "http://x/?a=${b}").startswith("expected http://HOST:PORT")
    assert values.asterisk_path("/var/lib/asterisk/sounds/astreinte/") == "/var/lib/asterisk/sounds/astreinte"
    assert values.asterisk_path("/") == "/"
    assert values.asterisk_path("/var/spool/Asterisk/X") == "/var/spool/Asterisk/X"
    for bad in ("relative/path", "/a/../b", "/a b", "/a;b", "/" + "a" * 256):
        assert refused(values.asterisk_path, bad).startswith("expected an absolute path")


@pytest.mark.parametrize(("text", "seconds"), [
    ("20s", 20.0), ("20", 20.0), (" 20 ", 20.0), ("20 sec", 20.0), ("1m", 60.0), ("1.5m", 90.0), ("2min", 120.0),
    ("0.5", 0.5), ("3600", 3600.0), ("60m", 3600.0),
])
def test_duration(text: str, seconds: float) -> None:
    assert values.duration(text) == seconds


def test_duration_refusals() -> None:
    assert refused(values.duration, "20h") == "expected a duration such as 20s, 1m or 20, got '20h'"
    assert refused(values.duration, "-1s").startswith("expected a duration such as 20s")
    assert refused(values.duration, "0") == "expected a duration between 1s and 1h"
    assert refused(values.duration, "3601") == "expected a duration between 1s and 1h"
    assert refused(values.duration, "61m") == "expected a duration between 1s and 1h"


def test_interval_or_off() -> None:
    assert values.interval_or_off("0") is None and values.interval_or_off("0.0s") is None
    assert values.interval_or_off("0m") is None
    assert values.interval_or_off("15s") == 15.0 and values.interval_or_off("0.5") == 0.5
    assert refused(values.interval_or_off, "off").startswith("expected a duration such as 20s")


def test_every() -> None:
    assert values.every("1 week") == (7, True) and values.every("2 weeks") == (14, True)
    assert values.every("1 day") == (1, False) and values.every("3days") == (3, False)
    assert values.every(" 9999 days ") == (9999, False)
    for bad in ("0 days", "0 week", "week", "1 month", "10000 days"):
        assert refused(values.every, bad).startswith("expected N day(s) or N week(s), e.g. 1 week")


def test_handoff() -> None:
    assert values.handoff("monday 09:00") == (0, time(9, 0))
    assert values.handoff("Sunday 23:59") == (6, time(23, 59))
    assert values.handoff("09:00") == (None, time(9, 0))
    assert values.handoff(" 18:30 ") == (None, time(18, 30))
    for bad in ("monday tuesday 09:00", "someday 09:00", ""):
        assert refused(values.handoff, bad) == f"expected HH:MM or WEEKDAY HH:MM, e.g. monday 09:00, got {bad!r}"
    assert refused(values.handoff, "monday") == "expected HH:MM, got 'monday'"
    with pytest.raises(ValueError):
        values.handoff("monday 25:00")


def test_day_instant_and_timezone() -> None:
    assert values.day(" 2026-11-02 ") == date(2026, 11, 2)
    assert refused(values.day, "02/11/2026") == "expected a date YYYY-MM-DD, got '02/11/2026'"
    local = values.instant("2026-11-02T09:00", PARIS)
    assert local == datetime(2026, 11, 2, 9, 0, tzinfo=PARIS) and local.tzinfo == PARIS
    shifted = values.instant("2026-11-02T08:00+00:00", PARIS)
    assert shifted.hour == 9 and shifted.tzinfo == PARIS
    assert values.instant("2026-11-02", PARIS) == datetime(2026, 11, 2, tzinfo=PARIS)
    assert refused(lambda t: values.instant(t, PARIS), "tomorrow").startswith("expected YYYY-MM-DDTHH:MM (local)")
    assert values.timezone("Europe/Paris") == PARIS
    assert refused(values.timezone, "Mars/Olympus") == "unknown time zone 'Mars/Olympus' (expected e.g. Europe/Paris)"
    assert refused(values.timezone, "../etc").startswith("unknown time zone")


def test_email_address() -> None:
    assert values.email_address(" ops@example.com ") == "ops@example.com"
    assert values.email_address("Xavier.X@example.com") == "Xavier.X@example.com"
    for bad in ("ops", "@example.com", "ops@", "ops@localhost", "a b@c.d", "a,b@c.d", "a;b@c.d", "<a@b.c>",
                "a@b.c\nBcc: x@y.z", "a@b.c\rBcc: x@y.z", '"a"@b.c', "a'@b.c", "a@b@c.d"):
        assert refused(values.email_address, bad).startswith("expected an e-mail address like ops@example.com")
