"""People-facing text in the reader's language: gettext catalogs (Babel) and French formatting.

Messages are written in English in the code (the gettext ``msgid``) and translated in
``astreinte/locale/<lang>/LC_MESSAGES/astreinte.po``; French is the default language, English
the other one (``language: en`` at the top of the configuration or per person). Code, logs
and the CLI stay in English.

    tr = texts("fr")
    _ = tr.gettext
    _("Hello %(name)s,") % {"name": "Léa"}              # 'Bonjour Léa,'
    tr.day(date(2026, 11, 9))                           # 'lundi 9 novembre 2026'
    tr.instant(moment, zone)                            # 'lundi 9 novembre 2026 à 09:00'
    tr.money(Decimal("149.48"), "EUR")                  # '149,48 €' (a no-break space before €)

``translator(lang)`` is a ``gettext.GNUTranslations`` (Babel's ``Translations``), the object
Jinja2's i18n extension takes: ``env.install_gettext_translations(translator(lang), newstyle=True)``.

Catalogs are compiled to ``.mo`` by ``make setup`` (``pybabel compile``); when the ``.mo`` is
missing or older than its ``.po`` (a checkout without ``make``, an edited catalog), the ``.po``
is compiled in memory instead, so a language never silently falls back to English.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

DOMAIN = "astreinte"
DEFAULT_LANGUAGE = "fr"
LANGUAGES = ("fr", "en")          # "en" is the language of the msgids: it needs no catalog
SOURCE_LANGUAGE = "en"
LOCALES: Mapping[str, str] = {"fr": "fr_FR", "en": "en_GB"}   # Babel locales (24 h clock in English too)
NO_BREAK = ("\u00a0", "\u202f")   # what Babel puts inside numbers and before units


class CatalogMissing(RuntimeError):
    """A language is configured but its catalog is not shipped (a broken installation)."""


def check_language(text: str) -> str:
    """A configuration value: ``fr`` or ``en`` (ValueError otherwise)."""
    if text not in LANGUAGES:
        raise ValueError(f"unknown language {text!r} (expected one of: {', '.join(LANGUAGES)})")
    return text


@cache
def translator(lang: str = DEFAULT_LANGUAGE) -> gettext.NullTranslations:
    """The translations of ``lang`` (cached); the identity for English, the source language."""
    from babel.support import Translations

    check_language(lang)
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    folder = resources.files("astreinte") / "locale" / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if not po.is_file() and not mo.is_file():
        raise CatalogMissing(f"no {lang} catalog in {folder}: reinstall astreinte")
    if mo.is_file() and (not po.is_file() or _not_older(mo, po)):
        return Translations(io.BytesIO(mo.read_bytes()), domain=DOMAIN)
    return Translations(io.BytesIO(compile_catalog(po.read_text(encoding="utf-8"), lang)), domain=DOMAIN)


def compile_catalog(po_text: str, lang: str) -> bytes:
    """The ``.mo`` bytes of a ``.po`` catalog (what ``pybabel compile`` writes)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.StringIO(po_text), locale=LOCALES.get(lang, lang), domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _not_older(compiled: object, source: object) -> bool:
    """The ``.mo`` was compiled after its ``.po`` was last edited (True when that cannot be told)."""
    from pathlib import Path

    try:
        return Path(str(compiled)).stat().st_mtime >= Path(str(source)).stat().st_mtime
    except OSError:
        return True


@dataclass(frozen=True)
class Texts:
    """Translations and formatting for one language; build with ``texts(lang)``."""

    lang: str
    translations: gettext.NullTranslations

    @property
    def locale(self) -> str:
        return LOCALES[self.lang]

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def day(self, day: date) -> str:
        """``lundi 9 novembre 2026`` / ``Monday 9 November 2026``."""
        from babel.dates import format_date

        return format_date(day, "EEEE d MMMM y", locale=self.locale)

    def short_day(self, day: date) -> str:
        """``09/11/2026`` / ``09/11/2026``: for tables."""
        from babel.dates import format_date

        return format_date(day, "dd/MM/y", locale=self.locale)

    def instant(self, moment: datetime, zone: ZoneInfo) -> str:
        """``lundi 9 novembre 2026 à 09:00`` / ``Monday 9 November 2026 at 09:00``."""
        local = moment.astimezone(zone)
        return self.gettext("%(day)s at %(time)s") % {"day": self.day(local.date()), "time": f"{local:%H:%M}"}

    def short_instant(self, moment: datetime, zone: ZoneInfo) -> str:
        """``lun. 9 nov. 2026 09:00`` / ``Mon 9 Nov 2026 09:00``: for subjects and lists."""
        from babel.dates import format_datetime

        return format_datetime(moment.astimezone(zone), "EEE d MMM y HH:mm", tzinfo=zone, locale=self.locale)

    def table_instant(self, moment: datetime, zone: ZoneInfo) -> str:
        """``09/11/2026 09:00``: for table cells."""
        local = moment.astimezone(zone)
        return f"{self.short_day(local.date())} {local:%H:%M}"

    def weekdays(self) -> tuple[str, ...]:
        """Abbreviated day names, Monday first: ``lun.`` … ``dim.`` / ``Mon`` … ``Sun``."""
        from babel.dates import get_day_names

        names = get_day_names("abbreviated", locale=self.locale)
        return tuple(str(names[index]) for index in range(7))

    def month(self, year: int, month: int) -> str:
        """``novembre 2026`` / ``November 2026``."""
        from babel.dates import format_date

        return format_date(date(year, month, 1), "LLLL y", locale=self.locale)

    def money(self, amount: Decimal | str, currency: str = "EUR") -> str:
        """``149,48 €`` (fr) / ``€149.48`` (en)."""
        from babel.numbers import format_currency

        return format_currency(Decimal(amount), currency, locale=self.locale)

    def number(self, value: Decimal | str | float, digits: int = 2) -> str:
        """``1 234,50`` (fr) / ``1,234.50`` (en)."""
        from babel.numbers import format_decimal

        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(Decimal(str(value)), pattern, locale=self.locale)


@cache
def texts(lang: str = DEFAULT_LANGUAGE) -> Texts:
    return Texts(lang, translator(lang))


def plain(text: str) -> str:
    """Text with Babel's no-break spaces made ordinary (for comparisons, e-mail subjects)."""
    for space in NO_BREAK:
        text = text.replace(space, " ")
    return text
