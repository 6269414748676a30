"""A delivery's trail: each barrier decision, and each effect of a disruption, as records."""

from __future__ import annotations

from typing import Any

from protocols import Envelope
from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.core.recorder import Recorder


class Trail:
    """Writes `barrier_decision` and `disruption_effect` records."""

    __slots__ = ("recorder",)

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def decision(
        self,
        envelope: Envelope,
        recipient: str,
        cause: int,
        stage: str,
        outcome: str,
        *,
        reason: str | None = None,
        added_us: int = 0,
        due_us: int | None = None,
        data: dict[str, Any] | None = None,
        disruption_id: str | None = None,
    ) -> int:
        """Log one barrier decision: its stage, outcome, reason and added delay."""
        body: dict[str, Any] = {
            "stage": stage,
            "outcome": outcome,
            "reason": reason,
            "added_us": added_us,
            "due_us": due_us,
        }
        if data:
            body.update(data)
        return self.recorder.log(
            "barrier_decision",
            "bus",
            cause,
            envelope_id=envelope.id,
            recipient=recipient,
            disruption_id=disruption_id,
            data=body,
        )

    def effect(
        self,
        disruption_id: str,
        key: DeliveryKey | None,
        effect: str,
        *,
        cause: int | None = None,
        pool_id: str | None = None,
        **data: Any,
    ) -> int:
        """Log what a disruption did to a delivery, a pool or the channels."""
        return self.recorder.log(
            "disruption_effect",
            "bus",
            cause,
            envelope_id=key.envelope_id if key else None,
            recipient=key.recipient if key else None,
            disruption_id=disruption_id,
            pool_id=pool_id,
            data={"effect": effect, **data},
        )
