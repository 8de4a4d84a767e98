"""The service line as a pure flow (no Asterisk): identification, the menu, each action's command, what
is said back. Instants are fixed; the example configuration's support team is alice, then dave."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls import service_line as s
from astreinte.domain.calls import service_text as t
from astreinte.domain.calls.service import ServiceEvent, ServiceFlow
from tests.helpers.calls import CALL, SATURDAY_NOON, example

K = TypeVar("K")
CONFIG = example()


def service_line(person: str | None = "bob", how: s.Identified = "softphone", **extra: object) -> s.ServiceLine:
    who = CONFIG.people[person] if person else None
    return s.ServiceLine(CALL, "0611223344", who, how, (CONFIG.teams["support"],), CONFIG.schedule(),
                         **extra)  # type: ignore[arg-type]


class Script:
    def __init__(self, line: s.ServiceLine, at: datetime = SATURDAY_NOON) -> None:
        self.now = at
        self.flow = ServiceFlow(line, at, answered=False)
        self.sent: list[object] = list(self.flow.start(at))
        self.send(e.AnswerDone())

    def send(self, event: ServiceEvent, after: float = 0.0) -> list[object]:
        self.now += timedelta(seconds=after)
        out: list[object] = list(self.flow.handle(event, self.now))
        self.sent += out
        return out

    def keys(self, digits: str) -> None:
        for digit in digits:
            self.send(e.DigitPressed(CALL, digit), after=0.2)

    def said(self) -> s.Say:
        return [command for command in self.sent if isinstance(command, s.Say)][-1]

    def texts(self) -> list[str]:
        return [part.text for part in self.said().parts if isinstance(part, s.Sentence)]

    def of(self, kind: type[K]) -> list[K]:
        return [command for command in self.sent if isinstance(command, kind)]

    def done_playing(self) -> None:
        self.send(e.PlaybackFinished(self.said().playback), after=1)

    def silence(self, seconds: float) -> None:
        end = self.now + timedelta(seconds=seconds)
        while (due := self.flow.deadline) is not None and due <= end and not self.flow.finished:
            self.now = max(self.now, due)
            self.sent += self.flow.handle(h.TimerExpired(), self.now)
        self.now = end


def test_a_managed_softphone_is_greeted_by_name_and_hears_the_menu() -> None:
    script = Script(service_line())
    assert script.texts() == [t.WELCOME, t.MENU]
    assert dict(script.said().parts[0].values)["name"] == "Bob Durand"    # type: ignore[union-attr]
    assert script.of(c.Lease) == [c.Lease(CALL, 3600, last=True)], "if the daemon stops, Asterisk hangs up"


def test_an_unknown_caller_is_told_and_hung_up_on() -> None:
    script = Script(service_line(None, "unknown"))
    assert script.texts() == [t.NOT_KNOWN, t.GOODBYE]
    script.done_playing()
    assert script.of(c.Hangup) == [c.Hangup(CALL)] and script.flow.finished


def test_a_mobile_gives_its_pin_and_three_wrong_pins_end_the_call() -> None:
    script = Script(service_line(how="mobile"))
    assert script.texts() == [t.ASK_PIN]
    script.keys("1234#")
    assert script.of(s.CheckPin) == [s.CheckPin("bob", "1234")]
    for attempt in (1, 2):
        script.send(s.PinChecked(ok=False))
        assert script.texts() == [t.WRONG_PIN, t.ASK_PIN], attempt
        script.keys("99#")
    script.send(s.PinChecked(ok=False))
    assert script.texts() == [t.WRONG_PIN, t.GOODBYE]
    warnings = [trace.text for trace in script.of(c.Trace) if trace.level == "warning"]
    assert warnings[-1] == "service line: wrong PIN for bob from 0611223344 (3/3): refused"
    script.done_playing()
    assert script.flow.finished and script.of(c.Hangup) == [c.Hangup(CALL)]
    assert not script.of(s.TakeOnCall)


def test_the_right_pin_opens_the_menu() -> None:
    script = Script(service_line(how="mobile"))
    script.keys("4711#")
    assert script.of(s.CheckPin) == [s.CheckPin("bob", "4711")], "a key twice counts twice"
    traces = [trace.text for trace in script.of(c.Trace)]
    assert "service line: a PIN of 4 digits to check" in traces, "how many digits came, never which"
    assert not [text for text in traces if "4711" in text]
    script.send(s.PinChecked(ok=True))
    assert script.texts() == [t.WELCOME, t.MENU]


def test_who_is_on_call_and_my_next_shift() -> None:
    script = Script(service_line())
    script.keys("1")
    assert script.texts() == [t.ON_CALL, t.YOUR_NEXT, t.MENU]
    on_call = dict(script.said().parts[0].values)      # type: ignore[union-attr]
    assert on_call["name"] == "Alice Martin"
    assert on_call["until"] == datetime(2026, 11, 9, 9, 0, tzinfo=SATURDAY_NOON.tzinfo)
    next_shift = dict(script.said().parts[1].values)    # type: ignore[union-attr]
    assert next_shift["when"] == datetime(2026, 11, 9, 9, 0, tzinfo=SATURDAY_NOON.tzinfo)   # bob after alice


def test_take_the_on_call_for_two_hours_is_an_override_of_the_first_layer() -> None:
    script = Script(service_line())
    script.keys("2")
    assert script.texts() == [t.ASK_HOURS]
    script.keys("2#")
    (take,) = script.of(s.TakeOnCall)
    assert (take.team, take.layer, take.person) == ("support", "primary", "bob")
    assert take.end - take.start == timedelta(hours=2)
    script.send(s.TakeDone(None, take.end))
    assert script.texts() == [t.TAKEN, t.MENU]


def in_both_layers() -> s.ServiceLine:
    """bob on support's primary and secondary rotations (secondary: dave, then bob)."""
    team = CONFIG.teams["support"]
    primary, secondary = team.layers
    both = replace(team, layers=(primary, replace(secondary, rotation=replace(secondary.rotation,
                                                                             members=("dave", "bob")))))
    return replace(service_line(), teams=(both,))


