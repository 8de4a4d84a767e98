"""A folder of wheels for ``make install WHEELS=...``, made without a network (tests only).

The test suite runs inside a network namespace with a loopback only (``lab/isolated``), so
the install test cannot ask PyPI. It installs what this very environment runs: each
dependency of astreinte is packed back into a wheel from its installed files (``RECORD``),
and astreinte's own wheel is built from the source tree. ``make wheels`` is what a user runs
instead, on a machine with a network.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as metadata
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

SKIPPED = ("INSTALLER", "REQUESTED", "RECORD", "direct_url.json")


def closure(root: str) -> list[metadata.Distribution]:
    """``root``'s installed distribution's runtime dependencies, recursively (no extras)."""
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(r) for r in metadata.requires(root) or []]
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        found[name] = dist = metadata.distribution(requirement.name)
        todo += [Requirement(r) for r in dist.requires or []]
    return list(found.values())


def repack(dist: metadata.Distribution, folder: Path) -> Path:
    """The wheel ``dist`` was installed from, rebuilt from its RECORD (scripts are made again by pip)."""
    files = [f for f in dist.files or [] if not str(f).startswith("..") and "__pycache__" not in f.parts]
    info = next(f.parts[0] for f in files if f.name == "METADATA" and f.parts[0].endswith(".dist-info"))
    tags = [line.split(":", 1)[1].strip().split("-") for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")] or [["py3", "none", "any"]]
    tag = "-".join(".".join(dict.fromkeys(t[i] for t in tags)) for i in range(3))   # py2.py3-none-any
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = folder / f"{name}-{dist.version}-{tag}.whl"
    record: list[str] = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            if file.parts[0] == info and file.name in SKIPPED:
                continue
            data = Path(str(file.locate())).read_bytes()
            archive.writestr(str(file), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{file},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return target


def build(folder: Path, source: Path) -> list[Path]:
    """Every wheel ``make install`` needs to install astreinte from ``folder`` with no index."""
    folder.mkdir(parents=True, exist_ok=True)
    wheels = [repack(dist, folder) for dist in closure("astreinte")]
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-index", "-w", str(folder), str(source)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"building astreinte's wheel failed:\n{done.stdout}{done.stderr}")
    return wheels + sorted(folder.glob("astreinte-*.whl"))
