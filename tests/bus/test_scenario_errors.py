"""Bad scenarios get one clear line naming file and key, exit 1, and write nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.bus.helpers import MINI
from trafsim_bus import ScenarioError
from trafsim_bus.scenario import parse_scenario

TEXT = MINI.read_text(encoding="utf-8")


def broken(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


CASES = [
    (
        "unknown agency in a channel",
        broken('from = ["kz-pgo"]', 'from = ["kz-nowhere"]'),
        "mini.toml: channel[5].from[0]: expected an agency id",
    ),
    (
        "5 dayz",
        broken('duration = "2d"', 'duration = "5 dayz"'),
        "mini.toml: exercise.duration: expected a duration like \"36h\" (units s, min, h, d, w), got '5 dayz'",
    ),
    (
        "unknown language",
        broken('languages = ["uzb"]', 'languages = ["uzbek"]'),
        "mini.toml: agency[3].languages[0]: expected an ISO 639-3 language code",
    ),
    (
        "inject to nowhere",
        broken('to = ["kz-ngo"]\nchannel = "hotline"', 'to = ["kz-nobody"]\nchannel = "hotline"'),
        "mini.toml: inject[0].to[0]: expected an agency id",
    ),
    (
        "p90 below the median",
        broken('{ median = "4h", p90 = "2d" }', '{ median = "4h", p90 = "2h" }'),
        "mini.toml: channel[4].latency[0].p90: expected a p90 above the median '4h', got '2h'",
    ),
    (
        "TOML syntax error",
        broken('title = "Mini"', 'title = = "Mini"'),
        "mini.toml:4:9: TOML syntax error: invalid value",
    ),
    (
        "bad duration in a rule",
        broken(
            '{ median = "7d", p90 = "30d", certified = true }',
            '{ median = "7d", p90 = "tomorrow", certified = true }',
        ),
        'mini.toml: channel[5].latency[0].p90: expected a duration like "36h"',
    ),
    (
        "a time after ENDEX",
        broken('at = "D1 10:00"', 'at = "D9 10:00"'),
        "mini.toml: inject[0].at: 'D9 10:00' is after ENDEX",
    ),
    (
        "a time before STARTEX",
        broken('at = "D1 10:00"', 'at = "D1 08:00"'),
        "mini.toml: inject[0].at: 'D1 08:00' is before STARTEX",
    ),
    (
        "unknown key",
        broken('both_ways = true\ntypes = ["referral"', 'both_way = true\ntypes = ["referral"'),
        "mini.toml: channel[2]: object contains unknown field `both_way`",
    ),
    (
        "bad body in an inject",
        broken("est_persons = 14", "est_persons = -1"),
        "mini.toml: inject[0].body.est_persons: expected `int` >= 0",
    ),
    (
        "an IANA zone",
        broken('utc_offset = "+05:00"', 'utc_offset = "Asia/Almaty"'),
        'mini.toml: country[0].utc_offset: expected a numeric offset like "+05:00"',
    ),
    ("a reserved id", broken('id = "kz-pgo"\nname', 'id = "excon"\nname'), "reserved"),
    (
        "a bad enum",
        broken('family = "fixed"', 'family = "gaussian"'),
        "mini.toml: channel[0].latency[0].family: expected one of exponential, fixed, lognormal; got 'gaussian'",
    ),
    (
        "last rule filtered",
        broken('{ median = "2h", p90 = "1d" }', '{ types = ["ack"], median = "2h", p90 = "1d" }'),
        "the last latency rule must have no filter",
    ),
    (
        "a role-player's unknown language",
        broken('language = "uzb"\nscript = "Latn"', 'language = "xxx"\nscript = "Latn"'),
        "mini.toml: role_player[0].language[0]: expected an ISO 639-3 language code",
    ),
    (
        "a role-player's unknown script",
        broken('language = "uzb"\nscript = "Latn"', 'language = "uzb"\nscript = "Klingon"'),
        "mini.toml: role_player[0].script: expected an ISO 15924 script",
    ),
    (
        "a factor that is not a number",
        broken("attributes = { factor = 2.0 }", "attributes = { factor = nan }"),
        "mini.toml: disruption[1].attributes.factor: expected a number above 0",
    ),
    (
        "an infinite factor",
        broken("attributes = { factor = 2.0 }", "attributes = { factor = inf }"),
        "mini.toml: disruption[1].attributes.factor: expected a number above 0",
    ),
    (
        "nested partition groups",
        TEXT
        + '[[disruption]]\nid = "p"\ntype = "partition"\nattributes = { groups = [["KZ"], [["UZ"]]] }\nschedule = { start = "D1 10:00" }\n',
        "mini.toml: disruption[2].attributes.groups: expected two or more lists of countries",
    ),
    (
        "machine fallback without a threshold",
        broken('machine = "fallback"\nmachine_after = 2', 'machine = "fallback"'),
        'mini.toml: translation_pool[1].machine_after: machine = "fallback" needs machine_after',
    ),
    (
        "STARTEX with seconds",
        broken('startex = "2026-06-01T09:00:00+05:00"', 'startex = "2026-06-01T09:00:30+05:00"'),
        "mini.toml: exercise.startex: expected STARTEX on a whole minute",
    ),
    (
        "STARTEX not in RFC 3339",
        broken('startex = "2026-06-01T09:00:00+05:00"', 'startex = "20260601T0900+0500"'),
        "mini.toml: exercise.startex: expected an RFC 3339 time with a numeric offset",
    ),
    (
        "a jump at ENDEX",
        broken(
            'jumps = [{ at = "D2 09:00", by = "7d" }]', 'jumps = [{ at = "D3 09:00", by = "7d" }]'
        ),
        "mini.toml: exercise.jumps[0].at: 'D3 09:00' is at or after ENDEX",
    ),
    (
        "a background stream with a recipient twice",
        broken(
            'to = ["uz-police"]\ntype = "info_request"',
            'to = ["uz-police", "uz-police"]\ntype = "info_request"',
        ),
        "mini.toml: background[0].to: each recipient may appear once",
    ),
    (
        "a reply_to of an unknown type",
        broken(
            'envelope = { case_refs = ["KZ-2026-1"] }\n\n[[inject]]\nid = "m03"',
            'envelope = { case_refs = ["KZ-2026-1"] }\nreply_to = { type = "allert" }\n\n[[inject]]\nid = "m03"',
        ),
        "mini.toml: inject[1].reply_to.type: expected a message type",
    ),
    (
        "no working day",
        broken('utc_offset = "+05:00"', 'utc_offset = "+05:00"\noffice_hours = { days = [] }'),
        "mini.toml: country[0].office_hours.days: expected at least one working day",
    ),
    (
        "a weekday misspelt",
        broken(
            'utc_offset = "+05:00"', 'utc_offset = "+05:00"\noffice_hours = { days = ["monday"] }'
        ),
        "mini.toml: country[0].office_hours.days[0]: expected one of fri, mon, sat, sun, thu, tue, wed; got 'monday'",
    ),
    (
        "opening at 9am",
        broken('utc_offset = "+05:00"', 'utc_offset = "+05:00"\noffice_hours = { opens = "9am" }'),
        "mini.toml: country[0].office_hours.opens: expected a time of day like \"09:00\", got '9am'",
    ),
    (
        "closing before opening",
        broken(
            'utc_offset = "+05:00"',
            'utc_offset = "+05:00"\noffice_hours = { opens = "18:00", closes = "09:00" }',
        ),
        "mini.toml: country[0].office_hours.closes: expected the office to close after it opens",
    ),
    (
        "a holiday that is no date",
        broken(
            'utc_offset = "+05:00"',
            'utc_offset = "+05:00"\noffice_hours = { holidays = ["2026-13-01"] }',
        ),
        "mini.toml: country[0].office_hours.holidays[0]: invalid RFC3339 encoded date",
    ),
    (
        "always open with office hours",
        broken(
            'kind = "police"\nlanguages = ["rus", "kaz"]',
            'kind = "police"\nlanguages = ["rus", "kaz"]\nalways_open = true\noffice_hours = {}',
        ),
        "mini.toml: agency[0].always_open: an agency always open takes no office_hours",
    ),
    (
        "an agency's duty officer without p90",
        broken(
            'kind = "police"\nlanguages = ["rus", "kaz"]',
            'kind = "police"\nlanguages = ["rus", "kaz"]\n'
            'office_hours = { duty_officer = { median = "1h" } }',
        ),
        "mini.toml: agency[0].office_hours.duty_officer.p90: a lognormal delay needs its p90",
    ),
    (
        "an MLA route to an unknown country",
        broken(
            'kind = "prosecutor"\nlanguages = ["rus", "kaz"]',
            'kind = "prosecutor"\nlanguages = ["rus", "kaz"]\n'
            'playbook = { mla = [{ case = "KZ-1", to = ["UZ", "XX"] }] }',
        ),
        "mini.toml: agency[1].playbook.mla[0].to[1]: expected a country (KZ, UZ), got 'XX'",
    ),
    (
        "an MLA route asking for an unknown action",
        broken(
            "incomplete_share = 0.3",
            'incomplete_share = 0.3\nmla = [{ case = "KZ-1", to = ["UZ"], actions = ["torture"] }]',
        ),
        "mini.toml: playbooks.prosecutor.mla[0].actions[0]: expected an MLA action",
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_is_named_precisely(text: str, message: str) -> None:
    """The loader's one error names the file, the key path (or line and column) and what
    was expected."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "mini.toml")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"), [c[1:] for c in CASES[:6]], ids=[c[0] for c in CASES[:6]]
)
def test_run_refuses_a_bad_scenario_without_a_traceback_or_a_log(
    tmp_path: Path, text: str, message: str
) -> None:
    """`trafsim run bad.toml` prints one line, exits 1, and leaves no log file."""
    path = tmp_path / "mini.toml"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "out.db"
    result = subprocess.run(
        [sys.executable, "-m", "trafsim", "run", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("trafsim:")]
    assert len(errors) == 1
    assert message.split(": ", 1)[1] in errors[0]
    assert "Traceback" not in result.stderr
    assert not db.exists()
    assert not result.stdout


def test_validate_reports_each_file(tmp_path: Path) -> None:
    """`trafsim scenario validate` says ok or the error per file, exit 1 if any is bad."""
    good = tmp_path / "good.toml"
    good.write_text(TEXT, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(CASES[1][1], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "trafsim", "scenario", "validate", str(good), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"{good}: ok (mini" in result.stdout
    assert f"{bad}: exercise.duration" in result.stdout


def test_an_existing_log_is_not_overwritten(tmp_path: Path) -> None:
    """`--db` naming an existing file is refused unless --overwrite."""
    db = tmp_path / "taken.db"
    db.write_bytes(b"precious")
    result = subprocess.run(
        [sys.executable, "-m", "trafsim", "run", str(MINI), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "--overwrite" in result.stderr
    assert db.read_bytes() == b"precious"


def test_a_directory_as_the_log_is_refused(tmp_path: Path) -> None:
    """`--db` naming a directory gets one line and exit 1, even with --overwrite."""
    result = subprocess.run(
        [sys.executable, "-m", "trafsim", "run", str(MINI), "--db", str(tmp_path), "--overwrite"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "is a directory" in result.stderr
    assert "Traceback" not in result.stderr
