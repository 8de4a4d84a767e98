"""Known callers: the customers a hotline answers, and who a team lets reach the person on call. Pure.

A customer (``callers:`` in the configuration) has numbers (canonical, ``config/numbers.py``), a name, a
site, a contract level, optionally a team (then only that team's numbers know them), a PIN and a language.
Each team says who may wake its person on call (``teams.<id>.callers``)::

    anyone  every caller (the default); a known one is still named to the callee
    known   a number of the directory; any other caller is taken to a message, nobody is rung
    pin     a number of the directory; any other caller is asked for a customer PIN (``tries`` times),
            a right one names the customer, else a message, nobody rung

``admit`` says what happens to a caller when they arrive (``domain/calls/admission.py`` asks the PIN).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from astreinte.domain.hunt_policy import HuntPolicy, Strategy


def N_(text: str) -> str:       # marks a people-facing text for ``make messages`` (the runtime translates it)
    return text


ASK_PIN = N_("Hello. Enter your customer code, then the hash key.")
WRONG_PIN = N_("Wrong code.")
CONFIRM = N_("Call from %(customer)s, %(site)s site. Press 1 to accept, 2 to decline.")
CONFIRM_NO_SITE = N_("Call from %(customer)s. Press 1 to accept, 2 to decline.")

Policy = Literal["anyone", "known", "pin"]
POLICIES: tuple[Policy, ...] = ("anyone", "known", "pin")
PIN_TRIES = 3


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    site: str = ""
    level: str = ""                          # the contract level (``premium``, ``standard``...)
    numbers: tuple[str, ...] = ()            # canonical
    team: str | None = None                  # None: any team's numbers know them
    pin: str | None = field(default=None, repr=False)   # an argon2id hash (a plain one: typed in the YAML)
    language: str | None = None

    def calls(self, team: str) -> bool:
        """Is this customer a known caller of ``team``?"""
        return self.team is None or self.team == team

    @property
    def label(self) -> str:
        """How the log and the caller ID name them: ``Biogaz de la Vallée (Saint-Lô)``."""
        return f"{self.name} ({self.site})" if self.site else self.name


@dataclass(frozen=True)
class LevelHunt:
    """How a contract level's calls are hunted, over the team's ``hunt:`` (None: the team's)."""

    strategy: Strategy | None = None
    ring_timeout: float | None = None
    rounds: int | None = None

    def applied(self, hunt: HuntPolicy) -> HuntPolicy:
        return replace(hunt, strategy=self.strategy or hunt.strategy,
                       ring_timeout=self.ring_timeout or hunt.ring_timeout, rounds=self.rounds or hunt.rounds)

    def described(self) -> str:
        parts = [self.strategy or "", f"ring {self.ring_timeout:g} s" if self.ring_timeout else "",
                 f"{self.rounds} round(s)" if self.rounds else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Directory:
    customers: Mapping[str, Customer] = field(default_factory=dict)
    levels: Mapping[str, LevelHunt] = field(default_factory=dict)      # ``contract_levels:``
    _by_number: Mapping[str, list[Customer]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_number: dict[str, list[Customer]] = {}
        for customer in self.customers.values():
            for number in customer.numbers:
                by_number.setdefault(number, []).append(customer)
        object.__setattr__(self, "_by_number", by_number)

    def __bool__(self) -> bool:
        return bool(self.customers)

    def find(self, number: str, team: str) -> Customer | None:
        """The customer calling ``team`` from ``number`` (canonical; "" when withheld: nobody)."""
        matches = [customer for customer in self._by_number.get(number, ()) if customer.calls(team)] if number else []
        return next((m for m in matches if m.team == team), matches[0] if matches else None)

    def hunt(self, customer: Customer | None, hunt: HuntPolicy) -> tuple[HuntPolicy, str]:
        """The hunt of ``customer``'s call (their contract level's, over the team's), and what changed."""
        level = self.levels.get(customer.level) if customer is not None else None
        if level is None or customer is None:
            return hunt, ""
        return level.applied(hunt), f"contract {customer.level}: {level.described()}"

    def by_pin(self, pin: str, team: str, matches: PinMatch) -> Customer | None:
        """The customer of ``team`` whose PIN is ``pin``. ``matches(stored, typed)`` compares one (in
        constant time: ``web/passwords.verify_pin``, an argon2id hash, slow on purpose: the runtime calls
        this off the event loop, ``CheckCustomerPin``)."""
        return next((customer for customer in self.customers.values()
                     if customer.pin is not None and customer.calls(team) and matches(customer.pin, pin)), None)


PinMatch = Callable[[str, str], bool]


def merged(configured: Directory, imported: Mapping[str, Customer]) -> Directory:
    """The known callers: the configuration's ``callers:`` over the imported ones (it wins on an id)."""
    return Directory({**imported, **configured.customers}, configured.levels) if imported else configured


def caller_language(customer: Customer | None, line_language: str) -> str:
    """The language the caller hears: a known customer's own (``language:`` of the directory), else the
    line's (the configuration's). The callee's prompts are not the caller's: they keep theirs."""
    return customer.language if customer is not None and customer.language else line_language


def callee_language(languages: Iterable[str | None]) -> str | None:
    """The language of the callee's confirmation naming the customer: the one every person the call may
    ring has set, else None (the configuration's). Never the caller's."""
    chosen = set(languages)
    return next(iter(chosen)) if len(chosen) == 1 else None


def policy(text: str) -> Policy:
    """``teams.<id>.callers``: anyone, known or pin."""
    for known in POLICIES:
        if text == known:
            return known
    raise ValueError(f"expected one of {', '.join(POLICIES)}, got {text[:20]!r}")


def unpassable(policies: Iterable[tuple[str, Policy]], directory: Directory) -> list[tuple[str, str]]:
    """(team, why) for each team whose policy no caller of ``directory`` can pass: a line that only ever
    takes messages (``known`` without customers) or asks a PIN nobody has (``pin``)."""
    found = []
    for team, policy in policies:
        theirs = [c for c in directory.customers.values() if c.calls(team)]
        if policy == "known" and not theirs:
            found.append((team, "known, but no customer calls this team: every call goes to a message"))
        elif policy == "pin" and not [c for c in theirs if c.pin is not None]:
            found.append((team, "pin, but no customer of this team has a pin: nobody can get through"))
    return found


def untranslated(translated: Iterable[tuple[str, Collection[str]]], directory: Directory,
                 line_language: str) -> list[tuple[str, str]]:
    """(team, language) for each language a customer of the team speaks (``language:``) that the team's
    greeting has no translation into (``translated``: team, its ``translations:`` with a greeting): they hear
    the team's own greeting in ``line_language``."""
    found = []
    for team, languages in translated:
        spoken = {c.language for c in directory.customers.values() if c.calls(team) and c.language}
        found += [(team, language) for language in sorted(spoken - {line_language, *languages})]
    return found


Admitted = Literal["named", "anyone", "ask pin", "message"]


def admit(policy: Policy, customer: Customer | None) -> Admitted:
    """What a caller arriving on a team with ``policy`` gets: named (a known customer), let through
    (``anyone``), asked for a PIN (``pin``), or a message without waking anyone (``known``)."""
    if customer is not None:
        return "named"
    if policy == "known":
        return "message"
    return "ask pin" if policy == "pin" else "anyone"
