"""The service line's menu: what each answer does (``service.py`` drives it). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from astreinte.domain.calls import commands as c
from astreinte.domain.calls import service_line as s
from astreinte.domain.calls import service_text as t
from astreinte.domain.calls.line import file_id
from astreinte.domain.calls.service_line import Digits
from astreinte.domain.calls.service_talk import Out, Part, Talk, say
from astreinte.domain.rota import Team

NEXT_SHIFT_HORIZON = timedelta(days=62)


def levels_of(team: Team, person: str) -> list[tuple[int, str]]:
    """(level, layer name) of each layer ``person`` may take: the team's first (the front line, which
    anyone may take over) and each layer whose rotation has them (level 1: the first)."""
    return [(level, layer.name) for level, layer in enumerate(team.layers[:9], 1)
            if level == 1 or person in layer.rotation.members]


class Menu(Talk):
    # ── the answers ──────────────────────────────────────────────────────────

    def _answer(self, keys: str, now: datetime, out: Out) -> None:
        question, person = self.question, self.person
        assert person is not None
        if question == "pin":
            if not keys:
                self._ask("pin", self._repeat, now, out)
            else:       # how many digits came (never which): a PIN judged wrong is then explained
                self._trace(f"service line: a PIN of {len(keys)} digits to check", now, out)
                self._busy(s.CheckPin(person, keys), now, out)
        elif question == "menu":
            self._chosen(keys, now, out)
        elif question == "team":
            teams = self.line.teams
            index = int(keys) - 1 if keys.isdigit() else -1
            if 0 <= index < len(teams):
                self._for_team(teams[index], now, out)
            else:
                self._ask("team", self._repeat, now, out, [say(t.NO_CHOICE)])
        elif question == "layer":
            chosen = dict(levels_of(self._team, person)) if self._team is not None else {}
            if keys.isdigit() and int(keys) in chosen:
                self._layer = chosen[int(keys)]
                self._trace(f"service line: {person} chose level {keys} ({self._layer})", now, out)
                self._ask("hours", [say(t.ASK_HOURS)], now, out)
            else:
                self._ask("layer", self._repeat, now, out, [say(t.NO_CHOICE)])
        elif question == "hours":
            self._take(keys, now, out)
        elif question == "announce":
            self._announce(keys, now, out)
        elif question == "message":
            self._message_key(keys, now, out)
        elif question == "minutes":
            longest = 24 * 60
            if keys.isdigit() and 1 <= int(keys) <= longest:
                self._minutes = int(keys)
                self._ask("on-site", [say(t.ASK_ON_SITE)], now, out)
            else:
                self._ask("minutes", self._repeat, now, out, [say(t.BAD_MINUTES, minutes=longest)])
        elif question == "on-site" and keys == "1":         # the travel is working time too
            self._ask("travel", [say(t.ASK_TRAVEL)], now, out)
        elif question == "on-site" and keys == "2":
            self._declare(person, False, 0, now, out)
        elif question == "travel":
            longest = 8 * 60
            if keys == "" or (keys.isdigit() and int(keys) <= longest):
                self._declare(person, True, int(keys or "0"), now, out)
            else:
                self._ask("travel", self._repeat, now, out, [say(t.BAD_TRAVEL, minutes=longest)])
        else:
            self._ask(question, self._repeat, now, out, [say(t.NO_CHOICE)])

    def _declare(self, person: str, on_site: bool, travel: int, now: datetime, out: Out) -> None:
        start = now - timedelta(minutes=self._minutes)
        self._busy(s.DeclareIntervention(person, start, now, on_site, travel), now, out)

    def _chosen(self, key: str, now: datetime, out: Out) -> None:
        self._trace(f"service line: {self.person} pressed {key} in the menu", now, out)
        if key == "1":
            self._menu(now, out, self._status(now))
        elif key in ("2", "3"):
            self._action = "take" if key == "2" else "announce"
            teams = self.line.teams
            if not teams:
                self._menu(now, out, [say(t.NO_TEAM)])
            elif len(teams) == 1:
                self._for_team(teams[0], now, out)
            else:
                self._ask("team", [say(t.CHOOSE_TEAM, team=team.id, digit=str(n))
                                   for n, team in enumerate(teams[:9], 1)], now, out)
        elif key == "4":
            self._busy(s.ListMessages(tuple(team.id for team in self.line.teams)), now, out)
        elif key == "5":
            self._ask("minutes", [say(t.ASK_MINUTES)], now, out)
        else:
            self._menu(now, out, [say(t.NO_CHOICE)])

    def _status(self, now: datetime) -> list[Part]:
        """Who is on call now in each of my teams, and my next shift."""
        schedule, parts = self.line.schedule, list[Part]()
        mine = []
        for team in self.line.teams:
            status = schedule.who(team.id, now)
            first = status.chain[0] if status.chain else None
            if not status.in_service:
                parts.append(say(t.OUTSIDE_SERVICE, team=team.id))
            elif first is None:
                parts.append(say(t.NOBODY_ON_CALL, team=team.id))
            else:
                parts.append(say(t.ON_CALL, team=team.id, name=first.person.name, until=first.until))
            mine += [shift for shift in schedule.shifts(team.id, now, now + NEXT_SHIFT_HORIZON)
                     if shift.person.id == self.person and shift.end > now]
        now_shift = [shift for shift in mine if shift.start <= now]
        coming = sorted(shift.start for shift in mine if shift.start > now)
        if now_shift:
            parts.append(say(t.YOU_NOW, until=max(shift.end for shift in now_shift)))
        elif coming:
            parts.append(say(t.YOUR_NEXT, when=coming[0]))
        else:
            parts.append(say(t.NO_NEXT))
        return parts

    def _for_team(self, team: Team, now: datetime, out: Out) -> None:
        self._team = team
        if self._action == "take":
            mine = levels_of(team, self.person or "")
            if len(mine) > 1:                   # the front line or a layer of mine: which one?
                self._ask("layer", [say(t.CHOOSE_LAYER, digit=str(level), layer=name) for level, name in mine],
                          now, out)
                return
            self._layer = team.layers[0].name   # only the front line to take
            self._ask("hours", [say(t.ASK_HOURS)], now, out)
            return
        live = self.announcements.get(team.id)
        state = say(t.ANNOUNCE_LIVE, until=live.until) if live is not None and live.until > now else \
            say(t.ANNOUNCE_NONE)
        self._ask("announce", [say(t.ANNOUNCE_MENU, team=team.id)], now, out, [state])

    def _take(self, keys: str, now: datetime, out: Out) -> None:
        team, person, longest = self._team, self.person, self.line.settings.longest_take
        assert team is not None and person is not None
        layer = self._layer or team.layers[0].name
        if keys:
            if not (keys.isdigit() and 1 <= int(keys) <= longest):
                self._ask("hours", self._repeat, now, out, [say(t.BAD_HOURS, hours=longest)])
                return
            end = now + timedelta(hours=int(keys))
        else:                                   # until the next hand-off of the layer
            status = self.line.schedule.who(team.id, now)
            first = next((r for r in status.chain if r.layer == layer), None)
            if first is not None and first.person.id == person:
                self._menu(now, out, [say(t.ALREADY, team=team.id, until=first.until)])
                return
            coming = [shift.start for shift in self.line.schedule.shifts(team.id, now, now + timedelta(hours=longest))
                      if shift.layer == layer and shift.start > now]
            end = first.until if first is not None else min(coming, default=now + timedelta(hours=longest))
        self._trace(f"service line: {person} takes {team.id}/{layer} until {end.isoformat()}", now, out)
        self._busy(s.TakeOnCall(team.id, layer, person, now.replace(microsecond=0), end.replace(microsecond=0)),
                   now, out)

    def _announce(self, key: str, now: datetime, out: Out) -> None:
        team = self._team
        assert team is not None and self.person is not None
        live = self.announcements.get(team.id)
        if key == "1":
            self.phase, self.question = "recording", ""
            self._say([say(t.RECORD)], now, out)
        elif key == "2" and live is not None and live.until > now:
            self._ask("announce", self._repeat, now, out, [live.media])
        elif key == "2":
            self._ask("announce", self._repeat, now, out, [say(t.ANNOUNCE_NONE)])
        elif key == "3":
            self._busy(s.ClearAnnouncement(team.id, self.person), now, out)
        else:
            self._ask("announce", self._repeat, now, out, [say(t.NO_CHOICE)])

    def _record(self, now: datetime, out: Out) -> None:
        assert self._team is not None
        self._recording = f"astreinte-announcement-{self._team.id}-{file_id(self.id)}"
        limit = self.line.settings.announcement_max
        out.append(c.Record(self._recording, limit, 0))
        self._until = now + timedelta(seconds=limit + self.line.timings.recording_margin)

    def _recorded(self, duration: float | None, now: datetime, out: Out) -> None:
        team, name = self._team, self._recording
        assert team is not None and self.person is not None
        self._recording = ""
        if (duration is not None and duration <= 0) or not name:
            duration = None
        if duration is None and not self.caller_gone:
            self._ask("announce", self._repeat, now, out, [say(t.NOTHING_RECORDED)])
            return
        until = now + timedelta(hours=self.line.settings.announcement_hours)
        announcement = s.Announcement(team.id, f"recording:{name}", until.replace(microsecond=0), self.person)
        self._trace(f"service line: {self.person} recorded an announcement for {team.id} until "
                    f"{until.isoformat(timespec='seconds')}", now, out)
        self._busy(s.SaveAnnouncement(announcement, name, duration), now, out)

    def _play_message(self, now: datetime, out: Out, before: Sequence[Part] = ()) -> None:
        if self._index >= len(self._messages):
            self._menu(now, out, [*before, say(t.NO_MORE)])
            return
        item, count = self._messages[self._index], len(self._messages)
        intro = say(t.MESSAGE_FROM, n=self._index + 1, count=count, team=item.team, number=Digits(item.caller),
                    when=item.recorded_at) if item.caller else \
            say(t.MESSAGE_WITHHELD, n=self._index + 1, count=count, team=item.team, when=item.recorded_at)
        self._ask("message", [say(t.MESSAGE_MENU)], now, out, [*before, intro, item.media or say(t.NO_AUDIO)])

    def _message_key(self, key: str, now: datetime, out: Out) -> None:
        item = self._messages[self._index]
        if key == "1":
            assert self.person is not None
            self._busy(s.AcknowledgeMessage(item.id, self.person, self.line.caller or self.line.how), now, out)
        elif key == "2":
            self._index += 1
            self._play_message(now, out)
        elif key == "3":
            self._play_message(now, out)
        else:
            self._ask("message", self._repeat, now, out, [say(t.NO_CHOICE)])

