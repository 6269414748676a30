"""The resolved scenario: agencies, channels, pools, MSEL and disruptions, times in µs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist
from typing import Any, Literal

from protocols import Body, Subject
from protocols.police import FinancialInstrument

EXCON: str = "excon"
"""The built-in exercise-control participant: sends for role-players, receives anything."""
BUS: str = "bus"
"""The bus itself, sender of its nacks."""
RESERVED_IDS: frozenset[str] = frozenset({EXCON, BUS})

Z90: float = NormalDist().inv_cdf(0.9)
"""The standard normal quantile at 0.9: a lognormal's p90 is exp(mu + sigma * Z90)."""


_STANDARD_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class Distribution:
    """A delay stated as experts state it, in µs: a lognormal by its median and 90th
    percentile, a fixed delay, or an exponential (memoryless) one by its mean."""

    family: Literal["lognormal", "fixed", "exponential"]
    median_us: int
    p90_us: int | None = None
    mean_us: int | None = None

    def sample(self, u: float) -> int:
        """The delay at quantile `u` (0 < u < 1), by the inverse CDF."""
        if self.family == "exponential" and self.mean_us is not None:
            return round(-self.mean_us * math.log(1.0 - u))
        if self.family == "fixed" or self.p90_us is None:
            return self.median_us
        sigma = math.log(self.p90_us / self.median_us) / Z90
        return round(self.median_us * math.exp(sigma * _STANDARD_NORMAL.inv_cdf(u)))


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """When an office works (SPEC §2), in the local time of its `utc_offset_min`: working
    days (0 = Monday), opening and closing minutes of the day (open from `opens_min`, closed
    from `closes_min`), public holidays (proleptic Gregorian ordinals) and the duty
    officer's delay for an emergency that comes while it is closed."""

    days: frozenset[int]
    opens_min: int
    closes_min: int
    holidays: frozenset[int]
    duty_officer: Distribution
    utc_offset_min: int


@dataclass(frozen=True, slots=True)
class MlaRoute:
    """Where a prosecutor sends letters of request for one case (the requested countries,
    in order) and what they say: the facts, the suspects and the actions requested."""

    case: str
    countries: tuple[str, ...]
    facts: str | None = None
    suspects: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlaybookParams:
    """Behaviour parameters of one agency's playbook (kind defaults, agency overrides)."""

    response: Distribution
    execution: Distribution | None
    wrong_route_share: float
    no_reply: float
    incomplete_share: float
    decline_share: float
    mla: tuple[MlaRoute, ...] = ()
    no_interpreter_share: float = 0.0
    """Share of interviews held without the interpreter the SOP asks for (a planted error)."""
    custody_gap_share: float = 0.0
    """Share of evidence hand-offs whose chain of custody leaves a holder out (planted)."""
    access_refused_share: float = 0.0
    """Share of a labour inspectorate's visits refused entry at the gate (where the law
    gives inspectors no unannounced access)."""

    def mla_route(self, case: str) -> MlaRoute | None:
        """The letter-of-request route this agency's scenario data gives for `case`."""
        return next((route for route in self.mla if route.case == case), None)


@dataclass(frozen=True, slots=True)
class Agency:
    """One agency node."""

    id: str
    name: str
    country: str
    kind: str
    languages: tuple[str, ...]
    played_by: Literal["simcell", "team"]
    capacity: Mapping[str, int]
    params: PlaybookParams
    office_hours: OfficeHours | None = None
    """When it works; None: always open (no office hours declared, or `always_open`)."""
    retired_ids: tuple[str, ...] = ()
    """Its old addresses, still in last year's contact directory: unknown to the bus."""


@dataclass(frozen=True, slots=True)
class Country:
    """A country and its time offset."""

    id: str
    name: str
    languages: tuple[str, ...]
    utc_offset_min: int
    office_hours: OfficeHours | None = None
    """Its offices' hours; None: its agencies are always open unless they declare hours."""


@dataclass(frozen=True, slots=True)
class Selector:
    """Selects agencies: each given part must match (id, kind, country); `*` selects all."""

    id: str | None = None
    kind: str | None = None
    country: str | None = None

    def matches(self, agency: Agency) -> bool:
        """Whether the agency is selected."""
        return (
            (self.id is None or self.id == agency.id)
            and (self.kind is None or self.kind == agency.kind)
            and (self.country is None or self.country == agency.country)
        )


def any_matches(selectors: tuple[Selector, ...], agency: Agency) -> bool:
    """Whether any selector of the list selects the agency."""
    return any(selector.matches(agency) for selector in selectors)


@dataclass(frozen=True, slots=True)
class LatencyRule:
    """One latency rule of a channel; the first matching rule wins."""

    types: frozenset[str] | None
    priorities: frozenset[str] | None
    to_countries: frozenset[str] | None
    distribution: Distribution
    certified: bool

    def applies(self, kind: str, priority: str, to_country: str) -> bool:
        """Whether this rule applies to a message of `kind` and `priority` to `to_country`."""
        return (
            (self.types is None or kind in self.types)
            and (self.priorities is None or priority in self.priorities)
            and (self.to_countries is None or to_country in self.to_countries)
        )


