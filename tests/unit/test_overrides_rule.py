"""The one rule of an override (astreinte/domain/overrides.py), and its three users agreeing on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from astreinte.adapters.store import Store
from astreinte.cli import main
from astreinte.config import load
from astreinte.domain.errors import StoreError
from astreinte.domain.overrides import layers_of, problems
from astreinte.domain.rota import Override

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")
T = datetime(2026, 12, 2, 12, 0, tzinfo=PARIS)


def test_the_rule() -> None:
    config = load(EXAMPLE, environ={})
    layers = layers_of(config.teams)
    assert layers == {"support": ["primary", "secondary"]}
    assert problems(layers, config.people, "support", "primary", "carol", T, T + timedelta(hours=1)) == []
    assert [field for field, _ in problems(layers, config.people, "sales", "primary", "zoe", T, T)] == [
        "team", "person", "to"]
    assert problems(layers, config.people, "support", "night", "carol", None, None) == [
        ("layer", "team 'support' has no layer 'night' (it has: primary, secondary)")]


def test_the_cli_and_the_store_refuse_what_the_rule_refuses(tmp_path: Path) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    bad = CliRunner().invoke(main, ["--config", str(config_file), "--now", "2026-12-01T10:00", "override", "add",
                                    "--team", "support", "--layer", "night", "--person", "carol",
                                    "--from", "2026-12-02T12:00", "--to", "2026-12-02T13:00"],
                             env={"ASTREINTE_ARI_PASSWORD": "", "ASTREINTE_AMI_SECRET": ""})
    assert bad.exit_code == 2 and "team 'support' has no layer 'night'" in bad.output and "--layer" in bad.output
    config = load(config_file, environ={})
    with Store.open(tmp_path / "astreinte.db") as store, pytest.raises(StoreError, match="unknown person 'zoe'"):
        store.add_override(config, Override("support", "primary", "zoe", T, T + timedelta(hours=1)), T)


def test_the_yaml_loader_locates_what_the_rule_refuses(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("    layer: primary\n    person: dave",
                                                      "    layer: night\n    person: dave")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    from astreinte.domain.errors import ConfigError
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    assert [str(p).split(" ", 1)[1] for p in caught.value.problems] == [
        "overrides[0].layer: team 'support' has no layer 'night' (it has: primary, secondary)"]
