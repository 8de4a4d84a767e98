"""The real tools the integration tests render with: headless Chromium (Debian's) and poppler-utils."""

from __future__ import annotations

import shutil

from tests.helpers.ci import missing
from tests.helpers.timing import scaled

TIMEOUT = scaled(60)       # one page rendered by a cold Chromium on a loaded machine


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    missing("headless Chromium", "apt-get install -y chromium (or make deb)")


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    missing(tool, "apt-get install -y poppler-utils (or make deb)")
