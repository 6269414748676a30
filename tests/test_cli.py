"""The command line: schema export, message validation, exit statuses, no tracebacks."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from protocols import MESSAGE_TYPES
from tests.documents import referral_envelope
from trafsim.cli import main


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m trafsim` as a user would, capturing both streams."""
    return subprocess.run(
        [sys.executable, "-m", "trafsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_schema_writes_one_file_per_schema(tmp_path: Path) -> None:
    """`trafsim schema --out DIR` writes the envelope, delivery and every message schema."""
    out = tmp_path / "schemas"
    assert main(["schema", "--out", str(out)]) == 0
    names = {path.stem for path in out.glob("*.json")}
    assert names == {"envelope", "delivery", *MESSAGE_TYPES}
    assert len(names) >= 30
    for path in out.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f":{path.stem}")


def test_schema_defaults_to_the_schemas_directory(tmp_path: Path) -> None:
    """Without --out the schemas land in ./schemas, and stdout lists the files."""
    result = run_cli("schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "schemas" / "envelope.json").is_file()
    assert "schemas/envelope.json" in result.stdout.splitlines()


def test_schema_into_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    """A path that cannot be a directory gets one line and exit 1, not a traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("schema", "--out", str(blocker / "sub"))
    assert result.returncode == 1
    assert "cannot create the directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_accepts_json_and_msgpack(tmp_path: Path) -> None:
    """Good files in either encoding are reported ok with their kind; exit 0."""
    document = referral_envelope()
    (tmp_path / "a.json").write_bytes(msgspec.json.encode(document))
    (tmp_path / "a.msgpack").write_bytes(msgspec.msgpack.encode(document))
    result = run_cli("message", "validate", str(tmp_path / "a.json"), str(tmp_path / "a.msgpack"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok (referral)") == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"schema_version": "1"', "truncated"),
        (b"\x00\x01garbage", "expected `object`"),
        (b"", "empty input"),
    ],
)
def test_validate_reports_bad_files_with_exit_1(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    """A bad file is named with the path and what was expected; exit 1; no traceback."""
    good = tmp_path / "good.json"
    good.write_bytes(msgspec.json.encode(referral_envelope()))
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = run_cli("message", "validate", str(good), str(bad))
    assert result.returncode == 1
    assert f"{bad}: $" in result.stdout
    assert expected in result.stdout
    assert f"{good}: ok (referral)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_names_the_field_path(tmp_path: Path) -> None:
    """A wrongly typed field is reported with its JSON path."""
    document = referral_envelope()
    document["body"]["persons"][0]["age"] = "thirty"
    path = tmp_path / "typed.json"
    path.write_bytes(msgspec.json.encode(document))
    result = run_cli("message", "validate", str(path))
    assert result.returncode == 1
    assert f"{path}: $.body.persons[0].age: expected `int | null`, got `str`" in result.stdout


def test_validate_a_missing_file(tmp_path: Path) -> None:
    """A file that does not exist is a bad file, not a crash."""
    result = run_cli("message", "validate", str(tmp_path / "nope.json"))
    assert result.returncode == 1
    assert "cannot read" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["message"], ["schema", "--bogus"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    """Unknown commands and options are usage errors: exit 2 with usage on stderr."""
    result = run_cli(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.fixture(scope="module")
def held_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A log in which a question to the UZ police is translated, held by two outages in
    turn and delivered (the rules scenario of tests/bus/test_rules.py)."""
    from tests.bus.test_rules import OUTAGES, REQUEST, exercise, send
    from trafsim_bus import EventLogWriter

    bus = exercise(OUTAGES)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    bus.advance_to(bus.clock.endex_us)
    db = tmp_path_factory.mktemp("trail") / "held.db"
    writer = EventLogWriter(db)
    writer.append(bus.take_records())
    writer.close()
    return db, str(sent.id)


def test_trail_prints_every_stage(held_log: tuple[Path, str]) -> None:
    """`trafsim trail DB ID`: per recipient, each stage with its time and added delay:
    routing, language, latency, translation queued, started and done, the two holds and
    releases, delivery."""
    db, envelope_id = held_log
    result = run_cli("trail", str(db), envelope_id[:8])
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "→ uz-police: delivered 1 Jun 21:00 (D1), after 12.0h" in text
    rows = [line.split()[4:6] for line in text.splitlines() if line.startswith("  1 Jun")]
    assert rows == [
        ["created"],
        ["routing", "channel"],
        ["language", "translate"],
        ["latency", "drawn"],
        ["translation", "queued"],
        ["translation", "started"],
        ["translation", "finished"],
        ["translation", "translated"],
        ["disruption", "held"],
        ["disruption", "released"],
        ["disruption", "held"],
        ["disruption", "released"],
        ["delivery", "delivered"],
    ]
    assert "[down-1]" in text
    assert "[down-2]" in text


def test_trail_as_json_lists_every_record(held_log: tuple[Path, str]) -> None:
    """`--json`: every record about the delivery, with its time as people read it."""
    from trafsim_bus import read_records

    db, envelope_id = held_log
    result = run_cli("trail", str(db), envelope_id, "--json")
    document = json.loads(result.stdout)
    steps = document["recipients"]["uz-police"]["steps"]
    expected = [
        r.seq
        for r in read_records(db)
        if r.envelope_id == envelope_id and r.recipient == "uz-police"
    ]
    assert [step["seq"] for step in steps] == expected
    assert document["recipients"]["uz-police"]["status"] == "delivered"
    assert steps[-1]["when"] == "1 Jun 21:00 (D1)"


def test_trail_of_an_unknown_or_ambiguous_id(held_log: tuple[Path, str]) -> None:
    """An id that matches no envelope: one line, exit 1; the start of several ids asks
    for more of it."""
    from trafsim_bus import LogError, read_records
    from trafsim_bus.log.trail import find_envelope

    result = run_cli("trail", str(held_log[0]), "ffff")
    assert result.returncode == 1
    assert "no envelope 'ffff'" in result.stderr
    assert "Traceback" not in result.stderr
    submitted = next(r for r in read_records(held_log[0]) if r.kind == "envelope_submitted")
    twins = [msgspec.structs.replace(submitted, envelope_id=f"ab{n}") for n in range(2)]
    with pytest.raises(LogError, match="starts 2 envelope ids"):
        find_envelope(twins, "ab")


def test_scenario_show_prints_every_latency_rule_and_expected_action() -> None:
    """`scenario show` lists each channel's latency rules in order and the MSEL's expected
    actions with how the log tells them."""
    text = run_cli("scenario", "show").stdout
    mla = next(line for line in text.splitlines() if line.startswith("mla-central "))
    assert "ack,nack: 2h / 12h; other: 7d / 30d certified" in mla
    assert mla.index("ack,nack") < mla.index("other")
    assert "referral kz-mia-at → kz-soc within 6h" in text
    assert "— (observers)" in text


def test_commands_load_only_what_they_use() -> None:
    """`import trafsim.cli` (every `--help`) loads no engine, web server or chart library,
    and `trafsim run` no web server or charts: start-up is paid by the command that needs
    it (issue 12)."""
    probe = (
        "import sys, trafsim.cli; first = set(sys.modules); import trafsim.run_cmd; "
        "print(sorted({m.split('.')[0] for m in first}), sorted(sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split("] ", 1)
    at_help = set(ast.literal_eval(found[0] + "]"))
    at_run = ast.literal_eval(found[1])
    assert not at_help & {"aiohttp", "plotly", "agencies", "sqlite_utils"}
    assert not {m.split(".")[0] for m in at_run} & {"aiohttp", "plotly"}
    assert not [m for m in at_run if m.startswith(("trafsim.viewer", "trafsim.aar."))]
