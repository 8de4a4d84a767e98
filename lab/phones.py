"""Real SIP phones for the lab: sipp processes (callers and employee phones) and what they saw."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lab import rfc4733

SCENARIOS = Path(__file__).resolve().parent / "sipp"
TIMEOUT_FACTOR = float(os.environ.get("ASTREINTE_TEST_TIMEOUT_FACTOR", "1"))

# scenario per phone behaviour (see lab/sipp/README.md)
BEHAVIOURS = {
    "answer": "uas_answer.xml",          # rings ring_ms, answers, waits for BYE
    "noanswer": "uas_ring_noanswer.xml",  # rings until CANCEL
    "busy": "uas_busy.xml",               # 486 Busy Here
    "dtmf1": "uas_dtmf_rfc2833.xml",      # answers, presses 1 (RFC 4733) one second later
    "dtmf1_late": "uas_dtmf_rfc2833_d3000.xml",  # ...three seconds later
    "dtmf1_info": "uas_dtmf_info.xml",    # answers, presses 1 as SIP INFO
    "hangup": "uas_answer_hangup.xml",    # answers, hangs up one second later without a digit
}

CUSTOMER_PORT = 5086     # trunk-out's contact: where the lab's outbound calls (mobiles, customers) land
_media_ports = itertools.count(17000, 20)
RUNNING: set[Sipp] = set()     # every sipp started and not yet reaped: stop_all() ends them

_HEADER = re.compile(r"^-{10,} (\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d\.\d+)")
_DIRECTION = re.compile(r"^(UDP|TCP) message (received|sent)")


@dataclass(frozen=True)
class SipMessage:
    at: datetime
    direction: str        # "received" or "sent"
    first_line: str       # "INVITE sip:alice@... SIP/2.0" or "SIP/2.0 180 Ringing"
    text: str

    @property
    def method(self) -> str:
        """The request method, or the response code as text ("180")."""
        parts = self.first_line.split()
        if not parts:
            return ""
        return parts[1] if parts[0].startswith("SIP/") else parts[0]


def parse_message_log(text: str) -> list[SipMessage]:
    out: list[SipMessage] = []
    blocks = re.split(r"\n(?=-{10,} \d{4}-)", text)
    for block in blocks:
        lines = block.strip("\n").splitlines()
        if len(lines) < 3:
            continue
        head = _HEADER.match(lines[0])
        direction = _DIRECTION.match(lines[1])
        if not head or not direction:
            continue
        at = datetime.strptime(f"{head.group(1)} {head.group(2)[:15]}", "%Y-%m-%d %H:%M:%S.%f")
        body = [line for line in lines[2:] if line.strip()]
        out.append(SipMessage(at, direction.group(2), body[0].strip() if body else "", "\n".join(lines[2:])))
    return out


@dataclass
class Sipp:
    """One sipp process. ``await done()`` gives its exit code (0: every call succeeded)."""

    name: str
    argv: list[str]
    workdir: Path
    proc: asyncio.subprocess.Process | None = None
    returncode: int | None = None
    output: str = ""
    _log: Path = field(init=False)

    def __post_init__(self) -> None:
        self._log = self.workdir / f"{self.name}.messages.log"

    async def start(self) -> Sipp:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [*self.argv, "-trace_msg", "-message_file", str(self._log),
                "-trace_err", "-error_file", str(self.workdir / f"{self.name}.errors.log"), "-nostdin"]
        self.proc = await asyncio.create_subprocess_exec(
            *argv, cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        RUNNING.add(self)
        return self

    async def done(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        try:
            out, _ = await asyncio.wait_for(self.proc.communicate(), timeout * TIMEOUT_FACTOR)
        except TimeoutError:
            await self.stop()
            raise AssertionError(f"sipp {self.name} still running after {timeout} s") from None
        self.output = out.decode(errors="replace")
        self.returncode = self.proc.returncode
        RUNNING.discard(self)
        return self.returncode if self.returncode is not None else -1

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self.proc is not None:
            self.returncode = self.proc.returncode
        RUNNING.discard(self)

    def __hash__(self) -> int:
        return id(self)

    def messages(self) -> list[SipMessage]:
        return parse_message_log(self._log.read_text(errors="replace")) if self._log.exists() else []

    def received(self, method: str) -> list[SipMessage]:
        return [m for m in self.messages() if m.direction == "received" and m.method == method]

    def sent(self, method: str) -> list[SipMessage]:
        return [m for m in self.messages() if m.direction == "sent" and m.method == method]


async def stop_all() -> None:
    """End every sipp still running (a test that failed half-way must not leave a phone holding its port)."""
    for sipp in list(RUNNING):
        await sipp.stop()


def _dtmf_phone(workdir: Path, digit: str, delay_ms: int, info: bool) -> Path:
    """An answering phone that presses ``digit`` ``delay_ms`` after answering (RFC 4733 or SIP INFO)."""
    if info:
        text = (SCENARIOS / "uas_dtmf_info.xml").read_text().replace("Signal=1", f"Signal={digit}")
    else:
        pcap = {"#": "pound", "*": "star"}.get(digit, digit)
        text = (SCENARIOS / "uas_dtmf_rfc2833.xml").read_text().replace("dtmf_2833_1.pcap", f"dtmf_2833_{pcap}.pcap")
    text = text.replace('<recv request="BYE" timeout="1000" ontimeout="dtmf"',
                        f'<recv request="BYE" timeout="{delay_ms}" ontimeout="dtmf"')
    path = workdir / f"uas_dtmf_{'info' if info else 'rtp'}_{digit}_{delay_ms}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _speaking_caller(workdir: Path, after_ms: int) -> Path:
    """The trunk caller of ``caller_uac_rtp.xml`` (7 s of RTP), starting to speak ``after_ms`` after the
    answer: Asterisk records only the audio that comes while it records, and a replayed pcap (same RTP
    sequence numbers again) is dropped, so the 7 s must fall after the prompt inviting to speak."""
    text = (SCENARIOS / "caller_uac_rtp.xml").read_text()
    needle = '  <nop>\n    <action>\n      <exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap"/>'
    assert needle in text
    path = workdir / f"caller_speaks_after_{after_ms}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(needle, f'  <pause milliseconds="{after_ms}"/>\n' + needle, 1))
    return path


def _dtmf_caller(workdir: Path, digit: str, delay_ms: int) -> Path:
    """The trunk caller, pressing ``digit`` (RFC 4733) ``delay_ms`` after being answered."""
    pcap = {"#": "pound", "*": "star"}.get(digit, digit)
    text = (SCENARIOS / "caller_uac.xml").read_text().replace(
        '<label id="incall"/>',
        f'<pause milliseconds="{delay_ms}"/>\n  <nop><action><exec play_pcap_audio='
        f'"/usr/share/sip-tester/dtmf_2833_{pcap}.pcap"/></action></nop>\n  <label id="incall"/>', 1)
    path = workdir / f"caller_dtmf_{digit}_{delay_ms}.xml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _keys_caller(workdir: Path, keys: Sequence[tuple[int, str]], tag: str, speaks_after_ms: int | None) -> Path:
    """The trunk caller pressing each key (RFC 4733) the given ms after the previous one (the first: after
    the answer), then staying in the call until Asterisk hangs up or the hold time ends. The keys' RTP
    follows on from one key to the next (``lab/rfc4733.py``): any keys, the same one twice included.
    ``speaks_after_ms``: 7 s of speech (RTP) that long after the last key."""
    pcaps = rfc4733.key_pcaps(workdir, [key for _, key in keys], tag)
    steps = "".join(f'  <pause milliseconds="{delay}"/>\n  <nop><action><exec play_pcap_audio="{pcap}"/>'
                    f'</action></nop>\n' for (delay, _), pcap in zip(keys, pcaps, strict=True))
    if speaks_after_ms is None:
        incall = '<label id="incall"/>'
        text = (SCENARIOS / "caller_uac.xml").read_text().replace(incall, steps + incall, 1)
    else:           # caller_uac_rtp.xml: it offers PCMA, the speech's codec
        text = (SCENARIOS / "caller_uac_rtp.xml").read_text()
        needle = '  <nop>\n    <action>\n      <exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap"/>'
        assert needle in text
        text = text.replace(needle, steps + f'  <pause milliseconds="{speaks_after_ms}"/>\n' + needle, 1)
    path = workdir / f"{tag}_keys.xml"
    path.write_text(text)
    return path


def _keys_phone(workdir: Path, keys: tuple[tuple[int, str], ...], hang_up_ms: int | None) -> Path:
    """An answering phone that presses each key (SIP INFO) the given ms after the previous one (the
    first: after answering), then hangs up ``hang_up_ms`` later (None: waits for the BYE)."""
    text = (SCENARIOS / "uas_dtmf_info.xml").read_text()
    start = text.index('  <recv request="BYE" timeout="1000" ontimeout="dtmf"')
    send = text.index("  <send retrans=\"500\">", start)
    end = text.index('  <recv response="200" timeout="5000"/>', send)
    info = text[send:end]
    steps = []
    for n, (delay, key) in enumerate(keys, start=1):
        steps.append(f'  <recv request="BYE" timeout="{delay}" ontimeout="key{n}" next="bye200"/>\n'
                     f'  <label id="key{n}"/>\n'
                     + info.replace("Signal=1", f"Signal={key}").replace("CSeq: 1 INFO", f"CSeq: {n} INFO")
                     + '  <recv response="200" timeout="5000"/>\n')
    if hang_up_ms is not None:
        steps.append(f'  <recv request="BYE" timeout="{hang_up_ms}" ontimeout="hangup" next="bye200"/>\n'
                     '  <label id="hangup"/>\n' + BYE + '  <recv response="200" timeout="5000" next="done"/>\n')
    after = text.index("  <!-- in-call loop", end)
    path = workdir / f"uas_keys_{'_'.join(f'{d}-{k}' for d, k in keys)}_{hang_up_ms}.xml".replace("#", "pound")
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(text[:start] + "".join(steps) + text[after:])
    return path


BYE = """  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$local_to];tag=[pid]SIPpTag01[call_number]
      To: [$remote_from]
      Call-ID: [call_id]
      CSeq: 99 BYE
      [routes]
      Contact: <sip:[service]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
