"""What if: re-simulate a logged exercise with changes to its scenario and say what they
bought (SPEC §16, docs/whatif.md)."""

from trafsim_bus.whatif.compare import Divergence, Orphan, first_divergence, orphaned_inputs
from trafsim_bus.whatif.deltas import measures, paired_deltas, t_interval, t_quantile_975
from trafsim_bus.whatif.overrides import (
    Addition,
    Changes,
    OverrideError,
    Setting,
    changed_scenario,
    parse_setting,
    parse_value,
    read_addition,
)
from trafsim_bus.whatif.simulate import chain_head, resimulate
from trafsim_bus.whatif.study import Study, study

__all__ = [
    "Addition",
    "Changes",
    "Divergence",
    "Orphan",
    "OverrideError",
    "Setting",
    "Study",
    "chain_head",
    "changed_scenario",
    "first_divergence",
    "measures",
    "orphaned_inputs",
    "paired_deltas",
    "parse_setting",
    "parse_value",
    "read_addition",
    "resimulate",
    "study",
    "t_interval",
    "t_quantile_975",
]