@dataclass(frozen=True, slots=True)
class Channel:
    """A directed channel (both ways when declared so) with its latency rules."""

    id: str
    name: str
    directions: tuple[tuple[tuple[Selector, ...], tuple[Selector, ...]], ...]
    within_agency: bool
    types: frozenset[str]
    evidence_grade: bool
    intelligence_only: bool
    translation_by: Literal["recipient", "sender"]
    loss: float
    open: bool
    latency: tuple[LatencyRule, ...]

    def connects(self, sender: Agency, recipient: Agency) -> bool:
        """Whether the channel runs from `sender` to `recipient`."""
        if self.within_agency:
            return sender.id == recipient.id
        return any(
            any_matches(source, sender) and any_matches(target, recipient)
            for source, target in self.directions
        )

    def rule_for(self, kind: str, priority: str, to_country: str) -> LatencyRule:
        """The first latency rule that applies (the last rule has no filter)."""
        for rule in self.latency:
            if rule.applies(kind, priority, to_country):
                return rule
        return self.latency[-1]


@dataclass(frozen=True, slots=True)
class UseRule:
    """Which agency kinds may use a channel, for which types (None: every type it carries)."""

    kinds: frozenset[str]
    types: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """Competence (what a kind may receive) and channel use (who may send what where)."""

    receive: Mapping[str, frozenset[str]]
    use: Mapping[str, tuple[UseRule, ...]]

    def competent(self, kind: str, message_kind: str) -> bool:
        """Whether an agency of `kind` may receive `message_kind` (unlisted kinds: all)."""
        allowed = self.receive.get(kind)
        return allowed is None or message_kind in allowed

    def may_use(self, channel_id: str, kind: str, message_kind: str) -> bool:
        """Whether an agency of `kind` may send `message_kind` over the channel."""
        rules = self.use.get(channel_id)
        if rules is None:
            return True
        return any(
            kind in rule.kinds and (rule.types is None or message_kind in rule.types)
            for rule in rules
        )


@dataclass(frozen=True, slots=True)
class TranslationPool:
    """Written translators serving some countries for some language pairs."""

    id: str
    name: str
    serves: frozenset[str]
    from_languages: frozenset[str]
    to_languages: frozenset[str]
    servers: int
    service: Distribution
    certified: Distribution | None
    interpretation: Distribution | None
    machine: Literal["never", "fallback"]
    machine_after: int | None

    def translates(self, source: str, target: str, country: str) -> bool:
        """Whether the pool can translate `source` into `target` for `country`."""
        return (
            country in self.serves and source in self.from_languages and target in self.to_languages
        )


@dataclass(frozen=True, slots=True)
class RolePlayer:
    """Someone exercise control plays: a relative, an employer, a defence lawyer."""

    id: str
    name: str
    language: str
    script: str | None


@dataclass(frozen=True, slots=True)
class ExpectedAction:
    """What the training audience should do; `match` lets the log tell whether it did."""

    text: str
    match_type: str | None = None
    match_from: str | None = None
    match_to: str | None = None
    within_us: int | None = None


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """At fire time, the newest logged envelope matching this sets the reply fields."""

    type: str
    sender: str | None
    case: str | None


@dataclass(frozen=True, slots=True)
class Condition:
    """What a conditional inject waits for (`after`) or is called off by (`unless`): the
    first `event` (an envelope `submitted`, or a delivery `delivered`) of `type` matching
    the given sender, recipient and case."""

    event: Literal["submitted", "delivered"]
    type: str
    sender: str | None
    recipient: str | None
    case: str | None
    delay_us: int = 0
    """`after` only: how long after the matching event the inject fires."""
    by_play_us: int = 0
    """`unless` only: the time of play at which the inject fires if nothing matched."""


