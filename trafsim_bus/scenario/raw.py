"""The scenario file as written: TOML tables decoded into typed structs, before resolution.

Durations and scenario times stay strings here; `loader` turns them into microseconds and
reports a bad one with its key path."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import msgspec
from msgspec import Struct, field

from protocols.fields import CaseRef, ItemId, Name, Sha256Hex, ShortText, Text
from protocols.htcds import MethodOfControl
from protocols.persons import Subject
from protocols.police import FinancialInstrument, IsicSection


class _Table(Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Base of every table: unknown keys are errors, so a typo never passes silently."""


class Jump(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    at: str
    by: str


class Exercise(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    name: str
    title: str = ""
    description: str = ""
    startex: str
    duration: str
    seed: int = 1
    jumps: list[Jump] = []


class Distribution(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    family: Literal["lognormal", "fixed", "exponential"] = "lognormal"
    median: str | None = None
    p90: str | None = None
    mean: str | None = None


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class OfficeHours(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    days: list[Weekday] | None = None
    opens: str | None = None
    closes: str | None = None
    holidays: list[date] | None = None
    duty_officer: Distribution | None = None


class Country(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    name: str
    languages: list[str]
    utc_offset: str
    office_hours: OfficeHours | None = None


class MlaRoute(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    case: str
    to: list[str]
    facts: str | None = None
    suspects: list[str] = []
    actions: list[str] = []


class PlaybookParams(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    response: Distribution | None = None
    execution: Distribution | None = None
    wrong_route_share: float | None = None
    no_reply: float | None = None
    incomplete_share: float | None = None
    decline_share: float | None = None
    mla: list[MlaRoute] | None = None
    no_interpreter_share: float | None = None
    custody_gap_share: float | None = None
    access_refused_share: float | None = None


class Agency(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    name: str
    country: str
    kind: str
    languages: list[str]
    played_by: Literal["simcell", "team"] = "simcell"
    capacity: dict[str, int] = {}
    playbook: PlaybookParams | None = None
    office_hours: OfficeHours | None = None
    always_open: bool = False
    retired_ids: list[str] = []


class Selector(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str | None = None
    kind: str | None = None
    country: str | None = None


class LatencyRule(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    types: list[str] | None = None
    priority: list[Literal["emergency", "urgent", "normal"]] | None = None
    to_country: list[str] | None = None
    family: Literal["lognormal", "fixed", "exponential"] = "lognormal"
    median: str | None = None
    p90: str | None = None
    mean: str | None = None
    certified: bool = False


class Channel(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    name: str = ""
    from_: list[str | Selector] = field(name="from")
    to: list[str | Selector]
    both_ways: bool = False
    within_agency: bool = False
    types: list[str]
    evidence_grade: bool = False
    intelligence_only: bool = False
    translation_by: Literal["recipient", "sender"] = "recipient"
    loss: float = 0.0
    open: bool = True
    latency: list[LatencyRule]


class UseRule(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    channel: str
    kinds: list[str]
    types: list[str] | None = None


class Jurisdiction(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    receive: dict[str, list[str]] = {}
    use: list[UseRule] = []


class TranslationPool(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    name: str = ""
    serves: list[str]
    from_: list[str] = field(name="from")
    to: list[str]
    servers: int
    service: Distribution
    certified: Distribution | None = None
    interpretation: Distribution | None = None
    machine: Literal["never", "fallback"] = "never"
    machine_after: int | None = None


class RolePlayer(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    name: str
    language: str
    script: str | None = None


class Match(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    type: str
    from_: str | None = field(default=None, name="from")
    to: str | None = None
    within: str


class ExpectedAction(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    text: str
    match: Match | None = None


class ReplyTo(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    type: str
    from_: str | None = field(default=None, name="from")
    case: str | None = None


class After(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    event: Literal["delivered", "submitted"]
    type: str
    from_: str | None = field(default=None, name="from")
    to: str | None = None
    case: str | None = None
    delay: str = "0s"


class Unless(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    event: Literal["delivered", "submitted"]
    type: str
    from_: str | None = field(default=None, name="from")
    to: str | None = None
    case: str | None = None
    by: str


class Inject(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    at: str | None = None
    after: After | None = None
    unless: Unless | None = None
    title: str = ""
    from_: str = field(name="from")
    as_: str | None = field(default=None, name="as")
    to: list[str] | Literal["all"]
    channel: str | None = None
    body: dict[str, Any]
    envelope: dict[str, Any] = {}
    reply_to: ReplyTo | None = None
    expected_actions: list[ExpectedAction] = []
    observer_checks: list[str] = []
    learning_objective: str = ""


class Schedule(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    start: str | None = None
    duration: str | None = None


class Target(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    agencies: list[str | Selector] | None = None
    senders: list[str | Selector] | None = None
    countries: list[str] | None = None
    channels: list[str] | None = None
    types: list[str] | None = None
    pools: list[str] | None = None


class Disruption(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    type: Literal[
        "outage",
        "link_cut",
        "partition",
        "latency_multiplier",
        "loss",
        "translator_capacity",
        "channel_open",
        "channel_close",
    ]
    description: str = ""
    target: Target = Target()
    probability: float = 1.0
    attributes: dict[str, Any] = {}
    schedule: Schedule = Schedule()


class Background(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    from_: str = field(name="from")
    to: list[str]
    type: str
    rate_per_hour: float
    channel: str | None = None
    body: dict[str, Any]
    envelope: dict[str, Any] = {}


class Person(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    case: str
    age: int
    sex: Literal["female", "male"]
    nationality: str
    languages: list[str]
    role: Literal["victim", "witness", "reporter", "family_member"] = "victim"
    minor: bool | None = None
    statement: str = ""


class CaseEvidence(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: ItemId
    description: Text
    seized_by: str
    seized_where: ShortText
    seal_no: ShortText | None = None
    sha256: Sha256Hex | None = None
    write_blocked: bool | None = None
    witnesses: list[Name] = []


class Case(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    ref: CaseRef
    title: str = ""
    offence: ShortText
    qualification: list[ShortText] = []
    summary: Text
    site: str = ""
    isic_section: IsicSection | None = None
    control: list[MethodOfControl] = []
    questions: list[ShortText] = []
    threats: list[ShortText] = []
    suspects: list[Subject] = []
    instruments: list[FinancialInstrument] = []
    evidence: list[CaseEvidence] = []


class ScenarioFile(_Table, kw_only=True, forbid_unknown_fields=True, frozen=True):
    exercise: Exercise
    country: list[Country]
    agency: list[Agency]
    channel: list[Channel]
    jurisdiction: Jurisdiction = Jurisdiction()
    translation_pool: list[TranslationPool] = []
    playbooks: dict[str, PlaybookParams] = {}
    role_player: list[RolePlayer] = []
    inject: list[Inject] = []
    disruption: list[Disruption] = []
    background: list[Background] = []
    person: list[Person] = []
    case: list[Case] = []


def decode_file(document: dict[str, Any]) -> ScenarioFile:
    """Typed view of a parsed TOML document; raises `msgspec.ValidationError` with a path.

    A TOML datetime for `exercise.startex` is taken as its RFC 3339 text."""
    exercise = document.get("exercise")
    if isinstance(exercise, dict) and isinstance(exercise.get("startex"), datetime):
        document = {
            **document,
            "exercise": {**exercise, "startex": exercise["startex"].isoformat()},
        }
    return msgspec.convert(document, ScenarioFile)
