"""The fold: each log record applied to the state of a core, as restore rebuilds it.

A handler per record kind changes the state the way the live core changed it when it
wrote that record; playbooks are re-fed their deliveries and wakes, their answers
discarded. A record that does not fit the state before it is a `LogError` naming it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

import msgspec

from protocols import Delivery, Envelope, canonical_bytes
from trafsim_bus.core.actions import (
    Add,
    Assign,
    Cancel,
    Disrupt,
    Hold,
    Patch,
    Release,
    Retime,
    decode_action,
)
from trafsim_bus.core.background import next_background
from trafsim_bus.core.bus import Bus
from trafsim_bus.core.deliveries import DeliveryKey, PendingDelivery
from trafsim_bus.core.disruptions import DisruptionState
from trafsim_bus.core.msel import Match, Seen
from trafsim_bus.core.participants import Participant
from trafsim_bus.core.pipeline import certified_service
from trafsim_bus.core.routing import EXCON_CHANNEL, Translation
from trafsim_bus.core.state import BusState, ScheduledSend, ScheduledWake
from trafsim_bus.errors import LogError
from trafsim_bus.log.records import RECORD_KINDS, Record
from trafsim_bus.scenario.model import Channel, Scenario

_ENVELOPE = msgspec.json.Decoder(Envelope)
_DELIVERY = msgspec.json.Decoder(Delivery)


@dataclass(slots=True)
class _Draft:
    """A delivery between `delivery_created` and its latency draw."""

    created_seq: int
    submitted_us: int
    channel: str | None = None
    translation: tuple[str, str, str] | None = None


@dataclass(slots=True)
class Fold:
    """Applies records to the state of a bus, one kind at a time (docs/architecture.md
    says what each kind means here)."""

    bus: Bus
    drafts: dict[DeliveryKey, _Draft] = field(default_factory=dict)
    streams: dict[str, int] = field(default_factory=dict)
    standing_us: int = 0
    """Where a controller's skip or jump left the clock (it may have met no event)."""

    def __post_init__(self) -> None:
        self.streams = {stream.id: i for i, stream in enumerate(self.bus.scenario.background)}

    @property
    def state(self) -> BusState:
        return self.bus.state

    def apply(self, record: Record) -> None:
        """Fold one record into the state."""
        self.bus.clock.now = record.t_us
        handler = HANDLERS.get(record.kind)
        if handler is None:
            raise LogError(f"seq {record.seq}: unknown record kind {record.kind!r}")
        try:
            handler(self, record)
        except (KeyError, ValueError, IndexError, msgspec.ValidationError) as exc:
            raise LogError(
                f"seq {record.seq}: {record.kind} does not fit the state the log describes "
                f"({type(exc).__name__}: {exc})"
            ) from None

    @staticmethod
    def _key(record: Record) -> DeliveryKey:
        return DeliveryKey(UUID(str(record.envelope_id)), str(record.recipient))

    # -- submissions --------------------------------------------------------------------

    def _envelope_submitted(self, record: Record) -> None:
        state = self.state
        envelope = _ENVELOPE.decode(msgspec.json.encode(record.data["envelope"]))
        state.registry.register(
            envelope,
            hashlib.sha256(canonical_bytes(envelope)).digest(),
            record.seq,
            planted=record.data.get("planted"),
        )
        state.msel.remember(
            "submitted",
            Seen.of(envelope, record.t_us, record.seq),
        )
        background = record.data.get("background")
        if background is not None:
            index = self.streams[background["stream"]]
            upcoming = next_background(
                self.bus.scenario,
                self.bus.seed,
                index,
                background["i"] + 1,
                background["play_us"],
                (record.seq, 0),
            )
            if upcoming is None:
                state.background.pop(index, None)
            else:
                state.background[index] = upcoming
        self._settle_send(record)

    def _settle_send(self, record: Record) -> None:
        if record.cause_seq is not None:
            self.state.sends.pop(record.cause_seq, None)

    _envelope_refused = _settle_send
    _duplicate_ignored = _settle_send

    def _message_read(self, record: Record) -> None:
        self.state.registry.reads[self._key(record)] = record.seq

    # -- deliveries ---------------------------------------------------------------------

    def _delivery_created(self, record: Record) -> None:
        self.drafts[self._key(record)] = _Draft(record.seq, record.t_us)

    def _channel_resolved(self, record: Record) -> None:
        self.drafts[self._key(record)].channel = record.data["channel"]

    def _barrier_decision(self, record: Record) -> None:
        data = record.data
        key = self._key(record)
        stage = data["stage"]
        if stage == "language" and data["outcome"] == "translate":
            self.drafts[key].translation = (data["pool"], data["side"], data["target"])
        elif stage == "latency":
            self._latency(key, record)
        elif stage == "translation" and data["outcome"] == "machine":
            self.state.pending[key].machine = True
        elif stage == "office_hours" and data["outcome"] != "open":
            pending = self.state.pending[key]
            pending.stage = "office_closed"
            pending.opens_us = int(data["due_us"])
            pending.delays["office_hours_wait"] = int(data["added_us"])
            pending.agenda_key = (record.seq, 0)

    def _latency(self, key: DeliveryKey, record: Record) -> None:
        draft = self.drafts.pop(key)
        scenario = self.bus.scenario
        envelope = self.state.registry.envelopes[key.envelope_id]
        channel = _channel(scenario, str(draft.channel))
        recipient = scenario.agencies[key.recipient]
        translation = None
        if draft.translation is not None:
            pool_id, side, target = draft.translation
            pool = next(pool for pool in scenario.pools if pool.id == pool_id)
            translation = Translation(pool, side, target)
        rule = channel.rule_for(envelope.body.kind(), envelope.priority.level, recipient.country)
        latency = int(record.data["added_us"])
        pending = PendingDelivery(
            key=key,
            envelope=envelope,
            sender=scenario.agencies[envelope.sender],
            recipient=recipient,
            channel=channel,
            submitted_us=draft.submitted_us,
            created_seq=draft.created_seq,
            latency_us=latency,
            translation=translation,
            certified=certified_service(rule.certified, translation),
            delays={"channel_latency": latency},
        )
        due = record.data.get("due_us")
        if due is not None:
            pending.due_us = int(due)
            pending.stage = "transit" if translation is None else "to_translation"
            pending.agenda_key = (record.seq, 0)
        self.state.pending[key] = pending

    def _translation_queued(self, record: Record) -> None:
        key = self._key(record)
        pending = self.state.pending[key]
        pending.stage = "translation_wait"
        pending.queued_us = record.t_us
        self.state.pools[str(record.pool_id)].waiting.append(key)

    def _translation_started(self, record: Record) -> None:
        key = self._key(record)
        pool = self.state.pools[str(record.pool_id)]
        if not pool.waiting or pool.waiting[0] != key:
            raise ValueError(f"{key.draw_key} is not first in the {pool.pool.id} queue")
        pool.waiting.popleft()
        pool.serving[key] = int(record.data["finish_us"])
        pending = self.state.pending[key]
        pending.stage = "translation_service"
        pending.delays["translation_wait"] = int(record.data["wait_us"])
        pending.delays["translation_service"] = int(record.data["service_us"])
        pending.agenda_key = (record.seq, 0)

    def _translation_finished(self, record: Record) -> None:
        key = self._key(record)
        self.state.pools[str(record.pool_id)].serving.pop(key, None)
        pending = self.state.pending[key]
        pending.due_us = int(record.data["due_us"])
        if record.data["next"] == "transit":
            pending.stage = "transit"
            pending.agenda_key = (record.seq, 0)

    def _delivery_held(self, record: Record) -> None:
        key = self._key(record)
        pending = self.state.pending[key]
        pending.stage = "held"
        pending.held_since = record.t_us
        pending.transit_after_hold = record.data.get("at") == "submission"
        self.state.disruptions.active[str(record.disruption_id)].held.append(key)

    def _delivery_released(self, record: Record) -> None:
        pending = self.state.pending[self._key(record)]
        delays = pending.delays
        delays["outage_hold"] = delays.get("outage_hold", 0) + int(record.data["held_us"])
        pending.transit_after_hold = False
        pending.stage = "transit"
        due = record.data.get("due_us")
        if record.data.get("next") == "transit" and due is not None:
            pending.due_us = int(due)
            pending.stage = "transit" if pending.translation is None else "to_translation"
            pending.agenda_key = (record.seq, 0)

    def _delivered(self, record: Record) -> None:
        key = self._key(record)
        self.state.pending.pop(key, None)
        self.drafts.pop(key, None)
        registry = self.state.registry
        registry.delivered[key] = record.seq
        envelope = registry.envelopes[key.envelope_id]
        self.state.msel.remember(
            "delivered",
            Seen.of(envelope, record.t_us, record.seq, key.recipient),
        )
        player = self._player(key.recipient)
        if player is not None:
            delivery = _DELIVERY.decode(msgspec.json.encode(record.data["delivery"]))
            player.on_delivery(delivery, envelope, record.t_us)

    def _end(self, record: Record) -> None:
        key = self._key(record)
        self.state.pending.pop(key, None)
        self.drafts.pop(key, None)

    _rejected = _end
    _dropped = _end

    # -- participants -------------------------------------------------------------------

    def _player(self, agency: str) -> Participant | None:
        if agency not in self.state.simcell:
            return None
        return self.bus.players.get(agency)

    def _wake_scheduled(self, record: Record) -> None:
        data = record.data
        self.state.wakes[record.seq] = ScheduledWake(data["agency"], data["token"], data["due_us"])

    def _wake_fired(self, record: Record) -> None:
        if record.cause_seq is None:
            raise ValueError("a wake_fired names no wake_scheduled")
        wake = self.state.wakes.pop(record.cause_seq)
        player = self._player(wake.agency)
        if player is not None:
            player.on_wake(wake.token, record.t_us)

    def _send_withheld(self, record: Record) -> None:
        """Nothing changes: the playbook's send never entered the bus."""
        del record

    def _send_cancelled(self, record: Record) -> None:
        del self.state.sends[int(record.data["scheduled_seq"])]

    def _wake_cancelled(self, record: Record) -> None:
        del self.state.wakes[int(record.data["scheduled_seq"])]

    def _send_scheduled(self, record: Record) -> None:
        data = record.data
        envelope = _ENVELOPE.decode(msgspec.json.encode(data["envelope"]))
        self.state.sends[record.seq] = ScheduledSend(
            data["agency"], record.origin, envelope, int(data["due_us"]), data.get("planted")
        )

    # -- the clock ----------------------------------------------------------------------

    def _clock_changed(self, record: Record) -> None:
        data = record.data
        clock = self.bus.clock
        clock.started = bool(data["started"])
        clock.paused = bool(data["paused"])
        clock.speed = float(data["speed"])
        if data["action"] == "jump":
            clock.add_jump(int(data["by_us"]))
        elif data["action"] == "skip":
            self.standing_us = max(self.standing_us, clock.play_to_exercise(int(data["play_us"])))

    def _clock_jump(self, record: Record) -> None:
        if record.origin == "scenario":
            self.state.jumps_taken += 1
        else:
            self.standing_us = max(self.standing_us, int(record.data["to_us"]))

    def _exercise_ended(self, record: Record) -> None:
        del record
        self.bus.clock.ended = True

    def _exercise_started(self, record: Record) -> None:
        raise ValueError("a second exercise_started")

    # -- disruptions --------------------------------------------------------------------

    def _disruption_started(self, record: Record) -> None:
        disruptions = self.state.disruptions
        state = disruptions.start(str(record.disruption_id), record.t_us)
        if state.end_us != record.data["end_us"]:
            raise ValueError(f"it ends at {state.end_us}, the log says {record.data['end_us']}")
        state.end_key = (record.seq, 0)

    def _disruption_effect(self, record: Record) -> None:
        if record.data["effect"] == "capacity" and record.pool_id is not None:
            self.state.pools[record.pool_id].servers = int(record.data["servers"])

    def _disruption_healed(self, record: Record) -> None:
        state = self.state.disruptions.heal(str(record.disruption_id))
        if not record.data["at_endex"]:
            state.held = []

    # -- the MSEL -----------------------------------------------------------------------

    def _inject_fired(self, record: Record) -> None:
        self.state.msel.sent[UUID(str(record.envelope_id))] = record.data["inject_id"]
        state = self.state.msel.injects[record.data["inject_id"]]
        state.status = "fired"
        state.held_from = None
        state.fired_us.append(record.t_us)

    def _inject_armed(self, record: Record) -> None:
        state = self.state.msel.injects[record.data["inject_id"]]
        state.status = "armed"
        state.armed_us = int(record.data["armed_us"])
        state.fire_us = record.data["fire_us"]
        if state.fire_us is not None:
            state.fire_key = (record.seq, 0)

    def _inject_matched(self, record: Record) -> None:
        data = record.data
        state = self.state.msel.injects[data["inject_id"]]
        state.match = _match(record)
        state.fire_us = data["fire_us"]
        if state.fire_us is not None:
            state.fire_key = (record.seq, 0)

    def _inject_skipped(self, record: Record) -> None:
        state = self.state.msel.injects[record.data["inject_id"]]
        state.status = "skipped"
        state.held_from = None
        if record.data["reason"] == "unless_matched":
            state.match = _match(record)

    def _control_action(self, record: Record) -> None:
        """The state a control action changes with no record of its own: the MSEL's
        statuses and times, new injects and disruptions, patches, assignments."""
        action = decode_action(record.data["input"])
        bus = self.bus
        msel = self.state.msel
        match action:
            case Hold(inject=inject_id):
                bus.msel.hold(msel.injects[inject_id])
            case Release(inject=inject_id):
                state = msel.injects[inject_id]
                state.status = state.held_from or "pending"
                state.held_from = None
                state.released = True
            case Retime(inject=inject_id):
                state = msel.injects[inject_id]
                state.due_play_us = bus.controls.check(action).play_us
                state.due_key = (record.seq, 0)
            case Cancel(inject=inject_id):
                bus.msel.cancel(msel.injects[inject_id])
            case Add():
                inject = bus.controls.check(action).inject
                if inject is not None:
                    msel.add(inject, "controller", (record.seq, 0))
            case Disrupt():
                disruption = bus.controls.check(action).disruption
                if disruption is not None:
                    state_ = DisruptionState(disruption, "controller", start_key=(record.seq, 0))
                    self.state.disruptions.scheduled[disruption.id] = state_
            case Patch(id=disruption_id):
                plan = bus.controls.check(action)
                disruptions = self.state.disruptions
                patched = (
                    disruptions.active.get(disruption_id) or disruptions.scheduled[disruption_id]
                )
                if plan.disruption is not None:
                    patched.disruption = plan.disruption
                if patched.start_us is not None and plan.end_us is not None:
                    patched.end_us = plan.end_us
                    patched.end_key = (record.seq, 0)
            case Assign(agency=agency, played_by=played_by):
                if played_by == "simcell":
                    self.state.simcell.add(agency)
                else:
                    self.state.simcell.discard(agency)


HANDLERS: dict[str, Callable[[Fold, Record], None]] = {
    kind: getattr(Fold, f"_{kind}") for kind in RECORD_KINDS
}
"""The handler of each record kind (a kind without one fails at import)."""


def _match(record: Record) -> Match:
    data = record.data
    return Match(
        int(data["matched_us"]),
        int(data["matched_seq"]),
        UUID(str(record.envelope_id)),
        data.get("recipient"),
    )


def _channel(scenario: Scenario, channel_id: str) -> Channel:
    for channel in scenario.channels:
        if channel.id == channel_id:
            return channel
    if channel_id == EXCON_CHANNEL.id:
        return EXCON_CHANNEL
    raise KeyError(f"no channel {channel_id!r}")
