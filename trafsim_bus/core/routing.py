"""Admission and routing: competence, channel, jurisdiction and language, per delivery."""

from __future__ import annotations

from collections.abc import Collection, Container, Mapping
from dataclasses import dataclass

from protocols import CONTROL_KINDS
from trafsim_bus.scenario.model import (
    EXCON,
    Agency,
    Channel,
    Distribution,
    LatencyRule,
    Scenario,
    Selector,
    TranslationPool,
)

ALWAYS_RECEIVABLE = frozenset({"ack", "nack"}) | CONTROL_KINDS
"""Receipts and exercise control reach any agency, whatever its competence."""

EXCON_CHANNEL = Channel(
    id=EXCON,
    name="Exercise control",
    directions=(((Selector(id=EXCON),), (Selector(),)),),
    within_agency=False,
    types=CONTROL_KINDS,
    evidence_grade=False,
    intelligence_only=False,
    translation_by="recipient",
    loss=0.0,
    open=True,
    latency=(LatencyRule(None, None, None, Distribution("fixed", 0, None), False),),
)
"""The built-in zero-latency channel for control-family messages from `excon`."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a delivery is refused, and where the sender should go instead."""

    stage: str
    reason: str
    detail: str
    redirect_to: str | None = None
    hint: str | None = None
    disruption_id: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """The channel a delivery takes, and the others that would also have carried it."""

    channel: Channel
    alternatives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Translation:
    """How a delivery is translated: by which pool, on which side, into which language."""

    pool: TranslationPool
    side: str
    target: str


def is_control_from_excon(sender: str, kind: str) -> bool:
    """Control-family messages from exercise control skip channels and languages."""
    return sender == EXCON and kind in CONTROL_KINDS


def admit(scenario: Scenario, recipient_id: str, kind: str) -> Agency | Refusal:
    """The recipient, if known and competent for `kind`."""
    recipient = scenario.agency(recipient_id)
    if recipient is None:
        current = scenario.retired(recipient_id)
        if current is not None:
            return Refusal(
                "admission",
                "unknown_recipient",
                f"{recipient_id!r} is an old address of {current.id}",
                redirect_to=current.id,
                hint=f"send it to {current.id}",
            )
        return Refusal(
            "admission", "unknown_recipient", f"no agency {recipient_id!r} in this exercise"
        )
    if kind in ALWAYS_RECEIVABLE or recipient.id == EXCON:
        return recipient
    if not scenario.jurisdiction.competent(recipient.kind, kind):
        return Refusal(
            "admission",
            "not_competent",
            f"a {recipient.kind} ({recipient.id}) is not competent to receive {kind}",
        )
    return recipient


def route(
    scenario: Scenario,
    sender: Agency,
    recipient: Agency,
    kind: str,
    named: str | None,
    closed: Mapping[str, str],
    opened: Container[str],
) -> Route | Refusal:
    """Pick the channel: the named one if it may carry the message, else the first declared.

    Refuses, in SPEC §5's order, `wrong_jurisdiction` (naming the agency of the sender's
    country that may send it), `no_channel`, or `channel_closed` when every channel that
    would carry it is closed by a disruption (`closed` maps a closed channel to the
    disruption that closed it)."""
    if is_control_from_excon(sender.id, kind):
        return Route(EXCON_CHANNEL, ())
    legal = legal_channels(scenario, sender, recipient, kind, opened)
    if isinstance(legal, Refusal):
        return legal
    return choose(legal, sender, recipient, kind, named, closed)


def legal_channels(
    scenario: Scenario, sender: Agency, recipient: Agency, kind: str, opened: Container[str]
) -> tuple[Channel, ...] | Refusal:
    """The channels, in declared order, that carry `kind` (open, or opened by a disruption)
    from `sender` to `recipient` and that the sender's kind may use; a refusal when there
    is none. A pure function of the scenario, the three keys and `opened`."""
    carriers = [
        channel
        for channel in scenario.channels
        if kind in channel.types and (channel.open or channel.id in opened)
    ]
    legal = tuple(
        channel
        for channel in carriers
        if channel.connects(sender, recipient)
        and scenario.jurisdiction.may_use(channel.id, sender.kind, kind)
    )
    if not legal:
        return _no_route(scenario, sender, recipient, kind, carriers)
    return legal


