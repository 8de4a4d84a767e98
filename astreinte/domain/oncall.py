"""Who is on call, as a document: the shape of ``astreinte who --json`` and of the web console's
``GET /api/oncall`` (one owner, so the two never drift apart).

    {"at": "2026-12-24T19:00:00+01:00",
     "teams": [{"team": "support", "in_service": true, "outside_service_dial": null,
                "chain": [{"level": 1, "layer": "primary", "person": "dave", "name": "David Moreau",
                           "phones": ["PJSIP/dave"], "until": "2026-12-26T09:00:00+01:00", "override": true}]}]}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from astreinte.domain.schedule import TeamStatus


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def as_document(statuses: Iterable[TeamStatus], at: datetime, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "at": _iso(at, zone),
        "teams": [
            {
                "team": status.team,
                "in_service": status.in_service,
                "outside_service_dial": status.outside_service_dial,
                "chain": [
                    {
                        "level": responder.level,
                        "layer": responder.layer,
                        "person": responder.person.id,
                        "name": responder.person.name,
                        "phones": list(responder.person.phones),
                        "until": _iso(responder.until, zone),
                        "override": responder.override,
                    }
                    for responder in status.chain
                ],
            }
            for status in statuses
        ],
    }
