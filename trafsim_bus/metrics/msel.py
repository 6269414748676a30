"""`msel.<inject>` (SPEC §16): each inject's status (§14), when it first fired, and each of
its expected actions scored from the log: met by the first envelope submitted after the
inject fired that matches (type, from, to) within its window, late if after it, missed
when none came and the window is over at the log's end, open while it is not, and
not_scored when the action has no `match`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from trafsim_bus.log.records import Record
from trafsim_bus.timebase import SECOND, parse_duration


@dataclass
class _Expected:
    text: str
    match: dict[str, Any] | None
    within_us: int | None
    found_us: int | None = None
    envelope_id: str | None = None


@dataclass
class _Inject:
    status: str = "pending"
    before_hold: str = "pending"
    fired_us: int | None = None
    expected: list[_Expected] = field(default_factory=list)


class Msel:
    """Folds the MSEL's life (armed, fired, skipped, held, released, cancelled, added)
    and every submission that may meet an expected action."""

    KINDS: ClassVar[frozenset[str]] = frozenset(
        ("inject_armed", "inject_fired", "inject_skipped", "control_action", "envelope_submitted")
    )

    def __init__(self) -> None:
        self.injects: dict[str, _Inject] = {}
        self.end_us = 0

    def start(self, canonical: dict[str, Any]) -> None:
        """The scenario's injects and their expected actions."""
        for inject in canonical.get("inject", []):
            self._add(inject)

    def _add(self, inject: dict[str, Any]) -> None:
        expected = []
        for action in inject.get("expected_actions", []):
            match = action.get("match")
            within = parse_duration(match["within"]) if match else None
            expected.append(_Expected(action["text"], match, within))
        self.injects[inject["id"]] = _Inject(expected=expected)

    def apply(self, record: Record) -> None:
        """Fold one record (of `KINDS`)."""
        kind = record.kind
        if kind == "inject_armed":
            self._status(record.data["inject_id"], "armed")
        elif kind == "inject_fired":
            state = self.injects.get(record.data["inject_id"])
            if state is not None:
                state.status = "fired"
                if state.fired_us is None:
                    state.fired_us = record.t_us
        elif kind == "inject_skipped":
            self._status(record.data["inject_id"], "skipped")
        elif kind == "control_action":
            self._controlled(record.data["action"], record.data["input"])
        elif kind == "envelope_submitted" and record.origin != "bus":
            self._submitted(record)

    def _status(self, inject_id: str, status: str) -> None:
        state = self.injects.get(inject_id)
        if state is not None:
            state.status = status

    def _controlled(self, action: str, given: dict[str, Any]) -> None:
        if action == "add":
            self._add(given["inject"])
            return
        state = self.injects.get(str(given.get("inject")))
        if state is None:
            return
        if action == "hold":
            state.before_hold, state.status = state.status, "held"
        elif action == "release" and state.status == "held":
            state.status = state.before_hold
        elif action == "cancel":
            state.status = "cancelled"

    def _submitted(self, record: Record) -> None:
        envelope = record.data["envelope"]
        for state in self.injects.values():
            if state.fired_us is None:
                continue
            for expected in state.expected:
                if expected.match is None or expected.found_us is not None:
                    continue
                match = expected.match
                if (
                    envelope["body"]["kind"] == match["type"]
                    and match.get("from") in (None, envelope["sender"])
                    and (match.get("to") is None or match["to"] in envelope["recipients"])
                ):
                    expected.found_us = record.t_us
                    expected.envelope_id = str(record.envelope_id)

    def document(self, end_us: int) -> dict[str, Any]:
        """The section at the log's last time `end_us`, injects in the order they were
        defined or added."""
        self.end_us = end_us
        return {
            inject_id: {
                "status": state.status,
                "fired_s": None if state.fired_us is None else state.fired_us / SECOND,
                "expected": [self._scored(state, expected) for expected in state.expected],
            }
            for inject_id, state in self.injects.items()
        }

    def _scored(self, state: _Inject, expected: _Expected) -> dict[str, Any]:
        status = "not_scored"
        if expected.match is not None and state.fired_us is None:
            status = "open"
        elif expected.match is not None and state.fired_us is not None:
            window = expected.within_us or 0
            if expected.found_us is not None:
                status = "met" if expected.found_us - state.fired_us <= window else "late"
            else:
                status = "missed" if self.end_us - state.fired_us > window else "open"
        return {
            "text": expected.text,
            "status": status,
            "at_s": None if expected.found_us is None else expected.found_us / SECOND,
            "envelope_id": expected.envelope_id,
        }
