"""A what-if study: the logged exercise re-simulated with changes to its scenario, then
compared with the log (divergence, orphaned inputs) and measured against the original
(paired deltas over one seed or several)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from trafsim_bus.core.restore import Header, PlayersFor, read_header
from trafsim_bus.errors import LogError
from trafsim_bus.log.records import Record
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.whatif.compare import Divergence, Orphan, first_divergence, orphaned_inputs
from trafsim_bus.whatif.deltas import measures, paired_deltas
from trafsim_bus.whatif.overrides import Changes, changed_scenario
from trafsim_bus.whatif.simulate import chain_head, resimulate

log = structlog.get_logger(__name__)

RunStarted = Callable[[str, int, int, int], None]
"""Told (side, seed, run number from 1, runs in all) before each re-simulation."""


@dataclass(frozen=True)
class Study:
    """What whatif found. `divergence` and `orphans` come from the run under the logged
    seed; `deltas` pair every seed's original and changed runs."""

    header: Header
    changes: Changes
    seeds: list[int]
    records: int
    resimulated: int
    divergence: Divergence | None
    orphans: list[Orphan]
    deltas: dict[str, dict[str, Any]]
    calendars: tuple[dict[str, Any], dict[str, Any]]
    """The metrics' `calendar` of the log and of the changed run under its seed."""

    def document(self) -> dict[str, Any]:
        """The `--json` document."""
        return {
            "divergence": None if self.divergence is None else self.divergence.document(),
            "orphaned_inputs": len(self.orphans),
            "deltas": {"seeds": self.seeds, "measures": self.deltas},
        }


def study(
    logged: Sequence[Record],
    head: tuple[int, str],
    changes: Changes,
    *,
    runs: int = 1,
    players_for: PlayersFor | None = None,
    started: RunStarted | None = None,
) -> Study:
    """Re-simulate the log under `changes` for seeds seed..seed+runs-1, the original
    scenario too under every seed but the logged one (the log itself stands for it), and
    compare. `head` is the log's (seq, sha256)."""
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if not logged:
        raise LogError("the log is empty: there is nothing to re-simulate")
    header = read_header(logged[0])
    text = logged[0].data["scenario"]["text"]
    scenario = changed_scenario(text, f"{header.scenario.name}.toml", changes)
    seeds = [header.seed + i for i in range(runs)]
    total = 2 * runs - 1
    done = 0

    def tell(side: str, seed: int) -> None:
        nonlocal done
        done += 1
        if started is not None:
            started(side, seed, done, total)

    tell("changed", header.seed)
    again = resimulate(logged, header, scenario=scenario, players_for=players_for)
    log.debug("exercise_resimulated", side="changed", seed=header.seed, records=len(again))
    original = compute_metrics(logged, head)
    changed = compute_metrics(again, chain_head(again))
    originals = [measures(original)]
    news = [measures(changed)]
    for seed in seeds[1:]:
        tell("original", seed)
        before = resimulate(logged, header, seed=seed, players_for=players_for)
        log.debug("exercise_resimulated", side="original", seed=seed, records=len(before))
        tell("changed", seed)
        after = resimulate(logged, header, scenario=scenario, seed=seed, players_for=players_for)
        log.debug("exercise_resimulated", side="changed", seed=seed, records=len(after))
        originals.append(measures(compute_metrics(before, chain_head(before))))
        news.append(measures(compute_metrics(after, chain_head(after))))
    divergence = first_divergence(logged, again)
    orphans = orphaned_inputs(logged, again)
    log.info(
        "whatif_compared",
        changes=changes.described(),
        seeds=seeds,
        divergence_seq=None if divergence is None else divergence.seq,
        orphaned_inputs=len(orphans),
    )
    return Study(
        header=header,
        changes=changes,
        seeds=seeds,
        records=len(logged),
        resimulated=len(again),
        divergence=divergence,
        orphans=orphans,
        deltas=paired_deltas(originals, news),
        calendars=(original["calendar"], changed["calendar"]),
    )
