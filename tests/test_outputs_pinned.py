"""The outputs the speed work must not change: the head digest of the log and the bytes of
the metrics document, for the default exercise and for SILK THREAD with a hundred times its
background traffic (issue 12). The pins were computed before any speed work; a change that
moves them changes behaviour, and says so in CHANGELOG.md.

`python -m tests.test_outputs_pinned` prints the current values (to re-pin after a
deliberate change of behaviour, never to make a speed change pass)."""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path
from typing import Final

import pytest

from bench.workloads import play_headless, scaled
from trafsim.log_cmd import metrics_of
from trafsim_bus import (
    DEFAULT_SCENARIO,
    encode_metrics,
    load_scenario,
)
from trafsim_bus.scenario.model import Scenario

PINNED: Final = {
    "default": {
        "records": 4237,
        "head": "35c12f4c061e8a6a8221517c7573e1e7b13dcfd1c060412723a8582390a9ddeb",
        "metrics_sha256": "64ff49eefa10f9af58552c38f07b851bf719175cae861cdab34942cea4bd68bc",
    },
    "x100": {
        "records": 136001,
        "head": "cb76f18c45fbbc0d0f0808e63feb25110781d714d1ab2c9d96d7c1405a5804eb",
        "metrics_sha256": "0fb10f1a48fa081f3adce48e955aea04628eae3fd723e97127d27e2956f1c1f4",
    },
}


def exercise(name: str) -> Scenario:
    """The scenario a pin is about."""
    return load_scenario(DEFAULT_SCENARIO) if name == "default" else scaled(100.0)


def outputs(scenario: Scenario, path: Path) -> dict[str, object]:
    """Play to ENDEX as `trafsim run` does (seed 1, version "0": the log written, its
    metrics folded as they are written); the record count, the head and the metrics
    document's digest. `trafsim metrics`'s streamed reading of the log must give the
    same bytes."""
    played = play_headless(scenario, path)
    document = encode_metrics(played.metrics)
    assert encode_metrics(metrics_of(path)) == document, "trafsim metrics differs from run"
    return {
        "records": played.records,
        "head": played.head[1],
        "metrics_sha256": hashlib.sha256(document).hexdigest(),
    }


@pytest.mark.parametrize("name", sorted(PINNED))
def test_the_outputs_are_as_pinned(name: str, tmp_path: Path) -> None:
    """Same scenario, seed and code path: the same log head and metrics bytes as pinned."""
    assert outputs(exercise(name), tmp_path / "log.db") == PINNED[name]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        for pin in sorted(PINNED):
            found = outputs(exercise(pin), Path(folder) / f"{pin}.db")
            sys.stdout.write(f"{pin!r}: {found!r},\n")
