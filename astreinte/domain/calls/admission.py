"""A caller a team does not know, asked for a customer PIN before anyone is rung (``callers: pin``). Pure.

    "your customer code, then #" ──digits, then # (or a pause)──▶ a customer's PIN ──▶ named: the greeting
                                                              └─ wrong ──▶ "wrong code", asked again
    ``tries`` wrong PINs, or silence ``asks`` times ──▶ a message; nobody is rung

Keys count while a prompt plays (it stops). The log says how many digits came, never which.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from astreinte.domain import hunt_events as h
from astreinte.domain.callers import PIN_TRIES, Admitted, Customer, Directory, admit, caller_language
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls.media import Media
from astreinte.domain.calls.steps import Steps

if TYPE_CHECKING:
    from astreinte.domain.calls.line import Line
    from astreinte.domain.rota import Team

Decision = Customer | Literal["message"] | None
PURPOSES = ("customer-pin", "customer-pin-wrong")
PROMPT_MARGIN = 60.0         # a prompt may play this long before its end is given up on
MAX_DIGITS = 12
CHECK_WAIT = 30.0           # the runtime looks a PIN up among the hashes this long at most


def admission(caller: str, line: Line, team: Team, in_service: bool, media: Media, steps: Steps, now: datetime,
              out: list[c.Command]) -> tuple[Customer | None, Admitted, PinAsking | None]:
    """The team's ``callers:`` policy applied to the caller (each decision in the call's steps): the
    customer their number names, what they get, and the PIN question asked (started) if it is asked.
    Outside service hours nobody on call is woken: the outside-service destination rings, as for anyone."""
    customer = line.directory.find(line.caller_key, team.id)
    admitted = admit(team.callers if in_service else "anyone", customer)
    asking = None
    if customer is not None:
        steps.trace(f"caller known by number: {described(customer)}", now, out)
    elif admitted == "message":
        steps.trace(f"caller {line.caller_label} not in the directory (callers: known): a message, nobody rung",
                    now, out)
    elif admitted == "ask pin":
        steps.trace(f"caller {line.caller_label} not in the directory (callers: pin): a customer PIN asked", now, out)
        asking = PinAsking(caller, media, steps, line.directory, team.id, ask=line.prompts.customer_pin,
                           wrong=line.prompts.customer_pin_wrong, caller_label=line.caller_label)
        asking.start(now, out)
    return customer, admitted, asking


def hunted(line: Line, team: Team, customer: Customer | None, steps: Steps, now: datetime,
           out: list[c.Command]) -> Team:
    """The team as the hunt of this call sees it: its ``hunt:``, or the customer's contract level's."""
    hunt, changed = line.directory.hunt(customer, team.hunt)
    if not changed:
        return team
    steps.trace(changed, now, out)
    return replace(team, hunt=hunt)


def spoken_to(line: Line, customer: Customer | None, steps: Steps, now: datetime, out: list[c.Command]) -> Line:
    """The line as a known customer hears it from now on: the prompts in their language (the callee's
    stay the line's)."""
    prompts = line.prompts
    language = caller_language(customer, prompts.language)
    if language == prompts.language:
        return line
    spoken = prompts.spoken_in(language)
    steps.trace(f"caller's language: {language} (the customer's{'' if spoken is not prompts else ', no prompt in it'})",
                now, out)
    return replace(line, prompts=spoken)


def described(customer: Customer) -> str:
    return customer.label + (f", contract {customer.level}" if customer.level else "")


class PinAsking:
    def __init__(self, caller: str, media: Media, steps: Steps, directory: Directory, team: str, *,
                 ask: str, wrong: str, caller_label: str, tries: int = PIN_TRIES, wait: float = 6.0,
                 asks: int = 2) -> None:
        self.caller, self.media, self.steps, self.directory, self.team = caller, media, steps, directory, team
        self.ask, self.wrong, self.caller_label = ask, wrong, caller_label
        self.tries, self.wait, self.asks = tries, wait, asks
        self.keys = ""
        self.wrong_pins = 0
        self.asked = 0
        self.waiting = False                 # for keys, the prompt over
        self.checking = 0                    # the digits typed, while the runtime looks the PIN up
        self.until: datetime | None = None

    def start(self, now: datetime, out: list[c.Command]) -> None:
        self._prompt(now, out)

    def takes(self, event: object) -> bool:
        """Whether ``event`` is this sub-machine's (the caller's keys, its prompts, the PIN looked up, the timer)."""
        match event:
            case e.CustomerPinChecked() | e.RequestFailed(command=c.CheckCustomerPin()):
                return True
        return self.media.asks(event, self.caller, PURPOSES)

    def handle(self, event: object, now: datetime, out: list[c.Command]) -> Decision:
        match event:
            case e.CustomerPinChecked(customer=found) if self.checking:
                return self._checked(self.directory.customers.get(found) if found else None, now, out)
            case e.RequestFailed(command=c.CheckCustomerPin(), error=error) if self.checking:
                self.steps.trace(f"customer PIN: could not be checked ({error})", now, out, level="warning")
                return self._checked(None, now, out)
            case h.TimerExpired() if self.checking and self.until is not None and self.until <= now:
                self.steps.trace("customer PIN: no answer from the check", now, out, level="warning")
                return self._checked(None, now, out)
            case e.DigitPressed() if self.checking:
                return None                       # keys typed while the PIN is looked up are not a PIN
            case e.DigitPressed(digit=digit):
                key = digit[:1]
                out += self.media.stop(lambda purpose: purpose in PURPOSES)
                self.waiting, self.until = True, now + timedelta(seconds=self.wait)
                if key == "#" or len(self.keys) >= MAX_DIGITS:
                    return self._check(now, out)
                if key.isdigit():
                    self.keys += key
            case e.PlaybackFinished(playback=playback) | e.RequestFailed(command=c.Play(playback=playback)):
                self.media.finished(playback)
                if not self.media.caller_playing and not self.waiting:
                    self.waiting, self.until = True, now + timedelta(seconds=self.wait)
            case h.TimerExpired() if self.until is not None and self.until <= now:
                out += self.media.stop(lambda purpose: purpose in PURPOSES)
                if self.keys:
                    return self._check(now, out)          # the digits without the #
                if self.asked >= self.asks:
                    self.until = None
                    self.steps.trace("customer PIN: no answer: a message, nobody rung", now, out)
                    return "message"
                self._prompt(now, out)
        return None

    def _check(self, now: datetime, out: list[c.Command]) -> Decision:
        keys, self.keys = self.keys, ""
        if not keys:
            self._prompt(now, out)
            return None
        self.checking, self.until = len(keys), now + timedelta(seconds=CHECK_WAIT)
        out.append(c.CheckCustomerPin(self.team, keys))
        return None

    def _checked(self, customer: Customer | None, now: datetime, out: list[c.Command]) -> Decision:
        digits, self.checking = self.checking, 0
        if customer is not None:
            self.until = None
            self.steps.trace(f"caller known by customer PIN ({digits} digits): {described(customer)}", now, out)
            return customer
        self.wrong_pins += 1
        last = self.wrong_pins >= self.tries
        self.steps.trace(f"wrong customer PIN of {digits} digits from {self.caller_label} "
                         f"({self.wrong_pins}/{self.tries})" + (": a message, nobody rung" if last else ""),
                         now, out, level="warning")
        if last:
            self.until = None
            return "message"
        self.asked = 0
        self._prompt(now, out, wrong=True)
        return None

    def _prompt(self, now: datetime, out: list[c.Command], *, wrong: bool = False) -> None:
        self.asked += 1
        self.waiting = False
        if wrong:
            out.append(self.media.to_caller(self.wrong, PURPOSES[1]))
        out.append(self.media.to_caller(self.ask, PURPOSES[0]))
        self.until = now + timedelta(seconds=PROMPT_MARGIN)
