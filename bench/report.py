"""The results of a run as docs/performance.md shows them: a Markdown table of medians and
ratios, rendered from the JSON `python -m bench --json` writes."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any


def figures_text(figures: dict[str, float]) -> str:
    """Further figures as words: `peak_mib` 212.4 as "peak 212 MiB", `latency_p99_ms` as
    "latency p99 3.1 ms", whole counts with thousands separators, the rest to three
    significant digits."""
    shown = []
    for key, value in figures.items():
        if key.endswith("_mib"):
            shown.append(f"{key[:-4].replace('_', ' ')} {value:,.0f} MiB")
        elif key.endswith("_ms"):
            shown.append(f"{key[:-3].replace('_', ' ')} {value:.3g} ms")
        elif "_ms_" in key:
            label = key.replace("_ms_", " ").replace("_", " ")
            shown.append(f"{label} {value:.3g} ms")
        elif float(value).is_integer():
            shown.append(f"{key.replace('_', ' ')} {value:,.0f}")
        else:
            shown.append(f"{key.replace('_', ' ')} {value:.3g}")
    return "; ".join(shown)


def sides_text(figures: dict[str, dict[str, float]]) -> str:
    """Each side's figures (`ours: ...`, `reference: ...`)."""
    names = {"subject": "ours", "reference": "reference"}
    return "<br>".join(
        f"{names.get(side, side)}: {figures_text(values)}" for side, values in figures.items()
    )


