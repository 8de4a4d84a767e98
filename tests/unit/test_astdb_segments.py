"""What the daemon stores ahead in AstDB for the `astdb` tier: the chain of now and the coming changes of
the next 8 days, 16 segments at most (docs/operations.md), each the chain `who` gives at its instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from astreinte.config import load
from astreinte.dialplan import chain_for, timeline

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 9, 10, 30, tzinfo=PARIS)       # a Monday, during business hours

# a hand-off every day at 09:00, and the line closes twice a weekday: about 20 changes in 8 days
CONFIG = """\
timezone: Europe/Paris
database: astreinte.db
asterisk:
  ari: {url: "http://127.0.0.1:8088", username: astreinte, password: secret, app: astreinte}
  ami: {host: 127.0.0.1, port: 5038, username: astreinte, secret: secret}
  outbound: "PJSIP/{number}@trunk-out"
people:
  alice: {name: Alice Martin, phones: [PJSIP/alice]}
  bob: {name: Bob Durand, phones: [PJSIP/bob]}
  carol: {name: Carol Petit, phones: [PJSIP/carol]}
  reception: {name: Accueil, phones: [PJSIP/reception]}
teams:
  support:
    numbers: ["1000"]
    greeting: "Bonjour."
    service_hours: {weekdays: ["12:00-14:00", "18:00-08:30"], weekends: all-day}
    outside_service: {dial: PJSIP/reception}
    layers:
      - name: primary
        rotation: {members: [alice, bob, carol], every: 1 day, handoff: "09:00", start: 2026-11-02}
"""


def test_sixteen_segments_at_most_each_the_chain_of_its_instant(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load(path, environ={})
    schedule = config.schedule()

    # every change of what is dialed in the next 8 days, found minute by minute (independently of timeline())
    changes: list[tuple[datetime, tuple[str, ...]]] = []
    at = NOW
    while at <= NOW + timedelta(days=8):
        chain = chain_for(config, schedule, "1000", at)
        assert chain is not None
        if not changes or chain.levels != changes[-1][1]:
            changes.append((at, chain.levels))
        at += timedelta(minutes=30)
    assert len(changes) > 16, "the case must have more changes than AstDB keeps"

    found = timeline(config, schedule, "1000", NOW)
    assert found is not None
    assert len(found.segments) == 16, "16 segments: now and the next 15 changes"
    assert [(start, chain.levels) for start, chain in found.segments] == changes[:16]
    keys = dict(found.astdb())
    assert keys["segments"] == "16" and "s16/dial1" in keys and "s17/dial1" not in keys
    assert "s1/from" not in keys, "the first segment applies from now"
    assert [int(keys[f"s{k}/from"]) for k in range(2, 17)] == [int(start.timestamp()) for start, _ in changes[1:16]]
