"""The benchmark suite runs (as CI's smoke test, never asserting a time): every benchmark
beside its reference, both sides computing the same thing, and a table and JSON of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import queueing
from bench.harness import Benchmark, Measured, Side, measure
from bench.realtime import Outcome
from bench.report import BLOCK, PAGE, TARGETS, blocks, committed, profile_markdown, rendered
from bench.suite import SUITE, chain_head, rows_of
from bench.workloads import records_of, write_log
from trafsim_bus import verify_log

ROOT = Path(__file__).resolve().parent.parent


def quick(module: str, out: Path) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE --quick --json OUT` from the project's root, which must succeed;
    what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_quick_suite_runs_every_benchmark_and_both_sides_agree(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = quick("bench", out)
    document = json.loads(out.read_text(encoding="utf-8"))
    results = {result["name"]: result for result in document["results"]}
    assert len(results) == len(SUITE)
    for result in results.values():
        assert result["agreed"], result["name"]
        assert result["units"] > 0
        assert result["name"] in done.stdout
        if result["name"].startswith("per record"):
            # A difference of two small runs' times: noise can make it negative in --quick.
            figures = result["figures"]
            assert figures["subject"]["records"] > figures["reference"]["records"] > 0
        else:
            assert result["subject_s"] > 0
            assert result["reference_s"] > 0
    assert document["settings"] == {
        "factor": 1.0,
        "messages": 3000,
        "repeats": 1,
        "log_factor": 2.0,
        "scales": [2.0, 4.0, 8.0],
    }
    assert results["trafsim metrics"]["figures"]["subject"]["peak_mib"] > 0
    assert results["per record, 8x"]["figures"]["subject"]["peak_mib"] > 0
    assert results["per record, 8x"]["figures"]["reference"]["records"] > 0
    for name in ("serve at 200/s", "serve at 1000/s"):
        figures = results[name]["figures"]
        assert {"latency_p50_ms", "latency_p99_ms", "lateness_p50_ms", "lateness_p99_ms"} <= set(
            figures["subject"]
        )
        assert figures["subject"]["submissions"] == results[name]["units"]
        assert figures["subject"]["commits"] > 0
        assert {"latency_p50_ms", "latency_p99_ms"} <= set(figures["reference"])
        assert "lateness_p99_ms" in done.stdout


def test_a_benchmark_whose_sides_disagree_says_so() -> None:
    """The check is not decorative: sides that compute different things fail the run."""
    differ = Benchmark(
        name="differ",
        units=1,
        unit="call",
        subject=Side("one", lambda: 1),
        reference=Side("two", lambda: 2),
        same=lambda mine, theirs: bool(mine == theirs),
    )
    result = measure(differ, 2, lambda _: None)
    assert result.agreed is False
    assert len(result.samples["subject"]) == 2
    assert result.ratio == result.reference_s / result.subject_s


def test_a_side_that_keeps_its_own_time_reports_it_and_its_figures() -> None:
    """A side returning `Measured` is timed by its own seconds, its value is what the check
    sees, and each figure it reports is the median over the repeats."""
    seconds = iter([3.0, 1.0, 2.0])
    lateness = iter([10.0, 30.0, 20.0])

    def ours() -> Measured:
        return Measured(next(seconds), "same", {"lateness_p99_ms": next(lateness)})

    timed_itself = Benchmark(
        name="self-timed",
        units=1,
        unit="call",
        subject=Side("ours", ours),
        reference=Side("theirs", lambda: "same"),
        same=lambda mine, theirs: bool(mine == theirs),
    )
    result = measure(timed_itself, 3, lambda _: None)
    assert result.agreed
    assert result.samples["subject"] == [3.0, 1.0, 2.0]
    assert result.subject_s == 2.0
    assert result.figures == {"subject": {"lateness_p99_ms": 20.0}}
    assert result.document()["figures"] == result.figures


def test_a_live_run_agrees_only_if_every_submission_was_accepted_and_kept() -> None:
    """The serve benchmark's check: a submission not answered 202, or answered but not in
    the log, makes the run disagree."""
    sent = frozenset({"a", "b"})
    assert Outcome(sent, sent, sent, (202, 202)).complete
    assert not Outcome(sent, sent, frozenset({"a"}), (202, 202)).complete
    assert not Outcome(sent, frozenset({"a"}), sent, (202, 422)).complete
    assert not Outcome(sent, sent, sent, (202, 200)).complete


def test_the_references_compute_what_the_real_code_computes(tmp_path: Path) -> None:
    """The writer's reference rows carry the writer's own hashes, and the docs' hash-chain
    script finds the head `trafsim verify` finds: the comparisons are like for like."""
    records = records_of(1.0)
    path = tmp_path / "log.db"
    write_log(records, path)
    rows = rows_of(records)
    assert rows[-1][-1] == verify_log(path).head_sha256
    assert chain_head(path) == verify_log(path).head_sha256


def test_the_engine_and_the_simpy_model_agree_with_the_queueing_formula() -> None:
    """The queue exercise: the engine's mean translator wait and the SimPy model's agree
    with each other and with the M/M/c (Erlang C) wait within sampling error, and a model
    twice as slow would not pass the check."""
    exercise = queueing.scenario(3000)
    ours = queueing.engine_waits(queueing.engine_run(exercise, None))
    model = queueing.simpy_waits(len(ours.seconds), seed=1)
    assert len(ours.seconds) > 2500
    expected = queueing.erlang_c_wait()
    for waits in (ours, model):
        assert abs(waits.mean - expected) <= 4 * waits.standard_error()
    assert queueing.agree(ours, model)
    assert not queueing.agree(ours, queueing.Waits(tuple(2 * w for w in model.seconds)))


def test_the_performance_page_shows_the_committed_full_run() -> None:
    """docs/performance.md's machine line, table, targets and profiles are rendered from
    the committed JSON of a full run and of `bench.profile` (`python -m bench.report`
    renders them afresh), and the run covers every benchmark with both sides agreeing."""
    full, profiles = committed()
    page = PAGE.read_text("utf-8")
    assert rendered(page, full, profiles) == page
    assert sorted(BLOCK.findall(page)) == sorted(
        (f"<!-- {name} -->\n", name, f"<!-- /{name} -->") for name in blocks(full, profiles)
    )
    names = [result["name"] for result in full["results"]]
    assert len(names) == len(SUITE)
    assert all(result["agreed"] for result in full["results"])
    assert full["settings"]["repeats"] > 1
    assert set(profiles["time"]) == {name for name in TARGETS if not name.startswith("per")}


def test_the_profiles_run_and_render(tmp_path: Path) -> None:
    """`python -m bench.profile --quick` profiles every timed target and the memory of a
    run, and the page renders it."""
    out = tmp_path / "profiles.json"
    quick("bench.profile", out)
    profiles = json.loads(out.read_text("utf-8"))
    for profile in profiles["time"].values():
        assert 0 < sum(row["share"] for row in profile["rows"]) <= 1
    assert profiles["memory"]["records"] > 0
    assert profiles["memory"]["rows"]
    assert len(profiles["growth"]["rows"]) > 0
    assert all(row["function"] for row in profiles["growth"]["rows"])
    assert "| function | calls | share |" in profile_markdown(profiles)


def test_a_process_peak_memory_is_its_own() -> None:
    """The peak a measured process reports is its own high-water mark, not the pages of the
    parent it was forked from: a process that fills 200 MiB reports at least that, one
    that does nothing far less, whatever the parent holds."""
    from bench.processes import run_measured

    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"x" * len(range(0, len(ballast), 4096))
    idle = run_measured(["-c", "pass"])
    filled = run_measured(
        ["-c", "import sys; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])"]
    )
    assert len(ballast) > 0
    assert idle.returncode == filled.returncode == 0
    assert 0 < idle.peak_mib < 100
    assert filled.peak_mib >= 200
