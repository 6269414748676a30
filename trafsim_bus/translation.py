"""Translation pools: FIFO queues served by c translators (SPEC §7)."""

from __future__ import annotations

from collections import deque

from trafsim_bus.scenario.model import TranslationPool


class PoolState:
    """The live state of one pool: who is being served, who waits, how many translators."""

    __slots__ = ("max_waiting", "pool", "servers", "serving", "waiting")

    def __init__(self, pool: TranslationPool) -> None:
        self.pool = pool
        self.servers = pool.servers
        self.serving: dict[str, int] = {}
        self.waiting: deque[str] = deque()
        self.max_waiting = 0

    def has_free_translator(self) -> bool:
        """Fewer than c jobs are in service."""
        return len(self.serving) < self.servers

    def wait(self, key: str) -> int:
        """Put a job at the end of the queue; return how many wait ahead of it."""
        ahead = len(self.waiting)
        self.waiting.append(key)
        self.max_waiting = max(self.max_waiting, len(self.waiting))
        return ahead

    def start(self, key: str, finish_us: int) -> None:
        """Put a job in service until `finish_us`."""
        self.serving[key] = finish_us

    def finish(self, key: str) -> None:
        """A job leaves service."""
        del self.serving[key]

    def next_waiting(self) -> str | None:
        """The job to start next, if a translator is free and someone waits."""
        if self.waiting and self.has_free_translator():
            return self.waiting.popleft()
        return None
