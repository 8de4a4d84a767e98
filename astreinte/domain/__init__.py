"""The pure core of astreinte: no asyncio, sockets, files or clock reads.

Everything here takes the instant it reasons about as an argument, so the
same code answers "who is on call now?" for the daemon and "who was on call
on 24 December at 19:00?" for the CLI and the tests.
"""
