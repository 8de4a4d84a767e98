"""A call to the service line: a person on call acts by phone. Pure.

    flow = ServiceFlow(line, now, answered=False); send(flow.start(now))
    loop: send(flow.handle(event, now)) until flow.finished (TimerExpired at flow.deadline)

    arrival ─┬─ a managed softphone ──────────────────────────▶ "hello NAME" + menu
             ├─ a person's mobile ──▶ PIN + # ──CheckPin──┬─ right ──▶ menu
             │                                           └─ wrong (``pin_tries`` times) ──▶ goodbye
             └─ anyone else ──▶ "this line is for the people on call" ──▶ goodbye
    menu ─1─▶ who is on call (each of my teams), my next shift ──▶ menu
         ─2─▶ [team] ──▶ hours + # (# alone: until the next hand-off) ──TakeOnCall──▶ done / refused ──▶ menu
         ─3─▶ [team] ──▶ 1 record (beep, # ends) ──SaveAnnouncement──▶ menu;  2 replay;  3 ClearAnnouncement
         ─4─▶ ListMessages ──▶ each: who, when, the recording; 1 acknowledge, 2 next, 3 again ──▶ menu
         ─5─▶ minutes + # ──▶ 1 on site (then travel minutes + #) / 2 remotely ──DeclareIntervention──▶ menu
    a question unanswered ``asks`` times ──▶ goodbye;  the caller hanging up ends the call (a recording
    under way is still saved)

Keys count while a prompt plays (it stops). Every store action is a command the runtime carries out and
answers (``service_line``); a failure is said ("that did not work") and the menu comes back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from astreinte.domain import hunt_events as h
from astreinte.domain.calls import commands as c
from astreinte.domain.calls import events as e
from astreinte.domain.calls import service_line as s
from astreinte.domain.calls import service_text as t
from astreinte.domain.calls.service_menu import Menu
from astreinte.domain.calls.service_talk import COLLECTED, MAX_KEYS, Out, say

ServiceEvent = e.Event | s.ServiceReply
ServiceCommand = c.Command | s.Say | s.ServiceAction


class ServiceFlow(Menu):
    # ── entry points ─────────────────────────────────────────────────────────

    def start(self, now: datetime) -> Out:
        out: Out = [] if self._answered else [c.Answer()]
        line = self.line       # the service line needs the daemon: if it stops, Asterisk hangs up (``last``)
        out.append(c.Lease(self.id, max(60, int(line.max_call_duration)), last=True))
        who = f"{self.person} ({line.how})" if self.person else f"unknown caller {line.caller or 'anonymous'}"
        self._trace(f"service line: {who}", now, out)
        if self._answered:
            self._on_answered(now, out)
        return out

    def handle(self, event: ServiceEvent, now: datetime) -> Out:
        out: Out = []
        if self.finished:
            return out
        match event:
            case e.ChannelLeft(channel=channel) | e.ChannelGone(channel=channel) if channel == self.id:
                self._caller_left(now, out)
            case e.RequestFailed(command=command, gone=True) if c.channel_of(command, self.id) == self.id:
                self._caller_left(now, out)
            case e.AnswerDone():
                self._on_answered(now, out)
            case e.DigitPressed(channel=channel, digit=digit) if channel == self.id:
                self._key(digit[:1], now, out)
            case e.PlaybackFinished(playback=playback, failed=failed):
                self._played(playback, failed, now, out)
            case e.RecordingFinished(name=name, duration=duration) if name == self._recording:
                self._recorded(duration, now, out)
            case e.RecordingFailed(name=name, cause=cause) if name == self._recording:
                self._trace(f"the announcement recording failed ({cause})", now, out, warning=True)
                self._recorded(None, now, out)
            case e.RequestFailed(command=command, error=error):
                self._request_failed(command, error, now, out)
            case h.TimerExpired():
                self._timer(now, out)
            case s.PinChecked() | s.TakeDone() | s.AnnouncementDone() | s.MessagesListed() | s.AckDone() \
                    | s.InterventionDone() | s.ServiceFailed():
                self._replied(event, now, out)
        return out

    def abort(self, why: str, now: datetime) -> Out:
        out: Out = []
        if not self.finished:
            self._trace(f"service line: stopped ({why})", now, out, warning=True)
            self._end(now, out)
        return out

    # ── events ───────────────────────────────────────────────────────────────

    def _on_answered(self, now: datetime, out: Out) -> None:
        if self._greeted or self.caller_gone:
            return
        self._answered = self._greeted = True
        line = self.line
        if line.person is None or line.how == "unknown":
            self._trace("service line: caller not known, refused", now, out, warning=True)
            self._close([say(t.NOT_KNOWN)], now, out)
        elif line.how == "mobile":
            self._ask("pin", [say(t.ASK_PIN)], now, out)
        else:
            self._menu(now, out, [say(t.WELCOME, name=line.person.name)])

    def _key(self, key: str, now: datetime, out: Out) -> None:
        if self.phase != "asking" or not key:
            return
        out += self.media.stop()
        self._until = now + timedelta(seconds=self.line.timings.digit_wait)
        if self.question not in COLLECTED:
            self._answer(key, now, out)
        elif key == "#" or len(self._keys) >= MAX_KEYS:
            self._answer(self._keys, now, out)
        elif key.isdigit():
            self._keys += key

    def _played(self, playback: str, failed: bool, now: datetime, out: Out) -> None:
        if self.media.finished(playback) is None:
            return
        if failed:
            self._trace(f"playback {playback} failed", now, out, warning=True)
        if self.phase == "asking":
            self._until = now + timedelta(seconds=self.line.timings.digit_wait)
        elif self.phase == "closing":
            self._end(now, out)
        elif self.phase == "recording" and not self._recording:
            self._record(now, out)

    def _timer(self, now: datetime, out: Out) -> None:
        if self._until is None or self._until > now:
            return
        self._until = None
        if self.caller_gone:
            self._end(now, out)
        elif self.phase == "asking" and self.question in COLLECTED and self._keys:
            self._answer(self._keys, now, out)           # the digits without the #
        elif self.phase == "asking" and self._asked < self.line.timings.asks:
            self._ask(self.question, self._repeat, now, out)
        elif self.phase == "asking":
            self._trace(f"service line: no answer to {self.question}", now, out)
            self._close([], now, out)
        elif self.phase == "recording" and self._recording:
            self._recorded(None, now, out)
        elif self.phase == "recording":
            self._record(now, out)
        elif self.phase == "busy":
            self._menu(now, out, [say(t.FAILED)])
        else:
            self._end(now, out)

    def _request_failed(self, command: object, error: str, now: datetime, out: Out) -> None:
        if isinstance(command, (s.Say, c.Play)):
            self._played(command.playback, True, now, out)
        elif isinstance(command, c.Record):
            self._trace(f"could not record ({error})", now, out, warning=True)
            self._recorded(None, now, out)
        elif isinstance(command, c.Answer):
            self._on_answered(now, out)

    def _caller_left(self, now: datetime, out: Out) -> None:
        if self.caller_gone:
            return
        self.caller_gone = True
        self._trace("caller hung up", now, out)
        if self.phase == "recording" and self._recording:      # the announcement is kept: wait for its end
            self._until = now + timedelta(seconds=self.line.timings.recording_margin)
        elif self.phase != "busy":
            self._end(now, out)

    # ── what the store answered ──────────────────────────────────────────────

    def _replied(self, reply: s.ServiceReply, now: datetime, out: Out) -> None:
        if self.phase != "busy":
            return
        if self.caller_gone:
            self._end(now, out)
            return
        match reply:
            case s.PinChecked(ok=True):
                self._trace(f"service line: {self.person} identified by PIN", now, out)
                assert self.line.person is not None
                self._menu(now, out, [say(t.WELCOME, name=self.line.person.name)])
            case s.PinChecked(known=False):
                self._trace(f"service line: {self.person} has no PIN: refused", now, out, warning=True)
                self._close([say(t.NO_PIN)], now, out)
            case s.PinChecked():
                self._pins += 1
                tries = self.line.settings.pin_tries
                self._trace(f"service line: wrong PIN for {self.person} from {self.line.caller or 'anonymous'} "
                            f"({self._pins}/{tries})" + (": refused" if self._pins >= tries else ""),
                            now, out, warning=True)
                if self._pins >= tries:
                    self._close([say(t.WRONG_PIN)], now, out)
                else:
                    self._asked = 0
                    self._ask("pin", [say(t.ASK_PIN)], now, out, [say(t.WRONG_PIN)])
            case s.TakeDone(refused=None, end=end) if self._team is not None and end is not None:
                self._menu(now, out, [say(t.TAKEN, team=self._team.id, until=end)])
            case s.TakeDone(refused=reason):
                self._trace(f"service line: take refused for {self.person}", now, out, warning=True)
                self._menu(now, out, [say(t.REFUSED), *([reason] if reason is not None else [])])
            case s.AnnouncementDone(team=team, announcement=announcement):
                if announcement is None:
                    self.announcements.pop(team, None)
                    self._menu(now, out, [say(t.ANNOUNCE_CLEARED)])
                else:
                    self.announcements[team] = announcement
                    self._menu(now, out, [say(t.ANNOUNCE_SAVED, until=announcement.until)])
            case s.MessagesListed(items=items):
                self._messages, self._index = items, 0
                if items:
                    self._play_message(now, out)
                else:
                    self._menu(now, out, [say(t.NO_MESSAGES)])
            case s.AckDone(first=first):
                self._index += 1
                self._play_message(now, out, [say(t.ACKNOWLEDGED if first else t.ACKNOWLEDGED_BEFORE)])
            case s.InterventionDone():
                self._menu(now, out, [say(t.DECLARED, minutes=self._minutes)])
            case s.ServiceFailed(command=command, error=error):
                self._trace(f"service line: {type(command).__name__} failed ({error})", now, out, warning=True)
                if isinstance(command, s.CheckPin):
                    self._close([say(t.FAILED)], now, out)
                else:
                    self._menu(now, out, [say(t.FAILED)])

