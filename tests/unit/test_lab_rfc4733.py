"""The lab's RFC 4733 keys (``lab/rfc4733.py``): the pcaps of one call's keys follow each other, so
Asterisk takes each key, a falling or repeated one too (it drops an event not after the previous one)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from lab import rfc4733


def rtp(pcap: bytes) -> list[tuple[int, int, int, int]]:
    """(sequence, timestamp, event, UDP checksum right) per packet of an Ethernet pcap."""
    rows, offset = [], 24
    while offset < len(pcap):
        (length,) = struct.unpack("<I", pcap[offset + 8:offset + 12])
        packet = pcap[offset + 16:offset + 16 + length]
        offset += 16 + length
        udp = 14 + (packet[14] & 0x0F) * 4
        seq, ts = struct.unpack(">HI", packet[udp + 10:udp + 16])
        blank = packet[:udp + 6] + b"\0\0" + packet[udp + 8:]
        (stored,) = struct.unpack(">H", packet[udp + 6:udp + 8])
        right = rfc4733._udp_checksum(blank[26:34], blank[udp:]) == stored
        rows.append((seq, ts, packet[udp + 20], int(right)))
    return rows


# on a developer machine without sip-tester; never under CI=true, where the lab needs these pcaps
@pytest.mark.skipif(not rfc4733.SOURCE.is_dir() and os.environ.get("CI") != "true",
                    reason="sipp's pcaps are not installed (sip-tester)")
def test_the_keys_of_one_call_rise_whatever_the_keys(tmp_path: Path) -> None:
    paths = rfc4733.key_pcaps(tmp_path, ["7", "4", "4", "1", "#"])
    calls = [rtp(path.read_bytes()) for path in paths]
    assert [row[2] for row in (packets[0] for packets in calls)] == [7, 4, 4, 1, 11], "each key's own event"
    stamps = [packets[0][1] for packets in calls]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5, "each key after the previous one"
    assert all(len({row[1] for row in packets}) == 1 for packets in calls), "one timestamp per event"
    last = [max(row[0] for row in packets) for packets in calls]
    first = [min(row[0] for row in packets) for packets in calls]
    assert all(first[n + 1] > last[n] for n in range(4)), "sequence numbers go on"
    assert all(row[3] for packets in calls for row in packets), "UDP checksums right"


def test_a_key_without_a_pcap_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no RFC 4733 pcap for key 'A'"):
        rfc4733.key_pcaps(tmp_path, ["A"])
