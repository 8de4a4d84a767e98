"""The reference configuration is accepted as is, with its documented meaning; mistakes are located."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from astreinte.config import Config, load
from astreinte.domain.errors import ConfigError, Problem
from astreinte.domain.hours import Window

EXAMPLE = Path(__file__).parent.parent / "data" / "config.example.yaml"
PARIS = ZoneInfo("Europe/Paris")


def write(tmp_path: Path, *edits: tuple[str, str], name: str = "config.yaml") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, environ: dict[str, str] | None = None) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load(path, environ=environ or {})
    return caught.value.problems


@pytest.fixture(scope="module")
def example() -> Config:
    return load(EXAMPLE, environ={})


def test_example_is_accepted_with_its_meaning(example: Config) -> None:
    assert example.timezone == PARIS
    assert example.database == EXAMPLE.parent / "astreinte.db"
    ari, ami = example.asterisk.ari, example.asterisk.ami
    assert (ari.url, ari.username, ari.password, ari.app) == (
        "http://127.0.0.1:8088", "astreinte", "secret", "astreinte")
    assert (ami.host, ami.port, ami.username, ami.secret) == ("127.0.0.1", 5038, "astreinte", "secret")
    assert example.asterisk.outbound == "PJSIP/{number}@trunk-out"
    assert example.asterisk.prompts.asterisk_dir == "/var/lib/asterisk/sounds/astreinte"
    assert (example.holidays.country, example.holidays.subdivision) == ("FR", None)
    assert example.people["bob"].phones == ("PJSIP/bob", "+33611223344")
    assert example.people["alice"].work_hours is not None
    team = example.teams["support"]
    assert team.numbers == ("+33180000000", "1000")
    assert team.greeting.startswith("Bonjour, vous êtes en relation")
    assert team.outside_service_dial == "PJSIP/reception"
    assert team.service_hours is not None
    assert [(r.days, r.windows) for r in team.service_hours.rules] == [
        ("weekdays", (Window(18 * 60, 870),)), ("weekends", (Window(0, 1440),)), ("holidays", (Window(0, 1440),)),
    ]
    hunt = team.hunt
    assert (hunt.strategy, hunt.ring_timeout, hunt.rounds, hunt.confirm, hunt.on_no_answer) == (
        "linear", 20.0, 2, True, "voicemail")
    primary, secondary = team.layers
    assert (primary.name, primary.rotation.members) == ("primary", ("alice", "bob", "carol"))
    assert (primary.rotation.every_days, primary.rotation.handoff, primary.rotation.handoff_weekday) == (7, time(9), 0)
    assert primary.rotation.start == date(2026, 11, 2)
    assert secondary.rotation.members == ("dave",)
    (override,) = example.overrides
    assert (override.team, override.layer, override.person, override.reason) == (
        "support", "primary", "dave", "swap with carol")
    assert override.start == datetime(2026, 12, 24, 18, tzinfo=PARIS)
    assert override.start.isoformat() == "2026-12-24T18:00:00+01:00"
    assert override.end.isoformat() == "2026-12-26T09:00:00+01:00"


def test_numbers_reach_their_team(example: Config) -> None:
    assert example.team_for_number("+33180000000") is example.teams["support"]
    assert example.team_for_number("1000") is example.teams["support"]
    assert example.team_for_number("2000") is None


def test_the_example_resolves_as_its_comments_say(example: Config) -> None:
    status = example.schedule().who("support", datetime(2026, 12, 24, 19, tzinfo=PARIS))
    assert status.in_service
    assert [(r.level, r.layer, r.person.id, r.until.isoformat(), r.override) for r in status.chain] == [
        (1, "primary", "dave", "2026-12-26T09:00:00+01:00", True),
    ]


def test_accepted_variants(tmp_path: Path) -> None:
    config = load(write(
        tmp_path,
        ('phones: [PJSIP/carol]', 'phones: ["06 12 34 56 78", "IAX2/carol@home", "+33.6.11.22.33.44"]'),
        ("ring_timeout: 20s", "ring_timeout: 1m"),
        ("every: 1 week                 #", "every: 2 days                 #"),
        ("handoff: monday 09:00         #", "handoff: '09:00'         #"),
        ("subdivision: null", 'subdivision: "57"'),
        ("from: 2026-12-24T18:00", "from: 2026-12-24T18:00:00+01:00"),
        ("weekends: all-day", 'saturday: ["00:00-24:00"]\n      sunday: all-day'),
        ("    name: Carol Petit", "    name: Carol Petit\n    email: carol.petit@example.com\n    language: en"),
        ("holidays:", "legal: {since: 2026-11-20}\nholidays:"),
    ), environ={})
    assert config.people["carol"].email == "carol.petit@example.com" and config.people["bob"].email is None
    assert (config.language, config.language_of("carol"), config.language_of("bob")) == ("fr", "en", "fr")
    assert config.legal.since == date(2026, 11, 20)
    assert config.people["carol"].phones == ("+33612345678", "IAX2/carol@home", "+33611223344")  # E.164
    assert config.teams["support"].hunt.ring_timeout == 60.0
    rotation = config.teams["support"].layers[0].rotation
    assert (rotation.every_days, rotation.handoff_weekday) == (2, None)
    assert config.holidays.subdivision == "57"


def test_a_weekly_rotation_may_give_the_time_only(tmp_path: Path) -> None:
    config = load(write(tmp_path, ("handoff: monday 09:00         #", "handoff: '09:00'         #"),
                        ("start: 2026-11-02             #", "start: 2026-11-04             #")), environ={})
    rotation = config.teams["support"].layers[0].rotation
    assert (rotation.every_days, rotation.start.weekday(), rotation.handoff_weekday) == (7, 2, None)


# (mistake, edit, text found on the line the problem must point at, key path, message fragment)
MISTAKES = [
    ("unknown top-level key", ("database: astreinte.db", "database: astreinte.db\ndatabse: x.db"), 'databse',
     "databse", "unknown key 'databse'"),
    ("unknown time zone", ("timezone: Europe/Paris", "timezone: Europe/Pariss"), 'Pariss', "timezone",
     "unknown time zone"),
    ("unknown person in a rotation", ("members: [alice, bob, carol]", "members: [alice, bob, carl]"), 'carl',
     "teams.support.layers[0].rotation.members[2]", "unknown person 'carl'"),
    ("bad period", ("every: 1 week", "every: 1 fortnight"), 'fortnight', "teams.support.layers[0].rotation.every",
     "expected N day(s) or N week(s)"),
    ("bad hand-off", ("handoff: monday 09:00", "handoff: monday 9h"), '9h',
     "teams.support.layers[0].rotation.handoff", "expected HH:MM"),
    ("start not on the hand-off weekday", ("start: 2026-11-02", "start: 2026-11-03"), '2026-11-03',
     "teams.support.layers[0].rotation.start", "2026-11-03 is a tuesday, but the hand-off is on monday"),
    ("weekday hand-off with a daily period", ("every: 1 week", "every: 3 days"), 'handoff: monday',
     "teams.support.layers[0].rotation.handoff", "a weekday hand-off needs every: N week(s)"),
    ("phone injecting a second dial", ("phones: [PJSIP/carol]", 'phones: ["PJSIP/carol&PJSIP/evil"]'), 'evil',
     "people.carol.phones[0]", "expected TECH/resource"),
    ("phone with a dial option", ("phones: [PJSIP/carol]", 'phones: ["PJSIP/carol,30,tT"]'), 'tT',
     "people.carol.phones[0]", "expected TECH/resource"),
    ("phone with a newline", ("phones: [PJSIP/carol]", 'phones: ["PJSIP/carol\\nExten => x"]'), 'Exten',
     "people.carol.phones[0]", "expected TECH/resource"),
    ("phone with a variable", ("phones: [PJSIP/carol]", 'phones: ["PJSIP/${EXTEN}"]'), '${EXTEN}',
     "people.carol.phones[0]", "expected TECH/resource"),
    ("overlong phone", ("phones: [PJSIP/carol]", f"phones: [PJSIP/{'c' * 200}]"), 'ccccc',
     "people.carol.phones[0]", "expected TECH/resource"),
    ("team number with letters", ('numbers: ["+33180000000", "1000"]', 'numbers: ["+33180000000", "1000a"]'), '1000a',
     "teams.support.numbers[1]", "expected a phone number"),
    ("greeting with a variable", ('greeting: "Bonjour', 'greeting: "${SHELL} Bonjour'), '${SHELL}',
     "teams.support.greeting", "'${'"),
    ("sound escaping its folder", ('greeting: "Bonjour, vous êtes en relation avec l\'astreinte du support. Merci de '
                                   'patienter, nous recherchons la personne de garde."', "greeting: sound:../../etc"),
     'sound:', "teams.support.greeting", "expected sound:NAME"),
    ("bad duration", ("ring_timeout: 20s", "ring_timeout: 20 parsecs"), 'parsecs', "teams.support.hunt.ring_timeout",
     "expected a duration"),
    ("bad strategy", ("strategy: linear", "strategy: random"), 'random', "teams.support.hunt.strategy",
     "expected one of linear, ringall"),
    ("bad confirm", ("confirm: true", "confirm: maybe"), 'maybe', "teams.support.hunt.confirm",
     "expected true, false or external"),
    ("bad boolean", ("confirm: true", "greeting_interruptible: maybe"), 'maybe',
     "teams.support.hunt.greeting_interruptible", "expected true or false"),
    ("bad no-answer action", ("on_no_answer: voicemail", "on_no_answer: retry"), 'retry',
     "teams.support.hunt.on_no_answer", "expected one of voicemail, hangup"),
    ("bad window", ('weekdays: "18:00-08:30"', 'weekdays: "18h-8h30"'), '18h', "teams.support.service_hours.weekdays",
     "expected HH:MM"),
    ("unknown day selector", ('weekdays: "18:00-08:30"', 'weekday: "18:00-08:30"'), 'weekday:',
     "teams.support.service_hours.weekday", "unknown key 'weekday'"),
    ("unknown subdivision", ("subdivision: null", 'subdivision: "99"'), '"99"', "holidays.subdivision",
     "unknown subdivision '99'"),
    ("unknown country", ("country: FR", "country: XX"), 'XX', "holidays.country", "unknown country 'XX'"),
    ("override ending before it starts", ("to: 2026-12-26T09:00", "to: 2026-12-20T09:00"), '2026-12-20',
     "overrides[0].to",
     "must be after 'from'"),
    ("override on an unknown layer", ("    layer: primary\n    person: dave", "    layer: tertiary\n    person: dave"),
     'tertiary', "overrides[0].layer", "team 'support' has no layer 'tertiary'"),
    ("override for an unknown person", ("    person: dave\n", "    person: daave\n"), 'daave', "overrides[0].person",
     "unknown person 'daave'"),
    ("bad override instant", ("from: 2026-12-24T18:00", "from: Christmas eve"), 'Christmas', "overrides[0].from",
     "expected YYYY-MM-DDTHH:MM"),
    ("duplicate key", ("    name: Carol Petit", "    name: Carol Petit\n    name: Caroline"), 'Caroline',
     "people.carol.name",
     "duplicate key"),
    ("outbound without {number}", ("outbound: PJSIP/{number}@trunk-out", "outbound: PJSIP/mobile@trunk-out"), 'mobile@',
     "asterisk.outbound", "holding one of {number}"),
    ("outbound injecting", ("outbound: PJSIP/{number}@trunk-out", "outbound: 'PJSIP/{number}@trunk-out,,G(x)'"), 'G(x)',
     "asterisk.outbound", "expected TECH/resource"),
    ("port out of range", ("port: 5038", "port: 70000"), '70000', "asterisk.ami.port", "from 1 to 65535"),
    ("outside_service dial injecting", ("dial: PJSIP/reception", "dial: 'PJSIP/reception)'"), 'reception)',
     "teams.support.outside_service.dial", "expected TECH/resource"),
    ("a number reaching two teams", ("overrides:", "  other:\n    numbers: ['1000']\n    greeting: hi\n"
                                     "    layers: [{name: l, rotation: {members: [bob], every: 1 day, "
                                     "handoff: '09:00', start: 2026-11-02}}]\n\noverrides:"), "['1000']",
     "teams.other.numbers[0]", "number '1000' already reaches team 'support'"),
    ("person e-mail that is not one", ("    name: Carol Petit", "    name: Carol Petit\n    email: carol at home"),
     'carol at home', "people.carol.email", "expected an e-mail address"),
    ("name with a control character", ("    name: Carol Petit", '    name: "Carol\\tPetit"'), 'Carol\\tPetit',
     "people.carol.name",
     "control characters"),
    ("a language astreinte does not speak", ("database: astreinte.db", "database: astreinte.db\nlanguage: de"),
     "language: de", "language", "unknown language 'de' (expected one of: fr, en)"),
    ("a person's language in full", ("    name: Carol Petit", "    name: Carol Petit\n    language: English"),
     "English", "people.carol.language", "unknown language 'English'"),
    ("an adoption date that is not one", ("holidays:", "legal: {since: last week}\nholidays:"), "last week",
     "legal.since", "expected a date YYYY-MM-DD"),
]


@pytest.mark.parametrize(("mistake", "edit", "needle", "path", "message"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistakes_are_located(tmp_path: Path, mistake: str, edit: tuple[str, str], needle: str, path: str,
                              message: str) -> None:
    written = write(tmp_path, edit)
    (problem,) = problems(written)
    assert (problem.file, problem.path) == (str(written), path)
    assert message in problem.message
    lines = written.read_text(encoding="utf-8").splitlines()
    assert problem.line is not None and needle in lines[problem.line - 1]


def test_three_distinct_mistakes_give_three_located_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ("members: [alice, bob, carol]", "members: [alice, bob, carl]"),
        ("rounds: 2", "rounds: two"),
        ("    reason: swap with carol", "    reason: swap with carol\n    colour: blue"),
    )
    found = problems(path)
    assert [str(p) for p in found] == [
        f"{path}:57 teams.support.hunt.rounds: expected a whole number from 1 to 20, got 'two'",
        f"{path}:63 teams.support.layers[0].rotation.members[2]: unknown person 'carl'",
        f"{path}:83 overrides[0].colour: unknown key 'colour' (expected one of: from, layer, person, reason, team, to)",
    ]


def test_missing_keys_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("timezone: Europe/Paris\n", encoding="utf-8")
    assert {p.path for p in problems(path)} == {"asterisk", "people", "teams"}


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = write(tmp_path, ("  bob:\n", "  bob: [\n"))
    (problem,) = problems(path)
    assert problem.line is not None and "invalid YAML" in problem.message


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    assert "cannot read" in problems(tmp_path / "missing.yaml")[0].message
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert "empty" in problems(empty)[0].message


def test_secrets_from_environment_then_file_then_inline(tmp_path: Path) -> None:
    (tmp_path / "ari.secret").write_text("from-file\n", encoding="utf-8")
    path = write(tmp_path, ("    password: secret ", "    password: inline\n    password_file: ari.secret\n    # "))
    assert load(path, environ={}).asterisk.ari.password == "from-file"
    env = {"ASTREINTE_ARI_PASSWORD": "from-env", "ASTREINTE_AMI_SECRET": "ami-env"}
    config = load(path, environ=env)
    assert (config.asterisk.ari.password, config.asterisk.ami.secret) == ("from-env", "ami-env")
    assert "from-env" not in repr(config)


def test_secrets_never_appear_in_errors(tmp_path: Path) -> None:
    (tmp_path / "ami.secret").write_text("line one\nline two", encoding="utf-8")
    path = write(tmp_path, ("    secret: secret", "    secret_file: ami.secret"),
                 ("    password: secret ", "    password: \"pa\\nss\" "))
    found = problems(path)
    assert {p.path for p in found} == {"asterisk.ari.password", "asterisk.ami.secret_file"}
    assert not any("pa\nss" in str(p) or "line one" in str(p) or "line two" in str(p) for p in found)
    missing = write(tmp_path, ("    password: secret ", "    # "), name="missing.yaml")
    assert "set password, password_file or $ASTREINTE_ARI_PASSWORD" in problems(missing)[0].message


def test_holidays_in_service_hours_need_a_country(tmp_path: Path) -> None:
    path = write(tmp_path, ("  country: FR", "  country: null"))
    (problem,) = problems(path)
    assert problem.path == "teams.support.service_hours.holidays"


def test_check_warns_about_the_literal_monday_morning_gap(example: Config) -> None:
    from astreinte.config.warnings import config_warnings

    assert config_warnings(example) == [
        f"{EXAMPLE}:48 teams.support.service_hours: Mon 00:00-08:30 is outside service hours every week: "
        "calls go to PJSIP/reception",
    ]


def test_covering_monday_morning_silences_the_warning(tmp_path: Path) -> None:
    from astreinte.config.warnings import config_warnings

    config = load(write(tmp_path, ("      weekends: all-day", '      weekends: all-day\n      monday: "00:00-08:30"')),
                  environ={})
    assert config_warnings(config) == []
    status = config.schedule().who("support", datetime(2026, 11, 9, 8, tzinfo=PARIS))
    assert status.in_service


def test_more_warnings(tmp_path: Path) -> None:
    from astreinte.config.warnings import config_warnings
    from astreinte.domain.rota import Override

    config = load(write(tmp_path, ("    outside_service:                    # the rest of the time (business hours)\n"
                                   "      dial: PJSIP/reception\n", ""),
                        ("    name: Carol Petit", "    name: Carol Petit\n    email: carol@example.com")), environ={})
    stray = Override("support", "gone", "dave", datetime(2026, 1, 1, tzinfo=PARIS), datetime(2026, 1, 2, tzinfo=PARIS),
                     id="cli:7", source="cli")
    found = config_warnings(config, [stray], now=datetime(2026, 10, 1, tzinfo=PARIS))
    assert any("calls go to nowhere (no outside_service.dial)" in w for w in found)
    assert any("calls have nowhere to go" in w for w in found)
    assert any("layer 'primary' has nobody on call before 2026-11-02" in w for w in found)
    assert any("CLI override #7 (support/gone/dave) no longer matches the rota" in w for w in found)
    assert any("people.carol.email: nothing sends it: notifications.email" in w for w in found)
    later = config_warnings(config, now=datetime(2027, 1, 1, tzinfo=PARIS))
    assert any(w.endswith("overrides[0]: is over: it can be deleted") for w in later)


def test_a_secret_file_that_is_not_utf8_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "ari.secret").write_bytes(b"caf\xe9\n")      # Latin-1, as an editor on Windows may save it
    path = write(tmp_path, ("    password: secret ", "    password_file: ari.secret\n    # "))
    (problem,) = problems(path)
    assert problem.path == "asterisk.ari.password_file" and "is not UTF-8 text" in problem.message
    assert problem.line is not None
