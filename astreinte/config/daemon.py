"""The ``daemon:`` block: what the running daemon listens on, and its bounds.

    daemon:
      agi: {host: 127.0.0.1, port: 4573}        # FastAGI server: the dialplan's second tier
      metrics: {host: 127.0.0.1, port: 9464}    # Prometheus /metrics and JSON /status (port 0: off)
      max_concurrent_calls: 50                  # more calls skip Stasis and take the PBX tiers
      max_call_duration: 2h                     # TIMEOUT(absolute) on every on-call call
      shutdown_grace: 30s                       # SIGTERM: how long live calls may go on
      fallback:
        voicemail: 100@default                  # VoiceMail() box of the last tier; unset: Record()
        max_recording: 2m                       # Record() length bound
        recordings: /var/spool/asterisk/astreinte   # where Record() writes, as Asterisk sees it
        recordings_dir: /srv/pbx/spool/astreinte    # the same folder as the daemon reads it (default: the same)

Every key is optional. Addresses are loopback by default: what we ship listens on
127.0.0.1 only. Values that reach the generated dialplan go through allow-lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child

MAILBOX = re.compile(r"[0-9A-Za-z_-]{1,32}(?:@[A-Za-z0-9_-]{1,32})?\Z")
LONG_DURATION = re.compile(r"([0-9]{1,5})\s*(s|m|min|h)?\Z")


@dataclass(frozen=True)
class Listen:
    host: str
    port: int                       # 0: disabled


@dataclass(frozen=True)
class FallbackSettings:
    voicemail: str | None = None    # mailbox@context for VoiceMail(); None: Record()
    max_recording: float = 120.0
    recordings: str = "/var/spool/asterisk/astreinte"
    recordings_dir: str | None = None   # ``recordings`` as the daemon sees it (another mount, a chroot)

    def local(self, path: str) -> Path:
        """A file Asterisk wrote under ``recordings``, where the daemon reads it."""
        if self.recordings_dir is not None and path.startswith(self.recordings.rstrip("/") + "/"):
            return Path(self.recordings_dir) / path[len(self.recordings.rstrip("/")) + 1:]
        return Path(path)


@dataclass(frozen=True)
class DaemonSettings:
    agi: Listen = field(default_factory=lambda: Listen("127.0.0.1", 4573))
    metrics: Listen = field(default_factory=lambda: Listen("127.0.0.1", 9464))
    max_concurrent_calls: int = 50
    max_call_duration: float = 7200.0
    shutdown_grace: float = 30.0
    fallback: FallbackSettings = field(default_factory=FallbackSettings)


def mailbox(text: str) -> str:
    if not MAILBOX.match(text):
        raise ValueError(f"expected a mailbox such as 100@default, got {values.shown(text)}")
    return text


def long_duration(text: str) -> float:
    """``90s``, ``30m``, ``2h`` or bare seconds, between 1 minute and 24 hours."""
    found = LONG_DURATION.fullmatch(text.strip())
    if not found:
        raise ValueError(f"expected a duration such as 30m or 2h, got {values.shown(text)}")
    unit = {"m": 60, "min": 60, "h": 3600}.get(found.group(2) or "s", 1)
    seconds = float(int(found.group(1)) * unit)
    if not 60 <= seconds <= 86400:
        raise ValueError("expected a duration between 1m and 24h")
    return seconds


def _listen(reader: Reader, node: yaml.Node, path: str, default: Listen) -> Listen:
    fields = reader.mapping(node, path, optional=("host", "port"))
    if fields is None:
        return default
    host = reader.get(fields, path, "host", values.hostname) or default.host
    port = default.port
    if "port" in fields:
        port = reader.integer(fields["port"], child(path, "port"), minimum=0, maximum=65535) or 0
    return Listen(host, port)


def _fallback(reader: Reader, node: yaml.Node, path: str) -> FallbackSettings:
    fields = reader.mapping(node, path, optional=("voicemail", "max_recording", "recordings", "recordings_dir"))
    if fields is None:
        return FallbackSettings()
    default = FallbackSettings()
    box = reader.get(fields, path, "voicemail", mailbox)
    longest = reader.get(fields, path, "max_recording", values.duration) or default.max_recording
    folder = reader.get(fields, path, "recordings", values.asterisk_path) or default.recordings
    seen = reader.get(fields, path, "recordings_dir", values.asterisk_path)
    return FallbackSettings(box, longest, folder, seen)


def read_daemon(reader: Reader, node: yaml.Node | None) -> DaemonSettings:
    path = "daemon"
    fields = reader.mapping(node, path, optional=("agi", "metrics", "max_concurrent_calls", "max_call_duration",
                                                 "shutdown_grace", "fallback"))
    default = DaemonSettings()
    if fields is None:
        return default
    agi = _listen(reader, fields["agi"], child(path, "agi"), default.agi) if "agi" in fields else default.agi
    metrics = (_listen(reader, fields["metrics"], child(path, "metrics"), default.metrics)
               if "metrics" in fields else default.metrics)
    if agi.port == 0:
        reader.error(fields.get("agi"), child(path, "agi.port"), "the FastAGI tier needs a port (1-65535)")
    most = default.max_concurrent_calls
    if "max_concurrent_calls" in fields:
        most = reader.integer(fields["max_concurrent_calls"], child(path, "max_concurrent_calls"),
                              minimum=1, maximum=10000) or most
    longest = reader.get(fields, path, "max_call_duration", long_duration) or default.max_call_duration
    grace = reader.get(fields, path, "shutdown_grace", values.duration) or default.shutdown_grace
    fallback = _fallback(reader, fields["fallback"], child(path, "fallback")) if "fallback" in fields \
        else FallbackSettings()
    return DaemonSettings(agi, metrics, most, longest, grace, fallback)
