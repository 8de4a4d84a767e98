"""The monthly statement a manager signs: printed by headless Chromium to PDF, it is A4 (``pdfinfo``),
one page per employee for a normal month, in French, with the headings in the words of the law,
amounts the French way (``149,48 €``), dates that do not wrap, a signature block, and at the foot
of each page the hash ``report statements list`` shows for the version kept.

Outside CI, a machine without Chromium or poppler-utils skips with how to get them; with
``CI=true`` it fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from astreinte.cli import main
from tests.helpers.browser import TIMEOUT, chromium, poppler
from tests.helpers.reports import store_november_calls

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
NOW = "2026-12-05T10:00"          # November 2026 is closed: the statement is kept
PEOPLE = {"alice": "Alice Martin", "bob": "Bob Durand", "carol": "Carol Petit", "dave": "David Moreau"}
HEADINGS = ("RELEVÉ MENSUEL DES HEURES D'ASTREINTE ET DES INTERVENTIONS",
            "Document remis au salarié en application de l'article R3121-2 du Code du travail",
            "conservé au moins trois ans (articles D3171-16 et L3245-1)",
            "Jours d'astreinte", "Heures d'astreinte par nature", "Périodes d'astreinte et leur compensation",
            "Interventions (temps de travail effectif, trajets compris)", "Compensation due",
            "Repos non pris et changements à délai réduit", "L'employeur", "Le salarié", "Nom et qualité :",
            "Date :", "Signature :", "Empreinte SHA-256 de cette page :")


def cli(config: Path, *args: str, now: str = NOW) -> click.testing.Result:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}
    result = CliRunner().invoke(main, ["--config", str(config), "--now", now, *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def print_to_pdf(html: Path, pdf: Path, profile: Path) -> None:
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()],
        check=True, capture_output=True, timeout=TIMEOUT)


def text_of(pdf: Path, page: int, layout: bool = True) -> str:
    """The page's text (``-layout``: as laid out, table rows on one line; else in reading order), with
    Babel's no-break spaces made plain."""
    done = subprocess.run([poppler("pdftotext"), *(["-layout"] if layout else []), "-f", str(page), "-l", str(page),
                           str(pdf), "-"], check=True, capture_output=True, text=True, timeout=TIMEOUT)
    return done.stdout.replace("\u00a0", " ").replace("\u202f", " ")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def statement(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.yaml"
    shutil.copy(EXAMPLE, config)
    cli(config, "rota", "load", now="2026-10-01T09:00")
    cli(config, "intervention", "add", "--person", "bob", "--start", "2026-11-11T14:00", "--end", "2026-11-11T15:20",
        "--on-site", "--travel", "30m", "--note", "pump restarted")
    store_november_calls(config)                       # two answered calls for bob on Tuesday 10 November, at night
    html = tmp_path / "statement.html"
    cli(config, "report", "statement", "--month", "2026-11", "-o", str(html))
    return config, html


def test_the_statement_prints_on_a4_one_page_per_employee_in_french(statement: tuple[Path, Path],
                                                                   tmp_path: Path) -> None:
    config, html = statement
    pdf = tmp_path / "statement.pdf"
    print_to_pdf(html, pdf, tmp_path / "profile")
    info = subprocess.run([poppler("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True,
                          timeout=TIMEOUT).stdout
    assert re.search(r"^Page size:\s+[\d.]+ x [\d.]+ pts \(A4\)$", info, re.MULTILINE), info
    assert re.search(r"^Pages:\s+4$", info, re.MULTILINE), "one page per employee: " + info

    listed = cli(config, "report", "statements", "list", "--month", "2026-11").stdout
    hashes = dict(re.findall(r"page (\w+)\s+([0-9a-f]{64})", listed))
    assert sorted(hashes) == sorted(PEOPLE)
    for number, (person, name) in enumerate(sorted(PEOPLE.items()), start=1):
        page = flat(text_of(pdf, number, layout=False))
        for heading in (*HEADINGS, "Salarié(e)", "Mois", "Période", "Indemnisation"):
            assert heading in page, f"{person}'s page lacks {heading!r}"
        assert f"{name} ({person})" in page and "novembre 2026" in page
        assert "du dimanche 1 novembre 2026 au lundi 30 novembre 2026" in page
        assert "Fonction publique — Intérieur (arrêté du 3 novembre 2015)" in page
        assert f"Nom : {name}" in page
        assert hashes[person] in page.replace(" ", ""), "the page carries the hash of the version kept"

    bob = text_of(pdf, 2)
    # Periods, the French way; each date on one line (no wrapping inside "09/11/2026 09:00").
    assert re.search(r"Semaine complète\s+09/11/2026 09:00\s+16/11/2026 09:00\s+149,48 €", bob), bob
    assert re.search(r"Semaine complète\s+30/11/2026 09:00\s+07/12/2026 09:00\s+149,48 €", bob)
    assert re.search(r"Semaine \(de jour\)\s+Nuit\s+Samedi\s+Dimanche\s+Jour férié\s+Total", bob)
    assert re.search(r"11/11/2026 14:00\s+11/11/2026 15:20\s+sur site\s+30\s+1,83\s+déclarée\s+pump restarted", bob)
    assert re.search(r"Nuit\s+1,00\s+24,00 €\s+24,00 €\s+1,50", bob), "the two night calls, paid 24 € an hour"
    assert re.search(r"Jour férié\s+1,83\s+32,00 €\s+58,67 €\s+3,67", bob)
    assert re.search(r"298,96 €\s+82,67 €\s+381,63 €\s+29,17", bob), "periods, interventions, total, or rest"
    assert not re.search(r"\d{2}/\d{2}/\s*\n\s*\d{4}", bob), "a date wrapped"