def markdown_table(document: dict[str, Any]) -> str:
    """One row per benchmark: its work, both sides' medians, the ratio, the check, and any
    further figures."""
    lines = [
        "| benchmark | work | ours (median) | reference (median) | ratio | results agree "
        "| also measured |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in document["results"]:
        lines.append(
            f"| {result['name']} | {result['units']:,} {result['unit']} "
            f"| {result['subject']}: {result['subject_s']:.3f} s "
            f"| {result['reference']}: {result['reference_s']:.3f} s "
            f"| {result['ratio']:.3f} | {'yes' if result['agreed'] else 'NO'} "
            f"| {sides_text(result.get('figures', {}))} |"
        )
    return "\n".join(lines) + "\n"


def machine_line(document: dict[str, Any]) -> str:
    """Where the numbers come from: Python, platform and the run's settings."""
    settings = document["settings"]
    machine = document["machine"]
    return (
        f"Python {machine['python']} on {machine['platform']}; background traffic x"
        f"{settings['factor']:g} for the writer, a log at x{settings['log_factor']:g} for "
        f"metrics and verify, the cost per record at x{settings['scales'][1]:g} and "
        f"x{settings['scales'][2]:g} against x{settings['scales'][0]:g}, a queue exercise "
        f"of {settings['messages']:,} messages; median of {settings['repeats']} runs each."
    )


TARGETS: dict[str, tuple[str, float]] = {
    "engine, log off": ("at least 0.25", 0.25),
    "engine, log on": ("at least 0.12", 0.12),
    "log writer": ("at least 0.5", 0.5),
    "trafsim metrics": ("at most 2x the streamed pass (ratio at least 0.5)", 0.5),
    "trafsim verify": ("at most 1.2x the script (ratio at least 0.83)", 1 / 1.2),
    "per record, 300x": ("within 1.15x of 30x (ratio at least 0.87)", 1 / 1.15),
    "per record, 1000x": ("within 1.15x of 30x (ratio at least 0.87)", 1 / 1.15),
}
"""Issue 12's targets on the ratios: the benchmark, the target's words and its bound (a
ratio at least this)."""

CEILINGS: dict[str, tuple[str, str, float]] = {
    "trafsim metrics": ("peak_mib", "peak under 256 MiB", 256.0),
    "per record, 1000x": ("peak_mib", "trafsim run at 1000x: peak under 600 MiB", 600.0),
    "serve at 200/s": ("lateness_p99_ms", "p99 lateness under 50 ms", 50.0),
}
"""Issue 12's ceilings on further figures: the benchmark, the figure, words, bound."""


def targets_table(document: dict[str, Any]) -> str:
    """Each target of issue 12 beside what the run measured, met or missed."""
    results = {result["name"]: result for result in document["results"]}
    lines = ["| figure | target | this run | met |", "|---|---|---|---|"]
    for name, (words, bound) in TARGETS.items():
        if name in results:
            ratio = results[name]["ratio"]
            met = "yes" if ratio >= bound else "**no**"
            lines.append(f"| {name} | {words} | {ratio:.3f} | {met} |")
    for name, (figure, words, bound) in CEILINGS.items():
        value = results.get(name, {}).get("figures", {}).get("subject", {}).get(figure)
        if value is not None:
            met = "yes" if value < bound else "**no**"
            shown = figures_text({figure: value}).split(" ")
            what = " ".join(shown[:-2])
            lines.append(f"| {name}, {what} | {words} | {' '.join(shown[-2:])} | {met} |")
    return "\n".join(lines) + "\n"


def profile_markdown(document: dict[str, Any]) -> str:
    """The profiles of `python -m bench.profile` as tables: each function's share of the
    own time, and what a run holds at its end by file."""
    settings = document["settings"]
    parts = [
        f"Time: cProfile, background traffic x{settings['factor']:g} (writer, metrics, "
        f"verify) and a queue exercise of {settings['messages']:,} messages (engine); "
        "each function's own time as a share of the whole.\n"
    ]
    for name, profile in document["time"].items():
        parts.append(f"**{name}** ({profile['total_s']:.1f} s under the profiler)\n")
        parts.append("| function | calls | share |\n|---|---|---|")
        parts.extend(
            f"| `{row['function']}` | {row['calls']:,} | {row['share']:.1%} |"
            for row in profile["rows"]
        )
        parts.append("")
    memory = document["memory"]
    parts.append(
        f"**memory**: a headless run at x{memory['factor']:g} ({memory['records']:,} records) "
        f"holds {memory['held_mib']:.1f} MiB of Python objects at its end; the garbage "
        f"collector made {memory['full_collections']} full collections taking "
        f"{memory['full_collection_s']:.2f} s.\n"
    )
    parts.append("| file | held | share |\n|---|---|---|")
    parts.extend(
        f"| `{row['file']}` | {row['mib']:.1f} MiB | {row['share']:.1%} |" for row in memory["rows"]
    )
    grown = document["growth"]
    small, large = grown["us_per_record"]
    parts.append(
        f"\n**growth**: a headless run (log written, metrics folded) spends {small:.0f} µs of "
        f"own time per record at x{grown['small']:g} and {large:.0f} µs at "
        f"x{grown['large']:g} under the profiler; the functions whose cost per record grew "
        "the most:\n"
    )
    parts.append(
        f"| function | x{grown['small']:g} (µs/record) | x{grown['large']:g} (µs/record) |\n"
        "|---|---|---|"
    )
    parts.extend(
        f"| `{row['function']}` | {row['small_us']:.2f} | {row['large_us']:.2f} |"
        for row in grown["rows"]
    )
    return "\n".join(parts) + "\n"


ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "performance.md"
RESULTS = ROOT / "bench" / "results"
BLOCK = re.compile(r"(<!-- (\w+) -->\n).*?(<!-- /\2 -->)", re.DOTALL)


def blocks(full: dict[str, Any], profiles: dict[str, Any]) -> dict[str, str]:
    """The generated parts of docs/performance.md, by name."""
    return {
        "machine": machine_line(full) + "\n",
        "table": markdown_table(full),
        "targets": targets_table(full),
        "profiles": profile_markdown(profiles),
    }


def rendered(page: str, full: dict[str, Any], profiles: dict[str, Any]) -> str:
    """The page with every generated block rendered afresh from the results."""
    made = blocks(full, profiles)
    return BLOCK.sub(lambda m: m[1] + made[m[2]] + m[3], page)


def committed() -> tuple[dict[str, Any], dict[str, Any]]:
    """The committed full run and profiles."""
    return (
        json.loads((RESULTS / "full.json").read_text("utf-8")),
        json.loads((RESULTS / "profiles.json").read_text("utf-8")),
    )


if __name__ == "__main__":
    PAGE.write_text(rendered(PAGE.read_text("utf-8"), *committed()), encoding="utf-8")
    sys.stdout.write(f"{PAGE}\n")
