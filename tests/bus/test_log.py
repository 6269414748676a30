"""The event log: append-only, hash-chained, verifiable offline, recomputable by hand."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bus.helpers import mini, play_to_db
from trafsim_bus.log.verify import verify_log

ROOT = Path(__file__).parent.parent.parent


@pytest.fixture(scope="module")
def sealed_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete, sealed log of the mini scenario (copied per test before changing it)."""
    path = tmp_path_factory.mktemp("log") / "mini.db"
    play_to_db(mini(), path)
    return path


def copy_of(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def trafsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trafsim", *args], capture_output=True, text=True, check=False
    )


def test_a_sealed_log_verifies(sealed_log: Path) -> None:
    """An untouched log exits 0 and prints its head last."""
    result = trafsim("verify", str(sealed_log))
    assert result.returncode == 0, result.stdout
    assert re.fullmatch(r"head seq=\d+ sha256=[0-9a-f]{64}", result.stdout.splitlines()[-1])


def test_updates_and_deletes_are_refused(sealed_log: Path, tmp_path: Path) -> None:
    """Triggers keep the events append-only."""
    path = copy_of(sealed_log, tmp_path)
    with sqlite3.connect(path) as conn:
        for statement in (
            "UPDATE events SET t_us = 0 WHERE seq = 3",
            "DELETE FROM events WHERE seq = 3",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)


def _tamper(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("DROP TRIGGER events_no_delete")
        for statement in statements:
            conn.execute(statement)


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (
            ["UPDATE events SET data = json_set(data, '$.tampered', 1) WHERE seq = 40"],
            "seq 40: the record does not match its hash",
        ),
        (
            ["UPDATE events SET t_us = t_us + 1 WHERE seq = 12"],
            "seq 12: the record does not match its hash",
        ),
        (["DELETE FROM events WHERE seq = 25"], "seq 25: missing"),
        (
            ["UPDATE deliveries SET status = 'delivered' WHERE status = 'rejected'"],
            "projection deliveries",
        ),
        (["DELETE FROM case_refs"], "projection case_refs"),
    ],
    ids=["changed-data", "changed-time", "gap", "changed-projection", "deleted-projection"],
)
def test_tampering_is_found_and_named(
    sealed_log: Path, tmp_path: Path, statements: list[str], message: str
) -> None:
    """A changed record, a gap or a changed projection exits 1 naming the first bad seq or
    table."""
    path = copy_of(sealed_log, tmp_path)
    _tamper(path, *statements)
    result = trafsim("verify", str(path))
    assert result.returncode == 1
    assert message in result.stdout
    assert result.stdout.splitlines()[-1].startswith("head seq=")


def test_a_log_cut_at_its_end_is_intact_but_unsealed(sealed_log: Path, tmp_path: Path) -> None:
    """A run that stopped early (a crash) verifies intact but unsealed: exit 3; with the
    sealed run's head as --expect it exits 1."""
    cut = tmp_path / "cut.db"
    play_to_db(mini(), cut, until_us=36 * 3600 * 1_000_000)
    result = trafsim("verify", str(cut))
    assert result.returncode == 3, result.stdout
    assert "not sealed" in result.stdout
    sealed_head = verify_log(sealed_log).head_sha256
    assert trafsim("verify", str(cut), "--expect", sealed_head).returncode == 1
    assert trafsim("verify", str(sealed_log), "--expect", sealed_head).returncode == 0


def test_verify_a_missing_or_foreign_file(tmp_path: Path) -> None:
    """Not a log: exit 1 with a sentence, no traceback."""
    missing = trafsim("verify", str(tmp_path / "nope.db"))
    assert missing.returncode == 1
    assert "no such log" in missing.stderr
    assert not missing.stdout
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    foreign = trafsim("verify", str(other))
    assert foreign.returncode == 1
    assert "not a trafsim event log" in foreign.stderr
    assert "Traceback" not in missing.stderr + foreign.stderr


def test_the_documented_script_recomputes_the_head(sealed_log: Path, tmp_path: Path) -> None:
    """The script in docs/log-schema.md prints the same head line as `trafsim verify`."""
    text = (ROOT / "docs" / "log-schema.md").read_text(encoding="utf-8")
    script = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert script, "docs/log-schema.md has no python block"
    assert len(script[1].strip().splitlines()) <= 10
    path = tmp_path / "recompute.py"
    path.write_text(script[1])
    ours = subprocess.run(
        [sys.executable, str(path), str(sealed_log)], capture_output=True, text=True, check=True
    )
    assert ours.stdout.strip() == trafsim("verify", str(sealed_log)).stdout.splitlines()[-1]


def test_the_head_does_not_depend_on_how_the_scenario_path_is_written(tmp_path: Path) -> None:
    """The same file named by a relative and by an absolute path gives the same head."""
    relative, absolute = tmp_path / "rel.db", tmp_path / "abs.db"
    for db, scenario, cwd in (
        (relative, "tests/scenarios/mini.toml", ROOT),
        (absolute, str(ROOT / "tests" / "scenarios" / "mini.toml"), tmp_path),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "trafsim", "run", scenario, "--db", str(db), "--json"],
            capture_output=True, text=True, check=False, cwd=cwd,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert verify_log(relative).head_sha256 == verify_log(absolute).head_sha256