def test_one_of_my_several_layers_is_chosen_by_its_digit_then_taken() -> None:
    script = Script(in_both_layers())
    script.keys("2")
    assert script.texts() == [t.CHOOSE_LAYER, t.CHOOSE_LAYER], "several layers are mine: which one?"
    assert [dict(part.values) for part in script.said().parts if isinstance(part, s.Sentence)] == \
        [{"digit": "1", "layer": "primary"}, {"digit": "2", "layer": "secondary"}], "each named, with its digit"
    script.keys("2")
    assert script.texts() == [t.ASK_HOURS]
    script.keys("3#")
    (take,) = script.of(s.TakeOnCall)
    assert (take.team, take.layer, take.person, take.end - take.start) == ("support", "secondary", "bob",
                                                                           timedelta(hours=3))
    assert "service line: bob chose level 2 (secondary)" in [trace.text for trace in script.of(c.Trace)]


def test_a_backup_may_take_the_front_line_or_their_own_layer() -> None:
    script = Script(service_line("dave"))          # dave: support's secondary only
    script.keys("2")
    assert [dict(p.values) for p in script.said().parts] == [    # type: ignore[union-attr]
        {"digit": "1", "layer": "primary"}, {"digit": "2", "layer": "secondary"}], "the front line, or mine"
    script.keys("1")
    script.keys("3#")
    (take,) = script.of(s.TakeOnCall)
    assert (take.layer, take.person, take.end - take.start) == ("primary", "dave", timedelta(hours=3))


def test_a_digit_of_no_layer_of_mine_is_asked_again_and_the_hand_off_is_the_layers_own() -> None:
    script = Script(in_both_layers())
    script.keys("2")
    script.keys("7")
    assert script.texts() == [t.NO_CHOICE, t.CHOOSE_LAYER, t.CHOOSE_LAYER] and not script.of(s.TakeOnCall)
    script.keys("2")
    script.keys("#")                                # until the next hand-off of the secondary layer
    (take,) = script.of(s.TakeOnCall)
    assert take.layer == "secondary" and take.end == datetime(2026, 11, 9, 9, 0, tzinfo=SATURDAY_NOON.tzinfo)


def test_take_until_the_next_hand_off_and_a_refusal_is_said() -> None:
    script = Script(service_line())
    script.keys("2#")
    (take,) = script.of(s.TakeOnCall)
    assert take.end == datetime(2026, 11, 9, 9, 0, tzinfo=SATURDAY_NOON.tzinfo)
    reason = s.Sentence("Daily rest: %(hours)s hours.", (("hours", 11),))
    script.send(s.TakeDone(reason))
    assert script.said().parts[:2] == (s.Sentence(t.REFUSED), reason)


def test_hours_out_of_range_are_asked_again() -> None:
    script = Script(service_line())
    script.keys("2")
    script.keys("99#")
    assert script.texts() == [t.BAD_HOURS, t.ASK_HOURS] and not script.of(s.TakeOnCall)


