"""Agencies around the police: the INTERPOL NCB, FIUs, migration and labour inspectors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal, cast
from uuid import UUID

from agencies.playbooks.base import Draft, Playbook
from protocols import Delivery, Envelope
from protocols.assistance import ReflectionPeriod
from protocols.identification import (
    Alert,
    IdentificationDecision,
)
from protocols.police import (
    Diffusion,
    FinIntelRequest,
    FinIntelResponse,
    InfoRequest,
    InfoResponse,
    InterpolNoticeRequest,
    IsicSection,
    LabourInspectionReport,
)
from protocols.receipts import Nack
from trafsim_bus.core.participants import Wake
from trafsim_bus.scenario.model import Agency, Scenario

Reaction = list[Draft | Wake]

DiffusionPurpose = Literal["locate", "arrest", "information", "warning"]

NOTICE_PURPOSE: dict[str, DiffusionPurpose] = {
    "red": "arrest",
    "blue": "locate",
    "yellow": "locate",
    "green": "warning",
    "orange": "warning",
}
"""What a diffusion asks of the members, by the colour of the notice requested."""


def legal_review(request: InterpolNoticeRequest) -> str | None:
    """What a notice request lacks for publication (None: it passes), field first."""
    if request.colour == "red" and not request.legal_basis_doc:
        return "legal_basis_doc: a red notice needs an arrest warrant or court decision"
    if request.colour == "red" and (request.subject is None or request.subject.kind != "person"):
        return "subject: a red notice is about a wanted person"
    return None


class NationalCentralBureau(Playbook):
    """INTERPOL NCB: passes police requests abroad, reviews notice requests and diffuses
    them, and answers back."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        sender = self.scenario.agency(envelope.sender)
        if sender is None:
            return []
        if isinstance(body, InfoRequest) and sender.country == self.me.country:
            return self.ask_abroad(envelope, body)
        if (
            isinstance(body, InterpolNoticeRequest)
            and sender.country == self.me.country
            and sender.kind == "police"
        ):
            return self.notice(envelope, body)
        if isinstance(body, InfoResponse) and sender.country != self.me.country:
            police = self.first(kind="police", country=self.me.country)
            if police is None:
                return []
            return [
                Draft(
                    [police],
                    body,
                    reply_to=envelope,
                    derived_from=[envelope.id],
                    handling=["H1"],
                    evaluation=(envelope.evaluation.source, envelope.evaluation.information)
                    if envelope.evaluation
                    else ("B", 2),
                )
            ]
        return []

    def ask_abroad(self, envelope: Envelope, body: InfoRequest) -> Reaction:
        """Pass a domestic request to a foreign police force (by draw), with a diffusion
        on its subject: the request's first, else the case file's first suspect."""
        foreign = [a for a in self.agencies(kind="police") if self.country_of(a) != self.me.country]
        target = foreign[int(self.draw(str(envelope.id), 3) * len(foreign))] if foreign else None
        if target is None:
            return []
        language = self.common_language(target)
        drafts: Reaction = [
            Draft(
                [target],
                body,
                reply_to=envelope,
                derived_from=[envelope.id],
                language=language,
                legal_basis="interpol_rpd",
                handling=["H0"],
            )
        ]
        case = self.case_file(envelope)
        subjects = [*body.subjects, *(case.suspects if case is not None else ())]
        if subjects:
            drafts.append(
                Draft(
                    [target],
                    Diffusion(
                        purpose="information",
                        subject=subjects[0],
                        text="Request for information: " + " ".join(body.questions),
                    ),
                    case_refs=list(envelope.case_refs),
                    language=language,
                    legal_basis="interpol_rpd",
                )
            )
        return drafts

    def notice(self, envelope: Envelope, body: InterpolNoticeRequest) -> Reaction:
        """Review a notice request; refused, say which field it lacks; passed, accept it
        and diffuse it at once to the police of the countries it names (none named: every
        foreign police force)."""
        missing = legal_review(body)
        if missing is not None:
            return [
                Draft(
                    [envelope.sender],
                    Nack(ack_of=envelope.id, reason="incomplete", detail=missing),
                    reply_to=envelope,
                )
            ]
        wanted = set(body.scope) - {self.me.country}
        targets = [
            a
            for a in self.agencies(kind="police")
            if self.country_of(a) != self.me.country
            and (not body.scope or self.country_of(a) in wanted)
        ]
        countries = len({self.country_of(a) for a in targets})
        drafts: Reaction = [
            self.ack(
                envelope,
                f"Legal review passed: {body.colour} notice requested; "
                f"diffusion sent to {countries} countries.",
            )
        ]
        for target in targets:
            drafts.append(
                Draft(
                    [target],
                    Diffusion(
                        purpose=NOTICE_PURPOSE.get(body.colour, "information"),
                        subject=body.subject,
                        persons=[] if body.subject is not None else list(body.persons),
                        scope=list(body.scope),
                        text=body.reason,
                    ),
                    case_refs=list(envelope.case_refs),
                    derived_from=[envelope.id],
                    language=self.common_language(target),
                    legal_basis="interpol_rpd",
                )
            )
        return drafts


