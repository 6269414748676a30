"""The metrics document (SPEC §12, §16), computed from the event log and nothing else, in
one pass over its records."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Final

import msgspec

from trafsim_bus.errors import LogError
from trafsim_bus.log.records import Record
from trafsim_bus.metrics.cases import Cases
from trafsim_bus.metrics.compliance import Compliance
from trafsim_bus.metrics.delay_by import DelayBy
from trafsim_bus.metrics.msel import Msel
from trafsim_bus.metrics.requests import Requests
from trafsim_bus.metrics.sections import Channels, Disruptions, Interpretation, Pending, Pools
from trafsim_bus.metrics.tally import DELIVERY_REASONS, ENVELOPE_REASONS, Tally
from trafsim_bus.timebase import SECOND

METRICS_VERSION: Final = 1
_TERMINAL: Final = ("delivered", "rejected", "dropped")


class _Envelope(msgspec.Struct, frozen=True):
    """What the counters need to know of an envelope."""

    kind: str
    origin: str
    case: bool


@cache
def _shared(kind: str, origin: str, case: bool) -> _Envelope:
    """One `_Envelope` per distinct value (there are a few dozen; envelopes are many)."""
    return _Envelope(kind, origin, case)


class MetricsAccumulator:
    """The metrics of records folded one at a time, in log order: fed as a run writes them
    or as a log is read, never holding the records themselves."""

    def __init__(self) -> None:
        self.head: dict[str, Any] = {}
        self.all = Tally()
        self.case = Tally()
        self.pools = Pools()
        self.channels = Channels()
        self.disruptions = Disruptions()
        self.interpretation = Interpretation()
        self.pending = Pending()
        self.requests = Requests()
        self.cases = Cases()
        self.msel = Msel()
        self.delay_by = DelayBy()
        self.compliance = Compliance()
        self.envelopes: dict[str, _Envelope] = {}
        self.open: dict[tuple[str | None, str | None], str] = {}
        self.jumps: list[dict[str, float]] = []
        self.end_us = 0
        self.records = 0
        self.sealed = False
        self._sections: tuple[tuple[Callable[[Record], None], frozenset[str]], ...] = (
            (self.pools.apply, Pools.KINDS),
            (self.channels.apply, Channels.KINDS),
            (self.disruptions.apply, Disruptions.KINDS),
            (self.interpretation.apply, Interpretation.KINDS),
            (self.pending.apply, Pending.KINDS),
            (self.requests.apply, Requests.KINDS),
            (self.cases.apply, Cases.KINDS),
            (self.msel.apply, Msel.KINDS),
            (self.delay_by.apply, DelayBy.KINDS),
            (self.compliance.apply, Compliance.KINDS),
        )
        self._folds: dict[str, tuple[Callable[[Record], None], ...]] = {}
        """The sections' folds a kind of record goes to, in the sections' order."""

    def apply(self, record: Record) -> None:
        """Fold the next record."""
        kind = record.kind
        self.end_us = record.t_us
        self.records += 1
        self.sealed = kind == "exercise_ended" and record.data.get("records") == self.records
        folds = self._folds.get(kind)
        if folds is None:
            folds = self._folds[kind] = tuple(
                fold for fold, kinds in self._sections if kind in kinds
            )
        for fold in folds:
            fold(record)
        if kind == "exercise_started":
            self.head = record.data
            canonical = record.data["scenario"]["canonical"]
            self.pools.start(canonical)
            self.requests.start(record.data["startex"])
            self.delay_by.start(canonical)
            self.compliance.start(canonical)
            self.msel.start(canonical)
            self.interpretation.start(record.data["startex"], canonical)
        elif kind == "envelope_submitted":
            self._submitted(record)
        elif kind == "envelope_refused":
            reason = record.data["reason"]
            if reason not in ENVELOPE_REASONS:
                raise LogError(
                    f"seq {record.seq}: {reason!r} is not an envelope-level reason "
                    f"({', '.join(ENVELOPE_REASONS)})"
                )
            self.all.refused[reason] += 1
        elif kind == "delivery_created":
            self._count(str(record.envelope_id), "deliveries")
            self.open[(record.envelope_id, record.recipient)] = str(record.envelope_id)
        elif kind in _TERMINAL:
            self._ended(record)
        elif kind == "clock_jump":
            self.jumps.append(
                {"at_s": record.data["at_us"] / SECOND, "by_s": record.data["by_us"] / SECOND}
            )

    def _submitted(self, record: Record) -> None:
        envelope = record.data["envelope"]
        if record.origin == "bus":
            refused = self.envelopes.get(str(envelope.get("in_reply_to")))
            case = refused is not None and refused.case
        else:
            case = record.origin != "background" and bool(envelope.get("case_refs"))
        self.envelopes[str(record.envelope_id)] = _shared(
            envelope["body"]["kind"], record.origin, case
        )
        self._count(str(record.envelope_id), "submitted")

    def _tallies(self, envelope_id: str) -> tuple[_Envelope, list[Tally]]:
        envelope = self.envelopes[envelope_id]
        return envelope, [self.all, self.case] if envelope.case else [self.all]

    def _count(self, envelope_id: str, field: str) -> None:
        envelope, tallies = self._tallies(envelope_id)
        for tally in tallies:
            tally.count(envelope.kind, envelope.origin, field)

    def _ended(self, record: Record) -> None:
        self.open.pop((record.envelope_id, record.recipient), None)
        self._count(str(record.envelope_id), record.kind)
        _, tallies = self._tallies(str(record.envelope_id))
        if record.kind == "rejected":
            reason = record.data["reason"]
            if reason not in DELIVERY_REASONS:
                raise LogError(
                    f"seq {record.seq}: {reason!r} is not a delivery-level reason "
                    f"({', '.join(DELIVERY_REASONS)})"
                )
            for tally in tallies:
                tally.rejected_by_reason[reason] += 1
        elif record.kind == "delivered":
            for tally in tallies:
                tally.delivered(record.data["delivery"])

    def document(self, head: tuple[int, str]) -> dict[str, Any]:
        """The metrics document of the records so far; `head` is the (seq, sha256) of the
        log they are from. Call it once, after the last record."""
        for envelope_id in self.open.values():
            self._count(envelope_id, "pending")
        scenario = self.head.get("scenario", {})
        return {
            "metrics_version": METRICS_VERSION,
            "exercise_id": self.head.get("exercise_id"),
            "scenario": {"name": scenario.get("name"), "sha256": scenario.get("sha256")},
            "seed": self.head.get("seed"),
            "sealed": self.sealed,
            "exercise_end_s": self.end_us / SECOND,
            "calendar": {"startex": self.head.get("startex"), "jumps": self.jumps},
            "messages": self.all.messages_document(with_refused=True),
            "delay_s": self.all.delays_document(),
            "case_traffic": {
                "messages": self.case.messages_document(with_refused=False),
                "delay_s": self.case.delays_document(),
            },
            "translation_pools": self.pools.document(self.end_us),
            "channels": self.channels.document(),
            "disruptions": self.disruptions.document(),
            "interpretation": self.interpretation.document(),
            "pending_at_end": self.pending.document(),
            "requests": self.requests.document(),
            "cases": self.cases.document(),
            "msel": self.msel.document(self.end_us),
            "delay_by": self.delay_by.document(),
            "compliance": self.compliance.document(),
            "log_head": {"seq": head[0], "sha256": head[1]},
        }


def compute_metrics(records: Iterable[Record], head: tuple[int, str]) -> dict[str, Any]:
    """The metrics document of a log's records; `head` is the (seq, sha256) of the log."""
    accumulator = MetricsAccumulator()
    for record in records:
        accumulator.apply(record)
    return accumulator.document(head)


def encode_metrics(document: dict[str, Any]) -> bytes:
    """The JSON bytes `--json` prints: keys sorted, indented, a trailing newline."""
    return msgspec.json.format(msgspec.json.encode(document, order="sorted"), indent=2) + b"\n"
