"""`trafsim trail`: one message's way through the bus, per recipient, stage by stage."""

from __future__ import annotations

from pathlib import Path

from trafsim.errors import CliError
from trafsim.report import duration
from trafsim_bus import verify_log
from trafsim_bus.errors import BusError
from trafsim_bus.log.trail import Step, Trail, find_envelope, trail_of

_SAID_BY_A_DECISION = frozenset(
    {"delivery_held", "delivery_released", "delivered", "dropped", "disruption_effect"}
)
"""Records whose news the barrier decision beside them already tells (text only)."""

_NAMES = {
    "delivery_created": ("created", ""),
    "channel_resolved": ("routing", "channel"),
    "translation_queued": ("translation", "queued"),
    "translation_started": ("translation", "started"),
    "translation_finished": ("translation", "finished"),
    "delivery_held": ("disruption", "held"),
    "delivery_released": ("disruption", "released"),
    "disruption_effect": ("disruption", "effect"),
    "delivered": ("delivered", ""),
    "rejected": ("rejected", ""),
    "dropped": ("dropped", ""),
}


def trail(path: Path, wanted: str) -> Trail:
    """The trail of the envelope `wanted` (its id, or the start of it) in a verified log."""
    try:
        verdict = verify_log(path, keep=True)
        if verdict.problems:
            raise CliError(f"{path}: the log does not verify: {verdict.problems[0]}")
        return trail_of(verdict.kept, find_envelope(verdict.kept, wanted))
    except BusError as exc:
        raise CliError(f"{path}: {exc}") from None


def render_trail(found: Trail) -> str:
    """The trail as text: the envelope, then a table of steps per recipient."""
    envelope = found.envelope
    label = found.calendar.label
    lines = [
        f"{envelope['body']['kind']} {envelope['id']}",
        f"from {envelope['sender']} to {', '.join(envelope['recipients'])}; "
        f"submitted {label(found.submitted_us)} by {found.origin} (seq {found.submitted_seq})",
    ]
    if envelope.get("case_refs"):
        lines.append(f"cases {', '.join(envelope['case_refs'])}")
    for recipient, steps in found.steps.items():
        status = found.status(recipient)
        end = steps[-1]
        summary = f"{status} {label(end.t_us)}" if status != "pending" else "still on its way"
        if status == "delivered":
            summary += f", after {duration((end.t_us - found.submitted_us) / 1_000_000)}"
        lines += ["", f"→ {recipient}: {summary}"]
        lines.append(f"  {'when':<20} {'step':<12} {'outcome':<11} {'added':>7}  detail")
        for step in steps:
            repeated = step.kind in _SAID_BY_A_DECISION or (
                step.kind == "barrier_decision" and step.outcome == "rejected"
            )
            if not repeated:
                lines.append(_row(found, step))
    return "\n".join(lines) + "\n"


def _row(found: Trail, step: Step) -> str:
    stage, outcome = _NAMES.get(step.kind, (step.kind, ""))
    if step.kind == "barrier_decision":
        stage, outcome = step.stage or "", step.outcome or ""
    detail = " ".join(
        part
        for part in (
            step.reason or "",
            step.detail,
            f"[{step.disruption_id}]" if step.disruption_id else "",
            f"due {found.calendar.label(step.due_us)}" if step.due_us is not None else "",
        )
        if part
    )
    added = duration(step.added_us / 1_000_000) if step.added_us else ""
    return f"  {found.calendar.label(step.t_us):<20} {stage:<12} {outcome:<11} {added:>7}  {detail}"