class FinancialIntelligenceUnit(Playbook):
    """Traces money at home and asks its foreign counterparts."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        super().__init__(agency, scenario, exercise_id, seed)
        self.requesters: dict[UUID, str] = {}
        """Domestic request id → who asked (a foreign answer to it goes back to them)."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        sender = self.scenario.agency(envelope.sender)
        if sender is None:
            return []
        if isinstance(body, FinIntelRequest):
            return self.trace(envelope, body, domestic=sender.country == self.me.country)
        if isinstance(body, FinIntelResponse) and sender.country != self.me.country:
            asked = self.sent.get(envelope.in_reply_to) if envelope.in_reply_to else None
            origin = asked[0].in_reply_to if asked is not None else None
            to = self.requesters.get(origin) if origin is not None else None
            to = to or self.first(kind="police", country=self.me.country)
            if to is None:
                return []
            return [
                Draft([to], body, reply_to=envelope, derived_from=[envelope.id], handling=["H1"])
            ]
        return []

    def trace(self, envelope: Envelope, body: FinIntelRequest, *, domestic: bool) -> Reaction:
        """Answer what the request names; a domestic request's foreign instruments go to
        the FIU of their country, in a language it reads."""
        named = ", ".join(f"{i.kind} {i.identifier}" for i in body.instruments)
        drafts: Reaction = [
            Draft(
                [envelope.sender],
                FinIntelResponse(
                    findings=[
                        f"Transfers to the instruments named ({named}) traced; "
                        "counterparties listed in the annex."
                    ],
                    freeze_status="requested" if body.freeze_requested else "not_requested",
                ),
                reply_to=envelope,
                handling=["H1"],
                evidentiary_status="intelligence",
            )
        ]
        if not domestic:
            return drafts
        self.requesters[envelope.id] = envelope.sender
        abroad = sorted(
            {i.country for i in body.instruments if i.country and i.country != self.me.country}
        )
        for country in abroad:
            fiu = self.first(kind="fiu", country=country)
            if fiu is not None:
                drafts.append(
                    Draft(
                        [fiu],
                        FinIntelRequest(
                            instruments=[i for i in body.instruments if i.country == country],
                            freeze_requested=body.freeze_requested,
                            grounds=body.grounds,
                        ),
                        reply_to=envelope,
                        handling=["H0"],
                        language=self.common_language(fiu),
                    )
                )
        return drafts