def test_an_announcement_is_recorded_after_the_prompt_and_saved_for_two_hours() -> None:
    script = Script(service_line())
    script.keys("3")
    assert script.texts() == [t.ANNOUNCE_NONE, t.ANNOUNCE_MENU]
    script.keys("1")
    assert script.texts() == [t.RECORD] and not script.of(c.Record)
    script.done_playing()
    (record,) = script.of(c.Record)
    assert record.name == f"astreinte-announcement-support-{CALL.replace('.', '-')}"
    script.send(e.RecordingFinished(record.name, 4.0), after=5)
    (save,) = script.of(s.SaveAnnouncement)
    assert save.announcement.media == f"recording:{record.name}" and save.announcement.team == "support"
    assert save.announcement.until == (script.now + timedelta(hours=2)).replace(microsecond=0)
    script.send(s.AnnouncementDone("support", save.announcement))
    assert script.texts() == [t.ANNOUNCE_SAVED, t.MENU]
    script.keys("3")
    assert script.texts() == [t.ANNOUNCE_LIVE, t.ANNOUNCE_MENU]
    script.keys("2")
    assert save.announcement.media in script.said().parts, "replayed"
    script.keys("3")
    assert script.of(s.ClearAnnouncement) == [s.ClearAnnouncement("support", "bob")]


def test_hanging_up_during_the_recording_still_saves_it() -> None:
    script = Script(service_line())
    script.keys("31")
    script.done_playing()
    (record,) = script.of(c.Record)
    script.send(e.ChannelLeft(CALL), after=3)
    assert not script.flow.finished
    script.send(e.RecordingFinished(record.name, 3.0))
    assert len(script.of(s.SaveAnnouncement)) == 1
    script.send(s.AnnouncementDone("support", script.of(s.SaveAnnouncement)[0].announcement))
    assert script.flow.finished and not script.of(c.Hangup)


def test_messages_are_read_acknowledged_and_skipped() -> None:
    script = Script(service_line())
    script.keys("4")
    assert script.of(s.ListMessages) == [s.ListMessages(("support",))]
    at = SATURDAY_NOON - timedelta(hours=1)
    items = (s.Pending(7, "support", "0611223344", at, "recording:m7"), s.Pending(8, "support", "", at, None))
    script.send(s.MessagesListed(items))
    assert script.texts() == [t.MESSAGE_FROM, t.MESSAGE_MENU] and "recording:m7" in script.said().parts
    script.keys("1")
    assert script.of(s.AcknowledgeMessage) == [s.AcknowledgeMessage(7, "bob", "0611223344")]
    script.send(s.AckDone(first=True))
    assert script.texts() == [t.ACKNOWLEDGED, t.MESSAGE_WITHHELD, t.NO_AUDIO, t.MESSAGE_MENU]
    script.keys("2")
    assert script.texts() == [t.NO_MORE, t.MENU]


def test_the_end_of_an_intervention_is_declared() -> None:
    script = Script(service_line())
    script.keys("5")
    script.keys("45#")
    assert script.texts() == [t.ASK_ON_SITE]
    script.keys("1")
    assert script.texts() == [t.ASK_TRAVEL], "on site: the travel is asked (working time too)"
    script.keys("999#")
    assert script.texts() == [t.BAD_TRAVEL, t.ASK_TRAVEL] and not script.of(s.DeclareIntervention)
    script.keys("40#")
    (declared,) = script.of(s.DeclareIntervention)
    assert declared.on_site and declared.person == "bob" and declared.end - declared.start == timedelta(minutes=45)
    assert declared.travel_minutes == 40
    script.send(s.InterventionDone(3))
    assert script.texts() == [t.DECLARED, t.MENU]


def test_an_intervention_on_site_without_travel_and_one_done_remotely() -> None:
    script = Script(service_line())
    script.keys("5")
    script.keys("20#1")
    script.keys("#")
    (on_site,) = script.of(s.DeclareIntervention)
    assert (on_site.on_site, on_site.travel_minutes) == (True, 0)
    script.send(s.InterventionDone(4))
    script.keys("5")
    script.keys("15#2")
    first, remote = script.of(s.DeclareIntervention)
    assert first == on_site and (remote.on_site, remote.travel_minutes) == (False, 0), "remotely: no travel asked"


def test_silence_asks_again_then_says_goodbye() -> None:
    script = Script(service_line())
    for _ in range(3):
        script.done_playing()
        script.silence(10)
    assert [p.text for p in script.of(s.Say)[-1].parts if isinstance(p, s.Sentence)] == [t.GOODBYE]
    assert len([say for say in script.of(s.Say) if s.Sentence(t.MENU) in say.parts]) == 3


def test_a_store_failure_is_said_and_the_menu_comes_back() -> None:
    script = Script(service_line())
    script.keys("5")
    script.keys("10#2")
    (declared,) = script.of(s.DeclareIntervention)
    script.send(s.ServiceFailed(declared, "database is locked"))
    assert script.texts() == [t.FAILED, t.MENU]


def test_the_layers_are_named_in_french_by_default() -> None:
    from astreinte.runtime.service_speech import sentence_text

    script = Script(in_both_layers())
    script.keys("2")
    said = [sentence_text(part, "fr", CONFIG.timezone, script.now) for part in script.said().parts
            if isinstance(part, s.Sentence)]
    assert said == ["Pour le niveau 1, primary, tapez 1.", "Pour le niveau 2, secondary, tapez 2."]
