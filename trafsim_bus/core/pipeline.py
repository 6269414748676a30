"""One delivery through the barrier pipeline (SPEC §2, §4-8): admission, routing, consent,
handling, language, loss and latency at submission; translation; disruptions, office hours
and delivery at due time. Every decision is a log record; every refusal is nacked by the bus."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from uuid import uuid5

import msgspec

from protocols import Delivery, Envelope, canonical_bytes
from trafsim_bus.core.agenda import DeliveryDue, OfficeOpens, TranslationArrival
from trafsim_bus.core.composer import exercise_datetime, nack_for
from trafsim_bus.core.deliveries import (
    DeliveryKey,
    PendingDelivery,
    bus_message_record,
    delivered_record,
)
from trafsim_bus.core.disruptions import DeliveryContext, DisruptionState
from trafsim_bus.core.office import epoch_us, next_open
from trafsim_bus.core.outputs import Delivered, Submission
from trafsim_bus.core.recorder import Recorder
from trafsim_bus.core.rng import uniform
from trafsim_bus.core.routing import Refusal, Router, Translation, admit, translation_for
from trafsim_bus.core.state import BusState
from trafsim_bus.core.trail import Trail
from trafsim_bus.core.translation import Translator
from trafsim_bus.log.records import Origin
from trafsim_bus.scenario.model import BUS, Agency, Channel, Scenario

DoorRefusal = tuple[str, str]
"""(reason, detail) of an envelope-level refusal."""


class Pipeline:
    """Submissions and deliveries: from the door to the recipient (or a refusal)."""

    def __init__(
        self,
        scenario: Scenario,
        state: BusState,
        recorder: Recorder,
        *,
        seed: int,
        exercise_id: Any,
        deliver: Callable[[Delivered], None],
        submitted: Callable[[Envelope, int], None],
    ) -> None:
        self.scenario = scenario
        self.state = state
        self.recorder = recorder
        self.seed = seed
        self.exercise_id = exercise_id
        self.deliver_output = deliver
        self.submitted = submitted
        self.trail = Trail(recorder)
        self.translator = Translator(state, recorder, self.trail, seed=seed, due=self.due)
        self.startex_epoch_us = epoch_us(scenario.startex)
        self.router = Router(scenario)

    @property
    def now(self) -> int:
        """Exercise time now."""
        return self.state.clock.now

    # -- the door -----------------------------------------------------------------------

    def refusal_at_door(self, envelope: Envelope, as_agency: str) -> DoorRefusal | None:
        """An envelope-level refusal (SPEC §5), or None."""
        if envelope.exercise_id != self.exercise_id:
            return ("wrong_exercise", f"this exercise is {self.exercise_id}")
        if envelope.sender != as_agency:
            return ("sender_not_authorised", f"{as_agency} may not send as {envelope.sender}")
        if envelope.sender == BUS:
            return ("sender_not_authorised", "only the bus itself sends as bus")
        if self.scenario.agency(envelope.sender) is None:
            return ("sender_not_authorised", f"{envelope.sender} is not an agency of this exercise")
        return None

    def submit(
        self,
        envelope: Envelope,
        *,
        origin: Origin,
        as_agency: str,
        cause_seq: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Submission:
        """Submit an envelope sent by `as_agency`; `extra` joins the record's data (a team's
        input, a background stream's counter)."""
        registry = self.state.registry
        refusal = self.refusal_at_door(envelope, as_agency)
        digest = hashlib.sha256(canonical_bytes(envelope)).digest()
        known = registry.digests.get(envelope.id)
        more = extra or {}
        if refusal is None and known is not None:
            if known == digest:
                seq = self.recorder.log(
                    "duplicate_ignored",
                    origin,
                    cause_seq,
                    envelope_id=envelope.id,
                    data={"sender": envelope.sender, **more},
                )
                return Submission("duplicate_ignored", seq, envelope_id=envelope.id)
            refusal = ("duplicate_id_conflict", "this id was submitted before with other content")
        if refusal is not None:
            reason, detail = refusal
            seq = self.recorder.log(
                "envelope_refused",
                origin,
                cause_seq,
                envelope_id=envelope.id,
                data={"reason": reason, "detail": detail, "sender": envelope.sender, **more},
            )
            return Submission("refused", seq, reason, detail, envelope_id=envelope.id)
        seq = self._enter(envelope, digest, origin, cause_seq, more)
        return Submission("submitted", seq, envelope_id=envelope.id)

    def _enter(
        self,
        envelope: Envelope,
        digest: bytes,
        origin: Origin,
        cause_seq: int | None,
        extra: dict[str, Any],
    ) -> int:
        """The envelope is in: log it, register it, one delivery per recipient."""
        seq = self.recorder.log(
            "envelope_submitted",
            origin,
            cause_seq,
            envelope_id=envelope.id,
            data={"envelope": msgspec.to_builtins(envelope), **extra},
        )
        self.state.registry.register(envelope, digest, seq, planted=extra.get("planted"))
        self.submitted(envelope, seq)
        for recipient in envelope.recipients:
            self.create_delivery(envelope, recipient, seq)
        return seq

    # -- at submission ------------------------------------------------------------------

    def create_delivery(self, envelope: Envelope, recipient_id: str, submitted_seq: int) -> None:
        """One delivery: admission, routing, consent, handling, language, loss, latency."""
        key = DeliveryKey(envelope.id, recipient_id)
        kind = envelope.body.kind()
        created = self.recorder.log(
            "delivery_created",
            "bus",
            submitted_seq,
            envelope_id=envelope.id,
            recipient=recipient_id,
            data={"kind": kind, "sender": envelope.sender},
        )
        if envelope.sender == BUS:
            self._emit(envelope, bus_message_record(envelope, recipient_id, self.now), created)
            return
        sender = self.scenario.agencies[envelope.sender]
        admitted = admit(self.scenario, recipient_id, kind)
        if isinstance(admitted, Refusal):
            self.refuse(envelope, recipient_id, admitted, created)
            return
        recipient = admitted
        closed, opened = self.state.disruptions.channel_changes()
        routed = self.router.route(sender, recipient, kind, envelope.channel, closed, opened)
        if isinstance(routed, Refusal):
            self.refuse(envelope, recipient_id, routed, created, routed.disruption_id)
            return
        channel = routed.channel
        self.recorder.log(
            "channel_resolved",
            "bus",
            created,
            envelope_id=envelope.id,
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
                self.refuse(envelope, recipient_id, refusal, created, channel=channel.id)
                return
        translated = translation_for(
            self.scenario, sender, recipient, channel, envelope.language, kind
        )
        if isinstance(translated, Refusal):
            self.refuse(envelope, recipient_id, translated, created, channel=channel.id)
            return
        self.trail.decision(
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
        cut = self.state.disruptions.cutting(context)
        if cut is not None and self._cut_at_submission(envelope, cut, context, created):
            return
        if self._lost(envelope, recipient_id, channel, context, created):
            return
        rule = channel.rule_for(kind, envelope.priority.level, recipient.country)
        base = rule.distribution.sample(uniform(self.seed, "latency", key.draw_key))
        factors = self.state.disruptions.latency_factors(context)
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
            certified=certified_service(rule.certified, translated),
            delays={"channel_latency": latency},
        )
        self.state.pending[key] = pending
        drawn = {"base_us": base, "factors": [[name, f] for name, f in factors]}
        if cut is not None:
            self.trail.decision(
                envelope, recipient_id, created, "latency", "drawn",
                added_us=latency, data={**drawn, "after": "hold"},
            )  # fmt: skip
            self._hold(pending, cut, created, at_submission=True)
            return
        if translated is not None and translated.side == "sender":
            self.trail.decision(
                envelope, recipient_id, created, "latency", "drawn",
                added_us=latency, data={**drawn, "after": "translation"},
            )  # fmt: skip
            self.translator.enqueue(pending, translated)
            return
        seq = self.trail.decision(
            envelope, recipient_id, created, "latency", "drawn",
            added_us=latency, due_us=self.now + latency, data=drawn,
        )  # fmt: skip
        self._transit(pending, seq)

    def _transit(self, pending: PendingDelivery, seq: int) -> None:
        """Transit starts now: due after the channel's latency (at the recipient's
        translators, when they translate it); `seq` decided it."""
        pending.due_us = self.now + pending.latency_us
        to_translation = pending.translation is not None
        pending.stage = "to_translation" if to_translation else "transit"
        pending.agenda_key = (seq, 0)
        self.state.agenda.push(
            pending.due_us,
            pending.agenda_key,
            TranslationArrival(pending.key) if to_translation else DeliveryDue(pending.key),
        )

    def _cut_at_submission(
        self,
        envelope: Envelope,
        cut: DisruptionState,
        context: DeliveryContext,
        created: int,
    ) -> bool:
        """A cut link or a partition at submission refuses or drops the delivery at once
        (True); held (store and forward), it is drawn and held by the caller (False)."""
        disruption = cut.disruption
        mode = disruption.attributes["mode"]  # the loader sets it for every cut
        if mode == "store_and_forward":
            return False
        self.trail.effect(disruption.id, context.key, mode, at="submission")
        recipient = context.recipient.id
        if mode == "black_hole":
            self.drop(envelope, recipient, created, "disruption", disruption.id)
        else:
            refusal = Refusal(
                "disruption",
                "link_down",
                f"{disruption.id}: {disruption.description or disruption.type}",
                disruption_id=disruption.id,
            )
            self.refuse(envelope, recipient, refusal, created, disruption.id, context.channel)
        return True

    def _consent_check(
        self, envelope: Envelope, sender: Agency, recipient: Agency, created: int
    ) -> Refusal | None:
        persons = envelope.personal_data()
        if not persons or sender.id == recipient.id:
            return None
        for person in persons:
            refused = self.state.registry.consents.refusal(person, envelope.risk_to_life, recipient)
            if refused is not None:
                detail, explanation = refused
                return Refusal("consent", "consent_missing", detail, hint=explanation)
        self.trail.decision(
            envelope, recipient.id, created, "consent", "pass", data={"persons": len(persons)}
        )
        return None

    def _handling_check(
        self, envelope: Envelope, sender: Agency, recipient: Agency, created: int
    ) -> Refusal | None:
        if not envelope.derived_from:
            return None
        restricted = self.state.registry.restricted
        for source in envelope.derived_from:
            parties = restricted.get(source)
            if parties is not None and recipient.id not in parties:
                return Refusal(
                    "handling",
                    "handling_violation",
                    f"{source} is H2 (no dissemination without the provider's permission) "
                    f"and {recipient.id} was not a party to it",
                )
        self.trail.decision(envelope, recipient.id, created, "handling", "pass")
        return None

    def _lost(
        self,
        envelope: Envelope,
        recipient: str,
        channel: Channel,
        context: DeliveryContext,
        created: int,
    ) -> bool:
        disruption = self.state.disruptions.losing(context)
        if disruption is not None:
            self.trail.effect(disruption.id, context.key, "lost")
            self.drop(envelope, recipient, created, "loss", disruption.id)
            return True
        if channel.loss > 0:
            if uniform(self.seed, "loss", context.key.draw_key) < channel.loss:
                self.drop(envelope, recipient, created, "loss", None)
                return True
            self.trail.decision(
                envelope, recipient, created, "loss", "pass", data={"p": channel.loss}
            )
        return False

    # -- at due time ----------------------------------------------------------------------

    def due(self, key: DeliveryKey) -> None:
        """A delivery falls due: outages, cuts and partitions, office hours, then delivery."""
        pending = self.state.pending[key]
        context = DeliveryContext(
            key, pending.sender, pending.recipient, pending.channel.id, pending.envelope.body.kind()
        )
        holding = self.state.disruptions.holding(context)
        if holding is None:
            self._office_hours(pending)
            return
        disruption = holding.disruption
        mode = disruption.attributes["mode"]  # the loader sets it for every cut
        envelope, recipient = pending.envelope, pending.recipient.id
        if mode == "store_and_forward":
            self._hold(pending, holding, pending.created_seq, at_submission=False)
            return
        self.trail.effect(disruption.id, key, mode, at="due")
        del self.state.pending[key]
        if mode == "black_hole":
            self.drop(envelope, recipient, pending.created_seq, "disruption", disruption.id)
            return
        reason = "recipient_offline" if disruption.type == "outage" else "link_down"
        refusal = Refusal(
            "disruption",
            reason,
            f"{disruption.id}: {disruption.description or disruption.type}",
            disruption_id=disruption.id,
        )
        self.refuse(
            envelope, recipient, refusal, pending.created_seq, disruption.id, pending.channel.id
        )

    def _hold(
        self, pending: PendingDelivery, holding: DisruptionState, cause: int, *, at_submission: bool
    ) -> None:
        """Store and forward: the delivery waits for the heal (from submission, its
        transit starts then)."""
        disruption = holding.disruption
        at = "submission" if at_submission else "due"
        self.trail.effect(disruption.id, pending.key, "store_and_forward", at=at)
        pending.stage = "held"
        pending.held_since = self.now
        pending.transit_after_hold = at_submission
        holding.held.append(pending.key)
        envelope, recipient = pending.envelope, pending.recipient.id
        self.trail.decision(
            envelope, recipient, cause, "disruption", "held",
            disruption_id=disruption.id, data={"type": disruption.type, "at": at},
        )  # fmt: skip
        self.recorder.log(
            "delivery_held",
            "bus",
            cause,
            envelope_id=envelope.id,
            recipient=recipient,
            disruption_id=disruption.id,
            data={"type": disruption.type, "at": at},
        )

    def release(self, holding: DisruptionState, cause: int) -> None:
        """A healed disruption lets the deliveries it held go on, in order: those held at
        their due time fall due again, those held from submission start their transit."""
        disruption_id = holding.disruption.id
        held, holding.held = holding.held, []
        for key in held:
            pending = self.state.pending[key]
            held_for = self.now - pending.held_since
            pending.delays["outage_hold"] = pending.delays.get("outage_hold", 0) + held_for
            self.trail.decision(
                pending.envelope, pending.recipient.id, cause, "disruption", "released",
                added_us=held_for, disruption_id=disruption_id,
            )  # fmt: skip
            start_transit = pending.transit_after_hold
            sender_side = pending.translation is not None and pending.translation.side == "sender"
            seq = self.recorder.log(
                "delivery_released",
                "bus",
                cause,
                envelope_id=pending.envelope.id,
                recipient=pending.recipient.id,
                disruption_id=disruption_id,
                data={
                    "held_us": held_for,
                    "next": ("translation" if sender_side else "transit")
                    if start_transit
                    else "due",
                    "due_us": self.now + pending.latency_us
                    if start_transit and not sender_side
                    else None,
                },
            )
            pending.transit_after_hold = False
            if not start_transit:
                pending.stage = "transit"
                self.due(key)
            elif sender_side and pending.translation is not None:
                self.translator.enqueue(pending, pending.translation)
            else:
                self._transit(pending, seq)

    def _office_hours(self, pending: PendingDelivery) -> None:
        """SPEC §2: an open recipient gets it now; a closed one when it next opens, or, for
        an emergency, through its duty officer after a draw (purpose `duty_officer`)."""
        hours = pending.recipient.office_hours
        if hours is None:
            self._deliver(pending)
            return
        envelope, recipient = pending.envelope, pending.recipient.id
        opens = next_open(hours, self.startex_epoch_us, self.now)
        if opens == self.now:
            self.trail.decision(envelope, recipient, pending.created_seq, "office_hours", "open")
            self._deliver(pending)
            return
        if envelope.priority.level == "emergency":
            u = uniform(self.seed, "duty_officer", pending.key.draw_key)
            outcome, wait = "duty_officer", hours.duty_officer.sample(u)
        else:
            outcome, wait = "closed", opens - self.now
        seq = self.trail.decision(
            envelope, recipient, pending.created_seq, "office_hours", outcome,
            added_us=wait, due_us=self.now + wait, data={"opens_us": opens},
        )  # fmt: skip
        pending.stage = "office_closed"
        pending.opens_us = self.now + wait
        pending.delays["office_hours_wait"] = wait
        pending.agenda_key = (seq, 0)
        self.state.agenda.push(pending.opens_us, pending.agenda_key, OfficeOpens(pending.key))

    def office_opens(self, key: DeliveryKey) -> None:
        """A closed recipient opens (or its duty officer takes an emergency): delivered."""
        self._deliver(self.state.pending[key])

    def _deliver(self, pending: PendingDelivery) -> None:
        del self.state.pending[pending.key]
        self.trail.decision(
            pending.envelope, pending.recipient.id, pending.created_seq, "delivery", "delivered"
        )
        self._emit(pending.envelope, delivered_record(pending, self.now), pending.created_seq)

    def _emit(self, envelope: Envelope, delivery: Delivery, cause: int) -> None:
        seq = self.recorder.log(
            "delivered",
            "bus",
            cause,
            envelope_id=envelope.id,
            recipient=delivery.recipient,
            data={
                "delivery": msgspec.to_builtins(delivery),
                "kind": envelope.body.kind(),
                "sender": envelope.sender,
            },
        )
        self.state.registry.delivered[DeliveryKey(envelope.id, delivery.recipient)] = seq
        self.deliver_output(Delivered(delivery.recipient, delivery, envelope, seq))

    # -- endings ------------------------------------------------------------------------

    def refuse(
        self,
        envelope: Envelope,
        recipient: str,
        refusal: Refusal,
        created: int,
        disruption_id: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Refuse a delivery and nack it to its sender."""
        self.trail.decision(
            envelope, recipient, created, refusal.stage, "rejected",
            reason=refusal.reason, data={"detail": refusal.detail}, disruption_id=disruption_id,
        )  # fmt: skip
        seq = self.recorder.log(
            "rejected",
            "bus",
            created,
            envelope_id=envelope.id,
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
                "intended": self.intended(envelope, disruption_id),
            },
        )
        self._nack(envelope, recipient, refusal, seq)

    def intended(self, envelope: Envelope, disruption_id: str | None) -> dict[str, str] | None:
        """Why a refusal is part of the exercise: a disruption, a teaching error a playbook
        drew under a scenario parameter, or an inject's own envelope; None when nothing
        planned it (a team's answer to an inject is the team's, not the scenario's)."""
        if disruption_id is not None:
            return {"by": "disruption", "id": disruption_id}
        planted = self.state.registry.planted.get(envelope.id)
        if planted is not None:
            return {"by": "playbook", "parameter": planted}
        inject = self.state.msel.sent.get(envelope.id)
        if inject is not None:
            return {"by": "inject", "id": inject}
        return None

    def drop(
        self,
        envelope: Envelope,
        recipient: str,
        created: int,
        stage: str,
        disruption_id: str | None,
    ) -> None:
        """A delivery is lost without a trace for its sender."""
        self.trail.decision(
            envelope, recipient, created, stage, "dropped", disruption_id=disruption_id
        )
        self.recorder.log(
            "dropped",
            "bus",
            created,
            envelope_id=envelope.id,
            recipient=recipient,
            disruption_id=disruption_id,
            data={"stage": stage, "kind": envelope.body.kind(), "sender": envelope.sender},
        )

    def _nack(self, refused: Envelope, recipient: str, refusal: Refusal, cause_seq: int) -> None:
        nack = nack_for(
            self.exercise_id,
            refused,
            recipient,
            refusal,
            exercise_datetime(self.scenario, self.now),
        )
        taken, n = self.state.registry.digests, 0
        while nack.id in taken:
            # A team took the id first: the nack takes the next derived one, never a
            # second envelope under one id.
            n += 1
            nack = msgspec.structs.replace(
                nack, id=uuid5(self.exercise_id, f"nack:{refused.id}:{recipient}:{n}")
            )
        self._enter(nack, hashlib.sha256(canonical_bytes(nack)).digest(), "bus", cause_seq, {})


def certified_service(asked: bool, translation: Translation | None) -> bool:
    """A certified translation is made only when the channel's rule asks for one and the
    pool has a certified service."""
    return asked and translation is not None and translation.pool.certified is not None
