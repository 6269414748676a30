"""`python -m bench [--quick] [--json PATH] [--only NAME ...]`: each benchmark beside its
reference, repeated, then a table of medians and ratios (and a bar per ratio)."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.harness import Result, measure, progress_line
from bench.suite import FULL, QUICK, SUITE, scratch
from trafsim.logconfig import configure_logging


def table(results: list[Result]) -> str:
    """The medians and ratios as people read them, a bar for each ratio (1 = as fast as
    the reference), and under a row the figures its sides reported."""
    lines = [
        f"{'benchmark':<18} {'units':>9}  {'ours':>9}  {'reference':>9}  {'ratio':>6}",
    ]
    for result in results:
        bar = "█" * min(40, round(result.ratio * 20))
        agreed = "" if result.agreed else "  RESULTS DIFFER"
        lines.append(
            f"{result.name:<18} {result.units:>9}  {result.subject_s:>8.3f}s  "
            f"{result.reference_s:>8.3f}s  {result.ratio:>6.3f}  {bar}{agreed}"
        )
        for side, figures in result.figures.items():
            named = ", ".join(f"{name} {value:.4g}" for name, value in figures.items())
            lines.append(f"{'':<18} {side}: {named}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small work, one repeat (CI)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITE), help="run only these")
    args = parser.parse_args(argv)
    configure_logging()
    settings = QUICK if args.quick else FULL
    names = args.only or list(SUITE)
    results = []
    with scratch() as folder:
        for name in names:
            benchmark = SUITE[name](settings, Path(folder))
            results.append(measure(benchmark, settings.repeats, progress_line))
    progress_line("")
    print(table(results))
    if args.json is not None:
        document: dict[str, Any] = {
            "settings": asdict(settings),
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "results": [result.document() for result in results],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0 if all(result.agreed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
