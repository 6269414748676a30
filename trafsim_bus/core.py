"""The bus core: sans-I/O and deterministic. It decides what happens to every delivery.

Given the scenario, the exercise time and an envelope, it applies the barrier pipeline and
schedules what follows; given the next time, it fires what is due. Every decision becomes
a log record in `records` (the driver hands them to the writer) and every delivery or
wake for a participant becomes an output (the driver hands it to the participant). No
asyncio, sockets or wall clock in here: time comes from the event heap."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid5

import msgspec

from protocols import (
    DelayBreakdown,
    Delivery,
    Envelope,
    Evaluation,
    Handling,
    Priority,
    ProtocolError,
    canonical_bytes,
    decode_envelope,
)
from protocols.receipts import Nack
from trafsim_bus.consent import ConsentBook
from trafsim_bus.disruptions import ActiveDisruptions, DeliveryContext
from trafsim_bus.events import EventHeap
from trafsim_bus.ids import exercise_id_for
from trafsim_bus.log.records import LOG_FORMAT_VERSION, Origin, Record
from trafsim_bus.participants import Action, Send, Wake
from trafsim_bus.rng import exponential, uniform
from trafsim_bus.routing import Refusal, Translation, admit, route, translation_for
from trafsim_bus.scenario.model import BUS, EXCON, Agency, Channel, Disruption, Inject, Scenario
from trafsim_bus.translation import PoolState

DEFAULT_SCRIPTS = {
    "rus": "Cyrl",
    "kaz": "Cyrl",
    "kir": "Cyrl",
    "tgk": "Cyrl",
    "uzb": "Latn",
    "tuk": "Latn",
    "kaa": "Latn",
    "eng": "Latn",
    "prs": "Arab",
    "pus": "Arab",
}
"""The usual script of each language, for envelopes the scenario builds."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """A delivery to hand to the recipient's participant."""

    recipient: str
    delivery: Delivery
    envelope: Envelope
    seq: int


@dataclass(frozen=True, slots=True)
class WakeFired:
    """A wake to hand back to the participant that asked for it."""

    agency: str
    token: str
    due_us: int
    seq: int


@dataclass(frozen=True, slots=True)
class Submission:
    """The synchronous answer to a submission: accepted, a duplicate, or refused."""

    outcome: str
    seq: int
    reason: str | None = None
    detail: str | None = None

    @property
    def accepted(self) -> bool:
        """The envelope entered the bus (a duplicate counts as accepted once)."""
        return self.outcome in ("submitted", "duplicate_ignored")


@dataclass(slots=True)
class _Pending:
    """A delivery that has not ended yet."""

    key: str
    envelope: Envelope
    sender: Agency
    recipient: Agency
    channel: Channel
    submitted_us: int
    created_seq: int
    latency_us: int
    translation: Translation | None
    certified: bool
    stage: str = "transit"
    due_us: int = 0
    queued_us: int = 0
    delays: dict[str, int] = field(default_factory=dict)
    machine: bool = False
    held_since: int = 0


