"""Assistance and referral: national and transnational referrals, risk, reflection, return."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from protocols.fields import (
    AgencyId,
    AwareDatetime,
    Count,
    CountryCode,
    Date,
    Name,
    PersonId,
    ShortText,
    Text,
    described,
)
from protocols.htcds import CaseStatus, ReasonForReferral, SupportPlanType, TraffickingEventType
from protocols.message import Message
from protocols.persons import Person

Service = Literal[
    "shelter",
    "psychosocial",
    "medical",
    "legal",
    "safety",
    "livelihoods",
    "interpretation",
    "education",
    "financial",
    "social_care",
    "child_protection",
]


class ReferralLogistics(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Special arrangements: where, when and by whom the person will be met."""

    arrival_at: AwareDatetime | None = None
    meeting_point: ShortText | None = None
    escort: ShortText | None = None


class Referral(Message, tag="referral", frozen=True, kw_only=True):
    """A national referral of a (presumed) victim to a service provider."""

    referring_organisation: Annotated[
        AgencyId, described("Who refers.", htcds="cas_ReferringOrganisation")
    ]
    referring_primary_case_worker: Annotated[
        Name | None,
        described("Case worker at the referring agency.", htcds="cas_ReferringPrimaryCaseWorker"),
    ] = None
    referred_organisation: Annotated[
        list[AgencyId],
        described("Who is asked to help.", htcds="cas_ReferredOrganisation"),
        Meta(min_length=1, max_length=10),
    ]
    reason_for_outgoing_referral: Annotated[
        ReasonForReferral, described("Why.", htcds="cas_ReasonForOutgoingReferral")
    ]
    outgoing_referral_details: Annotated[
        ReferralLogistics | None,
        described("Arrival, meeting point, escort.", htcds="cas_OutgoingReferralDetails"),
    ] = None
    services_requested: Annotated[list[Service], Meta(min_length=1, max_length=11)]
    risk_flags: Annotated[
        list[ShortText],
        described("Risks to the person, family or staff: always shared."),
        Meta(max_length=20),
    ] = []
    persons: Annotated[
        list[Person],
        described("The people referred, minimised to what the services need."),
        Meta(min_length=1, max_length=50),
    ]


class ReferralResponse(Message, tag="referral_response", frozen=True, kw_only=True):
    """A service provider's answer to a referral: accepted, declined or waitlisted."""

    decision: Literal["accepted", "declined", "waitlisted"]
    capacity_remaining: Annotated[Count | None, described("Places left after this one.")] = None
    eta: Annotated[AwareDatetime | None, described("When a place becomes available.")] = None
    accepted_person_ids: Annotated[
        list[PersonId],
        described("When only some of the people referred are taken: which."),
        Meta(max_length=50),
    ] = []
    alternative_suggested: AgencyId | None = None
    note: Text | None = None


class Threat(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One threat to the person."""

    source: ShortText
    type: Literal["violence", "retaliation", "re_trafficking", "stigma", "debt", "other"]


class RiskAssessment(Message, tag="risk_assessment", frozen=True, kw_only=True):
    """A risk assessment and safety plan, at destination or before a return."""

    person_id: PersonId
    risk_level: Literal["low", "medium", "high", "critical"]
    threats: Annotated[list[Threat], Meta(max_length=20)] = []
    safety_plan: Text | None = None
    context: Literal["destination", "origin_return"]


class ResidencePermit(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Temporary residence granted with the reflection period."""

    type: Literal["temporary_residence", "humanitarian", "victim_witness"]
    work_allowed: bool
    valid_until: Date | None = None


class ReflectionPeriod(Message, tag="reflection_period", frozen=True, kw_only=True):
    """Grant, extension or end of a recovery and reflection period (30 days at least).

    `start` and `end` give the whole period as it stands after this decision."""

    person_id: PersonId
    action: Literal["granted", "extended", "ended"] = "granted"
    start: Date
    end: Date
    non_removal: Annotated[bool, described("No removal while the period runs.")] = True
    residence_permit: ResidencePermit | None = None


class SupportPlan(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One strand of the support plan."""

    type: Annotated[SupportPlanType, described("Kind of support.", htcds="spl_Type")]
    objectives: Annotated[Text, described("What it aims at.", htcds="spl_Objectives")]
    action_plan: Annotated[Text | None, described("How.", htcds="spl_ActionPlan")] = None
    planned_end_date: Annotated[
        Date | None, described("Planned end.", htcds="spl_PlannedEndDate")
    ] = None


class CaseUpdate(Message, tag="case_update", frozen=True, kw_only=True):
    """Progress of a case: services delivered, the person's wishes, or closure."""

    status: Annotated[CaseStatus, described("Case status.", htcds="cas_Status")]
    comment: Annotated[Text, described("What happened.", htcds="cco_CaseComment")]
    person_id: PersonId | None = None
    support_plan: Annotated[list[SupportPlan], Meta(max_length=9)] = []
    reason_for_case_closure: Annotated[
        ShortText | None, described("Why it closed.", htcds="cas_ReasonForCaseClosure")
    ] = None


TrmPurpose = Literal[
    "identity_verification",
    "family_tracing",
    "risk_assessment_origin",
    "reception_services",
    "return",
    "long_term_assistance",
]


class TraffickingEvent(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One stop on the trafficking route (HTCDS `hte_`)."""

    type: Annotated[TraffickingEventType, described("Stage.", htcds="hte_Type")]
    country: Annotated[CountryCode, described("Where.", htcds="hte_Country")]
    city: Annotated[ShortText | None, described("City.", htcds="hte_City")] = None
    date: Annotated[Date | None, described("When.", htcds="hte_Date")] = None
    description: Annotated[Text | None, described("What.", htcds="hte_Description")] = None


class TrmReferral(Message, tag="trm_referral", frozen=True, kw_only=True):
    """A transnational referral: a case transfer or request for assistance across a border."""

    origin_country: CountryCode
    destination_country: CountryCode
    purpose: Annotated[list[TrmPurpose], Meta(min_length=1, max_length=6)]
    national_contact_points: Annotated[list[AgencyId], Meta(max_length=10)] = []
    trafficking_events: Annotated[
        list[TraffickingEvent], described("The route.", htcds="hte_"), Meta(max_length=20)
    ] = []
    persons: Annotated[list[Person], Meta(min_length=1, max_length=50)]
    child_best_interests_assessment: Annotated[
        Text | None, described("Required before any step for a minor.")
    ] = None
    request: Text | None = None


class ReturnArrangement(Message, tag="return_arrangement", frozen=True, kw_only=True):
    """The logistics of a safe, voluntary return."""

    persons: Annotated[list[Person], Meta(min_length=1, max_length=50)]
    travel_document_status: Literal["not_started", "requested", "issued", "refused"]
    consulate: AgencyId | None = None
    departure: AwareDatetime | None = None
    arrival: AwareDatetime | None = None
    escort: ShortText | None = None
    receiving_organisation: AgencyId | None = None
    reception_plan: Text | None = None
    voluntary: Annotated[bool, described("The person asked for the return.")] = True
