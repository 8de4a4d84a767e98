"""Errors astreinte raises on purpose.

    AstreinteError                  anything we raise deliberately
     ├── ConfigError                configuration or rota files are wrong; carries every Problem found
     ├── LinkError                  Asterisk cannot be reached or refused us (ARI / AMI)
     │    └── FatalLinkError        retrying will not help: bad credentials, unknown Stasis app
     └── StoreError                 the SQLite store refused an operation

The CLI turns any AstreinteError into a one-line (or one-line-per-problem)
message with exit status 1; the daemon logs it with the call and channel ids.
"""

from __future__ import annotations

from dataclasses import dataclass


class AstreinteError(Exception):
    """Base class of every error astreinte raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located mistake: ``config.yaml:42 teams.support.hunt.rounds: expected a whole number``."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(AstreinteError):
    """The configuration (or a rota file) is invalid. ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LinkError(AstreinteError):
    """Asterisk (ARI or AMI) could not be reached or answered unexpectedly; worth retrying."""


class FatalLinkError(LinkError):
    """Asterisk refused us for a reason retrying will not fix (credentials, unknown application)."""


class StoreError(AstreinteError):
    """The SQLite store refused an operation."""
