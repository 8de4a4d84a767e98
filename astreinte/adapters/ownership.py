"""Files a CLI run as root creates where the daemon keeps its state belong to the daemon.

The daemon runs as ``astreinte`` with ``UMask=0077`` in ``StateDirectory=astreinte``
(``/var/lib/astreinte``: database, softphone passwords, prompts). An administrator often runs
``astreinte rota load`` or ``astreinte phones write`` as root: a database, a ``-wal`` journal or
a password file created then would be root's, mode 0600, and the daemon could no longer open
it. So, when root creates or touches such a file in a folder owned by someone else, the file
is given to the folder's owner and group; a file it created is also made private (0600).
Nothing happens for other users, nor in root's own folders (``/etc/astreinte``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def settle(path: Path, *, created: bool = False) -> None:
    """Give ``path`` (if it exists) to the owner of its folder when running as root; 0600 if ``created``."""
    if os.geteuid() != 0:
        return
    with contextlib.suppress(FileNotFoundError):
        folder = path.parent.stat()
        if folder.st_uid == 0:
            return
        info = path.lstat()
        if (info.st_uid, info.st_gid) != (folder.st_uid, folder.st_gid):
            os.chown(path, folder.st_uid, folder.st_gid, follow_symlinks=False)
        if created:
            os.chmod(path, 0o600)


def settle_database(path: Path, *, created: bool = False) -> None:
    """The SQLite file and the journal files beside it (``-wal``, ``-shm``)."""
    settle(path, created=created)
    for suffix in ("-wal", "-shm"):
        settle(path.with_name(path.name + suffix))
