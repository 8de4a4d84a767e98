"""What the service line says: English gettext ``msgid`` s, translated (French by default) and rendered to
speech by the runtime (``runtime/service_speech.py``). ``N_`` marks them for ``make messages``."""

from __future__ import annotations


def N_(text: str) -> str:
    return text


WELCOME = N_("Hello %(name)s.")
NOT_KNOWN = N_("This line is for the people on call only. Goodbye.")
ASK_PIN = N_("Hello. Enter your PIN, then the hash key.")
NO_PIN = N_("No PIN is set for this number: ask for one. Goodbye.")
WRONG_PIN = N_("Wrong PIN.")
MENU = N_("To hear who is on call, press 1. To take the on-call now, press 2. For the message to callers, "
          "press 3. To listen to the messages, press 4. To declare the end of an intervention, press 5.")
NO_CHOICE = N_("That is not one of the choices.")
NO_TEAM = N_("You are on no team.")
ON_CALL = N_("Team %(team)s: %(name)s is on call until %(until)s.")
NOBODY_ON_CALL = N_("Team %(team)s: nobody is on call now.")
OUTSIDE_SERVICE = N_("Team %(team)s is outside its service hours.")
YOU_NOW = N_("You are on call until %(until)s.")
YOUR_NEXT = N_("Your next on-call shift starts %(when)s.")
NO_NEXT = N_("You have no on-call shift in the coming weeks.")
CHOOSE_TEAM = N_("For team %(team)s, press %(digit)s.")
CHOOSE_LAYER = N_("For level %(digit)s, %(layer)s, press %(digit)s.")
ASK_HOURS = N_("For how many hours? Enter the number, then the hash key; the hash key alone: until the next "
               "hand-off.")
BAD_HOURS = N_("Between 1 and %(hours)s hours.")
TAKEN = N_("Done: you are on call for team %(team)s until %(until)s.")
ALREADY = N_("You are already on call for team %(team)s until %(until)s.")
REFUSED = N_("Refused.")
ANNOUNCE_MENU = N_("Message to the callers of team %(team)s. To record it, press 1. To hear it, press 2. "
                   "To clear it, press 3.")
ANNOUNCE_LIVE = N_("Callers hear a message until %(until)s.")
ANNOUNCE_NONE = N_("Callers hear no message.")
RECORD = N_("Speak after the beep, then press the hash key.")
ANNOUNCE_SAVED = N_("Recorded: callers will hear it until %(until)s.")
ANNOUNCE_CLEARED = N_("The message to callers is cleared.")
NOTHING_RECORDED = N_("Nothing was recorded.")
NO_MESSAGES = N_("No message is waiting.")
MESSAGE_FROM = N_("Message %(n)s of %(count)s, team %(team)s: %(number)s called %(when)s.")
MESSAGE_WITHHELD = N_("Message %(n)s of %(count)s, team %(team)s: a withheld number called %(when)s.")
NO_AUDIO = N_("The message could not be recorded.")
MESSAGE_MENU = N_("To acknowledge it, press 1. For the next one, press 2. To hear it again, press 3.")
ACKNOWLEDGED = N_("Acknowledged.")
ACKNOWLEDGED_BEFORE = N_("A colleague had already acknowledged it.")
NO_MORE = N_("No more messages.")
ASK_MINUTES = N_("End of an intervention. How many minutes did it last? Enter the number, then the hash key.")
BAD_MINUTES = N_("Between 1 and %(minutes)s minutes.")
ASK_ON_SITE = N_("On site, press 1. Remotely, press 2.")
ASK_TRAVEL = N_("How many minutes of travel, there and back? Enter the number, then the hash key; none: the hash key.")
BAD_TRAVEL = N_("Between 0 and %(minutes)s minutes.")
DECLARED = N_("The intervention of %(minutes)s minutes is recorded.")
FAILED = N_("Sorry, that did not work.")
GOODBYE = N_("Goodbye.")
# what a caller of a team hears after the team's announcement (``announcement.py``)
ANNOUNCEMENT_CHOICE = N_("To reach the person on call anyway, press 1. To leave a message, press 2.")
