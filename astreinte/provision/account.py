"""What a person types into Zoiper (or any SIP softphone) for one managed phone, and its account URI."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from astreinte.config.phones import PhoneSettings
from astreinte.provision.pjsip import Softphone


@dataclass(frozen=True)
class Account:
    phone: Softphone
    domain: str
    port: int
    transport: str
    password: str = field(repr=False)

    @property
    def user(self) -> str:
        return self.phone.endpoint

    @property
    def server(self) -> str:
        """``domain`` or ``domain:port`` when the port is not the transport's default."""
        default = 5061 if self.transport == "tls" else 5060
        return self.domain if self.port == default else f"{self.domain}:{self.port}"

    @property
    def address(self) -> str:
        """``erin@pbx.example.com``: the SIP address of the account (no secret in it)."""
        return f"{self.user}@{self.server}"

    def uri(self) -> str:
        """``sip:erin:PASSWORD@pbx.example.com:5060;transport=udp`` (what the QR code holds).

        The password is in it, as softphones expect when scanning an account: show it only
        to its owner.
        """
        scheme = "sips" if self.transport == "tls" else "sip"
        return (f"{scheme}:{quote(self.user, safe='')}:{quote(self.password, safe='')}"
                f"@{self.domain}:{self.port};transport={self.transport}")

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) rows in the order Zoiper asks for them."""
        return [
            ("Domain", self.server),
            ("Username", self.user),
            ("Password", self.password),
            ("Auth username", self.user),
            ("Transport", self.transport.upper()),
            ("Port", str(self.port)),
            ("Outbound proxy", "(none)"),
            ("STUN", "off (the PBX fixes NAT: rewrite_contact, rtp_symmetric)"),
            ("DTMF", "RFC 2833 / RFC 4733"),
        ]


def account(settings: PhoneSettings, phone: Softphone, password: str) -> Account:
    return Account(phone, settings.domain, settings.port, settings.transport, password)
