"""`cases.<case ref>` (SPEC §16): each case's milestones (the exercise time, in seconds,
of the first envelope that marks each), its messages, its rejected deliveries and the
delays of its delivered ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Final

from trafsim_bus.log.records import Record
from trafsim_bus.metrics.tally import Tally
from trafsim_bus.timebase import SECOND

Body = dict[str, Any]
MILESTONES: Final[dict[str, Callable[[Body], bool]]] = {
    "first_alert": lambda body: body["kind"] == "alert",
    "first_ack": lambda body: body["kind"] == "ack",
    "identification_presumed": lambda body: body["kind"] == "identification_decision",
    "consent_recorded": lambda body: body["kind"] == "consent_record",
    "referral_sent": lambda body: body["kind"] in ("referral", "trm_referral"),
    "referral_accepted": lambda body: (
        body["kind"] == "referral_response" and body.get("decision") == "accepted"
    ),
    "assistance_started": lambda body: (
        body["kind"] == "case_update" and bool(body.get("support_plan"))
    ),
    "reflection_granted": lambda body: (
        body["kind"] == "reflection_period" and body.get("action", "granted") == "granted"
    ),
    "mla_sent": lambda body: body["kind"] == "mla_request",
    "mla_executed": lambda body: body["kind"] == "mla_execution_report",
    "jit_decided": lambda body: body["kind"] == "jit_decision",
    "compensation_claimed": lambda body: body["kind"] == "compensation_claim",
}
"""Each milestone and the envelope that marks it: an identification decision (presumed or
formal) marks `identification_presumed`; a case update with a support plan marks
`assistance_started`."""


class Cases:
    """Folds each case's envelopes, endings and delays."""

    KINDS: ClassVar[frozenset[str]] = frozenset(("envelope_submitted", "rejected", "delivered"))

    def __init__(self) -> None:
        self.milestones: dict[str, dict[str, float | None]] = {}
        self.messages: dict[str, int] = {}
        self.rejected: dict[str, int] = {}
        self.delays: dict[str, Tally] = {}
        self.case_refs: dict[str, list[str]] = {}
        """Envelope id → its case refs."""

    def _case(self, case: str) -> None:
        if case not in self.milestones:
            self.milestones[case] = dict.fromkeys(MILESTONES)
            self.messages[case] = 0
            self.rejected[case] = 0
            self.delays[case] = Tally()

    def apply(self, record: Record) -> None:
        """Fold one record."""
        if record.kind == "envelope_submitted":
            envelope = record.data["envelope"]
            cases = list(envelope.get("case_refs") or [])
            if cases:
                self.case_refs[str(record.envelope_id)] = cases
            for case in cases:
                self._case(case)
                self.messages[case] += 1
                if record.origin == "bus":
                    continue
                marks = self.milestones[case]
                for name, marked_by in MILESTONES.items():
                    if marks[name] is None and marked_by(envelope["body"]):
                        marks[name] = record.t_us / SECOND
        elif record.kind == "rejected":
            for case in self.case_refs.get(str(record.envelope_id), []):
                self.rejected[case] += 1
        elif record.kind == "delivered":
            for case in self.case_refs.get(str(record.envelope_id), []):
                self.delays[case].delivered(record.data["delivery"])

    def document(self) -> dict[str, Any]:
        """The section, cases in order of their refs."""
        return {
            case: {
                "milestones": self.milestones[case],
                "messages": self.messages[case],
                "rejected": self.rejected[case],
                "delay_s": self.delays[case].delays_document(),
            }
            for case in sorted(self.milestones)
        }
