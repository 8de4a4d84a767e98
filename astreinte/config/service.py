"""The ``service:`` block: the line the people on call dial to act by phone (``domain/calls/service.py``).

    service:
      numbers: ["+33180009999"]      # reached from mobiles, on the on-call trunk (the caller's number + a PIN)
      extension: "*88"               # dialed from the managed softphones (phones: block), no PIN
      announcement_hours: 2h         # how long callers hear an announcement recorded by phone (default 2h)
      announcement_max: 60s          # the longest recording (default 60s)
      longest_take: 24h              # "take the on-call now" for at most this long (default 24h)

Every key is optional; at least a number or the extension, else nobody reaches the line. A PIN is set per
person with ``astreinte phones pin PERSON``; three wrong PINs end the call (logged).
"""

from __future__ import annotations

import re
from collections.abc import Collection

import yaml

from astreinte.config import values
from astreinte.config.daemon import long_duration
from astreinte.config.nodes import Reader, child
from astreinte.config.numbers import NumberPlan
from astreinte.domain.calls.service_line import ServiceSettings

KEYS = ("numbers", "extension", "announcement_hours", "announcement_max", "longest_take")
EXTENSION = re.compile(r"[*#]?[0-9]{1,8}\Z")


def extension(text: str) -> str:
    if not EXTENSION.match(text):
        raise ValueError(f"expected a short extension such as *88, got {values.shown(text)}")
    return text


def read_service(reader: Reader, node: yaml.Node | None, plan: NumberPlan, taken: Collection[str],
                 phones: bool) -> ServiceSettings:
    """``taken``: the numbers teams and menus already answer; ``phones``: a ``phones:`` block is there."""
    path = "service"
    fields = reader.mapping(node, path, optional=KEYS)
    default = ServiceSettings()
    if fields is None:
        return default
    numbers: list[str] = []
    node_numbers = fields.get("numbers")
    items = reader.sequence(node_numbers, child(path, "numbers")) if node_numbers is not None else None
    for index, item in enumerate(items or []):
        where = child(child(path, "numbers"), index)
        number = reader.parse(item, where, plan.reachable)
        if number is not None and number in taken:
            reader.error(item, where, f"number '{number}' already reaches a team or a menu")
        elif number is not None and number not in numbers:
            numbers.append(number)
    dialed = reader.get(fields, path, "extension", extension) if "extension" in fields else None
    if dialed is not None and not phones:
        reader.error(fields["extension"], child(path, "extension"),
                     "needs a phones: block (the extension is dialed from the managed softphones)")
    hours = reader.get(fields, path, "announcement_hours", long_duration) if "announcement_hours" in fields else None
    longest = reader.get(fields, path, "announcement_max", values.duration) if "announcement_max" in fields else None
    if longest is not None and not 5 <= longest <= 600:
        reader.error(fields["announcement_max"], child(path, "announcement_max"), "expected between 5s and 10m")
        longest = None
    take = reader.get(fields, path, "longest_take", long_duration) if "longest_take" in fields else None
    if take is not None and take < 3600:
        reader.error(fields["longest_take"], child(path, "longest_take"), "expected at least 1h")
        take = None
    return ServiceSettings(tuple(numbers), dialed,
                           hours / 3600 if hours else default.announcement_hours,
                           int(longest) if longest else default.announcement_max,
                           int(take // 3600) if take else default.longest_take)