class Migration(Playbook):
    """Grants reflection periods and non-removal to presumed victims."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if (
            not isinstance(body, IdentificationDecision)
            or body.trafficking_status == "NotAVictimOfTrafficking"
        ):
            return []
        start = self.at(now_us).date()
        return [
            Draft(
                [envelope.sender],
                ReflectionPeriod(
                    person_id=body.person_id,
                    start=start,
                    end=start + timedelta(days=30),
                    non_removal=True,
                ),
                reply_to=envelope,
                legal_basis="nrm_sop",
            )
        ]


ISIC_WORDS: tuple[tuple[IsicSection, tuple[str, ...]], ...] = (
    ("A", ("farm", "field", "plantation", "harvest", "cotton", "livestock", "orchard")),
    ("B", ("mine", "mining", "quarry")),
    ("C", ("factory", "workshop", "brick", "sewing", "garment", "manufactur")),
    ("F", ("construction", "building site")),
    ("G", ("market", "bazaar", "shop", "store", "retail", "wholesale")),
    ("H", ("warehouse", "transport", "truck", "logistic")),
    ("I", ("restaurant", "café", "cafe", "hotel", "hostel")),
    ("S", ("sauna", "massage", "bathhouse", "salon", "laundry")),
    ("T", ("household", "private home", "domestic work")),
)
"""Words that name a site's trade, by the ISIC v4 section of that trade."""

ISIC_UNKNOWN: IsicSection = "S"
"""The section reported when the site names no trade: `other service activities` (the
report must give one)."""


def isic_section(*texts: str) -> IsicSection:
    """The ISIC section of the first trade these descriptions of a site name."""
    text = " ".join(texts).lower()
    for section, words in ISIC_WORDS:
        if any(re.search(rf"\b{re.escape(word)}", text) for word in words):
            return section
    return ISIC_UNKNOWN


def words(value: str) -> str:
    """An HTCDS value in words: `ForcedLabour` → `forced labour`."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", value).lower()


class LabourInspection(Playbook):
    """Inspects the site a tip names and reports to the police."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if not isinstance(body, Alert):
            return []
        key = str(envelope.id)
        wrong = self.wrong_route(key)
        target = self.first(kind="prosecutor" if wrong else "police", country=self.me.country)
        if target is None:
            return []
        case = self.case_file(envelope)
        site = (case.site if case else "") or body.location or "the site named in the alert"
        refused = self.decide(key, "access") < self.params.access_refused_share
        return [
            Draft(
                [target],
                LabourInspectionReport(
                    site=site,
                    isic_section=cast(IsicSection, case.isic_section)
                    if case is not None and case.isic_section
                    else isic_section(site, body.location or ""),
                    inspected_at=self.at(now_us),
                    access_obstructed=refused,
                    workers_count=body.est_persons,
                    indicators=list(body.indicators_observed),
                    findings=inspection_findings(site, body, refused=refused),
                ),
                reply_to=envelope,
                legal_basis="domestic_cpc",
                planted="wrong_route_share" if wrong else None,
            )
        ]

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        police = self.first(kind="police", country=self.me.country)
        if police is None or nack.reason not in (
            "no_channel",
            "not_competent",
            "wrong_jurisdiction",
        ):
            return []
        return [
            Draft(
                [police],
                refused.body,
                case_refs=list(refused.case_refs),
                legal_basis=refused.legal_basis,
            )
        ]


def inspection_findings(site: str, alert: Alert, *, refused: bool) -> str:
    """An unannounced inspection (refused entry, or let in), and what the alert said of
    the site."""
    said = [
        f"Unannounced inspection of {site}: "
        + ("entry refused." if refused else "the inspectors were let in.")
    ]
    if alert.est_persons:
        said.append(f"About {alert.est_persons} workers reported there.")
    if alert.suspected_exploitation:
        kinds = ", ".join(words(kind) for kind in alert.suspected_exploitation)
        said.append(f"Suspected: {kinds}.")
    if alert.minors_suspected:
        said.append("Minors may be among them.")
    if alert.indicators_observed:
        said.append(f"{len(alert.indicators_observed)} indicators reported (listed).")
    said.append(
        "The inspectorate cannot enter without the employer's consent or a prosecutor's "
        "authorisation: a joint visit with the police is proposed."
        if refused
        else "Indicators of forced labour seen: the police are asked to identify the workers."
    )
    return " ".join(said)
