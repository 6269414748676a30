"""`requests.<request type>` (SPEC §16): what became of each request, per (request,
recipient): answered (in time or not), refused by the agency, rejected by the bus, or
unanswered; and how long the answers took."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

from trafsim_bus.log.records import Record
from trafsim_bus.metrics.summary import summary
from trafsim_bus.timebase import SECOND

ANSWERS: Final = {
    "referral": "referral_response",
    "trm_referral": "referral_response",
    "info_request": "info_response",
    "fin_intel_request": "fin_intel_response",
    "mla_request": "mla_execution_report",
    "jit_proposal": "jit_decision",
    "translation_request": "translation_delivery",
}
"""Each request type and the type of its answer. An `ack` is a receipt, not an answer."""
OUTCOMES: Final = ("answered", "refused", "rejected")


@dataclass
class _Asked:
    """One request to one recipient, and what became of it."""

    kind: str
    submitted_us: int
    respond_by: datetime | None
    outcome: str | None = None
    in_time: bool = False
    response_us: int | None = None


class Requests:
    """Folds requests and their answers, nacks and rejections."""

    KINDS: ClassVar[frozenset[str]] = frozenset(("envelope_submitted", "rejected", "dropped"))

    def __init__(self) -> None:
        self.startex: datetime | None = None
        self.asked: dict[tuple[str, str], _Asked] = {}
        """(request envelope id, recipient) → what became of it."""

    def start(self, startex: str) -> None:
        """STARTEX, to place `respond_by` in exercise time."""
        self.startex = datetime.fromisoformat(startex)

    def apply(self, record: Record) -> None:
        """Fold one record."""
        if record.kind == "envelope_submitted":
            self._submitted(record)
        elif record.kind in ("rejected", "dropped"):
            asked = self.asked.get((str(record.envelope_id), str(record.recipient)))
            if asked is not None and asked.outcome is None:
                asked.outcome = "rejected"

    def _submitted(self, record: Record) -> None:
        envelope = record.data["envelope"]
        kind = envelope["body"]["kind"]
        if kind in ANSWERS:
            respond_by = (envelope.get("priority") or {}).get("respond_by")
            for recipient in envelope["recipients"]:
                self.asked[(str(record.envelope_id), recipient)] = _Asked(
                    kind,
                    record.t_us,
                    None if respond_by is None else datetime.fromisoformat(respond_by),
                )
        reply_to = envelope.get("in_reply_to")
        if reply_to is None:
            return
        asked = self.asked.get((str(reply_to), envelope["sender"]))
        if asked is None or asked.outcome is not None:
            return
        if kind == ANSWERS[asked.kind]:
            asked.outcome = "answered"
            asked.response_us = record.t_us - asked.submitted_us
            answered_at = (self.startex or datetime.min) + timedelta(microseconds=record.t_us)
            asked.in_time = asked.respond_by is None or answered_at < asked.respond_by
        elif kind == "nack" and record.origin != "bus":
            asked.outcome = "refused"

    def document(self) -> dict[str, Any]:
        """The section: every request type seen, its counts and response times."""
        section: dict[str, Any] = {}
        for asked in self.asked.values():
            row = section.setdefault(
                asked.kind,
                {"sent": 0, "answered": 0, "answered_in_time": 0, "refused": 0,
                 "rejected": 0, "unanswered": 0, "response_s": []},
            )  # fmt: skip
            row["sent"] += 1
            if asked.outcome is None:
                row["unanswered"] += 1
            else:
                row[asked.outcome] += 1
            if asked.outcome == "answered":
                row["answered_in_time"] += asked.in_time
                row["response_s"].append((asked.response_us or 0) / SECOND)
        for row in section.values():
            row["response_s"] = summary(row["response_s"])
        return dict(sorted(section.items()))
