"""The benchmark suite runs (as CI's smoke test, never asserting a time): every benchmark
beside its reference, both sides computing the same thing, and a table and JSON of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.harness import Benchmark, Side, measure
from bench.suite import SUITE, chain_head, rows_of
from bench.workloads import records_of, write_log
from trafsim_bus import verify_log

ROOT = Path(__file__).resolve().parent.parent


def test_the_quick_suite_runs_every_benchmark_and_both_sides_agree(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    results = {result["name"]: result for result in document["results"]}
    assert len(results) == len(SUITE)
    for result in results.values():
        assert result["agreed"], result["name"]
        assert result["subject_s"] > 0
        assert result["reference_s"] > 0
        assert result["units"] > 0
        assert result["name"] in done.stdout
    assert document["settings"] == {"factor": 1.0, "repeats": 1}


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


def test_the_references_compute_what_the_real_code_computes(tmp_path: Path) -> None:
    """The writer's reference rows carry the writer's own hashes, and the docs' hash-chain
    script finds the head `trafsim verify` finds: the comparisons are like for like."""
    records = records_of(1.0)
    path = tmp_path / "log.db"
    write_log(records, path)
    rows = rows_of(records)
    assert rows[-1][-1] == verify_log(path).head_sha256
    assert chain_head(path) == verify_log(path).head_sha256
