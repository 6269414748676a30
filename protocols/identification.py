"""Detection and identification: alerts, screenings, identification decisions, consent."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from msgspec import Meta, Struct

from protocols.fields import (
    AgencyId,
    AgencyKind,
    AwareDatetime,
    ConsentId,
    Count,
    IndicatorId,
    Language,
    PersonId,
    ShortText,
    Text,
    described,
)
from protocols.htcds import (
    TraffickingStatus,
    TraffickingStatusDecisionMakingOrg,
    TypeOfExploitation,
)
from protocols.message import Message, field_error
from protocols.persons import Person, Subject
from protocols.vocab import DataCategory, InterpreterProvider

AlertSource = Literal[
    "hotline",
    "ngo_outreach",
    "labour_inspection",
    "patrol",
    "raid",
    "family",
    "consulate",
    "osint",
    "self_report",
    "other",
]


class Alert(Message, tag="alert", frozen=True, kw_only=True):
    """An initial tip: from a hotline, outreach, an inspection, a patrol, family, a consulate
    or open sources."""

    alert_source: AlertSource
    summary: Annotated[Text, described("What was reported, in the reporter's words.")]
    location: Annotated[ShortText | None, described("Where it happens.")] = None
    suspected_exploitation: Annotated[
        list[TypeOfExploitation],
        described("What the reporter describes.", htcds="vic_TypeOfExploitation"),
        Meta(max_length=11),
    ] = []
    est_persons: Annotated[Count | None, described("How many people may be affected.")] = None
    minors_suspected: bool = False
    immediate_danger: bool = False
    indicators_observed: Annotated[
        list[IndicatorId], described("Indicators already visible."), Meta(max_length=100)
    ] = []
    subjects: Annotated[
        list[Subject], described("Suspects, phones, places named in the tip."), Meta(max_length=20)
    ] = []
    reporter: Annotated[Person | None, described("Who reported it: protected personal data.")] = (
        None
    )


Instrument = Literal[
    "ilo_ec_2009_adult_labour",
    "ilo_ec_2009_adult_sexual",
    "ilo_ec_2009_child_labour",
    "ilo_ec_2009_child_sexual",
    "ilo_fl11",
]
IndicatorDimension = Literal[
    "deceptive_recruitment",
    "coercive_recruitment",
    "recruitment_by_abuse_of_vulnerability",
    "exploitative_conditions",
    "coercion_at_destination",
    "abuse_of_vulnerability_at_destination",
    "forced_labour",
]


class Indicator(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One indicator as assessed in a screening."""

    id: IndicatorId
    dimension: IndicatorDimension
    strength: Literal["strong", "medium", "weak"]
    present: bool
    note: ShortText | None = None


class InterpreterUse(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who interpreted an interview: an NGO interpreter in an investigative interview taints it."""

    language: Language
    provider_type: InterpreterProvider


class Screening(Message, tag="screening", frozen=True, kw_only=True):
    """An indicator assessment of one person (ILO-EC 2009 operational indicators or ILO 11)."""

    person_id: PersonId
    instrument: Instrument
    indicators: Annotated[list[Indicator], Meta(min_length=1, max_length=100)]
    result: Literal["not_indicated", "possible", "likely"]
    interpreter_used: InterpreterUse | None = None
    screened_at: AwareDatetime | None = None


class DecisionBasis(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The Palermo elements found: act, means (not needed for a child) and purpose."""

    act: ShortText
    means: ShortText | None = None
    purpose: ShortText


class IdentificationDecision(Message, tag="identification_decision", frozen=True, kw_only=True):
    """A presumed or formal decision on whether a person is a victim of trafficking."""

    person_id: PersonId
    trafficking_status: Annotated[
        TraffickingStatus, described("The decided status.", htcds="vic_TraffickingStatus")
    ]
    trafficking_status_decision_making_org: Annotated[
        TraffickingStatusDecisionMakingOrg,
        described("Who decided.", htcds="vic_TraffickingStatusDecisionMakingOrg"),
    ]
    stage: Literal["presumed", "formal"]
    basis: DecisionBasis
    is_child: bool = False
    non_punishment_applied: Annotated[
        bool, described("No penalty for offences the person was compelled to commit.")
    ] = False


class ConsentElements(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Each element of informed consent, recorded separately (HTCDS `con_`)."""

    interview: bool
    purpose_explained: bool
    data_use: bool
    research_use: bool = False
    right_of_access: bool
    retention_explained: bool
    withdrawal_explained: bool


class ConsentScope(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who may receive what: one agency (by id) or every agency of a kind."""

    agency: AgencyId | None = None
    agency_kind: AgencyKind | None = None
    data_categories: Annotated[list[DataCategory], Meta(min_length=1, max_length=10)]

    schema_rules: ClassVar[tuple[dict[str, Any], ...]] = (
        {
            "oneOf": [
                {"required": ["agency"], "properties": {"agency": {"type": "string"}}},
                {"required": ["agency_kind"], "properties": {"agency_kind": {"type": "string"}}},
            ]
        },
    )

    def __post_init__(self) -> None:
        if (self.agency is None) == (self.agency_kind is None):
            raise field_error("agency", "give exactly one of `agency` and `agency_kind`")


class ConsentRecord(Message, tag="consent_record", frozen=True, kw_only=True):
    """A person's consent: given, amended (a new record with the same id) or withdrawn.

    It names the person by `person_id` only and never carries their personal data."""

    consent_id: ConsentId
    person_id: PersonId
    elements: ConsentElements
    scope: Annotated[
        list[ConsentScope],
        described("Who may receive which data; a blank authorisation is not valid."),
        Meta(min_length=1, max_length=50),
    ]
    given_at: AwareDatetime
    guardian_id: Annotated[
        PersonId | None, described("The guardian (a person) who consented for a minor.")
    ] = None
    guardian_agency: Annotated[
        AgencyId | None, described("The guardianship authority that consented for a minor.")
    ] = None
    explained_in: Annotated[
        Language | None, described("Language the consent was explained and given in.")
    ] = None
    interpreter_used: InterpreterUse | None = None
    withdrawn_at: Annotated[
        AwareDatetime | None, described("Set when the person withdraws consent.")
    ] = None
    recorded_by: AgencyId | None = None