"""


async def phone(name: str, port: int, behaviour: str, workdir: Path, *, ring_ms: int = 500,
                calls: int = 1, digit: str = "1", dtmf_delay_ms: int = 1000,
                keys: tuple[tuple[int, str], ...] = (), hang_up_ms: int | None = None) -> Sipp:
    """An employee's phone listening on 127.0.0.1:port (lab/pjsip.conf maps alice=5081, bob=5082...).

    Behaviours: answer, noanswer, busy, dtmf1, dtmf1_late, dtmf1_info, ``dtmf`` / ``dtmf_info``
    (press ``digit`` ``dtmf_delay_ms`` after answering), and ``keys``: answer, press each of ``keys``
    ((ms after the previous one, key), SIP INFO), then hang up ``hang_up_ms`` later or wait for BYE.
    """
    if behaviour == "keys":
        scenario = _keys_phone(workdir, keys, hang_up_ms)
    elif behaviour in ("dtmf", "dtmf_info"):
        scenario = _dtmf_phone(workdir, digit, dtmf_delay_ms, info=behaviour == "dtmf_info")
    else:
        scenario = SCENARIOS / BEHAVIOURS[behaviour]
    argv = ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-mp", str(next(_media_ports)),
            "-m", str(calls), "-recv_timeout", str(ring_ms), "-s", name]
    return await Sipp(f"phone-{name}-{port}", argv, workdir).start()


async def customer(workdir: Path, *, ring_ms: int = 500, calls: int = 1) -> Sipp:
    """A customer's phone behind the lab's outbound trunk (``PJSIP/{number}@trunk-out`` reaches
    127.0.0.1:5086, asterisk_conf/pjsip.conf): it answers whatever number is dialed."""
    return await phone("customer", CUSTOMER_PORT, "answer", workdir, ring_ms=ring_ms, calls=calls)


async def call(number: str, workdir: Path, *, caller: str = "0611223344", hold_ms: int = 3000,
               port: int = 5070, media: bool = False, name: str | None = None, calls: int = 1,
               rate: float | None = None, digit: str | None = None, digit_delay_ms: int = 1000,
               speaks_after_ms: int | None = None, keys: Sequence[tuple[int, str]] = ()) -> Sipp:
    """A caller on the trunk (127.0.0.1:port) dialing ``number`` on the lab Asterisk.

    ``hold_ms`` counts from the answer; ``digit`` is pressed (RFC 4733) ``digit_delay_ms`` after it.
    ``media``: RTP until Asterisk hangs up (``hold_ms`` does not apply); ``speaks_after_ms``: 7 s of RTP
    that many ms after the answer, the hang-up ``hold_ms`` after that. ``keys``: (ms after the previous
    one, key) pressed in turn (RFC 4733), then ``hold_ms`` without a message before it hangs up (with
    ``speaks_after_ms``: speech that long after the last key).
    """
    name = name or f"caller-{number}-{port}"
    if keys:
        scenario = _keys_caller(workdir, keys, name.replace("/", "_"), speaks_after_ms)
    elif digit is not None:
        scenario = _dtmf_caller(workdir, digit, digit_delay_ms)
    elif speaks_after_ms is not None:
        scenario = _speaking_caller(workdir, speaks_after_ms)
    else:
        scenario = SCENARIOS / ("caller_uac_rtp_loop.xml" if media else "caller_uac.xml")
    argv = ["sipp", "127.0.0.1:5060", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port),
            "-mp", str(next(_media_ports)), "-s", number, "-key", "caller", caller,
            "-m", str(calls), "-recv_timeout", str(hold_ms)]
    if rate is not None:
        argv += ["-r", str(rate)]
    return await Sipp(name, argv, workdir).start()
