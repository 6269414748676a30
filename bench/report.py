"""The results of a run as docs/performance.md shows them: a Markdown table of medians and
ratios, rendered from the JSON `python -m bench --json` writes."""

from __future__ import annotations

from typing import Any


def markdown_table(document: dict[str, Any]) -> str:
    """One row per benchmark: its work, both sides' medians, the ratio, the check."""
    lines = [
        "| benchmark | work | ours (median) | reference (median) | ratio | results agree |",
        "|---|---|---|---|---|---|",
    ]
    for result in document["results"]:
        lines.append(
            f"| {result['name']} | {result['units']:,} {result['unit']} "
            f"| {result['subject']}: {result['subject_s']:.3f} s "
            f"| {result['reference']}: {result['reference_s']:.3f} s "
            f"| {result['ratio']:.3f} | {'yes' if result['agreed'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def machine_line(document: dict[str, Any]) -> str:
    """Where the numbers come from: Python, platform and the run's settings."""
    settings = document["settings"]
    machine = document["machine"]
    return (
        f"Python {machine['python']} on {machine['platform']}; background traffic x"
        f"{settings['factor']:g}, queue exercise of {settings['messages']:,} messages, "
        f"median of {settings['repeats']} runs each."
    )
