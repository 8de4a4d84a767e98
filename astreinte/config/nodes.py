"""A YAML reader that keeps line numbers and collects every problem instead of stopping at the first.

The file is *composed* (PyYAML nodes with their marks), never constructed, so scalars
keep the text the user typed: ``NO`` stays ``NO``, ``0612345678`` keeps its zero, and
typing is done by our own parsers. Every accessor returns None after recording a
located ``Problem`` when the value is wrong, so one pass reports everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import yaml

from astreinte.domain.errors import Problem

T = TypeVar("T")

NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"
NULLS = frozenset(("", "~", "null", "Null", "NULL"))
BOOLS = frozenset(
    word for base in ("yes", "no", "true", "false", "on", "off") for word in (base, base.title(), base.upper())
)
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader whose resolver only tells null and booleans apart: our parsers type the rest.

    The stock resolver runs a dozen regular expressions per scalar (a third of the load time
    of a large file) to find ints, floats and timestamps we never construct.
    """

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0] and value in NULLS:
                return NULL_TAG
            if implicit[0] and value in BOOLS:
                return BOOL_TAG
            return STR_TAG
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"


def compose(text: str) -> yaml.Node | None:
    """The document's root node (None for an empty file); raises yaml.YAMLError."""
    return yaml.compose(text, Loader=Loader)


def syntax_problem(exc: yaml.YAMLError, file: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    return Problem(file, line, "", f"invalid YAML: {problem}")


def line_of(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Reader:
    """Accessors over composed nodes that record problems (file, line, key path, message)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}
        self.keys: dict[str, yaml.Node] = {}     # key path -> the key's own node
        self.sources: dict[str, str] = {}        # every file read (this one, included ones) -> its text

    def read_from(self, path: Path | str, text: str) -> None:
        """Record that the configuration depends on ``path``, whose text (``Path.read_text``) was ``text``."""
        self.sources[str(path)] = text

    def error(self, node: yaml.Node | None, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, line_of(node), path, message))

    def is_null(self, node: yaml.Node | None) -> bool:
        return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG)

    def mapping(
        self,
        node: yaml.Node | None,
        path: str,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
        any_keys: bool = False,
    ) -> dict[str, yaml.Node] | None:
        """The mapping's values by key; unknown, duplicate and missing keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, path, f"expected a mapping, got {self.describe(node)}")
            return None
        required = tuple(required)
        allowed = set(required) | set(optional)
        values: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or self.is_null(key_node):
                self.error(key_node, path, "keys must be plain names")
                continue
            key = str(key_node.value)
            where = child(path, key)
            if key in values:
                self.error(key_node, where, "duplicate key")
            elif not any_keys and key not in allowed:
                expected = ", ".join(sorted(allowed))
                self.error(key_node, where, f"unknown key '{key}' (expected one of: {expected})")
            else:
                values[key] = value_node
                self.lines[where] = line_of(key_node) or 0
                self.keys[where] = key_node
        for key in required:
            if key not in values:
                self.error(node, child(path, key), "missing (required)")
        return values

    def sequence(
        self, node: yaml.Node | None, path: str, *, allow_empty: bool = False
    ) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, path, f"expected a list, got {self.describe(node)}")
            return None
        if not node.value and not allow_empty:
            self.error(node, path, "must not be empty")
            return None
        for index, item in enumerate(node.value):
            self.lines[child(path, index)] = line_of(item) or 0
        return list(node.value)

    def string(self, node: yaml.Node | None, path: str) -> str | None:
        """A scalar's text as typed (quoted or not); null and collections are problems."""
        if not isinstance(node, yaml.ScalarNode) or self.is_null(node):
            self.error(node, path, f"expected a value, got {self.describe(node)}")
            return None
        return str(node.value)

    def parse(self, node: yaml.Node | None, path: str, parser: Callable[[str], T]) -> T | None:
        """``parser(text)``; its ValueError becomes the problem's message."""
        text = self.string(node, path)
        if text is None:
            return None
        try:
            return parser(text)
        except ValueError as exc:
            self.error(node, path, str(exc))
            return None

    def get(
        self, fields: dict[str, yaml.Node], path: str, key: str, parser: Callable[[str], T]
    ) -> T | None:
        """``parser`` applied to ``fields[key]`` when the key is present, else None."""
        if key not in fields:
            return None
        return self.parse(fields[key], child(path, key), parser)

    def integer(self, node: yaml.Node | None, path: str, *, minimum: int, maximum: int) -> int | None:
        def whole(text: str) -> int:
            if not text.strip().isdigit() or not minimum <= int(text) <= maximum:
                raise ValueError(f"expected a whole number from {minimum} to {maximum}, got {text!r}")
            return int(text)

        return self.parse(node, path, whole)

    def boolean(self, node: yaml.Node | None, path: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL_TAG:
            return str(node.value).lower() in ("true", "yes", "on", "y")
        self.error(node, path, f"expected true or false, got {self.describe(node)}")
        return None

    def choice(self, node: yaml.Node | None, path: str, choices: tuple[str, ...]) -> str | None:
        def one_of(text: str) -> str:
            if text not in choices:
                raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
            return text

        return self.parse(node, path, one_of)

    def describe(self, node: yaml.Node | None) -> str:
        if self.is_null(node):
            return "nothing"
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        value = str(node.value) if node is not None else ""
        return repr(value if len(value) <= 40 else value[:40] + "…")
