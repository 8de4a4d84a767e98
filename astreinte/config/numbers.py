"""Phone numbers as carriers send them: the one canonical form every comparison uses.

A trunk delivers the same dialed number as ``0388000001``, ``33388000001``, ``+33388000001``,
``0033388000001`` or ``388000001``, depending on the carrier; callers' numbers come the same
ways, and people write the YAML in any of them. Team numbers, menu numbers, the block list and
callers are all put into one form before they are compared:

- **E.164** (``+33388000001``) for a number ``phonenumbers`` reads as a phone number: national
  forms are read in the configured country (``numbering.country``, by default
  ``holidays.country``, else FR), ``00`` is an international prefix, and a number written with
  its country code but no ``+`` (``33388000001``, ``442079460958``) is recognised;
- **short internal extensions** (at most 6 digits: ``1000``, ``15``, ``3615``) as they are;
- anything else: its digits (and a leading ``+``) as they are, never guessed;
- a **withheld or anonymous** caller (``anonymous``, ``restricted``, ``unknown``, no digit at
  all): ``""``.

``NumberPlan.forms()`` goes the other way: every form a carrier may deliver a canonical number
in, each of which gives that number back (``canonical(form) == number``, tested). The generated
dialplan's entry point matches exactly these, so it takes the on-call numbers and nothing else.
``NumberPlan.dialed()`` turns a number into what an outbound route expects (``{national}``).

This module is the only owner of these rules; ``phonenumbers`` does the numbering-plan work
(it knows every country's prefixes and number lengths), so nothing here is a hand-written table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:      # imported where used: `astreinte --help` and extension-only configs skip it (~30 ms)
    import phonenumbers

DEFAULT_COUNTRY = "FR"
SHORT_DIGITS = 6          # up to this many digits: an internal extension, kept as written
MAX_DIGITS = 20           # E.164 has at most 15; with a 00 or 011 prefix, a little more
WRITTEN_SEPARATORS = re.compile(r"[ .\-]")      # what people put between digits in the YAML
WRITTEN = re.compile(r"\+?[0-9]{1,20}\Z")
WITHHELD = frozenset(("anonymous", "restricted", "unknown", "unavailable", "private", "withheld",
                      "anonyme", "masqué", "masque", "inconnu", "blocked"))
TEMPLATE_KEYS = ("number", "national", "digits")   # what asterisk.outbound may hold, once


def country(text: str) -> str:
    """An ISO 3166 code ``phonenumbers`` knows (``FR``, ``BE``, ``CH``...), upper-cased."""
    import phonenumbers

    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code) or not phonenumbers.country_code_for_region(code):
        raise ValueError(f"unknown country {text[:20]!r} for phone numbers (expected an ISO code such as FR)")
    return code


@dataclass(frozen=True)
class NumberPlan:
    """How numbers are read and written for one country."""

    country: str = DEFAULT_COUNTRY

    # --- reading -----------------------------------------------------------------

    def canonical(self, number: str) -> str:
        """A number already reduced to digits with an optional leading ``+`` (see ``caller``), canonical."""
        return _canonical(number, self.country)

    def caller(self, raw: str) -> str:
        """An untrusted caller ID (SIP From user, ``CALLERID(num)``), canonical; ``""`` when withheld.

        Only digits and a leading ``+`` survive, at most MAX_DIGITS of them: whatever the peer sent,
        the result can be logged, stored, spoken and compared safely."""
        return _caller(raw, self.country) if len(raw) <= 64 else _caller.__wrapped__(raw, self.country)

    def shown(self, raw: str) -> str:
        """An untrusted caller ID as astreinte stores, shows and speaks it: the canonical number in the
        form a phone of the country dials it (``0611223344``; ``00442079460958``), ``""`` when withheld."""
        return self.dialed(self.caller(raw))

    def configured(self, text: str) -> str:
        """A number written in the YAML (team, menu, block list): canonical, or ValueError.

        Spaces, dots and dashes between digits are allowed (``03 88 00 00 01``)."""
        compact = WRITTEN_SEPARATORS.sub("", text.strip())
        if not WRITTEN.match(compact) or len(text) > 40:
            raise ValueError(f"expected a phone number (e.g. +33388000001 or 03 88 00 00 01) or an extension, "
                             f"got {text[:40]!r}")
        return self.canonical(compact)

    def reachable(self, text: str) -> str:
        """A number a caller dials to reach a team or a menu: E.164 or a short extension, else ValueError."""
        number = self.configured(text)
        if not (number.startswith("+") or len(number) <= SHORT_DIGITS):
            raise ValueError(f"{text[:40]!r} is not a valid phone number (national forms are read as "
                             f"{self.country}): write it with its country code (+33...) or, for an internal "
                             f"extension, with at most {SHORT_DIGITS} digits")
        return number

    def strict(self, text: str) -> str:
        """A number astreinte dials (a person's mobile): E.164 of a *valid* number, or a short extension."""
        import phonenumbers

        compact = WRITTEN_SEPARATORS.sub("", text.strip())
        if not WRITTEN.match(compact) or len(text) > 40:
            raise ValueError(f"not a phone number: {text[:40]!r}")
        if compact.isdigit() and len(compact) <= SHORT_DIGITS:
            return compact
        parsed = _parse(_international(compact), self.country)
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            raise ValueError(f"not a valid phone number: {text[:40]!r} (national forms are read as {self.country})")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    # --- writing -----------------------------------------------------------------

    def forms(self, number: str) -> tuple[str, ...]:
        """Every form a carrier may deliver canonical ``number`` in, the canonical one first.

        ``+33388000001`` -> ``+33388000001 33388000001 0033388000001 0388000001 388000001``;
        a number of another country has no national forms here; an extension is only itself."""
        return _forms(number, self.country)

    def dialed(self, number: str) -> str:
        """``{national}``: the number as a phone of the configured country dials it (``0612345678``;
        a number abroad with the international prefix, ``00442079460958``); an extension as is."""
        return _dialed(number, self.country) if number.startswith("+") else number

    def endpoint(self, template: str, number: str) -> str:
        """``PJSIP/{number}@trunk`` or ``Local/{national}@from-internal/n`` filled for ``number``."""
        return template.format(number=number, national=self.dialed(number), digits=number.lstrip("+"))


def dial_template(text: str) -> str:
    """``asterisk.outbound``: holds exactly one of ``{number}`` (E.164), ``{national}``, ``{digits}``."""
    found = re.findall(r"\{([^{}]*)\}", text)
    if len(found) != 1 or found[0] not in TEMPLATE_KEYS:
        raise ValueError(f"expected a dial string holding one of {{number}}, {{national}} or {{digits}} once, "
                         f"got {text[:60]!r}")
    return text


@lru_cache(maxsize=4096)
def _canonical(number: str, region: str) -> str:
    import phonenumbers

    if not number or number == "+":
        return ""
    if number.isdigit() and len(number) <= SHORT_DIGITS:
        return number
    explicit = number.startswith("+") or number.startswith("00")
    parsed = _parse(_international(number), region)
    if parsed is not None and (phonenumbers.is_valid_number(parsed)
                               or (explicit and phonenumbers.is_possible_number(parsed))):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not explicit:      # a country code without its + (33388000001 is read above; this is abroad)
        abroad = _parse("+" + number, region)
        if abroad is not None and phonenumbers.is_valid_number(abroad):
            return phonenumbers.format_number(abroad, phonenumbers.PhoneNumberFormat.E164)
        if parsed is not None and phonenumbers.is_possible_number(parsed) \
                and number.startswith(_national_prefix(region)):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return number


@lru_cache(maxsize=4096)       # a call reads its caller ID several times (shown, blocked, known): once here
def _caller(raw: str, region: str) -> str:
    text = raw.strip()
    if text.lower() in WITHHELD:
        return ""
    digits = "".join(c for c in text if c.isdigit())[:MAX_DIGITS]
    if not digits:
        return ""
    return _canonical(("+" if text.startswith("+") else "") + digits, region)


@lru_cache(maxsize=4096)       # every call shows its caller's and its line's number: the same few recur
def _dialed(number: str, region: str) -> str:
    import phonenumbers

    parsed = _parse(number, region)
    if parsed is None:
        return number
    text = phonenumbers.format_out_of_country_calling_number(parsed, region)
    return "".join(c for c in text if c.isdigit() or c == "+")


@lru_cache(maxsize=1024)
def _forms(number: str, region: str) -> tuple[str, ...]:
    import phonenumbers

    if not number.startswith("+"):
        return (number,)
    parsed = _parse(number, region)
    candidates = [number, number[1:], "00" + number[1:]]
    if parsed is not None and phonenumbers.region_code_for_number(parsed) == region:
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        candidates += ["".join(c for c in national if c.isdigit()),
                       phonenumbers.national_significant_number(parsed)]
    out: list[str] = []
    for form in candidates:
        if form and form not in out and _canonical(form, region) == number:
            out.append(form)
    return tuple(out)


def _international(number: str) -> str:
    """``0033...`` -> ``+33...``: ``00`` is the international prefix wherever the PBX is."""
    return "+" + number[2:] if number.startswith("00") else number


def _national_prefix(region: str) -> str:
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (metadata.national_prefix if metadata is not None else None) or "\0"


def _parse(number: str, region: str) -> phonenumbers.PhoneNumber | None:
    import phonenumbers

    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
