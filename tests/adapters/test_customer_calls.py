"""A known caller's calls in the store: ``astreinte calls --json`` carries the customer (the ``calls`` table's
column, migration m009), ``astreinte report customers`` counts them per month."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from astreinte.adapters.store import Store
from astreinte.adapters.store.customers import CustomerBook
from astreinte.cli import main
from astreinte.config import load
from astreinte.domain.callers import Directory
from astreinte.domain.calls.record import CallRecord
from astreinte.web.passwords import verify_pin
from tests.helpers.calls import PARIS

EXAMPLE = (Path(__file__).parent.parent / "data" / "config.example.yaml").read_text()
DIRECTORY = """
callers:
  biogaz-stlo: {name: Biogaz de la Vallée, site: Saint-Lô, numbers: ["02 33 00 11 22"], level: premium}
"""
T0 = datetime(2026, 11, 7, 3, 0, tzinfo=PARIS)


def cli(config: Path, *args: str) -> str:
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": "", "COLUMNS": "240"}
    done = CliRunner().invoke(main, ["--config", str(config), "--now", "2026-11-20T12:00", *args], env=env)
    assert done.exit_code == 0, done.output
    return done.output


def test_calls_and_the_report_per_customer_carry_the_customer(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE + DIRECTORY)
    config = load(path, environ={})
    with Store.open(config.database) as store:
        for n, customer in enumerate(("biogaz-stlo", None, "biogaz-stlo")):
            start = T0 + timedelta(hours=n)
            store.finish_call(CallRecord(f"c{n}", start, did="1000", caller="0233001122", team="support",
                                         outcome="answered", answered_by="alice",
                                         connected_at=start + timedelta(seconds=6 + n),
                                         ended_at=start + timedelta(minutes=2), customer=customer))
    rows = json.loads(cli(path, "calls", "--json"))
    assert [row["customer"] for row in rows] == ["biogaz-stlo", None, "biogaz-stlo"]
    assert "0233001122 (biogaz-stlo)" in cli(path, "calls")
    report = json.loads(cli(path, "report", "customers", "--from", "2026-11-01", "--to", "2026-12-01", "--json"))
    assert [(x["customer"], x["calls"], x["answered"], x["time_to_human"]["median"]) for x in report["customers"]] \
        == [("biogaz-stlo", 2, 2, 6.0), (None, 1, 1, 7.0)]
    assert "Biogaz de la Vallée (Saint-Lô)" in cli(path, "report", "customers", "--from", "2026-11-01",
                                                  "--to", "2026-12-01")


CSV = """id,name,site,numbers,level,team,pin,language
laiterie-vire,Laiterie de Vire,Vire,02 31 00 00 01;+33 6 00 00 00 02,standard,support,1357,fr
hotel-caen,Hôtel du Port,,0231000003,,,,
"""


def test_customers_imported_from_csv_are_kept_and_listed(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE + DIRECTORY)
    csv = tmp_path / "customers.csv"
    csv.write_text(CSV)
    assert "2 customer(s) in" in cli(path, "callers", "import", str(csv), "--dry-run")
    assert "2 customer(s) imported" in cli(path, "callers", "import", str(csv))
    rows = {row["id"]: row for row in json.loads(cli(path, "callers", "list", "--json"))}
    assert rows["laiterie-vire"]["numbers"] == ["+33231000001", "+33600000002"]
    assert (rows["laiterie-vire"]["pin"], rows["laiterie-vire"]["source"]) == (True, "import")
    assert rows["biogaz-stlo"]["source"] == "configuration" and "1357" not in json.dumps(rows)
    with Store.open(load(path, environ={}).database) as store:
        imported = CustomerBook(store.db).all()
    pin = imported["laiterie-vire"].pin
    assert pin is not None and pin.startswith("$argon2id$") and verify_pin(pin, "1357"), "kept hashed"
    assert imported["hotel-caen"].team is None and imported["hotel-caen"].pin is None
    conn = sqlite3.connect(load(path, environ={}).database)
    assert "1357" not in repr(conn.execute("SELECT * FROM customers").fetchall()), "no digits in the database"
    conn.close()


def test_plain_pins_of_an_older_database_are_hashed_when_it_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.db.execute("INSERT INTO customers (id, name, numbers, pin) VALUES "
                         "('ferme', 'Ferme Dupont', '[\"+33299000001\"]', '2468'), ('hotel', 'Hôtel', '[]', NULL)")
    conn = sqlite3.connect(path)         # an older database: the PINs as the import kept them, in plain text
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_customer_pins'")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        customers = CustomerBook(store.db).all()
    pin = customers["ferme"].pin
    assert pin is not None and pin.startswith("$argon2id$") and verify_pin(pin, "2468")
    assert customers["hotel"].pin is None
    directory = Directory(customers)
    assert directory.by_pin("2468", "support", verify_pin) == customers["ferme"], "the old PIN still works"


def test_the_callers_block_may_hold_a_pin_hash_of_callers_pin_hash(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE)
    done = CliRunner().invoke(main, ["--config", str(path), "callers", "pin-hash", "--stdin"], input="8422\n",
                              env={"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""})
    assert done.exit_code == 0, done.output
    digest = done.output.strip()
    path.write_text(EXAMPLE + f'callers:\n  acme: {{name: Acme, numbers: ["0231000001"], pin: "{digest}"}}\n')
    directory = load(path, environ={}).callers
    assert directory.by_pin("8422", "support", verify_pin) == directory.customers["acme"]
    assert directory.by_pin("8423", "support", verify_pin) is None


def test_a_csv_with_a_mistake_is_refused_whole_each_mistake_located(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE)
    csv = tmp_path / "customers.csv"
    csv.write_text("id,name,numbers,pin,team\nok,Fine,0231000001,,\nbad,Bad,call me,12,nowhere\n"
                   "twin,Twin,+33231000001,,\n")
    env = {"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""}
    done = CliRunner().invoke(main, ["--config", str(path), "callers", "import", str(csv)], env=env)
    assert done.exit_code != 0
    assert f"{csv}:3 numbers: expected a phone number" in done.output
    assert f"{csv}:3 pin: expected 4 to 8 digits" in done.output
    assert f"{csv}:3 team: unknown team 'nowhere'" in done.output
    assert f"{csv}:4 numbers: number '+33231000001' is already customer ok's" in done.output
    assert json.loads(cli(path, "callers", "list", "--json")) == [], "nothing imported"
