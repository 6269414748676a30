"""Translation pools: FIFO queues served by c translators (SPEC §7), and the translator
desk that moves deliveries through them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trafsim_bus.core.agenda import DeliveryDue, TranslationDone
from trafsim_bus.core.deliveries import DeliveryKey, PendingDelivery
from trafsim_bus.core.recorder import Recorder
from trafsim_bus.core.rng import uniform
from trafsim_bus.core.routing import Translation
from trafsim_bus.core.trail import Trail
from trafsim_bus.scenario.model import TranslationPool

if TYPE_CHECKING:
    from trafsim_bus.core.state import BusState


@dataclass(slots=True)
class PoolState:
    """The live state of one pool: who is being served (until when), who waits, and how
    many translators it has now."""

    pool: TranslationPool
    servers: int
    serving: dict[DeliveryKey, int] = field(default_factory=dict)
    waiting: deque[DeliveryKey] = field(default_factory=deque)

    @classmethod
    def of(cls, pool: TranslationPool) -> PoolState:
        """A pool at STARTEX: its own translators, nobody waiting."""
        return cls(pool, pool.servers)

    def wait(self, key: DeliveryKey) -> int:
        """Put a job at the end of the queue; return how many wait ahead of it."""
        ahead = len(self.waiting)
        self.waiting.append(key)
        return ahead

    def next_waiting(self) -> DeliveryKey | None:
        """The job to start next, if a translator is free and someone waits."""
        if self.waiting and len(self.serving) < self.servers:
            return self.waiting.popleft()
        return None


class Translator:
    """Queues deliveries at their pools, starts jobs in FIFO order within capacity, and
    sends finished ones on: to transit (sender side) or due now (recipient side)."""

    def __init__(
        self,
        state: BusState,
        recorder: Recorder,
        trail: Trail,
        *,
        seed: int,
        due: Callable[[DeliveryKey], None],
    ) -> None:
        self.state = state
        self.recorder = recorder
        self.trail = trail
        self.seed = seed
        self.due = due

    @property
    def now(self) -> int:
        """Exercise time now."""
        return self.state.clock.now

    def enqueue(self, pending: PendingDelivery, translation: Translation) -> None:
        """A delivery reaches its pool: machine-translated at once if the queue is too long,
        else queued (FIFO) and started when a translator is free."""
        pool = translation.pool
        state = self.state.pools[pool.id]
        if pool.machine_after is not None and len(state.waiting) >= pool.machine_after:
            pending.machine = True
            self.trail.decision(
                pending.envelope, pending.recipient.id, pending.created_seq, "translation",
                "machine", data={"pool": pool.id, "waiting": len(state.waiting)},
            )  # fmt: skip
            self._translated(pending, translation)
            return
        pending.stage = "translation_wait"
        pending.queued_us = self.now
        ahead = state.wait(pending.key)
        self.recorder.log(
            "translation_queued",
            "bus",
            pending.created_seq,
            envelope_id=pending.envelope.id,
            recipient=pending.recipient.id,
            pool_id=pool.id,
            data={"position": ahead, "certified": pending.certified},
        )
        self.start_jobs(state)

    def start_jobs(self, state: PoolState) -> None:
        """Give waiting jobs to free translators, in queue order."""
        while (key := state.next_waiting()) is not None:
            pending = self.state.pending[key]
            certified = state.pool.certified
            distribution = certified if pending.certified and certified else state.pool.service
            service = distribution.sample(uniform(self.seed, "translation_service", key.draw_key))
            finish = self.now + service
            state.serving[key] = finish
            pending.stage = "translation_service"
            pending.delays["translation_wait"] = self.now - pending.queued_us
            pending.delays["translation_service"] = service
            seq = self.recorder.log(
                "translation_started",
                "bus",
                pending.created_seq,
                envelope_id=pending.envelope.id,
                recipient=pending.recipient.id,
                pool_id=state.pool.id,
                data={
                    "wait_us": self.now - pending.queued_us,
                    "service_us": service,
                    "finish_us": finish,
                },
            )
            pending.agenda_key = (seq, 0)
            self.state.agenda.push(finish, pending.agenda_key, TranslationDone(key))

    def arrive(self, key: DeliveryKey) -> None:
        """A delivery reaches the recipient-side translators."""
        pending = self.state.pending[key]
        if pending.translation is not None:
            self.enqueue(pending, pending.translation)

    def translation_done(self, key: DeliveryKey) -> None:
        """A translator finishes: the delivery moves on, the next job starts."""
        pending = self.state.pending[key]
        translation = pending.translation
        if translation is None:
            return
        state = self.state.pools[translation.pool.id]
        del state.serving[key]
        self._translated(pending, translation)
        self.start_jobs(state)

    def _translated(self, pending: PendingDelivery, translation: Translation) -> None:
        due_now = translation.side != "sender"
        pending.due_us = self.now if due_now else self.now + pending.latency_us
        if not due_now:
            pending.stage = "transit"
        seq = self.recorder.log(
            "translation_finished",
            "bus",
            pending.created_seq,
            envelope_id=pending.envelope.id,
            recipient=pending.recipient.id,
            pool_id=translation.pool.id,
            data={
                "next": "due" if due_now else "transit",
                "due_us": pending.due_us,
                "machine": pending.machine,
            },
        )
        if not pending.machine:
            self.trail.decision(
                pending.envelope,
                pending.recipient.id,
                pending.created_seq,
                "translation",
                "translated",
                added_us=pending.delays["translation_wait"] + pending.delays["translation_service"],
                data={
                    "pool": translation.pool.id,
                    "certified": pending.certified,
                    "target": translation.target,
                },
            )
        if due_now:
            self.due(pending.key)
        else:
            pending.agenda_key = (seq, 0)
            self.state.agenda.push(pending.due_us, pending.agenda_key, DeliveryDue(pending.key))
