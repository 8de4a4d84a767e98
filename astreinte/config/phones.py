"""The ``phones:`` block: the softphones astreinte provisions in Asterisk (``astreinte phones write``).

    phones:
      domain: pbx.example.com          # what people type into Zoiper as "domain" (host or address)
      port: 5060                       # the port phones reach (default 5060, 5061 for tls)
      transport: udp                   # udp | tcp | tls
      pjsip_transport: transport-udp   # optional: pin the endpoints to this Asterisk transport section
      context: astreinte-phones        # dialplan context of calls *from* the phones (reaches nothing)
      codecs: [ulaw, alaw]             # in preference order; opus needs Asterisk's codec_opus
      manage: all                      # all: every PJSIP/<name> phone of every person; or a list of people
      secrets: phone-secrets.json      # generated passwords, 0600 (default: next to the database)
      file: /etc/asterisk/pjsip_astreinte.conf   # where `phones write` writes the PJSIP sections (or --output)
      qualify: 30s                     # how often Asterisk checks a registered phone (presence)
      remind_before: 1h                # hand-off reminder this long before a shift starts
      warn_after: 1m                   # an on-call softphone offline this long is reported

A *managed* phone is a ``PJSIP/<name>`` entry in a person's ``phones`` whose name is a plain
identifier (no ``@host``): astreinte owns its endpoint, auth and aor sections. Other entries
(mobiles, ``PJSIP/x@trunk``, fixed desk phones of other people) are dialed as written.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child

TRANSPORTS = ("udp", "tcp", "tls")
CODECS = ("opus", "g722", "ulaw", "alaw", "gsm", "g729", "ilbc", "speex", "slin")
DEFAULT_FILE = "/etc/asterisk/pjsip_astreinte.conf"
DEFAULT_SECRETS = "phone-secrets.json"
KEYS = ("domain", "port", "transport", "pjsip_transport", "context", "codecs", "manage", "secrets", "file",
        "qualify", "remind_before", "warn_after")


@dataclass(frozen=True)
class PhoneSettings:
    """How softphones are provisioned. ``manage`` is None for "every person", else the people listed."""

    domain: str
    secrets: Path
    file: Path
    port: int = 5060
    transport: str = "udp"
    pjsip_transport: str | None = None
    context: str = "astreinte-phones"
    codecs: tuple[str, ...] = ("ulaw", "alaw")
    manage: frozenset[str] | None = None
    qualify: int = 30
    remind_before: float = 3600.0
    warn_after: float = 60.0
    file_chosen: bool = False        # `file` written in the configuration (else DEFAULT_FILE, asked for)

    def manages(self, person: str) -> bool:
        return self.manage is None or person in self.manage


def managed_endpoint(phone: str) -> str | None:
    """``PJSIP/alice`` -> ``alice``; anything else (a number, ``PJSIP/x@trunk``, SIP/...) -> None."""
    tech, _, resource = phone.partition("/")
    if tech.upper() != "PJSIP" or not values.IDENTIFIER.match(resource) or "." in resource:
        return None
    return resource


def codec(text: str) -> str:
    if text not in CODECS:
        raise ValueError(f"unknown codec {values.shown(text)} (expected one of: {', '.join(CODECS)})")
    return text


def duration_long(text: str) -> float:
    """``30s``, ``10m``, ``2h``, ``1d`` (up to a week)."""
    text = text.strip()
    units = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
    number = text.rstrip("smindh")
    unit = text[len(number):].strip() or "s"
    if not number.strip().isdigit() or unit not in units:
        raise ValueError(f"expected a duration such as 30s, 10m, 2h or 1d, got {values.shown(text)}")
    seconds = int(number) * units[unit]
    if not 0 < seconds <= 7 * 86400:
        raise ValueError("expected a duration between 1s and 7d")
    return float(seconds)


def read_phones(reader: Reader, node: yaml.Node | None, base: Path, database: Path,
                people: Collection[str]) -> PhoneSettings | None:
    path = "phones"
    fields = reader.mapping(node, path, required=("domain",), optional=KEYS)
    if fields is None:
        return None
    where = {key: child(path, key) for key in KEYS}
    before = len(reader.problems)
    domain = reader.get(fields, path, "domain", values.hostname)
    transport = reader.choice(fields["transport"], where["transport"], TRANSPORTS) if "transport" in fields else "udp"
    port = reader.integer(fields["port"], where["port"], minimum=1, maximum=65535) \
        if "port" in fields else (5061 if transport == "tls" else 5060)
    pjsip_transport = reader.get(fields, path, "pjsip_transport", values.identifier)
    context = reader.get(fields, path, "context", values.identifier) or "astreinte-phones"
    codecs: list[str] = []
    items = (reader.sequence(fields["codecs"], where["codecs"]) or []) if "codecs" in fields else []
    for index, item in enumerate(items):
        name = reader.parse(item, child(where["codecs"], index), codec)
        if name is not None and name not in codecs:
            codecs.append(name)
    manage = _manage(reader, fields["manage"], where["manage"], people) if "manage" in fields else None
    secrets = reader.get(fields, path, "secrets", str)
    file = reader.get(fields, path, "file", str)
    qualify = reader.get(fields, path, "qualify", values.duration) or 30.0
    if qualify < 5:
        reader.error(fields["qualify"], where["qualify"], "expected at least 5s")
    remind = reader.get(fields, path, "remind_before", duration_long) or 3600.0
    warn = reader.get(fields, path, "warn_after", duration_long) or 60.0
    if len(reader.problems) > before or domain is None or port is None or transport is None:
        return None
    return PhoneSettings(
        domain=domain,
        secrets=base / secrets if secrets else database.parent / DEFAULT_SECRETS,
        file=base / file if file else Path(DEFAULT_FILE),
        port=port,
        transport=transport,
        pjsip_transport=pjsip_transport,
        context=context,
        codecs=tuple(codecs) or ("ulaw", "alaw"),
        manage=manage,
        qualify=round(qualify),
        remind_before=remind,
        warn_after=warn,
        file_chosen=bool(file),
    )


def _manage(reader: Reader, node: yaml.Node, path: str, people: Collection[str]) -> frozenset[str] | None:
    """``all`` -> None (everybody); a list of person ids -> those people (problems are recorded)."""
    if isinstance(node, yaml.ScalarNode) and not reader.is_null(node):
        if node.value != "all":
            reader.error(node, path, f"expected all or a list of people, got {reader.describe(node)}")
        return None
    chosen: set[str] = set()
    for index, item in enumerate(reader.sequence(node, path, allow_empty=True) or []):
        person = reader.string(item, child(path, index))
        if person is not None and person not in people:
            reader.error(item, child(path, index), f"unknown person {values.shown(person)}")
        elif person is not None:
            chosen.add(person)
    return frozenset(chosen)
