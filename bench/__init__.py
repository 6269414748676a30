"""Benchmarks: each measured beside its reference in the same process run, as ratios.

`python -m bench [--quick] [--json PATH]`; docs/performance.md has the table of a full run
and what bounds each figure."""