def _append_chained(path: Path, **changes: object) -> int:
    """Append a record correctly chained to the last one (so only the other checks can
    catch it): a copy of the last record with `changes`. Returns its seq."""
    import hashlib

    import msgspec

    from trafsim_bus.log.reader import read_records
    from trafsim_bus.log.records import canonical

    records = read_records(path)
    head = bytes.fromhex(verify_log(path).head_sha256)
    last = records[-1]
    record = msgspec.structs.replace(last, seq=last.seq + 1, **changes)
    digest = hashlib.sha256(head + canonical(record)).hexdigest()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO events (seq, t_us, kind, cause_seq, origin, envelope_id, recipient, "
            "disruption_id, pool_id, data, wall_time, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.seq, record.t_us, record.kind, record.cause_seq, record.origin,
                record.envelope_id, record.recipient, record.disruption_id, record.pool_id,
                msgspec.json.encode(record.data, order="sorted").decode(), "", digest,
            ),
        )  # fmt: skip
    return record.seq


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"t_us": 0}, "follows exercise_ended"),
        ({"kind": "delivery_teleported"}, "follows exercise_ended"),
    ],
    ids=["after-the-seal", "unknown-kind-after-the-seal"],
)
def test_nothing_may_follow_the_seal(
    sealed_log: Path, tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    """A correctly chained record after `exercise_ended` is found, naming its seq."""
    path = copy_of(sealed_log, tmp_path)
    seq = _append_chained(path, **changes)
    result = trafsim("verify", str(path))
    assert result.returncode == 1
    assert f"seq {seq}: " in result.stdout
    assert message in result.stdout


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "delivery_teleported"}, "is not a kind of record"),
        ({"t_us": 0}, "is before seq"),
        ({"cause_seq": 10**6}, "is not an earlier record"),
        (
            {
                "kind": "rejected",
                "envelope_id": "00000000-0000-4000-8000-000000000000",
                "recipient": "nobody",
                "data": {"reason": "link_down"},
            },
            "about a delivery that was never created",
        ),
    ],
    ids=["unknown-kind", "time-going-back", "cause-from-the-future", "unknown-delivery"],
)
def test_records_out_of_place_are_found(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    """In an unsealed log, a correctly chained record of an unknown kind, going back in
    time, or caused by a later record exits 1 naming its seq."""
    path = tmp_path / "cut.db"
    play_to_db(mini(), path, until_us=36 * 3600 * 1_000_000)
    seq = _append_chained(path, **changes)
    result = trafsim("verify", str(path))
    assert result.returncode == 1, result.stdout
    assert f"seq {seq}: " in result.stdout
    assert message in result.stdout


@pytest.mark.parametrize("command", ["verify", "metrics"])
def test_malformed_data_names_the_seq(sealed_log: Path, tmp_path: Path, command: str) -> None:
    """A record whose data is not JSON: exit 1 naming its seq, no traceback."""
    path = copy_of(sealed_log, tmp_path)
    _tamper(path, "UPDATE events SET data = '{not json' WHERE seq = 7")
    result = trafsim(command, str(path))
    assert result.returncode == 1
    assert "seq 7: the record does not decode" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_renamed_scenario_file_gives_the_same_head(tmp_path: Path) -> None:
    """SPEC §1: the scenario's file name is not in the chain."""
    text = (ROOT / "tests" / "scenarios" / "mini.toml").read_text(encoding="utf-8")
    heads = []
    for name in ("mini.toml", "another-name.toml"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        db = tmp_path / f"{name}.db"
        assert trafsim("run", str(tmp_path / name), "--db", str(db), "--json").returncode == 0
        heads.append(verify_log(db).head_sha256)
    assert heads[0] == heads[1]


def test_a_live_log_verifies_unsealed_while_it_is_written(tmp_path: Path) -> None:
    """`verify` reads one moment of a log another process is appending to: intact and
    unsealed (3), never a projection out of step (sealed, 0, only once it is complete)."""
    import time

    db = tmp_path / "long.db"
    scenario = tmp_path / "busy.toml"
    scenario.write_text(
        (ROOT / "tests" / "scenarios" / "mini.toml")
        .read_text(encoding="utf-8")
        .replace("rate_per_hour = 0.5", "rate_per_hour = 240"),  # long enough to read it 3 times
        encoding="utf-8",
    )
    writer = subprocess.Popen(
        [sys.executable, "-m", "trafsim", "run", str(scenario), "--db", str(db), "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    partial = tmp_path / "long.db.partial"
    statuses = []
    try:
        while writer.poll() is None:
            if partial.exists():
                result = trafsim("verify", str(partial))
                starting = "not a trafsim event log" in result.stderr  # tables not made yet
                vanished = "no such log" in result.stderr  # renamed into place meanwhile
                if not starting and not vanished:
                    statuses.append((result.returncode, result.stdout.splitlines()[:1]))
            time.sleep(0.05)
    finally:
        writer.wait(timeout=600)
    assert writer.returncode == 0
    assert len(statuses) >= 3
    # Between the seal's commit and the rename into place a reader may find the partial
    # log sealed (0): only as its last reading; every reading before it is intact, unsealed.
    if statuses[-1][0] == 0:
        assert statuses[-1][1][0].endswith("records intact; sealed by exercise_ended")
        statuses.pop()
    assert {status for status, _ in statuses} == {3}, statuses
    assert trafsim("verify", str(db)).returncode == 0


@pytest.mark.parametrize(
    "change", ["origin = 'nobody'", "t_us = 'soon'", "recipient = x'01'", "cause_seq = 1.5"]
)
def test_a_column_of_the_wrong_type_names_the_seq(
    sealed_log: Path, tmp_path: Path, change: str
) -> None:
    """A record whose column holds what no record can (an unknown origin, a time that is
    no integer): verify exits 1 naming its seq, no traceback."""
    path = copy_of(sealed_log, tmp_path)
    _tamper(path, f"UPDATE events SET {change} WHERE seq = 7")
    result = trafsim("verify", str(path))
    assert result.returncode == 1
    assert "seq 7: the record does not decode" in result.stdout
    assert "Traceback" not in result.stderr
