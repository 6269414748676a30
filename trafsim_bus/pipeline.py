"""One delivery through the barrier pipeline (SPEC §4-8): admission, routing, consent,
handling, language, loss and latency at submission; translation; disruptions and delivery
at due time. Every decision is a log record; every refusal is nacked by the bus."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import msgspec

from protocols import Delivery, Envelope, canonical_bytes
from trafsim_bus.composer import nack_for
from trafsim_bus.consent import ConsentBook
from trafsim_bus.deliveries import PendingDelivery, bus_message_record, delivered_record
from trafsim_bus.disruptions import ActiveDisruptions, DeliveryContext
from trafsim_bus.events import EventHeap
from trafsim_bus.log.records import Origin, Record
from trafsim_bus.outputs import Delivered
from trafsim_bus.rng import uniform
from trafsim_bus.routing import Refusal, admit, route, translation_for
from trafsim_bus.scenario.model import BUS, Agency, Channel, Scenario
from trafsim_bus.translation import PoolState


class Pipeline:
    """The per-delivery half of the bus; `Bus` adds the clock, inputs and scenario events."""

    scenario: Scenario
    seed: int
    now: int
    outputs: list[Any]
    records: list[Record]
    _heap: EventHeap
    _pending: dict[str, PendingDelivery]
    _pools: dict[str, PoolState]
    _disruptions: ActiveDisruptions
    _held: dict[str, list[str]]
    _consents: ConsentBook
    _restricted: dict[Any, frozenset[str]]
    _digests: dict[Any, bytes]
    _seq: int
    _by_kind: dict[str, list[Envelope]]
    _envelopes: dict[Any, Envelope]
    exercise_id: Any

    def _log(
        self,
        kind: str,
        origin: Origin,
        cause_seq: int | None,
        *,
        envelope_id: str | None = None,
        recipient: str | None = None,
        disruption_id: str | None = None,
        pool_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        seq = self._seq
        self._seq += 1
        self.records.append(
            Record(
                seq=seq,
                t_us=self.now,
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

    def _register(self, envelope: Envelope) -> None:
        self._envelopes[envelope.id] = envelope
        self._by_kind.setdefault(envelope.body.kind(), []).append(envelope)
        self._consents.record(envelope)
        if envelope.handling is not None and "H2" in envelope.handling.codes:
            self._restricted[envelope.id] = frozenset((envelope.sender, *envelope.recipients))

    def exercise_datetime(self, t_us: int) -> datetime:
        """The wall-calendar moment (STARTEX's offset) of an exercise time."""
        return self.scenario.startex + timedelta(microseconds=t_us)

    def _create_delivery(self, envelope: Envelope, recipient_id: str, submitted_seq: int) -> None:
        key = f"{envelope.id}:{recipient_id}"
        kind = envelope.body.kind()
        created = self._log(
            "delivery_created",
            "bus",
            submitted_seq,
            envelope_id=str(envelope.id),
            recipient=recipient_id,
            data={"kind": kind, "sender": envelope.sender},
        )
        if envelope.sender == BUS:
            self._emit_delivery(
                envelope, bus_message_record(envelope, recipient_id, self.now), created
            )
            return
        sender = self.scenario.agencies[envelope.sender]
        admitted = admit(self.scenario, recipient_id, kind)
        if isinstance(admitted, Refusal):
            self._refuse(envelope, recipient_id, admitted, created)
            return
        recipient = admitted
        closed, opened = self._disruptions.channel_changes()
        routed = route(self.scenario, sender, recipient, kind, envelope.channel, closed, opened)
        if isinstance(routed, Refusal):
            self._refuse(envelope, recipient_id, routed, created)
            return
        channel = routed.channel
        self._log(
            "channel_resolved",
            "bus",
            created,
            envelope_id=str(envelope.id),
            recipient=recipient_id,
            data={
                "channel": channel.id,
                "alternatives": list(routed.alternatives),
                "named": envelope.channel,
            },
        )
        for check in (self._consent_check, self._handling_check):
            refusal = check(envelope, sender, recipient, created)
            if refusal is not None:
                self._refuse(envelope, recipient_id, refusal, created, channel=channel.id)
                return
        translated = translation_for(
            self.scenario, sender, recipient, channel, envelope.language, kind
        )
        if isinstance(translated, Refusal):
            self._refuse(envelope, recipient_id, translated, created, channel=channel.id)
            return
        self._decision(
            envelope,
            recipient_id,
            created,
            "language",
            "native" if translated is None else "translate",
            data=(
                {}
                if translated is None
                else {
                    "pool": translated.pool.id,
                    "side": translated.side,
                    "target": translated.target,
                }
            ),
        )
        context = DeliveryContext(key, sender, recipient, channel.id, kind)
        if self._lost(envelope, recipient_id, channel, context, created):
            return
        rule = channel.rule_for(kind, envelope.priority.level, recipient.country)
        base = rule.distribution.sample(uniform(self.seed, "latency", key))
        factors = self._disruptions.latency_factors(context)
        latency = base
        for _, factor in factors:
            latency = round(latency * factor)
        pending = PendingDelivery(
            key=key,
            envelope=envelope,
            sender=sender,
            recipient=recipient,
            channel=channel,
            submitted_us=self.now,
            created_seq=created,
            latency_us=latency,
            translation=translated,
            certified=rule.certified and translated is not None,
            delays={"channel_latency": latency},
        )
        self._pending[key] = pending
        if translated is not None and translated.side == "sender":
            self._decision(
                envelope, recipient_id, created, "latency", "drawn",
                added_us=latency, data={"base_us": base, "factors": factors, "after": "translation"},
            )  # fmt: skip
            self._enqueue(pending)
            return
        pending.due_us = self.now + latency
        pending.stage = "transit" if translated is None else "to_translation"
        self._decision(
            envelope, recipient_id, created, "latency", "drawn",
            added_us=latency, due_us=pending.due_us, data={"base_us": base, "factors": factors},
        )  # fmt: skip
        self._heap.push(pending.due_us, "due" if translated is None else "arrive", key)

    def _consent_check(
        self, envelope: Envelope, sender: Agency, recipient: Agency, created: int
    ) -> Refusal | None:
        persons = envelope.personal_data()
        if not persons or sender.id == recipient.id:
            return None
        for person in persons:
            refused = self._consents.refusal(person, envelope.risk_to_life, recipient)
            if refused is not None:
                detail, explanation = refused
                return Refusal("consent", "consent_missing", detail, hint=explanation)
        self._decision(
            envelope, recipient.id, created, "consent", "pass", data={"persons": len(persons)}
        )
        return None

    def _handling_check(
        self, envelope: Envelope, sender: Agency, recipient: Agency, created: int
    ) -> Refusal | None:
        if not envelope.derived_from:
            return None
        for source in envelope.derived_from:
            parties = self._restricted.get(source)
            if parties is not None and recipient.id not in parties:
                return Refusal(
                    "handling",
                    "handling_violation",
                    f"{source} is H2 (no dissemination without the provider's permission) "
                    f"and {recipient.id} was not a party to it",
                )
        self._decision(envelope, recipient.id, created, "handling", "pass")
        return None

    def _lost(
        self,
        envelope: Envelope,
        recipient: str,
        channel: Channel,
        context: DeliveryContext,
        created: int,
    ) -> bool:
        disruption = self._disruptions.losing(context)
        if disruption is not None:
            self._log_effect(disruption.id, context.key, "lost")
            self._drop(envelope, recipient, created, "loss", disruption.id)
            return True
        if channel.loss > 0:
            if uniform(self.seed, "loss", context.key) < channel.loss:
                self._drop(envelope, recipient, created, "loss", None)
                return True
            self._decision(envelope, recipient, created, "loss", "pass", data={"p": channel.loss})
        return False

    def _enqueue(self, pending: PendingDelivery) -> None:
        assert pending.translation is not None
        pool = pending.translation.pool
        state = self._pools[pool.id]
        envelope_id = str(pending.envelope.id)
        if pool.machine_after is not None and len(state.waiting) >= pool.machine_after:
            pending.machine = True
            self._decision(
                pending.envelope, pending.recipient.id, pending.created_seq, "translation",
                "machine", data={"pool": pool.id, "waiting": len(state.waiting)},
            )  # fmt: skip
            self._translated(pending)
            return
        pending.stage = "translation_wait"
        pending.queued_us = self.now
        ahead = state.wait(pending.key)
        self._log(
            "translation_queued",
            "bus",
            pending.created_seq,
            envelope_id=envelope_id,
            recipient=pending.recipient.id,
            pool_id=pool.id,
            data={"position": ahead, "certified": pending.certified},
        )
        self._start_jobs(state)

    def _start_jobs(self, state: PoolState) -> None:
        while (key := state.next_waiting()) is not None:
            pending = self._pending[key]
            distribution = (
                state.pool.certified
                if pending.certified and state.pool.certified
                else state.pool.service
            )
            service = distribution.sample(uniform(self.seed, "translation_service", key))
            finish = self.now + service
            state.start(key, finish)
            pending.stage = "translation_service"
            pending.delays["translation_wait"] = self.now - pending.queued_us
            pending.delays["translation_service"] = service
            self._log(
                "translation_started",
                "bus",
                pending.created_seq,
                envelope_id=str(pending.envelope.id),
                recipient=pending.recipient.id,
                pool_id=state.pool.id,
                data={
                    "wait_us": self.now - pending.queued_us,
                    "service_us": service,
                    "finish_us": finish,
                },
            )
            self._heap.push(finish, "translated", key)

    def _on_translated(self, key: str) -> None:
        pending = self._pending[key]
        assert pending.translation is not None
        state = self._pools[pending.translation.pool.id]
        state.finish(key)
        self._translated(pending)
        self._start_jobs(state)

    def _translated(self, pending: PendingDelivery) -> None:
        assert pending.translation is not None
        if pending.translation.side == "sender":
            pending.due_us = self.now + pending.latency_us
            pending.stage = "transit"
            self._heap.push(pending.due_us, "due", pending.key)
        else:
            pending.due_us = self.now
            pending.stage = "due"
        self._log(
            "translation_finished",
            "bus",
            pending.created_seq,
            envelope_id=str(pending.envelope.id),
            recipient=pending.recipient.id,
            pool_id=pending.translation.pool.id,
            data={"next": pending.stage, "due_us": pending.due_us, "machine": pending.machine},
        )
        if not pending.machine:
            self._decision(
                pending.envelope,
                pending.recipient.id,
                pending.created_seq,
                "translation",
                "translated",
                added_us=pending.delays.get("translation_wait", 0)
                + pending.delays.get("translation_service", 0),
                data={
                    "pool": pending.translation.pool.id,
                    "certified": pending.certified,
                    "target": pending.translation.target,
                },
            )
        if pending.stage == "due":
            self._on_due(pending.key)

    def _on_arrive(self, key: str) -> None:
        self._enqueue(self._pending[key])

    def _on_due(self, key: str) -> None:
        pending = self._pending[key]
        context = DeliveryContext(
            key, pending.sender, pending.recipient, pending.channel.id, pending.envelope.body.kind()
        )
        disruption = self._disruptions.holding(context)
        if disruption is None:
            self._deliver(pending)
            return
        mode = disruption.attributes.get("mode", "store_and_forward")
        self._log_effect(disruption.id, key, mode)
        envelope, recipient = pending.envelope, pending.recipient.id
        if mode == "store_and_forward":
            pending.stage = "held"
            pending.held_since = self.now
            self._held.setdefault(disruption.id, []).append(key)
            self._decision(
                envelope, recipient, pending.created_seq, "disruption", "held",
                disruption_id=disruption.id, data={"type": disruption.type},
            )  # fmt: skip
            self._log(
                "delivery_held",
                "bus",
                pending.created_seq,
                envelope_id=str(envelope.id),
                recipient=recipient,
                disruption_id=disruption.id,
                data={"type": disruption.type},
            )
        elif mode == "black_hole":
            del self._pending[key]
            self._drop(envelope, recipient, pending.created_seq, "disruption", disruption.id)
        else:
            del self._pending[key]
            reason = "recipient_offline" if disruption.type == "outage" else "link_down"
            refusal = Refusal(
                "disruption",
                reason,
                f"{disruption.id}: {disruption.description or disruption.type}",
            )
            self._refuse(
                envelope, recipient, refusal, pending.created_seq, disruption.id, pending.channel.id
            )

    def _deliver(self, pending: PendingDelivery) -> None:
        del self._pending[pending.key]
        self._decision(
            pending.envelope, pending.recipient.id, pending.created_seq, "delivery", "delivered"
        )
        self._emit_delivery(
            pending.envelope, delivered_record(pending, self.now), pending.created_seq
        )

    def _emit_delivery(self, envelope: Envelope, delivery: Delivery, cause: int) -> None:
        seq = self._log(
            "delivered",
            "bus",
            cause,
            envelope_id=str(envelope.id),
            recipient=delivery.recipient,
            data={
                "delivery": msgspec.to_builtins(delivery),
                "kind": envelope.body.kind(),
                "sender": envelope.sender,
            },
        )
        self.outputs.append(Delivered(delivery.recipient, delivery, envelope, seq))

    def _refuse(
        self,
        envelope: Envelope,
        recipient: str,
        refusal: Refusal,
        created: int,
        disruption_id: str | None = None,
        channel: str | None = None,
    ) -> None:
        self._decision(
            envelope, recipient, created, refusal.stage, "rejected",
            reason=refusal.reason, data={"detail": refusal.detail}, disruption_id=disruption_id,
        )  # fmt: skip
        seq = self._log(
            "rejected",
            "bus",
            created,
            envelope_id=str(envelope.id),
            recipient=recipient,
            disruption_id=disruption_id,
            data={
                "reason": refusal.reason,
                "detail": refusal.detail,
                "redirect_to": refusal.redirect_to,
                "hint": refusal.hint,
                "stage": refusal.stage,
                "channel": channel,
                "kind": envelope.body.kind(),
                "sender": envelope.sender,
            },
        )
        self._nack(envelope, recipient, refusal, seq)

    def _drop(
        self,
        envelope: Envelope,
        recipient: str,
        created: int,
        stage: str,
        disruption_id: str | None,
    ) -> None:
        self._decision(envelope, recipient, created, stage, "dropped", disruption_id=disruption_id)
        self._log(
            "dropped",
            "bus",
            created,
            envelope_id=str(envelope.id),
            recipient=recipient,
            disruption_id=disruption_id,
            data={"stage": stage, "kind": envelope.body.kind(), "sender": envelope.sender},
        )

    def _nack(self, refused: Envelope, recipient: str, refusal: Refusal, cause_seq: int) -> None:
        nack = nack_for(
            self.exercise_id, refused, recipient, refusal, self.exercise_datetime(self.now)
        )
        seq = self._log(
            "envelope_submitted",
            "bus",
            cause_seq,
            envelope_id=str(nack.id),
            data={"envelope": msgspec.to_builtins(nack)},
        )
        self._digests[nack.id] = hashlib.sha256(canonical_bytes(nack)).digest()
        self._register(nack)
        self._create_delivery(nack, refused.sender, seq)

    def _decision(
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
        body: dict[str, Any] = {
            "stage": stage,
            "outcome": outcome,
            "reason": reason,
            "added_us": added_us,
            "due_us": due_us,
        }
        if data:
            body.update(data)
        return self._log(
            "barrier_decision",
            "bus",
            cause,
            envelope_id=str(envelope.id),
            recipient=recipient,
            disruption_id=disruption_id,
            data=body,
        )

    def _log_effect(
        self,
        disruption_id: str,
        key: str | None,
        effect: str,
        *,
        cause: int | None = None,
        pool_id: str | None = None,
        **data: Any,
    ) -> int:
        envelope_id, recipient = key.split(":", 1) if key else (None, None)
        return self._log(
            "disruption_effect",
            "bus",
            cause,
            envelope_id=envelope_id,
            recipient=recipient,
            disruption_id=disruption_id,
            pool_id=pool_id,
            data={"effect": effect, **data},
        )