def choose(
    legal: tuple[Channel, ...],
    sender: Agency,
    recipient: Agency,
    kind: str,
    named: str | None,
    closed: Mapping[str, str],
) -> Route | Refusal:
    """Among the legal channels, the named one or the first that no disruption closes."""
    usable = [channel for channel in legal if channel.id not in closed]
    ids = tuple(channel.id for channel in usable)
    if named is None and usable:
        return Route(usable[0], ids[1:])
    for channel in usable:
        if channel.id == named:
            return Route(channel, tuple(other for other in ids if other != named))
    hint = f"use channel {ids[0]}" if ids else None
    shut = [channel.id for channel in legal if channel.id in closed]
    if named is not None and named not in shut:
        return Refusal(
            "routing",
            "no_channel",
            f"channel {named!r} does not carry {kind} from {sender.id} to {recipient.id}",
            hint=hint,
        )
    blocked = [named] if named is not None else shut
    return Refusal(
        "routing",
        "channel_closed",
        "; ".join(f"{channel} is closed by {closed[channel]}" for channel in blocked),
        hint=hint,
        disruption_id=closed[blocked[0]],
    )


RouteKey = tuple[str, str, str, frozenset[str]]
"""(sender id, recipient id, message kind, channels opened by disruptions)."""


class Router:
    """`route` for one scenario, with the legal channels cached per (sender, recipient,
    kind, opened channels): everything they depend on is in the key (the scenario is
    fixed), so a disruption that opens a channel makes a new key and one that closes a
    channel is applied afresh to every delivery. Without `cache`, `route` as it is."""

    __slots__ = ("_legal", "_routes", "cache", "scenario")

    def __init__(self, scenario: Scenario, *, cache: bool = True) -> None:
        self.scenario = scenario
        self.cache = cache
        self._legal: dict[RouteKey, tuple[Channel, ...] | Refusal] = {}
        self._routes: dict[tuple[RouteKey, str | None], Route | Refusal] = {}
        """Whole decisions when no channel is closed (the usual case)."""

    def route(
        self,
        sender: Agency,
        recipient: Agency,
        kind: str,
        named: str | None,
        closed: Mapping[str, str],
        opened: Collection[str],
    ) -> Route | Refusal:
        """What `route` decides for these arguments."""
        if not self.cache:
            return route(self.scenario, sender, recipient, kind, named, closed, opened)
        key: RouteKey = (sender.id, recipient.id, kind, frozenset(opened) if opened else _NONE)
        if not closed:
            decided = self._routes.get((key, named))
            if decided is None:
                decided = self._decide(key, sender, recipient, kind, named, closed, opened)
                self._routes[(key, named)] = decided
            return decided
        return self._decide(key, sender, recipient, kind, named, closed, opened)

    def _decide(
        self,
        key: RouteKey,
        sender: Agency,
        recipient: Agency,
        kind: str,
        named: str | None,
        closed: Mapping[str, str],
        opened: Collection[str],
    ) -> Route | Refusal:
        if is_control_from_excon(sender.id, kind):
            return Route(EXCON_CHANNEL, ())
        legal = self._legal.get(key)
        if legal is None:
            legal = legal_channels(self.scenario, sender, recipient, kind, opened)
            self._legal[key] = legal
        if isinstance(legal, Refusal):
            return legal
        return choose(legal, sender, recipient, kind, named, closed)


_NONE: frozenset[str] = frozenset()


def _no_route(
    scenario: Scenario, sender: Agency, recipient: Agency, kind: str, carriers: list[Channel]
) -> Refusal:
    """`wrong_jurisdiction` when another agency of the sender's country may send it, else
    `no_channel`."""
    for channel in carriers:
        for other in scenario.agencies.values():
            if (
                other.country == sender.country
                and other.id != sender.id
                and channel.connects(other, recipient)
                and scenario.jurisdiction.may_use(channel.id, other.kind, kind)
            ):
                return Refusal(
                    "routing",
                    "wrong_jurisdiction",
                    f"{channel.id} carries {kind} from {sender.country} to {recipient.id}, "
                    f"but a {sender.kind} may not send it",
                    redirect_to=other.id,
                    hint=f"send it through {other.id}",
                )
    return Refusal(
        "routing", "no_channel", f"no channel carries {kind} from {sender.id} to {recipient.id}"
    )


def translation_for(
    scenario: Scenario,
    sender: Agency,
    recipient: Agency,
    channel: Channel,
    language: str,
    kind: str,
) -> Translation | Refusal | None:
    """None when the recipient reads `language`; else the pool and target, or a refusal."""
    if language in recipient.languages or is_control_from_excon(sender.id, kind):
        return None
    side = channel.translation_by
    country = recipient.country if side == "recipient" else sender.country
    for target in recipient.languages:
        for pool in scenario.pools:
            if pool.translates(language, target, country):
                return Translation(pool, side, target)
    return Refusal(
        "language",
        "language_not_accepted",
        f"{recipient.id} reads {', '.join(recipient.languages)}; no translator in {country} "
        f"translates {language} into any of them",
    )
