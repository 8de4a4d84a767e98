"""The ``web:`` block: where the web console listens, how it is reached, how long a session lasts.

    web:
      listen: {host: 127.0.0.1, port: 8470}       # loopback by default: put a TLS proxy in front
      public_url: https://astreinte.example.com   # the address people use (feed links, allowed Host)
      session_idle: 2h                            # a session unused this long is over
      session_max: 12h                            # and none lasts longer than this
      trusted_proxy:                              # let the reverse proxy authenticate (optional)
        header: X-Remote-User
        from: [127.0.0.1]                         # only requests from these addresses are believed

Every key is optional. A request whose ``Host`` is neither the listening address nor the host of
``public_url`` is refused (a DNS-rebinding page cannot reach the console through a browser).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml

from astreinte.config import values
from astreinte.config.daemon import Listen, long_duration
from astreinte.config.nodes import Reader, child

HEADER = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}\Z")
PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?\Z")
DEFAULT_PORT = 8470


@dataclass(frozen=True)
class TrustedProxy:
    header: str
    addresses: tuple[str, ...]          # IP addresses or networks (``127.0.0.1``, ``10.0.0.0/8``)

    def trusts(self, peer: str | None) -> bool:
        if not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(item, strict=False) for item in self.addresses)


@dataclass(frozen=True)
class WebSettings:
    listen: Listen = field(default_factory=lambda: Listen("127.0.0.1", DEFAULT_PORT))
    public_url: str | None = None
    session_idle: float = 2 * 3600.0
    session_max: float = 12 * 3600.0
    trusted_proxy: TrustedProxy | None = None

    @property
    def base_url(self) -> str:
        """What links in pages and feed addresses start with."""
        if self.public_url:
            return self.public_url
        host = self.listen.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.listen.port}"

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over TLS when people reach the console by https (behind the proxy)."""
        return (self.public_url or "").startswith("https://")

    def allowed_hosts(self, port: int | None = None) -> frozenset[str]:
        """The ``Host`` header values accepted (``port``: the one actually bound, for port 0)."""
        port = port or self.listen.port
        host = self.listen.host
        shown = f"[{host}]" if ":" in host else host
        hosts = {f"{shown}:{port}"}
        if host in ("127.0.0.1", "::1"):
            hosts.add(f"localhost:{port}")
        if self.public_url:
            hosts.add(urlsplit(self.public_url).netloc.lower())
            parts = urlsplit(self.public_url)
            if parts.port is None and parts.hostname:
                hosts.add(parts.hostname.lower())
        return frozenset(hosts)


def public_url(text: str) -> str:
    if not PUBLIC_URL.match(text):
        raise ValueError(f"expected https://HOST[:PORT][/PATH], got {values.shown(text)}")
    return text.rstrip("/")


def header_name(text: str) -> str:
    if not HEADER.match(text):
        raise ValueError(f"expected an HTTP header name such as X-Remote-User, got {values.shown(text)}")
    return text


def network(text: str) -> str:
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"expected an IP address or network (127.0.0.1, 10.0.0.0/8), got {values.shown(text)}") \
            from None
    return text.strip()


def _proxy(reader: Reader, node: yaml.Node, path: str) -> TrustedProxy | None:
    fields = reader.mapping(node, path, required=("from",), optional=("header",))
    if fields is None:
        return None
    header = reader.get(fields, path, "header", header_name) or "X-Remote-User"
    items = reader.sequence(fields["from"], child(path, "from"))
    if items is None:
        return None
    addresses = [reader.parse(item, f"{child(path, 'from')}[{n}]", network) for n, item in enumerate(items)]
    if any(a is None for a in addresses):
        return None
    return TrustedProxy(header, tuple(a for a in addresses if a is not None))


def read_web(reader: Reader, node: yaml.Node | None) -> WebSettings:
    path = "web"
    default = WebSettings()
    fields = reader.mapping(node, path, optional=("listen", "public_url", "session_idle", "session_max",
                                                 "trusted_proxy"))
    if fields is None:
        return default
    listen = default.listen
    if "listen" in fields:
        listen_path = child(path, "listen")
        listen_fields = reader.mapping(fields["listen"], listen_path, optional=("host", "port"))
        if listen_fields is not None:
            host = reader.get(listen_fields, listen_path, "host", values.hostname) or listen.host
            port = listen.port
            if "port" in listen_fields:
                port = reader.integer(listen_fields["port"], child(listen_path, "port"), minimum=1,
                                      maximum=65535) or port
            listen = Listen(host, port)
    url = reader.get(fields, path, "public_url", public_url)
    idle = reader.get(fields, path, "session_idle", long_duration) or default.session_idle
    longest = reader.get(fields, path, "session_max", long_duration) or default.session_max
    if idle > longest:
        reader.error(fields.get("session_idle"), child(path, "session_idle"), "must not exceed web.session_max")
    proxy = _proxy(reader, fields["trusted_proxy"], child(path, "trusted_proxy")) if "trusted_proxy" in fields \
        else None
    return WebSettings(listen, url, idle, longest, proxy)
