"""One message's trail, read from the log: where it went, per recipient, stage by stage,
with each step's time, outcome, reason and added delay (`trafsim trail`, and the team
API's view of a message)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trafsim_bus.errors import LogError
from trafsim_bus.log.records import TRAIL_KINDS, Record
from trafsim_bus.timebase import Calendar, format_duration


@dataclass
class Step:
    """One thing that happened to a delivery."""

    seq: int
    t_us: int
    kind: str
    stage: str | None = None
    outcome: str | None = None
    reason: str | None = None
    added_us: int = 0
    due_us: int | None = None
    detail: str = ""
    hint: str = ""
    """A refusal's advice (`send it through kz-pgo`), also at the end of `detail`."""
    disruption_id: str | None = None
    pool_id: str | None = None


@dataclass
class Trail:
    """An envelope's submission, and each recipient's steps to its end (or to now)."""

    envelope: dict[str, Any]
    submitted_seq: int
    submitted_us: int
    origin: str
    calendar: Calendar
    steps: dict[str, list[Step]] = field(default_factory=dict)

    def status(self, recipient: str) -> str:
        """`delivered`, `rejected`, `dropped`, or `pending`."""
        last = self.steps[recipient][-1].kind
        return last if last in ("delivered", "rejected", "dropped") else "pending"

    def document(self) -> dict[str, Any]:
        """The trail as JSON-ready data (times in exercise µs and as people read them)."""
        return {
            "envelope": self.envelope,
            "submitted": {
                "seq": self.submitted_seq,
                "t_us": self.submitted_us,
                "when": self.calendar.label(self.submitted_us),
                "origin": self.origin,
            },
            "recipients": {
                recipient: {
                    "status": self.status(recipient),
                    "steps": [
                        {
                            "seq": step.seq,
                            "t_us": step.t_us,
                            "when": self.calendar.label(step.t_us),
                            "kind": step.kind,
                            "stage": step.stage,
                            "outcome": step.outcome,
                            "reason": step.reason,
                            "added_us": step.added_us,
                            "due_us": step.due_us,
                            "detail": step.detail,
                            "disruption_id": step.disruption_id,
                            "pool_id": step.pool_id,
                        }
                        for step in steps
                    ],
                }
                for recipient, steps in self.steps.items()
            },
        }


def find_envelope(records: list[Record], wanted: str) -> str:
    """The full id of the submitted envelope whose id is `wanted` or starts with it."""
    ids = {
        str(r.envelope_id)
        for r in records
        if r.kind == "envelope_submitted" and str(r.envelope_id).startswith(wanted.lower())
    }
    if not ids:
        raise LogError(f"no envelope {wanted!r} was submitted in this log")
    if len(ids) > 1:
        raise LogError(f"{wanted!r} starts {len(ids)} envelope ids: give more of it")
    return ids.pop()


def trail_of(records: Iterable[Record], envelope_id: str) -> Trail:
    """The trail of one submitted envelope."""
    trail: Trail | None = None
    startex = ""
    jumps: list[tuple[int, int]] = []
    for record in records:
        if record.kind == "exercise_started":
            startex = str(record.data["startex"])
        elif record.kind == "clock_jump":
            jumps.append((int(record.data["at_us"]), int(record.data["by_us"])))
        if record.envelope_id != envelope_id:
            continue
        if record.kind == "envelope_submitted" and trail is None:
            trail = Trail(
                record.data["envelope"],
                record.seq,
                record.t_us,
                record.origin,
                Calendar.of(startex, ()),
            )
        elif trail is not None and record.recipient and record.kind in TRAIL_KINDS:
            trail.steps.setdefault(record.recipient, []).append(step_of(record))
    if trail is None:
        raise LogError(f"no envelope {envelope_id} was submitted in this log")
    trail.calendar = Calendar.of(startex, jumps)
    return trail


def step_of(record: Record) -> Step:
    """The step a record about a delivery tells."""
    data = record.data
    step = Step(
        record.seq,
        record.t_us,
        record.kind,
        disruption_id=record.disruption_id,
        pool_id=record.pool_id,
    )
    if record.kind == "barrier_decision":
        step.stage, step.outcome, step.reason = data["stage"], data["outcome"], data["reason"]
        step.added_us, step.due_us = int(data["added_us"]), data["due_us"]
        step.detail = _decision_detail(data)
    elif record.kind == "channel_resolved":
        alternatives = ", ".join(data["alternatives"])
        step.detail = data["channel"] + (f" (also: {alternatives})" if alternatives else "")
    elif record.kind == "translation_queued":
        step.detail = f"{data['position']} ahead" + (", certified" if data["certified"] else "")
    elif record.kind == "translation_started":
        step.added_us = int(data["wait_us"])
        step.detail = f"for {format_duration(int(data['service_us']))}"
    elif record.kind == "translation_finished":
        step.due_us = data["due_us"]
        step.detail = (
            "machine translation"
            if data["machine"]
            else ("then transit" if data["next"] == "transit" else "")
        )
    elif record.kind in ("delivery_held", "disruption_effect"):
        step.detail = str(data.get("type") or data.get("effect")) + (
            f" at {data['at']}" if data.get("at") else ""
        )
    elif record.kind == "delivery_released":
        step.added_us = int(data["held_us"])
    elif record.kind == "rejected":
        step.reason = data["reason"]
        step.hint = data.get("hint") or ""
        step.detail = data["detail"] + (f"; {step.hint}" if step.hint else "")
    elif record.kind == "dropped":
        step.stage = data["stage"]
    return step


def _decision_detail(data: dict[str, Any]) -> str:
    """The stage's particulars, in words."""
    if data["stage"] == "language" and data["outcome"] == "translate":
        return f"pool {data['pool']}, {data['side']} side, into {data['target']}"
    if data["stage"] == "latency" and data.get("factors"):
        factors = ", ".join(f"x{factor:g} {name}" for name, factor in data["factors"])
        return f"base {format_duration(int(data['base_us']))}, {factors}"
    if data["stage"] == "translation" and data["outcome"] == "translated":
        return f"pool {data['pool']} into {data['target']}" + (
            ", certified" if data["certified"] else ""
        )
    return str(data.get("detail") or "")
