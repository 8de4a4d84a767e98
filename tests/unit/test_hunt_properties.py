"""Whatever happens, in whatever order: the invariants a call must keep.

Random chains, policies and event sequences (known and unknown legs, odd
digits, spurious timers, clock jumps), then the call is driven to its end the
way the adapter would (greeting ends, timers fire at ``deadline``, someone
hangs up).  A ``Referee`` watches every command and checks the rules as it goes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from astreinte.domain.hunt import Hunt, HuntPolicy, Target
from astreinte.domain.hunt_events import (
    CallerHungUp,
    Cancel,
    Command,
    Connect,
    Dial,
    DigitReceived,
    Event,
    Finished,
    GreetingFinished,
    HangupCaller,
    LegAnswered,
    LegFailed,
    LegHungUp,
    LegRinging,
    PersonEngaged,
    PersonReleased,
    PhoneRegistered,
    PhoneUnregistered,
    PlayConfirmation,
    PlayHoldMessage,
    PromptFinished,
    StartHoldMusic,
    StartVoicemail,
    StopPrompt,
    TimerExpired,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
LegEvent = LegRinging | LegAnswered | LegFailed | LegHungUp | DigitReceived | PromptFinished
PHONES = ("p1", "p2", "p3", "p4", "p5")
PEOPLE = ("ann", "ben", "cid", "dee")

targets = st.lists(
    st.builds(Target, level=st.integers(1, 4), person=st.sampled_from(PEOPLE), name=st.just("N"),
              phones=st.lists(st.sampled_from(PHONES), min_size=1, max_size=3).map(tuple)),
    min_size=1, max_size=5,
)
few_phones = st.frozensets(st.sampled_from(PHONES), max_size=2)
few_people = st.frozensets(st.sampled_from(PEOPLE), max_size=1)
policies = st.builds(
    HuntPolicy,
    strategy=st.sampled_from(["linear", "ringall"]),
    ring_timeout=st.sampled_from([0.0, 5.0, 20.0]),
    rounds=st.integers(0, 3),
    confirm=st.booleans(),
    on_no_answer=st.sampled_from(["voicemail", "hangup"]),
    confirm_timeout=st.sampled_from([0.0, 3.0, 10.0]),
    hold_message_every=st.sampled_from([None, 0.0, 7.0]),
)


class Referee:
    """Feeds the hunt and checks every command list it returns against the rules of a call."""

    def __init__(self, hunt: Hunt, greeting_playing: bool) -> None:
        self.hunt = hunt
        self.greeting_playing = greeting_playing
        self.now = T0
        self.dialed: list[str] = []
        self.over: set[str] = set()            # legs cancelled by us, or ended by an event while live
        self.connected: list[str] = []
        self.prompted: set[str] = set()
        self.finished: list[Finished] = []
        self.hold_music = False
        self.answered: set[str] = set()        # legs whose phone answered while they were live
        self.promised: str | None = None       # the callee who took the call: it must be connected

    def _takes_the_call(self, event: Event, live: set[str]) -> str | None:
        """The live leg that ``event`` makes accept the call: a 1 while confirming, or any answer without
        ``confirm``, as long as nobody has taken the call yet and the hunt is still ringing."""
        if self.finished or self.connected or self.promised is not None or self.hunt.phase != "hunting":
            return None
        match event:
            case DigitReceived(leg=leg, digit="1") if leg in live and leg in self.prompted:
                return leg
            case LegAnswered(leg=leg) if leg in live and leg not in self.answered and not self.hunt.policy.confirm:
                return leg
        return None

    def start(self) -> None:
        self.check(None, self.hunt.start(self.now))

    def feed(self, event: Event) -> None:
        if isinstance(event, LegEvent) and event.leg[:1] in ("#", "*"):
            up = [leg for leg in self.dialed if leg not in self.over]
            pool = up if event.leg.startswith("#") else self.dialed
            if pool:
                event = replace(event, leg=pool[int(event.leg[1:]) % len(pool)])
        live_before = set(self.dialed) - self.over
        taker = self._takes_the_call(event, live_before)
        out = self.hunt.handle(event, self.now)
        if isinstance(event, LegAnswered) and event.leg in live_before:
            self.answered.add(event.leg)
        if isinstance(event, LegFailed | LegHungUp) and event.leg in live_before and not self.finished:
            self.over.add(event.leg)
            if event.leg == self.promised and not self.connected:
                self.promised = None           # took the call, hung up before the greeting ended: hunt goes on
        if isinstance(event, CallerHungUp) and not self.connected:
            self.promised = None               # the caller left first
        self.check(event, out)
        if taker is not None:
            assert taker in self.connected or self.hunt.phase == "accepted", (
                f"{event} on a live callee must take the call, got {out}")
            assert (taker in self.connected) != self.greeting_playing, "connected at once unless the greeting plays"
            self.promised = taker

    def check(self, event: Event | None, out: list[Command]) -> None:
        if self.finished:
            assert out == [], "a finished hunt says nothing more"
        if isinstance(event, GreetingFinished):
            self.greeting_playing = False
        for i, command in enumerate(out):
            match command:
                case Dial(leg=leg):
                    assert leg not in self.dialed and not self.connected, "dial once, never after a Connect"
                    self.dialed.append(leg)
                case Cancel(leg=leg) | PlayConfirmation(leg=leg) | StopPrompt(leg=leg):
                    assert leg in self.dialed and leg not in self.over, f"{command} on a leg that is not live"
                    if isinstance(command, Cancel):
                        self.over.add(leg)
                    if isinstance(command, PlayConfirmation):
                        assert self.hunt.policy.confirm and leg not in self.prompted, "one prompt per answer"
                        self.prompted.add(leg)
                case Connect(leg=leg):
                    assert leg in self.dialed and leg not in self.over
                    assert self.hunt.connected_at == self.now
                    assert not self.connected, "never connect two legs"
                    assert not self.greeting_playing, "never connect during the greeting"
                    self.connected.append(leg)
                case StartHoldMusic():
                    assert not self.greeting_playing and not self.connected and not self.hold_music
                    self.hold_music = True
                case PlayHoldMessage():
                    assert self.hold_music and not self.connected
                case StartVoicemail() | HangupCaller(reason="nobody_available"):
                    assert not self.greeting_playing and not self.connected
                case HangupCaller(reason="call_completed"):
                    assert self.connected
                case Finished():
                    assert i == len(out) - 1, "Finished comes last"
                    self.finished.append(command)
                    assert self.hunt.finished_at == self.now, "the call ends at the instant of its last event"
        live = set(self.dialed) - self.over
        if self.hunt.phase in ("accepted", "connected"):
            assert len(live) == 1, "once a callee accepted, every other leg is cancelled in the same step"
        if self.finished:
            assert live <= set(self.connected[:1]), "the end cancels every leg still up, in the same step"
        if not self.finished and not self.greeting_playing and not self.connected:
            assert self.hold_music, "the caller is never left in silence"
        if self.hunt.phase == "hunting":
            assert self.hunt.deadline is not None, "a hunting call always has a timer running"

    def drive_to_the_end(self) -> None:
        for _ in range(500):
            if self.hunt.finished:
                return
            if self.greeting_playing:
                self.feed(GreetingFinished())
            elif self.hunt.phase == "connected":
                self.feed(CallerHungUp())
            else:
                deadline = self.hunt.deadline
                assert deadline is not None, f"stuck in {self.hunt.phase}"
                self.now = max(self.now, deadline)
                self.feed(TimerExpired())
        raise AssertionError("the hunt never ended")


# "#n": the n-th leg still up; "*n": the n-th leg rung so far, up or not; the others are unknown
legs = st.sampled_from(["#0", "#1", "#2", "#0", "#1", "*0", "*1", "*-1", "c-L99", ""])
about_legs = st.one_of(
    st.builds(LegRinging, legs), st.builds(LegAnswered, legs), st.builds(LegHungUp, legs),
    st.builds(LegFailed, legs, st.sampled_from(["busy", "unreachable", "no_answer", "rejected", "congestion"])),
    st.builds(DigitReceived, legs, st.sampled_from(["1", "2", "1", "9", "#", ""]) | st.text(max_size=2)),
    st.builds(PromptFinished, legs),
)
about_the_call = st.one_of(
    st.just(GreetingFinished()), st.just(TimerExpired()), st.just(TimerExpired()),
    st.builds(PhoneRegistered, st.sampled_from(PHONES)), st.builds(PhoneUnregistered, st.sampled_from(PHONES)),
    st.builds(PersonEngaged, st.sampled_from(PEOPLE)), st.builds(PersonReleased, st.sampled_from(PEOPLE)),
)


def weighted(*choices: tuple[int, st.SearchStrategy[Event]]) -> st.SearchStrategy[Event]:
    """Like ``st.one_of``, which would merge repeated branches, but each branch drawn ``weight`` times as often."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(lambda s: s)


