"""Disruptions in force: which deliveries they hit and how (SPEC §8)."""

from __future__ import annotations

from dataclasses import dataclass

from trafsim_bus.rng import uniform
from trafsim_bus.scenario.model import Agency, Disruption, Target, any_matches

HOLDING_TYPES = frozenset({"outage", "link_cut", "partition"})


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """What a disruption's target is matched against."""

    key: str
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


class ActiveDisruptions:
    """The disruptions in force, in the order they started."""

    __slots__ = ("_active", "_seed")

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._active: dict[str, Disruption] = {}

    def start(self, disruption: Disruption) -> None:
        """A disruption comes into force."""
        self._active[disruption.id] = disruption

    def heal(self, disruption_id: str) -> Disruption | None:
        """A disruption ends; returns it, or None if it was not in force."""
        return self._active.pop(disruption_id, None)

    def ids(self) -> list[str]:
        """Ids in force, in the order they started."""
        return list(self._active)

    def __contains__(self, disruption_id: object) -> bool:
        return disruption_id in self._active

    def hits(self, disruption: Disruption, context: DeliveryContext) -> bool:
        """Whether a matching delivery is affected (a per-delivery draw below `probability`)."""
        if not targets(disruption, context):
            return False
        if disruption.probability >= 1.0:
            return True
        u = uniform(self._seed, f"disruption:{disruption.id}", context.key)
        return u < disruption.probability

    def holding(self, context: DeliveryContext) -> Disruption | None:
        """The first outage, link cut or partition that stops this delivery at its due time."""
        for disruption in self._active.values():
            if disruption.type in HOLDING_TYPES and self.hits(disruption, context):
                return disruption
        return None

    def losing(self, context: DeliveryContext) -> Disruption | None:
        """The first loss disruption that drops this delivery at submission."""
        for disruption in self._active.values():
            if disruption.type == "loss" and self.hits(disruption, context):
                return disruption
        return None

    def latency_factors(self, context: DeliveryContext) -> list[tuple[str, float]]:
        """(id, factor) of every latency multiplier that applies to this delivery."""
        return [
            (disruption.id, float(disruption.attributes["factor"]))
            for disruption in self._active.values()
            if disruption.type == "latency_multiplier" and self.hits(disruption, context)
        ]

    def servers_for(self, pool_id: str) -> int | None:
        """Translators a pool has under the latest-started capacity disruption in force."""
        for disruption in reversed(self._active.values()):
            pools = disruption.target.pools or frozenset()
            if disruption.type == "translator_capacity" and pool_id in pools:
                return int(disruption.attributes["servers"])
        return None

    def channel_changes(self) -> tuple[set[str], set[str]]:
        """(closed, opened) channel ids by the disruptions in force."""
        closed: set[str] = set()
        opened: set[str] = set()
        for disruption in self._active.values():
            channels = disruption.target.channels or frozenset()
            if disruption.type == "channel_close":
                closed |= channels
            elif disruption.type == "channel_open":
                opened |= channels
        return closed, opened
