"""systemd's service notifications (``sd_notify(3)``): ``READY=1``, ``WATCHDOG=1``, ``STOPPING=1``, ``STATUS=``.

    notifier = Notifier.from_environment()      # $NOTIFY_SOCKET, $WATCHDOG_USEC, $WATCHDOG_PID
    notifier.notify("READY=1", "STATUS=taking calls")
    tg.create_task(notifier.heartbeat())        # WATCHDOG=1 every half period, from the event loop itself

With ``Type=notify`` and ``WatchdogSec=`` (contrib/astreinte.service), a daemon whose event loop is
frozen (a deadlock, SIGSTOP, a blocking call) stops sending ``WATCHDOG=1`` and systemd kills and
restarts it; its callers are already in the PBX tiers by then (the lease, ``domain/calls/lease.py``).

Written here rather than taken from a library: the protocol is one datagram of ``KEY=VALUE`` lines on
a Unix socket; python-systemd needs libsystemd's headers to build, and sdnotify (last release 2017)
neither reads ``WATCHDOG_USEC`` nor handles abstract socket names. Without ``$NOTIFY_SOCKET`` (not run
by systemd) every call is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger("astreinte.systemd")


class Notifier:
    def __init__(self, address: str | None, watchdog: float | None) -> None:
        self.address = address              # a path, or "\0name" (an abstract socket, "@name" in the variable)
        self.watchdog = watchdog            # seconds: systemd's WatchdogSec; None: no watchdog asked
        self._failed = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Notifier:
        address = environ.get("NOTIFY_SOCKET") or None
        if address is not None and address.startswith("@"):
            address = "\0" + address[1:]
        watchdog: float | None = None
        pid = environ.get("WATCHDOG_PID")
        try:
            usec = int(environ.get("WATCHDOG_USEC", ""))
            if usec > 0 and (pid is None or int(pid) == os.getpid()):
                watchdog = usec / 1_000_000
        except ValueError:
            watchdog = None
        return cls(address, watchdog)

    def notify(self, *lines: str) -> bool:
        """Send one notification; False (logged once) when systemd cannot be told."""
        if self.address is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.setblocking(False)
                sock.sendto("\n".join(lines).encode(), self.address)
        except OSError as exc:
            if not self._failed:
                log.warning("cannot notify systemd on %r: %s", self.address, exc)
            self._failed = True
            return False
        self._failed = False
        return True

    async def heartbeat(self) -> None:
        """``WATCHDOG=1`` every half watchdog period, until cancelled (returns at once without a watchdog)."""
        if self.watchdog is None or self.address is None:
            return
        log.info("systemd watchdog: a heartbeat every %.1f s (WatchdogSec=%g)", self.watchdog / 2, self.watchdog)
        while True:
            self.notify("WATCHDOG=1")
            await asyncio.sleep(self.watchdog / 2)