answering = st.one_of(st.builds(LegAnswered, legs), st.builds(DigitReceived, legs, st.sampled_from(["1", "2"])))
events = weighted((10, about_legs), (4, answering), (3, about_the_call), (1, st.just(CallerHungUp())))


crowded = st.builds(                                   # many callees answering and confirming at once
    HuntPolicy, strategy=st.just("ringall"), ring_timeout=st.just(30.0), rounds=st.integers(1, 2),
    confirm=st.just(True), confirm_timeout=st.sampled_from([5.0, 20.0]), hold_message_every=st.just(7.0),
)
quiet = weighted((3, about_legs), (3, answering), (1, about_the_call))  # no caller hang-up until the end


def play_and_check(hunt: Hunt, greeting_playing: bool, data: st.DataObject, feed: st.SearchStrategy[Event]) -> None:
    referee = Referee(hunt, greeting_playing)
    referee.start()
    for _ in range(data.draw(st.integers(0, 40) | st.integers(10, 40), label="events")):
        referee.now += timedelta(seconds=data.draw(st.sampled_from([0, 0, 0.5, 0.5, 3, 11, 25]), label="wait"))
        referee.feed(data.draw(feed, label="event"))
    referee.drive_to_the_end()

    assert len(referee.finished) == 1
    (finished,) = referee.finished
    event(f"outcome={finished.outcome}")
    assert set(referee.dialed) <= referee.over | set(referee.connected), "every leg rung is cancelled or ended"
    attempts = hunt.attempts
    assert all(a.result is not None and a.ended_at is not None for a in attempts)
    assert all(a.started_at <= a.ended_at for a in attempts if a.ended_at is not None)
    assert [a.leg for a in attempts if a.leg is not None] == referee.dialed, "one attempt per leg rung"
    for skipped in (a for a in attempts if a.leg is None):
        assert skipped.result in ("busy", "unreachable") and skipped.ended_at == skipped.started_at
    answered = [a for a in attempts if a.result == "answered"]
    if referee.promised is not None:
        assert finished.outcome == "answered" and referee.connected == [referee.promised], (
            "a callee took the call and stayed: the caller must be connected to them")
    if finished.outcome == "answered":
        assert len(referee.connected) == 1 and len(answered) == 1
        assert finished.answered_by == answered[0].person == hunt.answered_by
    else:
        assert not referee.connected and not answered and finished.answered_by is None
        assert hunt.answered_by is None and hunt.connected_at is None
    assert hunt.started_at == T0
    assert hunt.deadline is None and hunt.outcome == finished.outcome


@settings(max_examples=600, deadline=None)
@given(
    chain=targets, policy=policies, data=st.data(), greeting_playing=st.booleans(),
    unreachable=few_phones, busy=few_people,
)
def test_a_call_always_ends_once_and_cleanly(
    chain: list[Target], policy: HuntPolicy, data: st.DataObject, greeting_playing: bool,
    unreachable: frozenset[str], busy: frozenset[str],
) -> None:
    hunt = Hunt("c", chain, policy, unreachable=unreachable, busy_people=busy, greeting_playing=greeting_playing)
    play_and_check(hunt, greeting_playing, data, events)


@settings(max_examples=300, deadline=None)
@given(chain=targets, policy=crowded, data=st.data(), greeting_playing=st.booleans())
def test_many_callees_confirming_at_once_still_connect_one(
    chain: list[Target], policy: HuntPolicy, data: st.DataObject, greeting_playing: bool,
) -> None:
    play_and_check(Hunt("c", chain, policy, greeting_playing=greeting_playing), greeting_playing, data, quiet)
