"""A known customer hears the line in their language (issue 19): the greeting, the "press 1 / 2" after an
announcement, the message prompts; the callee keeps theirs (the confirmation naming the customer)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from astreinte.config import load
from astreinte.domain.callers import Customer, Directory, callee_language, caller_language
from astreinte.domain.calling import DEFAULT_VOICEMAIL_GREETING, Translation
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.errors import ConfigError
from astreinte.i18n import texts
from astreinte.runtime.prompts import LEAVE_A_MESSAGE, NOBODY, PLEASE_HOLD, caller_prompts
from tests.helpers.calls import PROMPTS, CallScript, line

EXAMPLE = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text()
ENGLISH = replace(PROMPTS, greetings={"support": "sound:greeting-en"}, voicemails={"support": "sound:message-en"},
                  please_hold="sound:hold-en", nobody="sound:nobody-en", announcement_choice="sound:choice-en",
                  language="en")
BOOK = replace(PROMPTS, language="fr", languages={"en": ENGLISH})
SMITH = Customer("smith", "Smith Farm", "Bayeux", numbers=("+33233009988",), language="en")
DUPONT = Customer("dupont", "Ferme Dupont", numbers=("+33299000001",), language="fr")
PLAIN = Customer("plain", "Hôtel du Port", numbers=("+33231000003",))


@pytest.mark.parametrize(("customer", "line_language", "heard"), [
    (SMITH, "fr", "en"),            # the customer's own
    (DUPONT, "en", "fr"),
    (PLAIN, "fr", "fr"),            # no language in the directory: the line's
    (PLAIN, "en", "en"),
    (None, "fr", "fr"),             # not known: the line's
])
def test_the_caller_hears_the_customer_language_else_the_line_one(
        customer: Customer | None, line_language: str, heard: str) -> None:
    assert caller_language(customer, line_language) == heard


@pytest.mark.parametrize(("callees", "confirmation"), [
    ((None, None), None),           # nobody set one: the configuration's
    (("en",), "en"),                # the callee's own, whatever the caller speaks
    (("en", "en"), "en"),
    (("en", None), None),           # not all the same: the configuration's
    (("fr", "en"), None),
])
def test_the_callee_confirmation_is_in_the_callees_language_else_the_configuration_one(
        callees: tuple[str | None, ...], confirmation: str | None) -> None:
    assert callee_language(callees) == confirmation


def call(caller: str, key: str, *, announced: bool = False) -> CallScript:
    base = line(caller=caller)
    return CallScript(replace(base, prompts=BOOK, directory=Directory({c.id: c for c in (SMITH, DUPONT, PLAIN)}),
                              caller_key=key, announcements={"support": "sound:outage"} if announced else {}))


def test_an_english_customer_hears_the_english_greeting_and_the_callee_the_french_confirmation() -> None:
    script = call("0233009988", "+33233009988")
    script.answered()
    assert [p.media for p in script.of(c.Play)] == ["sound:greeting-en"]
    assert "caller's language: en (the customer's)" in script.traces()
    script.started("sound:greeting-en")
    assert c.RenderConfirmation("support", "0233009988", "Smith Farm", "Bayeux") in script.sent
    assert script.flow.callees is not None and script.flow.callees.line.prompts.confirmation("support") == \
        "sound:confirm", "the callee's prompt is not the caller's"


def test_others_hear_the_line_language() -> None:
    for caller, key in (("0299000001", "+33299000001"), ("0611223344", "+33611223344")):
        script = call(caller, key)
        script.answered()
        assert [p.media for p in script.of(c.Play)] == ["sound:greeting"], caller
        assert not [t for t in script.traces() if "language" in t]


def test_an_english_customer_hears_the_announcement_choice_and_the_message_prompt_in_english() -> None:
    script = call("0233009988", "+33233009988", announced=True)
    script.answered()
    script.finished("sound:greeting-en")
    script.finished("sound:outage")
    assert [p.media for p in script.of(c.Play)] == ["sound:greeting-en", "sound:outage", "sound:choice-en"]
    script.send(e.DigitPressed(script.flow.id, "2"), after=1)
    assert [p.media for p in script.of(c.Play)][-1] == "sound:message-en"


async def test_the_english_prompts_come_from_the_team_translations_and_the_catalogs() -> None:
    config = load(Path(__file__).parent.parent / "data" / "config.example.yaml", environ={})
    team = config.teams["support"]
    config = replace(config, teams={**config.teams, "support": replace(
        team, voicemail=replace(team.voicemail, greeting=DEFAULT_VOICEMAIL_GREETING),
        translations={"en": Translation(greeting="Hello, on call.")})})
    async def media(text: str, language: str) -> str:
        return f"sound:{language}:{text}"

    english = await caller_prompts(config, "en", media)
    assert english.greetings["support"] == "sound:en:Hello, on call."
    assert english.voicemails["support"] == f"sound:en:{LEAVE_A_MESSAGE}", "the default message prompt, translated"
    assert (english.please_hold, english.nobody) == (f"sound:en:{PLEASE_HOLD}", f"sound:en:{NOBODY}")
    assert english.announcement_choice == "sound:en:To reach the person on call anyway, press 1. To leave a " \
        "message, press 2."
    french = await caller_prompts(config, "fr", media)
    assert french.greetings["support"] == f"sound:fr:{team.greeting}", "French: the team's own greeting"
    assert french.voicemails["support"] == f"sound:fr:{DEFAULT_VOICEMAIL_GREETING}"


def test_the_french_of_the_default_message_prompt_is_the_default_greeting() -> None:
    assert texts("fr").gettext(LEAVE_A_MESSAGE) == DEFAULT_VOICEMAIL_GREETING
    assert texts("fr").gettext(PLEASE_HOLD) == "Merci de patienter, nous recherchons toujours la personne d'astreinte."


def test_a_team_translations_are_read_and_a_wrong_language_is_a_located_error(tmp_path: Path) -> None:
    anchor = '    numbers: ["+33180000000", "1000"]'
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.replace(anchor, anchor + '\n    translations:\n      en: {greeting: "Hello.", '
                                    'voicemail: "Leave a message."}', 1))
    assert load(path, environ={}).teams["support"].translations == {"en": Translation("Hello.", "Leave a message.")}
    path.write_text(EXAMPLE.replace(anchor, anchor + '\n    translations:\n      de: {greeting: "Hallo."}', 1))
    with pytest.raises(ConfigError, match=r"teams\.support\.translations\.de"):
        load(path, environ={})


async def test_the_daemon_starts_with_the_line_language_only_when_another_cannot_be_rendered(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from astreinte.adapters.speech import Prompt, SpeechError
    from astreinte.runtime import prompts

    async def fake_render(text: str, directory: Path, asterisk_dir: str, voice: str = "fr-fr",
                          name: str | None = None) -> Prompt:
        if voice != "fr-fr":
            raise SpeechError(f"no voice {voice}")
        return Prompt(tmp_path / "none.wav", f"sound:{voice}/{name or text[:12]}")

    monkeypatch.setattr(prompts, "render", fake_render)       # espeak-ng without its English voice
    book = await prompts.render_all(load(Path(__file__).parent.parent / "data" / "config.example.yaml", environ={}))
    assert book.language == "fr" and book.languages == {} and book.spoken_in("en") is book
    assert "the prompts in en could not be rendered (its callers hear fr)" in caplog.text


async def test_the_english_book_changes_what_the_caller_hears_only(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    from astreinte.adapters.speech import Prompt
    from astreinte.runtime import prompts

    async def fake_render(text: str, directory: Path, asterisk_dir: str, voice: str = "fr-fr",
                          name: str | None = None) -> Prompt:
        return Prompt(tmp_path / "none.wav", f"sound:{voice}/{text}")

    monkeypatch.setattr(prompts, "render", fake_render)
    config = load(Path(__file__).parent.parent / "data" / "config.example.yaml", environ={})
    team = config.teams["support"]
    config = replace(config, teams={**config.teams, "support": replace(
        team, translations={"en": Translation(greeting="Hello, support.")})})
    book = await prompts.render_all(config)
    english = book.spoken_in("en")
    assert english.language == "en" and english.greeting("support") == "sound:en-gb/Hello, support."
    assert english.please_hold == f"sound:en-gb/{PLEASE_HOLD}"
    assert book.please_hold == "sound:fr-fr/Merci de patienter, nous recherchons toujours la personne d'astreinte."
    assert (english.confirmations, english.connecting, english.menus) == \
        (book.confirmations, book.connecting, book.menus), "the callee's prompts stay the line's"


def test_customers_of_a_language_the_greeting_is_not_translated_into_are_a_warning(tmp_path: Path) -> None:
    from astreinte.config.warnings import config_warnings

    anchor = '    numbers: ["+33180000000", "1000"]'
    directory = '\ncallers:\n  smith: {name: Smith Farm, numbers: ["0231009988"], language: en}\n' \
                '  dupont: {name: Ferme Dupont, numbers: ["0299000001"], language: fr}\n'
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE + directory)
    found = [w for w in config_warnings(load(path, environ={})) if ".translations" in w]
    assert [w.split(" ", 1)[1] for w in found] == [
        "teams.support.translations: customers of this team speak en but hear the greeting in fr: add "
        "translations.en.greeting"], found
    path.write_text(EXAMPLE.replace(anchor, anchor + '\n    translations: {en: {greeting: "Hello."}}', 1) + directory)
    assert not [w for w in config_warnings(load(path, environ={})) if ".translations" in w]
