"""Fixtures shared by every layer. The lab ones start a real Asterisk 22 and real SIP phones.

Outside CI, a test that needs the lab skips with the reason and the way to get it (`make test`
or `make lab`); with CI=true it fails instead, so a broken lab can never turn the suite green.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers.ci import IN_CI

# The machine is shared (2 cores, a PBX and sipp running beside the tests): no per-example deadline.
settings.register_profile("astreinte", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("astreinte")

LAB_PORTS = {8088: "ARI/HTTP", 5038: "AMI"}

_lab_version: list[str] = []


@pytest.fixture(autouse=True, scope="session")
def _suite_rota_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``astreinte who`` caches compiled rotas per user (astreinte/cli/rota_cache.py): the suite
    uses a file of its own, never the ~/.cache of whoever runs it."""
    patch = pytest.MonkeyPatch()
    patch.setenv("ASTREINTE_CACHE", str(tmp_path_factory.mktemp("rota-cache") / "rotas.sqlite"))
    yield
    patch.undo()


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def lab_unavailable(reason: str) -> None:
    """Fail under CI, skip with instructions elsewhere."""
    if IN_CI:
        pytest.fail(f"the lab is required under CI=true and could not start: {reason}", pytrace=False)
    pytest.skip(f"lab unavailable: {reason} -- run `make test` (as root on Debian 12)")


@pytest.fixture(scope="session")
def lab() -> Iterator[object]:
    from lab.pbx import LabPbx, LabUnavailable

    busy = [f"{port} ({what})" for port, what in LAB_PORTS.items() if _port_in_use(port)]
    if busy:
        lab_unavailable(
            f"127.0.0.1 ports {', '.join(busy)} are already taken (a `make lab` running?); "
            "run the suite through `lab/isolated` as `make test` does")
    try:
        pbx = LabPbx.start(f"t{os.getpid()}")
    except LabUnavailable as exc:
        lab_unavailable(str(exc))
    _lab_version.append(pbx.version)
    try:
        yield pbx
    finally:
        pbx.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _lab_version:
        terminalreporter.write_line(f"lab: Asterisk {_lab_version[0]} (Debian sid, real PBX on 127.0.0.1)")
        from lab.pbx import WEDGED_AFTER
        for nodeid in WEDGED_AFTER:
            terminalreporter.write_line(f"lab: Asterisk no longer answered ARI after {nodeid}; restarted")
