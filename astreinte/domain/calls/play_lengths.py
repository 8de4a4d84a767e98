"""How long Asterisk's own sounds (``sound:NAME``) play, learned from Asterisk's playback events. Pure.

The lease covers each prompt before it starts (``lease.py``: a renewal sent during a playback lands
only after it), so it must know how long the prompt plays. The daemon knows the prompts it renders;
Asterisk's own sounds it cannot read, and covering one as if it played ``seconds``'s default (10 s)
leaves a caller whose daemon freezes or dies during a 0.3 s ``sound:beep`` in silence for 14 s
(the chaos benchmark lost such callers). So the router times every playback with Asterisk's own
timestamps (``PlaybackStarted`` -> ``PlaybackFinished``: a slow or frozen daemon does not skew them)
and keeps, per sound, the longest play seen:

- a play cut short (the caller hung up, a callee answered, the lease ran out) is never longer than
  the sound: the longest play is the sound's length as soon as one play went to its end;
- a cover too short for a sound longer than all its plays so far ends the play ``TERM`` s past the
  cover: that cut play is longer, and the next cover is right.

The lengths outlive the daemon (``adapters.speech.write_lengths``, read back at start): a daemon
restarted by its watchdog covers the beep right from its first call.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime

SOUND = "sound:"
OPEN_PLAYS = 1000           # playbacks started whose end was not seen (a restart of Asterisk): bounded


class PlayLengths:
    def __init__(self, lengths: Mapping[str, float] | None = None) -> None:
        self.lengths: dict[str, float] = dict(lengths or {})       # media -> seconds: the longest play seen
        self._open: OrderedDict[str, tuple[str, datetime]] = OrderedDict()   # playback id -> (media, start)

    def started(self, playback: str, media: str, at: datetime) -> None:
        if not media.startswith(SOUND) or media.startswith(SOUND + "/"):
            return          # not a sound, or a prompt the daemon rendered (an absolute path): its file says
        self._open[playback] = (media, at)
        while len(self._open) > OPEN_PLAYS:
            self._open.popitem(last=False)

    def finished(self, playback: str, at: datetime) -> float | None:
        """The play's length when it is one of Asterisk's sounds the daemon saw start; else None."""
        found = self._open.pop(playback, None)
        if found is None:
            return None
        media, begun = found
        seconds = round(max(0.0, (at - begun).total_seconds()), 1)
        self.lengths[media] = max(seconds, self.lengths.get(media, 0.0))
        return seconds

    def seconds(self, media: str) -> float | None:
        """How long ``media`` plays, as far as its plays have shown; None before its first full play."""
        return self.lengths.get(media)
