"""No unfiltered channel data reaches an application argument of the generated dialplan (issue 15, item 2).

A peer that reaches the trunk chooses the Request-URI (``${EXTEN}``: ``5264,14``,
``1/../../tmp/x``), its caller ID, and the digits it presses. This test walks every priority of
``extensions_astreinte.conf``, generated from a configuration that uses every feature, follows
each ``${...}`` through nested expressions, and fails when:

- a value from the channel (``EXTEN``, ``CALLERID()``, ``UNIQUEID``, ``CHANNEL()``, SIP headers...)
  or a digit read with ``Read()`` is used anywhere but inside ``FILTER()`` with a safe set of
  characters (digits, letters, ``+ . * #``);
- a variable is used that the file does not set itself, nor Asterisk (``DIALSTATUS``...), nor the
  daemon (FastAGI answers, ``ASTREINTE_REASON``), nor, in the subroutine, the caller's Dial();
- a function is used that is not on the list of those the file needs;
- the entry point or the hand-back context holds a pattern instead of literal numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from astreinte.config import Config, load
from astreinte.dialplan_file import render

DATA = Path(__file__).parent.parent / "data"

CHANNEL_DATA = {"EXTEN", "CALLERID", "CONNECTEDLINE", "REDIRECTING", "UNIQUEID", "LINKEDID", "CHANNEL",
                "PJSIP_HEADER", "SIP_HEADER", "PJSIP_HEADERS", "CDR", "DNID", "RDNIS", "DIALEDPEERNUMBER",
                "CALLINGPRES", "CONTEXT", "HANGUPCAUSE", "SIPURI", "SIPDOMAIN", "PJSIP_DIAL_CONTACTS"}
ASTERISK_SET = {"STASISSTATUS", "AGISTATUS", "DIALSTATUS", "EPOCH", "GOSUB_RESULT",
                "DIALEDTIME", "ANSWEREDTIME", "DIALEDPEERNAME"}      # set by Dial(): times, the channel answering
DAEMON_SET = {"ASTREINTE_REASON", "ASTREINTE_LEASE", "ASTREINTE_BLOCKED", "ASTREINTE_TEAM", "ASTREINTE_LEVELS",
              "ASTREINTE_RING", "ASTREINTE_ROUNDS", "ASTREINTE_CONFIRM", "ASTREINTE_CONFIRM_TIMEOUT", "ASTREINTE_DIAL_"}
FUNCTIONS = {"FILTER", "DB", "DB_EXISTS", "REGEX", "IF", "GROUP_COUNT"}
SAFE_FILTER = re.compile(r"(?:[0-9A-Za-z+.*#]|[0-9]-[0-9]|[A-Z]-[A-Z]|[a-z]-[a-z])+\Z")
LITERAL_CONTEXTS = ("astreinte-inbound", "astreinte-fallback", "astreinte-menus")
NUMBER = re.compile(r"\+?[0-9]{1,20}\Z")


@dataclass
class Priority:
    context: str
    exten: str
    app: str
    args: str

    def __str__(self) -> str:
        return f"[{self.context}] {self.exten}: {self.app}({self.args})"


def priorities(text: str) -> list[Priority]:
    out: list[Priority] = []
    context = exten = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            context = line[1:line.index("]")]
            continue
        found = re.match(r"(?:exten => ([^,]+),[^,]+|same => n(?:\([a-z-]+\))?),(.*)\Z", line)
        assert found, f"unexpected line in [{context}]: {line}"
        exten = found.group(1) or exten
        body = found.group(2)
        app, _, rest = body.partition("(")
        assert rest.endswith(")"), f"unexpected application call: {line}"
        out.append(Priority(context, exten, app, rest[:-1]))
    return out


def references(text: str) -> list[str]:
    """The contents of the top-level ``${...}`` of ``text`` (nested ones are inside them)."""
    out: list[str] = []
    i = 0
    while (start := text.find("${", i)) >= 0:
        depth, j = 0, start + 1
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        assert depth == 0, f"unbalanced ${{ in {text!r}"
        out.append(text[start + 2:j])
        i = j + 1
    return out


class Walk:
    """One extension, in order: which of its variables hold unfiltered input (a Set from a clean value
    clears one). ``known``: every variable the file sets somewhere (a Goto carries them along)."""

    def __init__(self, context: str, known: set[str]) -> None:
        self.context = context
        self.known: set[str] = set(ASTERISK_SET) | DAEMON_SET | known
        self.tainted: set[str] = set()
        self.problems: list[str] = []

    def check(self, text: str, where: Priority, filtered: bool = False) -> bool:
        """Problems go to ``self.problems``; True when ``text`` carries unfiltered input. Inside
        ``FILTER()`` (``filtered``) input is expected; unknown functions and variables are not."""
        carries = False
        for inner in references(text):
            found = re.match(r"[A-Za-z_][A-Za-z0-9_]*", inner)
            name = found.group() if found else ""
            rest = inner[len(name):]
            if name == "FILTER":
                allowed = rest[1:].split(",", 1)[0]
                if not SAFE_FILTER.match(allowed):
                    self.problems.append(f"FILTER({allowed}) lets syntax through in {where}")
                self.check(rest.split(",", 1)[1] if "," in rest else "", where, filtered=True)
                continue
            if name in CHANNEL_DATA or name in self.tainted:
                if not filtered:
                    self.problems.append(f"unfiltered {name} in {where}")
                    carries = True
            elif rest.startswith("("):
                if name not in FUNCTIONS:
                    self.problems.append(f"function {name}() is not on the list, in {where}")
            elif not self._known(name, rest):
                self.problems.append(f"{name} is set nowhere, in {where}")
            carries = self.check(rest, where, filtered) or carries
        return carries

    def _known(self, name: str, rest: str) -> bool:
        if name in self.known:
            return True
        if rest.startswith("${"):           # ASTREINTE_DIAL_${L}: a family set as a whole
            return any(name == known for known in self.known)
        return bool(re.fullmatch(r"ARG[0-9]", name)) and self.context == "astreinte-confirm"

    def step(self, priority: Priority) -> None:
        carries = self.check(priority.args, priority)
        if priority.app == "Set":
            target = priority.args.split("=", 1)[0]
            variable = re.sub(r"^(MASTER_CHANNEL|TIMEOUT|GROUP)\((.*)\)$", r"\2", target)
            variable = variable.split("${", 1)[0].lstrip("_")     # __NAME: NAME, inherited by new channels
            self.known.add(variable)
            (self.tainted.add if carries else self.tainted.discard)(variable)
        elif priority.app == "Read":
            variable = priority.args.split(",", 1)[0]
            self.known.add(variable)
            self.tainted.add(variable)             # keypad input: anything a peer sends as DTMF


def assigned(every: list[Priority]) -> set[str]:
    """The variables some priority of the file sets (Set, Read)."""
    out: set[str] = set()
    for priority in every:
        if priority.app in ("Set", "Read"):
            target = re.split(r"[=,]", priority.args, maxsplit=1)[0]
            out.add(re.sub(r"^(MASTER_CHANNEL|TIMEOUT|GROUP)\((.*)\)$", r"\2", target).split("${", 1)[0].lstrip("_"))
    return out


def problems(text: str) -> list[str]:
    found: list[str] = []
    every = priorities(text)
    known = assigned(every)
    walks: dict[tuple[str, str], Walk] = {}
    for priority in every:
        walk = walks.setdefault((priority.context, priority.exten), Walk(priority.context, known))
        walk.step(priority)
        if priority.app == "Set" and priority.args.startswith("ASTREINTE_NUMBER=") \
                and not NUMBER.match(priority.args.split("=", 1)[1]):
            found.append(f"ASTREINTE_NUMBER set from something else than a literal number: {priority}")
        if priority.context in LITERAL_CONTEXTS and priority.exten not in ("s", "i") \
                and not NUMBER.match(priority.exten):
            found.append(f"[{priority.context}] matches {priority.exten!r}: only literal numbers belong there")
    for walk in walks.values():
        found += walk.problems
    return found


def everything(tmp_path: Path, fallback: str) -> Config:
    """The example with every feature that reaches the dialplan."""
    text = (DATA / "config.example.yaml").read_text(encoding="utf-8")
    assert "confirm: true" in text                  # the press-1 subroutine is generated and used
    text += f"""
