"""The i18n mechanism: every people-facing message of the package is in the French catalog, with the
same placeholders; the catalog compiles; the template is up to date with the code (``make
messages``); dates and amounts are formatted the French way; English is the source language."""

from __future__ import annotations

import ast
import gettext
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from astreinte import i18n
from astreinte.i18n import compile_catalog, texts, translator

PACKAGE = Path(i18n.__file__).parent
LOCALE = PACKAGE / "locale"
PO = LOCALE / "fr" / "LC_MESSAGES" / "astreinte.po"
MO = LOCALE / "fr" / "LC_MESSAGES" / "astreinte.mo"
PARIS = ZoneInfo("Europe/Paris")


def messages_in_code() -> set[str | tuple[str, str]]:
    """Every literal given to ``_``, ``gettext`` or ``ngettext`` in the package, f-strings included
    (where Babel's extractor does not look)."""
    found: set[str | tuple[str, str]] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name in ("_", "gettext") and len(literals) == 1:
                found.add(literals[0])
            elif name == "ngettext" and len(literals) == 2:
                found.add((literals[0], literals[1]))
    return found


def po(path: Path) -> object:
    with path.open(encoding="utf-8") as file:
        return read_po(file)


def mo(data: bytes) -> dict[object, object]:
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): (m.string if isinstance(m.string, str)
                                                                else tuple(m.string or ()))
            for m in read_mo(io.BytesIO(data)) if m.id}


def catalog_keys(catalog: object) -> dict[str | tuple[str, str], object]:
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog if m.id}  # type: ignore[attr-defined]


def test_every_message_of_the_code_is_translated_in_french() -> None:
    catalog = po(PO)
    translated = catalog_keys(catalog)
    code = messages_in_code()
    assert len(code) > 100
    missing = sorted(str(m) for m in code if m not in translated)
    assert not missing, f"not in {PO.relative_to(PACKAGE.parent)} (make messages, then translate): {missing}"
    for key in code:
        message = translated[key]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)  # type: ignore[attr-defined]
        assert all(strings) and not message.fuzzy, f"untranslated or fuzzy: {key}"  # type: ignore[attr-defined]
    assert list(catalog.check()) == [], "a translation's placeholders differ from its message"  # type: ignore[attr-defined]
    assert not catalog.fuzzy, "a fuzzy header: pybabel compile would skip the catalog"  # type: ignore[attr-defined]


def test_the_template_is_up_to_date_with_the_code() -> None:
    template = catalog_keys(po(LOCALE / "astreinte.pot"))
    extracted = {(message if isinstance(message, str) else tuple(message[:2]))
                 for _file, _line, message, _comments, _context
                 in extract_from_dir(str(PACKAGE.parent), [("astreinte/**.py", "python"),
                                                           ("astreinte/web/templates/**.html", "jinja2")],
                                     options_map={"astreinte/web/templates/**.html": {
                                         "extensions": "jinja2.ext.i18n"}})}
    assert set(template) == extracted, "run make messages"
    assert set(template) == set(catalog_keys(po(PO))), "the .po lags the template"


def test_every_message_of_the_web_pages_is_translated_in_french() -> None:
    """The templates' messages too (what ``messages_in_code`` cannot see): none missing, none fuzzy."""
    translated = catalog_keys(po(PO))
    pages = {(message if isinstance(message, str) else tuple(message[:2]))
             for _file, _line, message, _comments, _context
             in extract_from_dir(str(PACKAGE / "web" / "templates"), [("**.html", "jinja2")],
                                 options_map={"**.html": {"extensions": "jinja2.ext.i18n"}})}
    assert len(pages) > 50
    missing = sorted(str(m) for m in pages if m not in translated or not translated[m].string  # type: ignore[attr-defined]
                     or translated[m].fuzzy)  # type: ignore[attr-defined]
    assert not missing, f"web pages not translated (make messages, then translate): {missing}"


def test_the_compiled_catalog_is_the_po_compiled() -> None:
    if not MO.exists():
        pytest.skip("no .mo in this checkout (make setup compiles it; i18n compiles the .po in memory meanwhile)")
    assert mo(MO.read_bytes()) == mo(compile_catalog(PO.read_text(encoding="utf-8"), "fr")), "make catalogs"


def test_a_po_compiled_in_memory_translates_like_the_mo() -> None:
    memory = Translations(io.BytesIO(compile_catalog(PO.read_text(encoding="utf-8"), "fr")), domain="astreinte")
    assert memory.gettext("Hello %(name)s,") == "Bonjour %(name)s,"
    assert translator("fr").gettext("Hello %(name)s,") == "Bonjour %(name)s,"
    assert memory.ngettext("and %(count)d more stretch, in the attached calendar.",
                           "and %(count)d more stretches, in the attached calendar.", 3) == \
        "et %(count)d autres créneaux, dans l'agenda joint."


def test_english_is_the_source_language_and_unknown_languages_are_refused() -> None:
    assert isinstance(translator("en"), gettext.NullTranslations)
    assert translator("en").gettext("Hello %(name)s,") == "Hello %(name)s,"
    with pytest.raises(ValueError, match="unknown language 'de'"):
        translator("de")


def test_dates_and_amounts_the_french_way() -> None:
    fr, en = texts("fr"), texts("en")
    monday = datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)
    assert fr.day(date(2026, 11, 9)) == "lundi 9 novembre 2026"
    assert fr.instant(monday, PARIS) == "lundi 9 novembre 2026 à 09:00"
    assert fr.short_instant(monday, PARIS) == "lun. 9 nov. 2026 09:00"
    assert fr.table_instant(monday, PARIS) == "09/11/2026 09:00"
    assert fr.money(Decimal("149.48"), "EUR") == "149,48\u00a0€"
    assert fr.number("1234.5") == "1\u202f234,50"
    assert fr.month(2026, 11) == "novembre 2026" and fr.weekdays()[0] == "lun."
    assert en.instant(monday, PARIS) == "Monday 9 November 2026 at 09:00"
    assert en.money(Decimal("149.48"), "EUR") == "€149.48"
    assert i18n.plain(fr.money("1234.5")) == "1 234,50 €"
