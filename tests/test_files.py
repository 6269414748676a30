"""Files are safe: `--overwrite` replaces only a log, an interrupted run leaves the old log
whole, logs on read-only media are read, and a closed pipe, a corrupt database or a
missing or unreadable path get one clear line and exit 1, never a traceback."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unprivileged import Unprivileged, unavailable
from trafsim_bus import verify_log

ROOT = Path(__file__).parent
MINI = ROOT / "scenarios" / "mini.toml"
F_SETPIPE_SZ = 1031


def trafsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`trafsim ARGS...` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "trafsim", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    """The failure's single line (exit 1, nothing on stdout, no traceback)."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("trafsim: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def mini_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sealed log of the mini scenario."""
    db = tmp_path_factory.mktemp("files") / "mini.db"
    assert trafsim("run", str(MINI), "--db", str(db), "--json").returncode == 0
    return db


@pytest.mark.parametrize("victim", ["scenario.toml", "notes.txt"])
def test_overwrite_replaces_only_a_log(tmp_path: Path, victim: str) -> None:
    """`--overwrite` on a file that is not a trafsim log (the scenario itself, a text
    file) refuses, and the file is left as it was."""
    target = tmp_path / victim
    shutil.copy(MINI, target) if victim.endswith(".toml") else target.write_text("my notes\n")
    before = target.read_bytes()
    scenario = str(target) if victim.endswith(".toml") else str(MINI)
    line = one_clear_line(trafsim("run", scenario, "--db", str(target), "--overwrite"))
    assert "not a trafsim event log" in line
    assert target.read_bytes() == before


def test_an_interrupted_run_leaves_the_old_log_whole(mini_log: Path, tmp_path: Path) -> None:
    """Ctrl-C during `run --overwrite`: the old log still verifies with its own head, and
    the message says where the partial log is."""
    db = tmp_path / "kept.db"
    shutil.copy(mini_log, db)
    head = verify_log(db).head_sha256
    busy = tmp_path / "busy.toml"
    busy.write_text(
        MINI.read_text(encoding="utf-8").replace("rate_per_hour = 0.5", "rate_per_hour = 1000"),
        encoding="utf-8",
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "trafsim", "run", str(busy), "--db", str(db), "--overwrite"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    partial = tmp_path / "kept.db.partial"
    deadline = time.monotonic() + 120
    while not partial.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert f"what it wrote is in {partial}" in stderr
    assert "Traceback" not in stderr
    assert verify_log(db).head_sha256 == head
    assert verify_log(db).status() == 0
    assert verify_log(partial).status() == 3


@pytest.mark.parametrize("command", ["verify", "metrics"])
def test_a_corrupt_database_is_one_line(mini_log: Path, tmp_path: Path, command: str) -> None:
    """A log with a page of zeros: exit 1 with one line, no traceback."""
    broken = tmp_path / "broken.db"
    shutil.copy(mini_log, broken)
    with broken.open("r+b") as file:
        file.seek(4096 * 3)
        file.write(bytes(4096 * 4))
    line = one_clear_line(trafsim(command, str(broken)))
    assert str(broken) in line


@pytest.mark.parametrize("command", ["verify", "metrics"])
def test_a_missing_path_is_one_line(tmp_path: Path, command: str) -> None:
    """No such file: exit 1 with one line."""
    assert "no such log file" in one_clear_line(trafsim(command, str(tmp_path / "none.db")))


def test_a_closed_pipe_is_one_line() -> None:
    """`scenario show | head -1`: the reader goes away after a line; exit 1, one line, no
    traceback (the pipe is made small so that the writer meets it closed)."""
    command = [sys.executable, "-m", "trafsim", "scenario", "show"]
    reader, writer = os.pipe()
    fcntl.fcntl(writer, F_SETPIPE_SZ, 4096)
    process = subprocess.Popen(command, stdout=writer, stderr=subprocess.PIPE, text=True)
    os.close(writer)
    assert os.read(reader, 80)
    os.close(reader)
    _, stderr = process.communicate(timeout=60)
    line = one_clear_line(subprocess.CompletedProcess(command, process.returncode, "", stderr))
    assert "the output was closed before it was all written" in line


@pytest.fixture(scope="module")
def nobody() -> Iterator[Unprivileged]:
    """Commands run as an unprivileged user (CI runs as root, whom file modes do not stop).
    Where that cannot be arranged the tests skip, saying why, except under CI=true."""
    reason = unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot run commands unprivileged on CI: {reason}")
        pytest.skip(reason)
    runner = Unprivileged()
    yield runner
    runner.remove()


def read_only_copy(nobody: Unprivileged, log: Path) -> Path:
    """The log in a folder nobody may not write to, the file itself read-only."""
    folder = nobody.home / "media"
    folder.mkdir(exist_ok=True)
    copy = folder / log.name
    shutil.copy(log, copy)
    copy.chmod(0o444)
    folder.chmod(0o555)
    return copy


def test_a_log_on_read_only_media_is_read(mini_log: Path, nobody: Unprivileged) -> None:
    """On a read-only folder, `verify` and `metrics` read the log as they would anywhere."""
    copy = read_only_copy(nobody, mini_log)
    verified = nobody.trafsim("verify", str(copy))
    assert verified.returncode == 0, verified.stderr
    assert (
        verified.stdout.splitlines()[-1] == trafsim("verify", str(mini_log)).stdout.splitlines()[-1]
    )
    measured = nobody.trafsim("metrics", str(copy), "--json")
    assert measured.returncode == 0, measured.stderr
    assert measured.stdout == trafsim("metrics", str(mini_log), "--json").stdout


def test_overwriting_on_read_only_media_is_one_line(mini_log: Path, nobody: Unprivileged) -> None:
    """`run --overwrite` where nothing may be written: one line, and the log intact."""
    copy = read_only_copy(nobody, mini_log)
    before = copy.read_bytes()
    line = one_clear_line(nobody.trafsim("run", "silk-thread", "--db", str(copy), "--overwrite"))
    assert "cannot write there (read-only)" in line
    assert copy.read_bytes() == before


def test_an_unreadable_log_is_one_line(mini_log: Path, nobody: Unprivileged) -> None:
    """A log its reader may not read: one line."""
    folder = nobody.home / "private"
    folder.mkdir(exist_ok=True)
    secret = folder / "secret.db"
    shutil.copy(mini_log, secret)
    secret.chmod(0o600)
    for command in ("verify", "metrics"):
        line = one_clear_line(nobody.trafsim(command, str(secret)))
        assert str(secret) in line
