"""Keys a sipp caller presses in one call (RFC 4733), as pcaps sipp's ``play_pcap_audio`` can replay.

sipp ships one pcap per key (``/usr/share/sip-tester/dtmf_2833_<key>.pcap``), all cut from one capture:
each carries fixed RTP sequence numbers and a fixed event timestamp, rising with the key (``1`` < ``2`` <
... < ``#``). Asterisk drops an RFC 4733 event whose timestamp is not after the end of the previous one
(it takes it for a late retransmission, RFC 4733 2.5.1.5), so replaying them as they are loses every key
not above the one before: the PIN 4713 reached the daemon as two digits, a key pressed twice as one.

``key_pcaps`` writes, for the keys of one call in order, copies whose sequence numbers and timestamps
follow each other (the SSRC, payload and pacing are sipp's), with the UDP checksum made right again.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

SOURCE = Path("/usr/share/sip-tester")
NAMES = {"#": "pound", "*": "star"}
KEYS = "0123456789*#"
SEQ_STEP = 16            # sequence numbers per key (sipp's pcaps use 8)
TS_STEP = 8000           # timestamp units per key (1 s at 8 kHz; an event lasts 2240)


def source(key: str) -> Path:
    if key not in KEYS:
        raise ValueError(f"no RFC 4733 pcap for key {key!r} (keys: {KEYS})")
    return SOURCE / f"dtmf_2833_{NAMES.get(key, key)}.pcap"


def key_pcaps(workdir: Path, keys: Sequence[str], tag: str = "call") -> list[Path]:
    """One pcap per key, ``workdir/<tag>_key<N>_<name>.pcap``: the Nth key's RTP after the (N-1)th's."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, key in enumerate(keys):
        path = workdir / f"{tag}_key{n}_{NAMES.get(key, key)}.pcap"
        path.write_bytes(renumbered(source(key).read_bytes(), seq=1000 + n * SEQ_STEP, ts=16000 + n * TS_STEP))
        paths.append(path)
    return paths


def renumbered(pcap: bytes, *, seq: int, ts: int) -> bytes:
    """The pcap with its RTP sequence numbers moved to start at ``seq`` (their spacing kept) and every
    packet's timestamp set to ``ts`` (one event: one timestamp)."""
    magic = pcap[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
        raise ValueError("not a classic pcap file")
    endian = "<" if magic == b"\xd4\xc3\xb2\xa1" else ">"
    (linktype,) = struct.unpack(endian + "I", pcap[20:24])
    link = {1: 14, 113: 16}.get(linktype)
    if link is None:
        raise ValueError(f"pcap link type {linktype} not handled (Ethernet or Linux cooked)")
    out, offset, first = bytearray(pcap[:24]), 24, None
    while offset < len(pcap):
        header = pcap[offset:offset + 16]
        (length,) = struct.unpack(endian + "I", header[8:12])
        packet = bytearray(pcap[offset + 16:offset + 16 + length])
        offset += 16 + length
        ip = link
        udp = ip + (packet[ip] & 0x0F) * 4
        rtp = udp + 8
        (old,) = struct.unpack(">H", packet[rtp + 2:rtp + 4])
        first = old if first is None else first
        packet[rtp + 2:rtp + 8] = struct.pack(">HI", (seq + old - first) & 0xFFFF, ts & 0xFFFFFFFF)
        packet[udp + 6:udp + 8] = b"\0\0"
        packet[udp + 6:udp + 8] = struct.pack(">H", _udp_checksum(bytes(packet[ip + 12:ip + 20]),
                                                                  bytes(packet[udp:])))
        out += header + packet
    return bytes(out)


def _udp_checksum(addresses: bytes, segment: bytes) -> int:
    (length,) = struct.unpack(">H", segment[4:6])
    data = addresses + struct.pack(">BBH", 0, 17, length) + segment[:length]
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total & 0xFFFF) or 0xFFFF
