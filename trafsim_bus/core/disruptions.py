"""Disruptions scheduled and in force: which deliveries they hit and how (SPEC §8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.core.rng import uniform
from trafsim_bus.scenario.model import Agency, Disruption, Target, any_matches

HOLDING_TYPES = frozenset({"outage", "link_cut", "partition"})
CUT_TYPES = frozenset({"link_cut", "partition"})


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """What a disruption's target is matched against."""

    key: DeliveryKey
    sender: Agency
    recipient: Agency
    channel: str
    kind: str


def targets(disruption: Disruption, context: DeliveryContext) -> bool:
    """Whether the disruption's target (and, for a partition, its groups) covers a delivery."""
    target: Target = disruption.target
    sender, recipient = context.sender, context.recipient
    if target.agencies is not None and not any_matches(target.agencies, recipient):
        return False
    if target.senders is not None and not any_matches(target.senders, sender):
        return False
    if target.countries is not None and not (
        sender.country in target.countries
        and recipient.country in target.countries
        and sender.country != recipient.country
    ):
        return False
    if target.channels is not None and context.channel not in target.channels:
        return False
    if target.types is not None and context.kind not in target.types:
        return False
    if disruption.type == "partition":
        groups: list[list[str]] = disruption.attributes["groups"]
        side_of = {country: i for i, group in enumerate(groups) for country in group}
        a, b = side_of.get(sender.country), side_of.get(recipient.country)
        if a is None or b is None or a == b:
            return False
    return True


@dataclass(slots=True)
class DisruptionState:
    """One disruption: its definition as patched so far, and where it stands."""

    disruption: Disruption
    origin: Literal["scenario", "controller"]
    start_us: int | None = None
    """When it came into force; None while it is only scheduled."""
    end_us: int | None = None
    """Exercise time at which its time is up; None: until healed."""
    held: list[DeliveryKey] = field(default_factory=list)
    """Deliveries it holds (store and forward), in the order it took them."""
    start_key: tuple[int, int] = (0, 0)
    """The key of its start on the agenda (while scheduled)."""
    end_key: tuple[int, int] = (0, 0)
    """The key of its end on the agenda (while in force with an end)."""


class Disruptions:
    """Every disruption of the exercise: scheduled, in force (in the order they started)
    and ended."""

    __slots__ = ("active", "ended", "scheduled", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.scheduled: dict[str, DisruptionState] = {}
        self.active: dict[str, DisruptionState] = {}
        self.ended: dict[str, DisruptionState] = {}

    def known(self, disruption_id: str) -> bool:
        """Whether the id is taken (scheduled, in force or ended)."""
        return (
            disruption_id in self.scheduled
            or disruption_id in self.active
            or disruption_id in self.ended
        )

    def start(self, disruption_id: str, now_us: int) -> DisruptionState:
        """A scheduled disruption comes into force."""
        state = self.scheduled.pop(disruption_id)
        state.start_us = now_us
        duration = state.disruption.duration_us
        state.end_us = None if duration is None else now_us + duration
        self.active[disruption_id] = state
        return state

    def heal(self, disruption_id: str) -> DisruptionState:
        """A disruption ends (in force, or scheduled and called off)."""
        state = self.active.pop(disruption_id, None) or self.scheduled.pop(disruption_id)
        self.ended[disruption_id] = state
        return state

    def hits(self, disruption: Disruption, context: DeliveryContext) -> bool:
        """Whether a matching delivery is affected (a per-delivery draw below `probability`)."""
        if not targets(disruption, context):
            return False
        if disruption.probability >= 1.0:
            return True
        u = uniform(self.seed, f"disruption:{disruption.id}", context.key.draw_key)
        return u < disruption.probability

    def holding(self, context: DeliveryContext) -> DisruptionState | None:
        """The first outage, link cut or partition that stops this delivery at its due time."""
        for state in self.active.values():
            disruption = state.disruption
            if disruption.type in HOLDING_TYPES and self.hits(disruption, context):
                return state
        return None

    def cutting(self, context: DeliveryContext) -> DisruptionState | None:
        """The first link cut or partition that this delivery crosses at submission."""
        for state in self.active.values():
            disruption = state.disruption
            if disruption.type in CUT_TYPES and self.hits(disruption, context):
                return state
        return None

    def losing(self, context: DeliveryContext) -> Disruption | None:
        """The first loss disruption that drops this delivery at submission."""
        for state in self.active.values():
            if state.disruption.type == "loss" and self.hits(state.disruption, context):
                return state.disruption
        return None

    def latency_factors(self, context: DeliveryContext) -> list[tuple[str, float]]:
        """(id, factor) of every latency multiplier that applies to this delivery."""
        return [
            (state.disruption.id, float(state.disruption.attributes["factor"]))
            for state in self.active.values()
            if state.disruption.type == "latency_multiplier"
            and self.hits(state.disruption, context)
        ]

    def servers_for(self, pool_id: str) -> int | None:
        """Translators a pool has under the latest-started capacity disruption in force."""
        for state in reversed(self.active.values()):
            disruption = state.disruption
            pools = disruption.target.pools or frozenset()
            if disruption.type == "translator_capacity" and pool_id in pools:
                return int(disruption.attributes["servers"])
        return None

    def channel_changes(self) -> tuple[dict[str, str], set[str]]:
        """(closed channel → the latest disruption in force closing it, opened channel ids)."""
        closed: dict[str, str] = {}
        opened: set[str] = set()
        for state in self.active.values():
            channels = sorted(state.disruption.target.channels or ())
            if state.disruption.type == "channel_close":
                closed.update(dict.fromkeys(channels, state.disruption.id))
            elif state.disruption.type == "channel_open":
                opened.update(channels)
        return closed, opened