menus:
  "03 88 00 00 09":
    prompt: "Pour le support, tapez 1."
    options: {{"1": support, "#": support}}
    default: support
  "1500":
    prompt: "sound:astreinte/menu"
    options: {{"1": support}}
blocklist: ["0899123456"]
phones: {{domain: pbx.example.com}}
daemon:
  fallback: {fallback}
"""
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load(path, environ={})


@pytest.mark.parametrize("fallback", ["{voicemail: 100@default}", "{recordings: /var/spool/asterisk/astreinte}"])
def test_no_channel_data_reaches_an_application_unfiltered(tmp_path: Path, fallback: str) -> None:
    text = render(everything(tmp_path, fallback))
    assert "[astreinte-menus]" in text and "[astreinte-confirm]" in text and "[astreinte-phones]" in text
    assert len(priorities(text)) > 100
    assert problems(text) == []


def test_the_walk_finds_what_main_generated() -> None:
    """What the generated file held before (fd6a14e): the dialed number and the unique id, raw."""
    old = """[astreinte-inbound]
exten => _[+0-9].,1,NoOp(astreinte: on-call call to ${EXTEN} from ${CALLERID(num)})
 same => n,Stasis(astreinte,${EXTEN})
 same => n,GotoIf($["${STASISSTATUS}" = "FAILED"]?astreinte-fallback,${EXTEN},1)
[astreinte-fallback]
exten => _[+0-9].,1,Set(ASTREINTE_CALLER=${FILTER(+0-9,${CALLERID(num)})})
 same => n,Record(/var/spool/asterisk/astreinte/${EXTEN}-${UNIQUEID}.wav,10,120,k)
"""
    found = problems(old)
    assert "[astreinte-inbound] matches '_[+0-9].': only literal numbers belong there" in found
    assert sum("unfiltered EXTEN" in p for p in found) == 4
    assert any("unfiltered UNIQUEID in [astreinte-fallback]" in p for p in found)
    assert any("unfiltered CALLERID in [astreinte-inbound]" in p for p in found)
    assert not any("ASTREINTE_CALLER" in p for p in found), "FILTER() with digits and + is enough"


@pytest.mark.parametrize(("snippet", "problem"), [
    ("exten => s,1,Set(X=${FILTER(0-9$,${CALLERID(num)})})", "lets syntax through"),
    ("exten => s,1,Read(D,beep,1)\n same => n,Goto(x,${D},1)", "unfiltered D"),
    ("exten => s,1,Set(X=${CALLERID(num)})\n same => n,Dial(PJSIP/${X})", "unfiltered X"),
    ("exten => s,1,Dial(${SHELL(id)})", "function SHELL()"),
    ("exten => s,1,Dial(PJSIP/${SOMETHING})", "SOMETHING is set nowhere"),
])
def test_the_walk_catches_each_kind_of_leak(snippet: str, problem: str) -> None:
    assert any(problem in p for p in problems("[ctx]\n" + snippet)), problems("[ctx]\n" + snippet)
