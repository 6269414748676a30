"""Translation pools: FIFO queues served by c translators (SPEC §7)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.scenario.model import TranslationPool


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