class Bus:
    """The deterministic core of one exercise."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        exercise_id: UUID | None = None,
        version: str = "0",
    ) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.exercise_id = exercise_id or exercise_id_for(scenario.sha256, self.seed)
        self.version = version
        self.now = 0
        self.records: list[Record] = []
        self.outputs: list[Delivered | WakeFired] = []
        self.ended = False
        self._seq = 0
        self._heap = EventHeap()
        self._digests: dict[UUID, bytes] = {}
        self._envelopes: dict[UUID, Envelope] = {}
        self._pending: dict[str, _Pending] = {}
        self._pools = {pool.id: PoolState(pool) for pool in scenario.pools}
        self._disruptions = ActiveDisruptions(self.seed)
        self._held: dict[str, list[str]] = {}
        self._saved_servers: dict[tuple[str, str], int] = {}
        self._consents = ConsentBook()
        self._restricted: dict[UUID, frozenset[str]] = {}
        self._by_kind: dict[str, list[Envelope]] = {}
        self._fired: dict[str, int] = {}
        self._wakes: dict[int, tuple[str, str, int]] = {}
        self._sends: dict[int, tuple[str, str, int]] = {}
        self._claimed = {
            (inject.sender, inject.body.kind(), case)
            for inject in scenario.injects
            for case in inject.envelope.get("case_refs", [])
        }

    # -- the clock ------------------------------------------------------------------------

    def start(self) -> None:
        """Log STARTEX and schedule what the scenario holds: jumps, MSEL, disruptions,
        background traffic."""
        scenario = self.scenario
        self._log(
            "exercise_started",
            "scenario",
            None,
            data={
                "exercise_id": str(self.exercise_id),
                "trafsim_version": self.version,
                "log_format_version": LOG_FORMAT_VERSION,
                "seed": self.seed,
                "scenario": {
                    "name": scenario.name,
                    "source": scenario.source,
                    "sha256": scenario.sha256,
                    "text": scenario.text,
                    "canonical": msgspec.json.decode(scenario.canonical),
                },
                "startex": scenario.startex.isoformat(),
                "endex_us": scenario.endex_us,
            },
        )
        for jump in scenario.jumps:
            self._heap.push(jump.at_us, "jump", jump)
        for disruption in scenario.disruptions:
            self._heap.push(disruption.start_us, "disruption_start", disruption)
            if disruption.end_us is not None and disruption.end_us < scenario.endex_us:
                self._heap.push(disruption.end_us, "disruption_heal", disruption)
        for inject in scenario.injects:
            self._heap.push(inject.at_us, "inject", inject)
        for index, stream in enumerate(scenario.background):
            self._schedule_background(index, 0, 0)
            del stream

    def next_time(self) -> int | None:
        """When the next event is due, or None when nothing is due before ENDEX."""
        t = self._heap.peek_time()
        if t is None or t > self.scenario.endex_us:
            return None
        return t

    def step(self) -> None:
        """Fire the next due event (its outputs land in `outputs`)."""
        event = self._heap.pop()
        self.now = max(self.now, event.t_us)
        handler = getattr(self, f"_on_{event.kind}")
        handler(event.payload)

    def finish(self) -> None:
        """ENDEX: heal what is still in force (releasing nothing) and seal the log."""
        self.now = max(self.now, self.scenario.endex_us)
        for disruption_id in self._disruptions.ids():
            self._disruptions.heal(disruption_id)
            held = len(self._held.get(disruption_id, []))
            self._log(
                "disruption_healed",
                "scenario",
                None,
                disruption_id=disruption_id,
                data={"at_endex": True, "released": 0, "still_held": held},
            )
        self._log("exercise_ended", "scenario", None, data={"records": self._seq + 1})
        self.ended = True

    def exercise_datetime(self, t_us: int) -> Any:
        """The wall-calendar moment (STARTEX's offset) of an exercise time."""
        return self.scenario.startex + timedelta(microseconds=t_us)

    # -- submissions ----------------------------------------------------------------------

    def submit_bytes(self, data: bytes, *, origin: Origin, as_agency: str) -> Submission:
        """Submit an encoded envelope (JSON or MessagePack) as `as_agency`."""
        try:
            envelope = decode_envelope(data)
        except ProtocolError as exc:
            seq = self._log(
                "envelope_refused",
                origin,
                None,
                data={"reason": "invalid_message", "detail": str(exc), "sender": as_agency},
            )
            return Submission("refused", seq, "invalid_message", str(exc))
        return self.submit(envelope, origin=origin, as_agency=as_agency)

    def submit(
        self,
        envelope: Envelope,
        *,
        origin: Origin,
        as_agency: str,
        cause_seq: int | None = None,
    ) -> Submission:
        """Submit an envelope sent by `as_agency` (the authenticated sender)."""
        refusal = self._envelope_refusal(envelope, as_agency)
        digest = hashlib.sha256(canonical_bytes(envelope)).digest()
        known = self._digests.get(envelope.id)
        if refusal is None and known is not None:
            if known == digest:
                seq = self._log(
                    "duplicate_ignored",
                    origin,
                    cause_seq,
                    envelope_id=str(envelope.id),
                    data={"sender": envelope.sender},
                )
                return Submission("duplicate_ignored", seq)
            refusal = ("duplicate_id_conflict", "this id was submitted before with other content")
        if refusal is not None:
            reason, detail = refusal
            seq = self._log(
                "envelope_refused",
                origin,
                cause_seq,
                envelope_id=str(envelope.id),
                data={"reason": reason, "detail": detail, "sender": envelope.sender},
            )
            return Submission("refused", seq, reason, detail)
        seq = self._log(
            "envelope_submitted",
            origin,
            cause_seq,
            envelope_id=str(envelope.id),
            data={"envelope": msgspec.to_builtins(envelope)},
        )
        self._digests[envelope.id] = digest
        self._register(envelope)
        for recipient in envelope.recipients:
            self._create_delivery(envelope, recipient, seq)
        return Submission("submitted", seq)

    def apply(
        self, agency: str, actions: list[Action], *, cause_seq: int, origin: Origin = "playbook"
    ) -> None:
        """Carry out a participant's actions: sends now or after work time, and wakes."""
        for action in actions:
            if isinstance(action, Wake):
                token = action.token
                due = self.now + max(0, action.after_us)
                seq = self._log(
                    "wake_scheduled",
                    origin,
                    cause_seq,
                    data={"agency": agency, "token": token, "due_us": due},
                )
                self._wakes[seq] = (agency, token, due)
                self._heap.push(due, "wake", seq)
                continue
            assert isinstance(action, Send)
            envelope = action.envelope
            if origin == "playbook" and self._claimed_by_msel(agency, envelope):
                continue
            if action.after_us <= 0:
                self.submit(envelope, origin=origin, as_agency=agency, cause_seq=cause_seq)
                continue
            due = self.now + action.after_us
            seq = self._log(
                "send_scheduled",
                origin,
                cause_seq,
                envelope_id=str(envelope.id),
                data={"agency": agency, "due_us": due, "envelope": msgspec.to_builtins(envelope)},
            )
            self._sends[seq] = (agency, str(envelope.id), due)
            self._heap.push(due, "send", (seq, agency, origin, envelope))

    def take_outputs(self) -> list[Delivered | WakeFired]:
        """Outputs produced since the last call, in order."""
        outputs, self.outputs = self.outputs, []
        return outputs

    def take_records(self) -> list[Record]:
        """Records produced since the last call, in order."""
        records, self.records = self.records, []
        return records

    def fire_inject(self, inject: Inject, origin: Origin = "inject") -> Submission:
        """Fire one MSEL inject now (the scenario's schedule or a controller)."""
        k = self._fired.get(inject.id, 0)
        self._fired[inject.id] = k + 1
        envelope_id = uuid5(self.exercise_id, f"inject:{inject.id}:{k}")
        body = inject.body
        fields = dict(inject.envelope)
        replied = None
        if inject.reply_to is not None:
            replied = self._newest(
                inject.reply_to.type, inject.reply_to.sender, inject.reply_to.case
            )
            if replied is not None:
                fields["in_reply_to"] = replied.id
                fields["thread_id"] = replied.thread_id or replied.id
                if body.kind() in ("ack", "nack"):
                    body = msgspec.structs.replace(body, ack_of=replied.id)
        player = self.scenario.role_players.get(inject.role_player or "")
        sender = self.scenario.agencies[inject.sender]
        language = fields.pop("language", None) or (
            player.language if player else ("rus" if sender.id == EXCON else sender.languages[0])
        )
        script = fields.pop("script", None) or (player.script if player and player.script else None)
        seq = self._log(
            "inject_fired",
            origin,
            None,
            envelope_id=str(envelope_id),
            data={
                "inject_id": inject.id,
                "k": k,
                "title": inject.title,
                "role_player": inject.role_player,
                "reply_to": inject.reply_to is not None,
                "reply_found": replied is not None,
                "in_reply_to": str(replied.id) if replied else None,
            },
        )
        envelope = self._build_envelope(
            envelope_id,
            inject.sender,
            inject.recipients,
            inject.channel,
            body,
            fields,
            language,
            script,
        )
        return self.submit(envelope, origin="inject", as_agency=inject.sender, cause_seq=seq)

    # -- snapshot (what a fold of the log must reproduce) ---------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The pending state: deliveries, queues, wakes, scheduled sends, disruptions."""
        return {
            "deliveries": {
                key: {
                    "stage": p.stage,
                    "due_us": p.due_us if p.stage in ("transit", "to_translation") else None,
                }
                for key, p in sorted(self._pending.items())
            },
            "queues": {
                pool_id: {
                    "waiting": list(state.waiting),
                    "serving": dict(sorted(state.serving.items())),
                    "servers": state.servers,
                }
                for pool_id, state in self._pools.items()
            },
            "wakes": sorted(self._wakes.values()),
            "sends": sorted(self._sends.values()),
            "disruptions": self._disruptions.ids(),
            "held": {key: list(keys) for key, keys in self._held.items() if keys},
        }

    # -- envelope checks and registers ----------------------------------------------------

    def _envelope_refusal(self, envelope: Envelope, as_agency: str) -> tuple[str, str] | None:
        if envelope.exercise_id != self.exercise_id:
            return ("wrong_exercise", f"this exercise is {self.exercise_id}")
        if envelope.sender != as_agency:
            return ("sender_not_authorised", f"{as_agency} may not send as {envelope.sender}")
        if envelope.sender != BUS and self.scenario.agency(envelope.sender) is None:
            return ("sender_not_authorised", f"{envelope.sender} is not an agency of this exercise")
        return None

    def _register(self, envelope: Envelope) -> None:
        self._envelopes[envelope.id] = envelope
        self._by_kind.setdefault(envelope.body.kind(), []).append(envelope)
        self._consents.record(envelope)
        if envelope.handling is not None and "H2" in envelope.handling.codes:
            self._restricted[envelope.id] = frozenset((envelope.sender, *envelope.recipients))

    def _newest(self, kind: str, sender: str | None, case: str | None) -> Envelope | None:
        for envelope in reversed(self._by_kind.get(kind, [])):
            if sender is not None and envelope.sender != sender:
                continue
            if case is not None and case not in envelope.case_refs:
                continue
            return envelope
        return None

    def _claimed_by_msel(self, agency: str, envelope: Envelope) -> bool:
        kind = envelope.body.kind()
        return any((agency, kind, case) in self._claimed for case in envelope.case_refs)

    # -- one delivery through the pipeline ------------------------------------------------

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
            self._deliver_bus_message(envelope, recipient_id, created)
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
        pending = _Pending(
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

    # -- translation --------------------------------------------------------------------

    def _enqueue(self, pending: _Pending) -> None:
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

    def _translated(self, pending: _Pending) -> None:
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
        if pending.stage == "due":
            self._on_due(pending.key)

    def _on_arrive(self, key: str) -> None:
        self._enqueue(self._pending[key])

    # -- due time: disruptions, then delivery -------------------------------------------

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

    def _deliver(self, pending: _Pending) -> None:
        del self._pending[pending.key]
        envelope = pending.envelope
        channel = pending.channel
        evidence = envelope.evidentiary_status
        inadmissible = evidence == "evidence" and not channel.evidence_grade
        effective = evidence
        if channel.intelligence_only or inadmissible:
            effective = "intelligence"
        total = self.now - pending.submitted_us
        parts = pending.delays
        known = sum(parts.values())
        translation = pending.translation
        delivery = Delivery(
            envelope_id=envelope.id,
            recipient=pending.recipient.id,
            channel=channel.id,
            status="delivered",
            evidentiary_status=effective,
            intelligence_only=channel.intelligence_only,
            inadmissible=inadmissible,
            machine_translated_unverified=pending.machine,
            certified_translation=pending.certified and not pending.machine,
            language=translation.target if translation else envelope.language,  # type: ignore[arg-type]
            translated_from=envelope.language if translation else None,
            delay_us=DelayBreakdown(
                channel_latency=parts.get("channel_latency", 0),
                translation_wait=parts.get("translation_wait", 0),
                translation_service=parts.get("translation_service", 0),
                outage_hold=parts.get("outage_hold", 0),
                other=max(0, total - known),
            ),
            submitted_us=pending.submitted_us,
            due_us=pending.due_us,
            delivered_us=self.now,
        )
        seq = self._log(
            "delivered",
            "bus",
            pending.created_seq,
            envelope_id=str(envelope.id),
            recipient=pending.recipient.id,
            data={
                "delivery": msgspec.to_builtins(delivery),
                "kind": envelope.body.kind(),
                "sender": envelope.sender,
            },
        )
        self.outputs.append(Delivered(pending.recipient.id, delivery, envelope, seq))

    def _deliver_bus_message(self, envelope: Envelope, recipient: str, created: int) -> None:
        delivery = Delivery(
            envelope_id=envelope.id,
            recipient=recipient,
            channel=None,
            status="delivered",
            evidentiary_status=envelope.evidentiary_status,
            language=envelope.language,
            submitted_us=self.now,
            due_us=self.now,
            delivered_us=self.now,
        )
        seq = self._log(
            "delivered",
            "bus",
            created,
            envelope_id=str(envelope.id),
            recipient=recipient,
            data={
                "delivery": msgspec.to_builtins(delivery),
                "kind": envelope.body.kind(),
                "sender": BUS,
            },
        )
        self.outputs.append(Delivered(recipient, delivery, envelope, seq))

    # -- refusals, drops, nacks -----------------------------------------------------------

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
        nack = Envelope(
            schema_version="1",
            id=uuid5(self.exercise_id, f"nack:{refused.id}:{recipient}"),
            exercise_id=self.exercise_id,
            sender=BUS,
            recipients=[refused.sender],
            channel=None,
            created_at=self.exercise_datetime(self.now),
            case_refs=list(refused.case_refs),
            thread_id=refused.thread_id or refused.id,
            in_reply_to=refused.id,
            language=refused.language,
            script=refused.script,
            body=Nack(
                ack_of=refused.id,
                reason=refusal.reason,  # type: ignore[arg-type]
                detail=refusal.detail[:500],
                redirect_to=refusal.redirect_to,
                hint=refusal.hint,
            ),
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

    # -- scheduled events ---------------------------------------------------------------

    def _on_jump(self, jump: Any) -> None:
        self._log(
            "clock_jump",
            "scenario",
            None,
            data={"at_us": jump.at_us, "by_us": jump.by_us, "to_us": jump.at_us + jump.by_us},
        )

    def _on_inject(self, inject: Inject) -> None:
        self.fire_inject(inject)

    def _on_background(self, payload: tuple[int, int, int]) -> None:
        index, i, play_us = payload
        stream = self.scenario.background[index]
        envelope_id = uuid5(self.exercise_id, f"background:{stream.id}:{i}")
        fields = dict(stream.envelope)
        sender = self.scenario.agencies[stream.sender]
        language = fields.pop("language", None) or sender.languages[0]
        script = fields.pop("script", None)
        envelope = self._build_envelope(
            envelope_id,
            stream.sender,
            stream.recipients,
            stream.channel,
            stream.body,
            fields,
            language,
            script,
        )
        self.submit(envelope, origin="background", as_agency=stream.sender)
        self._schedule_background(index, i + 1, play_us)

    def _schedule_background(self, index: int, i: int, after_play_us: int) -> None:
        stream = self.scenario.background[index]
        u = uniform(self.seed, f"background:{stream.id}", str(i))
        gap = round(exponential(u, stream.rate_per_hour) * 3_600_000_000)
        play_us = after_play_us + max(gap, 1)
        if play_us >= self.scenario.play_us:
            return
        self._heap.push(self.scenario.play_to_exercise(play_us), "background", (index, i, play_us))

    def _on_wake(self, seq: int) -> None:
        agency, token, due = self._wakes.pop(seq)
        fired = self._log(
            "wake_fired", "playbook", seq, data={"agency": agency, "token": token, "due_us": due}
        )
        self.outputs.append(WakeFired(agency, token, due, fired))

    def _on_send(self, payload: tuple[int, str, Origin, Envelope]) -> None:
        seq, agency, origin, envelope = payload
        del self._sends[seq]
        self.submit(envelope, origin=origin, as_agency=agency, cause_seq=seq)

    def _on_disruption_start(self, disruption: Disruption) -> None:
        seq = self._log(
            "disruption_started",
            "scenario",
            None,
            disruption_id=disruption.id,
            data={
                "type": disruption.type,
                "attributes": dict(disruption.attributes),
                "probability": disruption.probability,
                "end_us": disruption.end_us,
            },
        )
        self._disruptions.start(disruption)
        if disruption.type == "translator_capacity":
            servers = int(disruption.attributes["servers"])
            for pool_id in sorted(disruption.target.pools or ()):
                state = self._pools[pool_id]
                self._saved_servers[(disruption.id, pool_id)] = state.servers
                state.servers = servers
                self._log_effect(
                    disruption.id, None, "capacity", pool_id=pool_id, servers=servers, cause=seq
                )
                self._start_jobs(state)
        elif disruption.type in ("channel_open", "channel_close"):
            channels = sorted(disruption.target.channels or ())
            self._log_effect(disruption.id, None, disruption.type, channels=channels, cause=seq)

    def _on_disruption_heal(self, disruption: Disruption) -> None:
        if self._disruptions.heal(disruption.id) is None:
            return
        held = self._held.pop(disruption.id, [])
        seq = self._log(
            "disruption_healed",
            "scenario",
            None,
            disruption_id=disruption.id,
            data={"at_endex": False, "released": len(held)},
        )
        if disruption.type == "translator_capacity":
            for pool_id in sorted(disruption.target.pools or ()):
                state = self._pools[pool_id]
                state.servers = self._saved_servers.pop(
                    (disruption.id, pool_id), state.pool.servers
                )
                self._log_effect(
                    disruption.id,
                    None,
                    "capacity",
                    pool_id=pool_id,
                    servers=state.servers,
                    cause=seq,
                )
                self._start_jobs(state)
        for key in held:
            pending = self._pending[key]
            held_for = self.now - pending.held_since
            pending.delays["outage_hold"] = pending.delays.get("outage_hold", 0) + held_for
            self._log(
                "delivery_released",
                "bus",
                seq,
                envelope_id=str(pending.envelope.id),
                recipient=pending.recipient.id,
                disruption_id=disruption.id,
                data={"held_us": held_for},
            )
            pending.stage = "due"
            self._on_due(key)

    # -- building envelopes and records -------------------------------------------------

    def _build_envelope(
        self,
        envelope_id: UUID,
        sender: str,
        recipients: tuple[str, ...],
        channel: str | None,
        body: Any,
        fields: dict[str, Any],
        language: str,
        script: str | None,
    ) -> Envelope:
        extra = dict(fields)
        for name, kind in (
            ("priority", Priority),
            ("handling", Handling),
            ("evaluation", Evaluation),
        ):
            if name in extra and isinstance(extra[name], dict):
                extra[name] = msgspec.convert(extra[name], kind)
        document = {
            "schema_version": "1",
            "id": envelope_id,
            "exercise_id": self.exercise_id,
            "sender": sender,
            "recipients": list(recipients),
            "channel": channel,
            "created_at": self.exercise_datetime(self.now),
            "language": language,
            "script": script or DEFAULT_SCRIPTS.get(language, "Latn"),
            "body": body,
            **extra,
        }
        return msgspec.convert(document, Envelope, from_attributes=True)

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
