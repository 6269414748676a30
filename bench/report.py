"""The results of a run as docs/performance.md shows them: a Markdown table of medians and
ratios, rendered from the JSON `python -m bench --json` writes."""

from __future__ import annotations

from typing import Any


def figures_text(figures: dict[str, float]) -> str:
    """Further figures as words: `peak_mib` 212.4 as "peak 212 MiB", `p99_ms` as
    "p99 3.1 ms", counts with thousands separators."""
    shown = []
    for key, value in figures.items():
        if key.endswith("_mib"):
            shown.append(f"{key[:-4].replace('_', ' ')} {value:,.0f} MiB")
        elif key.endswith("_ms"):
            shown.append(f"{key[:-3].replace('_', ' ')} {value:,.1f} ms")
        else:
            shown.append(f"{key.replace('_', ' ')} {value:,.0f}")
    return "; ".join(shown)


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
            f"| {figures_text(result.get('figures', {}))} |"
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
