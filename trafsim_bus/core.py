"""The bus core: sans-I/O and deterministic. It decides what happens to every delivery.

Given the scenario, the exercise time and an envelope, it applies the barrier pipeline and
schedules what follows; given the next time, it fires what is due. Every decision becomes
a log record in `records` (the driver hands them to the writer) and every delivery or
wake for a participant becomes an output (the driver hands it to the participant). No
asyncio, sockets or wall clock in here: time comes from the event heap."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import msgspec

from protocols import (
    Envelope,
    ProtocolError,
    canonical_bytes,
    decode_envelope,
)
from trafsim_bus.composer import compose
from trafsim_bus.consent import ConsentBook
from trafsim_bus.deliveries import PendingDelivery
from trafsim_bus.disruptions import ActiveDisruptions
from trafsim_bus.events import EventHeap
from trafsim_bus.ids import exercise_id_for
from trafsim_bus.log.records import LOG_FORMAT_VERSION, Origin, Record
from trafsim_bus.outputs import Delivered, Submission, WakeFired
from trafsim_bus.participants import Action, Send, Wake
from trafsim_bus.pipeline import Pipeline
from trafsim_bus.rng import exponential, uniform
from trafsim_bus.scenario.model import BUS, Disruption, Inject, Scenario
from trafsim_bus.translation import PoolState


class Bus(Pipeline):
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
        self._pending: dict[str, PendingDelivery] = {}
        self._pools = {pool.id: PoolState(pool) for pool in scenario.pools}
        self._disruptions = ActiveDisruptions(self.seed)
        self._held: dict[str, list[str]] = {}
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
                    "source": Path(scenario.source).name,
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
        for index in range(len(scenario.background)):
            self._schedule_background(index, 0, 0)

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
        envelope = self._compose(
            envelope_id,
            inject.sender,
            inject.recipients,
            inject.channel,
            body,
            fields,
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
        if envelope.sender == BUS:
            return ("sender_not_authorised", "only the bus itself sends as bus")
        if self.scenario.agency(envelope.sender) is None:
            return ("sender_not_authorised", f"{envelope.sender} is not an agency of this exercise")
        return None

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
        envelope = self._compose(
            envelope_id,
            stream.sender,
            stream.recipients,
            stream.channel,
            stream.body,
            fields,
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
            self._set_capacity(disruption, seq)
        elif disruption.type in ("channel_open", "channel_close"):
            channels = sorted(disruption.target.channels or ())
            self._log_effect(disruption.id, None, disruption.type, channels=channels, cause=seq)

    def _set_capacity(self, disruption: Disruption, cause: int) -> None:
        """Give each pool the disruption targets the capacity now in force: that of the
        latest-started capacity disruption still active, else its own."""
        for pool_id in sorted(disruption.target.pools or ()):
            state = self._pools[pool_id]
            forced = self._disruptions.servers_for(pool_id)
            state.servers = state.pool.servers if forced is None else forced
            self._log_effect(
                disruption.id, None, "capacity", pool_id=pool_id, servers=state.servers, cause=cause
            )
            self._start_jobs(state)

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
            self._set_capacity(disruption, seq)
        for key in held:
            pending = self._pending[key]
            held_for = self.now - pending.held_since
            pending.delays["outage_hold"] = pending.delays.get("outage_hold", 0) + held_for
            self._decision(
                pending.envelope, pending.recipient.id, seq, "disruption", "released",
                added_us=held_for, disruption_id=disruption.id,
            )  # fmt: skip
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

    def _compose(
        self,
        envelope_id: UUID,
        sender: str,
        recipients: tuple[str, ...],
        channel: str | None,
        body: Any,
        fields: dict[str, Any],
    ) -> Envelope:
        return compose(
            self.exercise_id,
            envelope_id,
            sender=sender,
            recipients=recipients,
            channel=channel,
            body=body,
            fields=fields,
            created_at=self.exercise_datetime(self.now),
        )