@dataclass(frozen=True, slots=True)
class Inject:
    """One MSEL line: an envelope exercise control fires at its time (of play), or when
    its condition says."""

    id: str
    at_play_us: int | None
    """When it fires (plain) or is armed (`after`); None: armed from STARTEX (or when
    added), or fired at `unless.by_play_us`."""
    at_text: str
    title: str
    sender: str
    role_player: str | None
    recipients: tuple[str, ...]
    channel: str | None
    body: Body
    envelope: Mapping[str, Any]
    reply_to: ReplyTo | None
    expected_actions: tuple[ExpectedAction, ...]
    observer_checks: tuple[str, ...]
    learning_objective: str
    after: Condition | None = None
    unless: Condition | None = None

    @property
    def due_play_us(self) -> int | None:
        """The time of play the agenda holds for it: `at`, or `unless.by`."""
        if self.unless is not None:
            return self.unless.by_play_us
        return self.at_play_us


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in a case: who the playbooks screen, identify, refer and assist."""

    id: str
    case: str
    age: int
    sex: str
    nationality: str
    languages: tuple[str, ...]
    """ISO 639-3, the best first."""
    role: str
    minor: bool
    statement: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """An item seized in a case: what the seizing agency hands on under its chain of custody."""

    id: str
    description: str
    seized_by: str
    seized_where: str
    seal_no: str | None
    sha256: str | None
    write_blocked: bool | None
    witnesses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaseFile:
    """What the storyline says of a case: the playbooks take every fact they write from it."""

    ref: str
    title: str
    offence: str
    """The offence the case is opened under (`KZ CC 128`), named in requests abroad."""
    qualification: tuple[str, ...]
    """The articles a certified letter of request or an indictment cites."""
    summary: str
    """The facts: the opening decision's summary and a letter of request's facts."""
    site: str
    """Where the persons were found (an inspection's site, a seizure's place)."""
    isic_section: str | None
    """The trade of the site (ISIC v4 section), for a labour inspection's report."""
    control: tuple[str, ...]
    """How the persons were controlled (HTCDS methods of control)."""
    questions: tuple[str, ...]
    """What witnesses abroad are to be asked."""
    threats: tuple[str, ...]
    """Who threatens the persons (a risk assessment's sources)."""
    suspects: tuple[Subject, ...]
    instruments: tuple[FinancialInstrument, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Target:
    """What a disruption hits: each given part must match."""

    agencies: tuple[Selector, ...] | None = None
    senders: tuple[Selector, ...] | None = None
    countries: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    types: frozenset[str] | None = None
    pools: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Disruption:
    """A disruption: an outage, a cut, a multiplier, a translator shortage. It starts at a
    time of play (None: when a controller creates it) and lasts `duration_us` of exercise
    time (None: until healed)."""

    id: str
    type: str
    description: str
    target: Target
    probability: float
    attributes: Mapping[str, Any]
    start_play_us: int | None
    duration_us: int | None


@dataclass(frozen=True, slots=True)
class Background:
    """A Poisson stream of routine messages between agencies."""

    id: str
    sender: str
    recipients: tuple[str, ...]
    type: str
    rate_per_hour: float
    channel: str | None
    body: Body
    envelope: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Jump:
    """A clock jump: when exercise time reaches `at_us` it advances by `by_us`.

    `at_play_us` is the same moment in time of play (exercise time without jumps)."""

    at_play_us: int
    at_us: int
    by_us: int


@dataclass(frozen=True)
class Scenario:
    """A loaded, checked scenario."""

    name: str
    title: str
    description: str
    source: str
    text: str
    sha256: str
    canonical: bytes
    seed: int
    startex: datetime
    play_us: int
    endex_us: int
    jumps: tuple[Jump, ...]
    countries: Mapping[str, Country]
    agencies: Mapping[str, Agency]
    channels: tuple[Channel, ...]
    jurisdiction: Jurisdiction
    pools: tuple[TranslationPool, ...]
    role_players: Mapping[str, RolePlayer]
    injects: tuple[Inject, ...]
    disruptions: tuple[Disruption, ...]
    background: tuple[Background, ...]
    persons: tuple[Person, ...] = ()
    cases: tuple[CaseFile, ...] = ()

    @property
    def startex_minute(self) -> int:
        """STARTEX's minute of its day (scenario times count from its midnight)."""
        return self.startex.hour * 60 + self.startex.minute

    def play_to_exercise(self, play_us: int) -> int:
        """Exercise time of a moment of play: every jump at or before it is added."""
        return play_us + sum(jump.by_us for jump in self.jumps if jump.at_play_us <= play_us)

    def exercise_to_play(self, exercise_us: int) -> int:
        """Time of play of an exercise time; inside a jumped span, the jump's moment."""
        play = exercise_us
        for jump in self.jumps:
            if exercise_us >= jump.at_us + jump.by_us:
                play -= jump.by_us
            elif exercise_us > jump.at_us:
                play -= exercise_us - jump.at_us
        return play

    def persons_of(self, case: str) -> tuple[Person, ...]:
        """The persons of a case, in the order the scenario lists them."""
        return tuple(person for person in self.persons if person.case == case)

    def case_file(self, refs: Sequence[str]) -> CaseFile | None:
        """The storyline's file of the first of these case references that has one."""
        files = {case.ref: case for case in self.cases}
        return next((files[ref] for ref in refs if ref in files), None)

    def person(self, person_id: str) -> Person | None:
        """The scenario's person with this id, or None."""
        return next((person for person in self.persons if person.id == person_id), None)

    def retired(self, agency_id: str) -> Agency | None:
        """The agency that `agency_id` was an old address of, or None."""
        return next(
            (agency for agency in self.agencies.values() if agency_id in agency.retired_ids),
            None,
        )

    def agency(self, agency_id: str) -> Agency | None:
        """The agency with this id, `excon` included; None when there is none."""
        return self.agencies.get(agency_id)
