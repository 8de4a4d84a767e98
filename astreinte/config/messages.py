"""A team's ``messages:`` block: what happens to a message left on its line (``domain.calling.MessagePolicy``).

    teams:
      support:
        messages:
          callout: true            # call the people on call back until one acknowledges the message
          every: 5m                # between the end of a round and the next one (5s to 1h)
          rounds: 3                # rounds at most, then the message is "expired" (still listed and mailed)
          escalate: true           # round n rings level n; false: level 1 every round
          at_opening: PJSIP/reception   # messages still open when the service hours end are called out here

Every key is optional; without the block nobody is called back (the message is stored and mailed).
"""

from __future__ import annotations

import yaml

from astreinte.config import values
from astreinte.config.nodes import Reader, child
from astreinte.domain.calling import MessagePolicy

KEYS = ("callout", "every", "rounds", "escalate", "at_opening")
SHORTEST_EVERY = 5.0


def read_messages(reader: Reader, node: yaml.Node, path: str) -> MessagePolicy | None:
    fields = reader.mapping(node, path, optional=KEYS)
    if fields is None:
        return None
    default = MessagePolicy()
    callout = reader.boolean(fields["callout"], child(path, "callout")) if "callout" in fields else default.callout
    every = reader.get(fields, path, "every", values.duration) if "every" in fields else default.every
    if every is not None and every < SHORTEST_EVERY:
        reader.error(fields["every"], child(path, "every"), f"expected at least {SHORTEST_EVERY:.0f}s between rounds")
        every = None
    rounds = reader.integer(fields["rounds"], child(path, "rounds"), minimum=1, maximum=20) \
        if "rounds" in fields else default.rounds
    escalate = reader.boolean(fields["escalate"], child(path, "escalate")) \
        if "escalate" in fields else default.escalate
    at_opening = None
    if "at_opening" in fields and not reader.is_null(fields["at_opening"]):
        at_opening = reader.parse(fields["at_opening"], child(path, "at_opening"), values.phone)
        if at_opening is None:
            return None
    if callout is None or every is None or rounds is None or escalate is None:
        return None
    return MessagePolicy(callout, every, rounds, escalate, at_opening)
