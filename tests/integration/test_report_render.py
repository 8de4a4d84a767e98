"""The HTML statement and KPI report open in a real browser (headless Chromium from Debian) and
show their tables and charts: rendered to PNG, the picture has the asked size and is not blank.

Outside CI, a machine without Chromium skips with how to get it; with ``CI=true`` it fails.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image as PIL  # a dev dependency (pip install -e '.[dev]'): missing, the test fails

from astreinte.cli import main
from tests.helpers.browser import TIMEOUT, chromium
from tests.helpers.reports import store_november_calls

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
WIDTH, HEIGHT = 1200, 1600


def screenshot(html: Path, png: Path, profile: Path) -> None:
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}",
         html.as_uri()],
        check=True, capture_output=True, timeout=TIMEOUT)


def assert_picture(png: Path) -> None:
    assert png.exists()
    with PIL.open(png) as image:
        assert image.size == (WIDTH, HEIGHT)
        counts = image.convert("L").histogram()          # pixels per grey level 0..255
    total = sum(counts)
    mean = sum(level * n for level, n in enumerate(counts)) / total
    variance = sum(n * (level - mean) ** 2 for level, n in enumerate(counts)) / total
    assert variance > 100, f"the page looks blank (variance {variance:.1f})"
    assert sum(counts[:128]) > 2000                     # text, table borders and bars were drawn


@pytest.fixture
def reports(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, config)
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}

    def run(*args: str) -> None:
        result = CliRunner().invoke(main, ["--config", str(config), *args], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output

    run("--now", "2026-10-01T09:00", "rota", "load")
    run("intervention", "add", "--person", "bob", "--start", "2026-11-11T14:00", "--end", "2026-11-11T15:20",
        "--on-site", "--travel", "30m", "--note", "pump restarted")
    store_november_calls(config)
    statement, kpi = tmp_path / "statement.html", tmp_path / "kpi.html"
    run("report", "statement", "--month", "2026-11", "--person", "bob", "--format", "html", "-o", str(statement),
        "--no-store")
    run("report", "kpi", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "html", "-o", str(kpi))
    return statement, kpi


def test_statement_and_kpi_render_in_chromium(reports: tuple[Path, Path], tmp_path: Path) -> None:
    statement, kpi = reports
    text = statement.read_text()
    for table in ("hours", "periods", "interventions", "pay", "totals", "findings"):
        assert f'<table class="{table}">' in text
    assert 'class="chart calendar"' in text
    text = kpi.read_text()
    for chart in ("calendar", "bars", "columns"):
        assert f'class="chart {chart}"' in text
    assert '<table class="kpi">' in text and '<table class="load">' in text
    for page in (statement, kpi):
        png = tmp_path / f"{page.stem}.png"
        screenshot(page, png, tmp_path / f"profile-{page.stem}")
        assert_picture(png)
