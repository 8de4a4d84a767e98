#!/usr/bin/env python3
"""Tiny baresip ctrl_tcp client (netstring-framed JSON, baresip 1.0.0).

  ctrl_tcp_client.py watch [DIGITS] [DELAY_S]   print events; on CALL_ESTABLISHED send DIGITS (default "1")
                                     via `sndcode` after DELAY_S (default 1.0)
  ctrl_tcp_client.py cmd COMMAND [PARAMS]       send one command, print the response, exit
Env: BCTL=127.0.0.1:4444
"""
import json
import os
import socket
import sys
import time

HOST, PORT = os.environ.get("BCTL", "127.0.0.1:4444").rsplit(":", 1)


def connect(deadline=10.0):
    t0 = time.monotonic()
    while True:
        try:
            return socket.create_connection((HOST, int(PORT)), timeout=2)
        except OSError:
            if time.monotonic() - t0 > deadline:
                raise
            time.sleep(0.1)


def send(sock, command, params="", token=None):
    body = json.dumps({"command": command, "params": params, "token": token or command}).encode()
    sock.sendall(str(len(body)).encode() + b":" + body + b",")


def frames(sock):
    buf = b""
    while True:
        while b":" in buf:
            n, rest = buf.split(b":", 1)
            n = int(n)
            if len(rest) < n + 1:
                break
            yield json.loads(rest[:n])
            buf = rest[n + 1:]
        chunk = sock.recv(65536)
        if not chunk:
            return
        buf += chunk


def log(*a):
    print(time.strftime("%H:%M:%S"), f"{time.time() % 1:.3f}"[1:], *a, flush=True)


def main():
    mode = sys.argv[1]
    sock = connect()
    if mode == "cmd":
        send(sock, sys.argv[2], " ".join(sys.argv[3:]))
        sock.settimeout(3)
        for f in frames(sock):
            if f.get("response"):
                log("response", json.dumps(f))
                return
        return
    digits = sys.argv[2] if len(sys.argv) > 2 else "1"
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    sock.settimeout(None)
    log("connected to ctrl_tcp")
    for f in frames(sock):
        if f.get("event"):
            log("event", f.get("type"), f.get("param", ""), f.get("peeruri", ""), f.get("accountaor", ""))
            if f.get("type") == "CALL_ESTABLISHED":
                time.sleep(delay)
                for d in digits:
                    send(sock, "sndcode", d)
                    time.sleep(0.25)
                log("sent DTMF", digits)
        else:
            log("response", json.dumps(f))


if __name__ == "__main__":
    main()
