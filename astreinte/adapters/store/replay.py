"""One write of the call log or the messages, as the journal keeps it: applied to SQLite now, or when
the journal is replayed. Replaying an entry twice changes nothing (``calls.begin`` and ``finish`` are
keyed by the call's id, a message by its call and its path)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from astreinte.adapters.store import calls, messages

if TYPE_CHECKING:
    from sqlite_utils import Database

MOMENTS = ("recorded_at", "now", "callout_at")


def message_payload(fields: dict[str, Any]) -> dict[str, Any]:
    """``add_message``'s fields as JSON can keep them."""
    return {k: calls.iso(v) if isinstance(v, datetime) else v for k, v in fields.items()}


def apply(db: Database, op: str, payload: dict[str, Any], *, replaying: bool = False) -> int | None:
    """One journaled write, inside the caller's transaction; a new message's id. ``replaying``: the
    journal again (a message already filed by an earlier replay is not filed twice)."""
    if op in ("begin_call", "finish_call"):
        record = calls.record_from(payload["record"])
        if op == "begin_call":
            calls.begin(db, record)
            return None
        calls.finish(db, record)
        db.execute("DELETE FROM call_events WHERE call_id = ?", [record.id])
        calls.add_events(db, record.id, [(datetime.fromisoformat(at), kind, detail)
                                         for at, kind, detail in payload.get("steps", [])])
    elif op == "close_call":
        calls.close(db, payload["id"], payload["outcome"], payload["reason"], payload["tier"])
        calls.event(db, payload["id"], datetime.fromisoformat(payload["at"]), "step", payload["step"])
    elif op == "add_message":
        fields: dict[str, Any] = {k: datetime.fromisoformat(v) if k in MOMENTS and v else v
                                  for k, v in payload.items()}
        fields.setdefault("now", fields["recorded_at"])      # an entry written before these fields
        fields.setdefault("number", "")
        fields.setdefault("media", None)
        if not (replaying and calls.has_message(db, fields["call_id"], fields.get("path") or "")):
            return messages.add(db, **fields)
    else:
        raise ValueError(f"unknown journal entry {op!r}")
    return None
