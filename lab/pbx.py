"""Start and stop a lab Asterisk from a configuration folder (via lab/astlab.sh)."""

from __future__ import annotations

import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASTLAB = HERE / "astlab.sh"
REPO = HERE.parent
CONF = REPO / "asterisk_conf"


ARI_PROBE = "http://127.0.0.1:8088/ari/applications"
WEDGED_AFTER: list[str] = []   # the tests after which the lab Asterisk no longer answered, and was restarted


class LabUnavailable(RuntimeError):
    """The lab Asterisk could not be built or started; the message says why and how to fix it."""


def _astlab(*args: str, timeout: float) -> str:
    try:
        done = subprocess.run(["bash", str(ASTLAB), *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise LabUnavailable(f"lab/astlab.sh {' '.join(args)} took more than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise LabUnavailable(
            f"lab/astlab.sh {' '.join(args)} failed ({done.returncode}):\n{done.stderr.strip()[-2000:]}\n"
            "Run `make lab` (as root on Debian 12) to build and start the lab.")
    return done.stdout.strip() + ("\n" + done.stderr.strip() if done.stderr.strip() else "")


def ensure_root() -> Path:
    """The lab root (built from Debian sid or restored from its cache when missing)."""
    if os.geteuid() != 0:
        raise LabUnavailable("the lab runs Asterisk in a chroot: run the tests as root")
    out = _astlab("ensure", timeout=900)
    return Path(out.splitlines()[0].strip())


@dataclass
class LabPbx:
    root: Path
    run_id: str
    startup_log: str = ""

    @classmethod
    def start(cls, run_id: str, conf_dir: Path = CONF) -> LabPbx:
        root = ensure_root()
        log = _astlab("start", str(conf_dir), run_id, timeout=60)
        return cls(root, run_id, log)

    @property
    def run_dir(self) -> Path:
        return self.root / "lab" / self.run_id

    @property
    def etc_dir(self) -> Path:
        return self.run_dir / "etc"

    @property
    def prompts_dir(self) -> Path:
        """Where astreinte writes prompts (host path)..."""
        return self.run_dir / "sounds"

    @property
    def prompts_asterisk_dir(self) -> str:
        """...and the same folder as Asterisk sees it from inside the chroot."""
        return f"/lab/{self.run_id}/sounds"

    @property
    def spool_dir(self) -> Path:
        return self.run_dir / "spool"

    @property
    def version(self) -> str:
        return _astlab("version", timeout=30).splitlines()[0]

    def cli(self, command: str) -> str:
        return _astlab("cli", self.run_id, command, timeout=30)

    def console_log(self) -> str:
        path = self.run_dir / "console.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        _astlab("stop", self.run_id, timeout=60)

    def restart(self, conf_dir: Path = CONF) -> None:
        """Stop (killing it if it does not stop) and start again: same run id, same paths, fresh state."""
        self.stop()
        self.startup_log = _astlab("start", str(conf_dir), self.run_id, timeout=60)

    def answers(self, timeout: float = 10.0) -> bool:
        """Whether ARI still answers a request: Asterisk 22 can deadlock in res_stasis/res_ari (see
        docs/operations.md), and then every later WebSocket or request hangs without an error."""
        request = urllib.request.Request(ARI_PROBE, headers={"Authorization": "Basic YXN0cmVpbnRlOnNlY3JldA=="})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return bool(response.status == 200)
        except OSError:
            return False
