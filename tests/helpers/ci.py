"""The one definition of "under CI" for every guard of the suite.

Under CI a test whose tool is missing (the lab, Chromium...) fails: a broken machine can never
turn the suite green. Elsewhere it skips, saying how to get the tool.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str, how: str) -> NoReturn:
    """Fail under CI, skip with ``how`` elsewhere."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI and is missing", pytrace=False)
    pytest.skip(f"{what} is missing: {how}")
