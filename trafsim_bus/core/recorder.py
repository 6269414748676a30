"""The recorder: every decision of the core becomes a numbered log record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from trafsim_bus.core.clock import Clock
from trafsim_bus.core.ids import uuid_text
from trafsim_bus.log.records import Origin, Record


class Recorder:
    """Numbers records gap-free and stamps them with the exercise time now."""

    __slots__ = ("clock", "next_seq", "records")

    def __init__(self, clock: Clock, next_seq: int = 0) -> None:
        self.clock = clock
        self.next_seq = next_seq
        self.records: list[Record] = []

    def log(
        self,
        kind: str,
        origin: Origin,
        cause_seq: int | None,
        *,
        envelope_id: UUID | str | None = None,
        recipient: str | None = None,
        disruption_id: str | None = None,
        pool_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        """Append a record now; return its seq."""
        seq = self.next_seq
        self.next_seq = seq + 1
        if envelope_id is not None and not isinstance(envelope_id, str):
            envelope_id = uuid_text(envelope_id)
        self.records.append(
            Record(
                seq=seq,
                t_us=self.clock.now,
                kind=kind,
                cause_seq=cause_seq,
                origin=origin,
                envelope_id=envelope_id,
                recipient=recipient,
                disruption_id=disruption_id,
                pool_id=pool_id,
                data=data or {},
            )
        )
        return seq

    def take(self) -> list[Record]:
        """Records produced since the last call, in order."""
        records, self.records = self.records, []
        return records
