"""The police's investigation and cross-border enquiries: the criminal case, seized items
and their chain of custody, money, notices, questions abroad and letters of request.

Every fact it writes comes from the scenario's case file (`[[case]]`)."""

from datetime import timedelta
from typing import Final
from uuid import UUID

from agencies.playbooks.base import Draft, Playbook
from agencies.playbooks.casework import (
    Case,
    case_ref_of,
)
from protocols import Envelope, Person, Subject
from protocols.assistance import Referral
from protocols.identification import (
    Alert,
)
from protocols.judicial import (
    CustodyTransfer,
    EvidenceTransfer,
    MlaRequest,
    ProceduralDocument,
)
from protocols.police import (
    FinIntelRequest,
    InfoRequest,
    InfoResponse,
    InterpolNoticeRequest,
)
from trafsim_bus.core.participants import Wake
from trafsim_bus.scenario.model import Agency, CaseFile, Evidence, Scenario

Reaction = list[Draft | Wake]


UNFILED_SUMMARY: Final = (
    "Pre-trial investigation of suspected trafficking in persons: the persons found show "
    "indicators of exploitation; the facts are being established."
)
"""The opening decision's summary for a case the scenario has no file of."""

RECRUITER: Final = Subject(
    kind="person",
    value="the recruiter named by the victims",
    role_in_process="RecruiterOrIntermediary",
)
"""Who the unit asks about abroad when the case file names no suspect."""

NO_FILE_QUALIFICATION: Final = "trafficking in persons"
"""A draft letter of request's qualification when the case has no file."""


class Investigation(Playbook):
    """A police unit's investigation: what it opens, seizes, traces and asks abroad."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        super().__init__(agency, scenario, exercise_id, seed)
        self.cases: dict[str, Case] = {}

    def case(self, envelope: Envelope) -> Case:
        """The case an envelope is about: the first of its references the scenario has a
        file of, else its first reference, else a new one of this unit's own."""
        file = self.case_file(envelope)
        ref = (
            file.ref
            if file is not None
            else case_ref_of(envelope, self.new_case_ref(len(self.cases) + 1))
        )
        return self.cases.setdefault(ref, Case(ref))

    def held_case(self, envelope: Envelope) -> Case | None:
        """The first case of the envelope's references this unit holds, if any."""
        return next((self.cases[ref] for ref in envelope.case_refs if ref in self.cases), None)

    def file_of(self, envelope: Envelope) -> CaseFile | None:
        """The case file of an envelope: of a case this unit holds first, else any."""
        held = [ref for ref in envelope.case_refs if ref in self.cases]
        return self.case_file(refs=held) or self.case_file(envelope)

    def investigate(
        self, case: Case, file: CaseFile | None, key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Open the criminal case with the prosecutor: the file's facts."""
        prosecutor = self.first(kind="prosecutor", country=self.me.country)
        if prosecutor is None:
            return []
        return [
            Draft(
                [prosecutor],
                ProceduralDocument(
                    doc_type="decision_open_criminal_case",
                    author=f"investigator, {self.agency}",
                    case_number=case.ref,
                    title=f"Pre-trial investigation opened, case {case.ref}",
                    summary=file.summary if file else UNFILED_SUMMARY,
                    document_language=self.language,
                    person_ids=[p.person_id for p in case.persons],
                ),
                case_refs=[case.ref],
                evidentiary_status="evidence",
                legal_basis="domestic_cpc",
            )
        ]

    def trace_money(self, case: Case, file: CaseFile | None) -> Reaction:
        """Ask the FIU to trace the file's instruments, the suspects as counterparties."""
        fiu = self.first(kind="fiu", country=self.me.country)
        if fiu is None or file is None or not file.instruments:
            return []
        return [
            Draft(
                [fiu],
                money_request(file, f"{file.offence}, case {file.ref}: {file.summary}"),
                case_refs=[case.ref],
                handling=["H0"],
            )
        ]

    def ask_for_notices(self, case: Case, file: CaseFile | None) -> Reaction:
        """A blue notice through the NCB for each suspect abroad: locate and identify."""
        ncb = self.first(kind="ncb", country=self.me.country)
        if ncb is None or file is None:
            return []
        return [
            Draft(
                [ncb],
                InterpolNoticeRequest(
                    colour="blue",
                    subject=suspect,
                    scope=[suspect.country] if suspect.country else [],
                    reason=f"Locate and identify {suspect.value}, a suspect of {file.offence} "
                    f"in case {file.ref}.",
                ),
                case_refs=[case.ref],
                handling=["H0"],
                language=self.common_language(ncb),
            )
            for suspect in persons_suspected(file)
            if suspect.country and suspect.country != self.me.country
        ]

    def hand_over_evidence(
        self, case: Case, file: CaseFile | None, key: str, now_us: int
    ) -> Reaction:
        """Each item this unit seized, to the prosecutor under its chain of custody (a
        planted share of chains leave a holder out); on a wrong route, an item also goes
        straight to a suspect's police over a channel that is not evidence-grade."""
        prosecutor = self.first(kind="prosecutor", country=self.me.country)
        items = [item for item in file.evidence if item.seized_by == self.agency] if file else []
        if file is None or not items:
            return []
        refs = [case.ref]
        drafts: Reaction = []
        if prosecutor is not None:
            for item in items:
                gap = self.decide(key, f"custody:{item.id}") < self.params.custody_gap_share
                drafts.append(
                    Draft(
                        [prosecutor],
                        self.evidence(item, prosecutor, now_us, "forensic examination", gap=gap),
                        case_refs=refs,
                        evidentiary_status="evidence",
                        legal_basis="domestic_cpc",
                        planted="custody_gap_share" if gap else None,
                    )
                )
        if self.wrong_route(key, "evidence-abroad"):
            drafts.extend(self.evidence_abroad(items[0], file, refs, now_us))
        return drafts

    def evidence(
        self, item: Evidence, to: str, now_us: int, purpose: str, *, gap: bool
    ) -> EvidenceTransfer:
        """A seized item handed from this unit to `to`: with `gap`, the hand-off is dated
        before the seizure, as if a holder in between had been left out of the chain."""
        seized_at = self.at(now_us)
        handed_at = seized_at - timedelta(hours=1) if gap else seized_at
        return EvidenceTransfer(
            evidence_item_id=item.id,
            description=item.description,
            seized_by=self.agency,
            seized_at=seized_at,
            seized_where=item.seized_where,
            attesting_witnesses=list(item.witnesses)[:5],
            seal_no=item.seal_no,
            sha256=item.sha256,
            write_blocked=item.write_blocked,
            custody=[
                CustodyTransfer(
                    from_agency=self.agency,
                    to_agency=to,
                    at=handed_at,
                    purpose=purpose,
                    released_by=f"investigator, {self.agency}",
                    signature=f"duty officer, {to}",
                )
            ],
        )

    def evidence_abroad(
        self, item: Evidence, file: CaseFile, refs: list[str], now_us: int
    ) -> Reaction:
        """What trainees do instead of MLA: an item straight to the police of a suspect's
        country, over a channel that carries it but is not evidence-grade."""
        countries = dict.fromkeys(
            s.country for s in file.suspects if s.country and s.country != self.me.country
        )
        for country in countries:
            police = self.first(kind="police", country=country)
            channel = self.intelligence_channel(police) if police else None
            if police is not None and channel is not None:
                return [
                    Draft(
                        [police],
                        self.evidence(item, police, now_us, "for your enquiries", gap=False),
                        case_refs=refs,
                        channel=channel,
                        language=self.common_language(police),
                        evidentiary_status="evidence",
                        planted="wrong_route_share",
                    )
                ]
        return []

    def intelligence_channel(self, recipient: str) -> str | None:
        """A channel this unit may send an evidence transfer to `recipient` over that is
        not evidence-grade (a police channel), if the scenario has one."""
        them = self.scenario.agency(recipient)
        if them is None:
            return None
        kind = "evidence_transfer"
        return next(
            (
                channel.id
                for channel in self.scenario.channels
                if kind in channel.types
                and channel.open
                and not channel.evidence_grade
                and channel.connects(self.me, them)
                and self.scenario.jurisdiction.may_use(channel.id, self.me.kind, kind)
            ),
            None,
        )

    def ncb_channel(self, recipient: str) -> str | None:
        """A channel the NCB would ask `recipient` over and this unit cannot use: naming it
        is going to INTERPOL without the NCB (None when there is none)."""
        ncb = self.first(kind="ncb", country=self.me.country)
        bureau = self.scenario.agency(ncb) if ncb else None
        them = self.scenario.agency(recipient)
        if bureau is None or them is None:
            return None
        return next(
            (
                channel.id
                for channel in self.scenario.channels
                if "info_request" in channel.types
                and channel.connects(bureau, them)
                and not channel.connects(self.me, them)
            ),
            None,
        )

    # -- asking abroad -------------------------------------------------------------------

    def ask_abroad(
        self, case: Case, file: CaseFile | None, key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Asylum screening, consulates, INTERPOL through the NCB and the foreign police."""
        refs = [case.ref]
        drafts: Reaction = list(self.asylum_screening(case))
        origin = [
            c
            for c in dict.fromkeys(c for p in case.persons for c in p.citizenship)
            if c != self.me.country
        ]
        for country in origin:
            consulate_id = self.first(kind="consulate", country=country)
            nationals = [p for p in case.adults() if country in p.citizenship]
            if consulate_id is None or not nationals:
                continue
            oversharing = self.wrong_route(key, f"consulate:{country}")
            shared = (
                nationals
                if oversharing
                else [p for p in nationals if p.person_id in case.consulate_ok]
            )
            if not shared:
                continue
            drafts.append(
                Draft(
                    [consulate_id],
                    InfoRequest(
                        persons=shared,
                        questions=[
                            "Please verify the identity and nationality of these persons.",
                            "Can certificates of return be issued if they wish to go home?",
                        ],
                    ),
                    case_refs=refs,
                    language=self.common_language(consulate_id),
                    legal_basis="consular",
                    handling=["H2"],
                    planted="wrong_route_share" if oversharing else None,
                )
            )
        suspects = list(file.suspects) if file else []
        offence = file.offence if file else None
        ncb = self.first(kind="ncb", country=self.me.country)
        if ncb is not None and origin:
            drafts.append(
                Draft(
                    [ncb],
                    InfoRequest(
                        subjects=suspects or [RECRUITER],
                        questions=[
                            "Please circulate through INTERPOL: are these suspects known abroad?"
                        ],
                        offence=offence,
                    ),
                    case_refs=refs,
                    language=self.common_language(ncb),
                    handling=["H0"],
                )
            )
        for country in origin[:2]:
            police = self.first(kind="police", country=country)
            if police is None:
                continue
            case.foreign.append(country)
            wrong = self.wrong_route(key, f"interpol:{country}")
            theirs = [s for s in suspects if s.country == country] or suspects
            drafts.append(
                Draft(
                    [police],
                    InfoRequest(
                        subjects=theirs,
                        questions=questions_about(theirs),
                        offence=offence,
                    ),
                    case_refs=refs,
                    channel=self.ncb_channel(police) if wrong else None,
                    language=self.common_language(police),
                    legal_basis="cis_mvd_tip_2010",
                    handling=["H0"],
                    planted="wrong_route_share" if wrong and self.ncb_channel(police) else None,
                )
            )
        return drafts

    def asylum_screening(self, case: Case) -> Reaction:
        """Persons of a nationality the scenario has no country for may need international
        protection: referred to an international organisation that speaks their language."""
        by_org: dict[str, list[Person]] = {}
        for person in case.persons:
            if any(c in self.scenario.countries for c in person.citizenship):
                continue
            found = self.scenario.person(person.person_id)
            spoken = (
                set(found.languages)
                if found
                else {person.primary_language, person.secondary_language}
            )
            org = next(
                (
                    a
                    for a in self.agencies(kind="international_org")
                    if spoken & set(self.scenario.agencies[a].languages)
                ),
                None,
            )
            if org is not None:
                by_org.setdefault(org, []).append(person)
        return [
            Draft(
                [org],
                Referral(
                    referring_organisation=self.agency,
                    referred_organisation=[org],
                    reason_for_outgoing_referral="MigrationOrChangeOfLocation",
                    services_requested=["legal", "interpretation", "psychosocial"],
                    persons=persons,
                    risk_flags=["may need international protection; no removal before screening"],
                ),
                case_refs=[case.ref],
                priority="urgent",
                language=self.common_language(org),
                legal_basis="nrm_sop",
            )
            for org, persons in by_org.items()
        ]

    def answer_request(self, envelope: Envelope, body: InfoRequest) -> Reaction:
        """A consulate gets the data of its nationals who consented to it (on a wrong
        route, every adult of the case: a planted error); a police force our records, and
        its country's recruiters are checked with the labour migration agency."""
        sender = self.scenario.agency(envelope.sender)
        if sender is None:
            return []
        if sender.kind == "consulate":
            case = self.held_case(envelope)
            oversharing = self.wrong_route(str(envelope.id), "consulate-answer")
            persons = (
                (case.adults() if oversharing else case.consented(sender.country)) if case else []
            )
            return [
                Draft(
                    [envelope.sender],
                    InfoResponse(
                        findings=[
                            "Nationals identified as presumed victims are assisted; their details follow where they consented."
                        ],
                        persons=persons,
                    ),
                    reply_to=envelope,
                    language=self.common_language(envelope.sender),
                    handling=["H2"],
                    evaluation=("A", 1),
                    legal_basis=envelope.legal_basis,
                    planted="wrong_route_share" if oversharing and persons else None,
                )
            ]
        drafts: Reaction = [
            Draft(
                [envelope.sender],
                InfoResponse(
                    findings=[
                        f"{question} — checked against our records; see the attached summary."
                        for question in body.questions[:3]
                    ],
                    subjects=body.subjects,
                ),
                reply_to=envelope,
                language=self.common_language(envelope.sender),
                handling=["H1"],
                evaluation=("B", 2),
                evidentiary_status="intelligence",
                legal_basis="cis_mvd_tip_2010",
            )
        ]
        agency = self.first(kind="labour_migration_agency", country=self.me.country)
        foreign = sender.country != self.me.country
        if agency is not None and foreign and self.case(envelope).first_time("licences_checked"):
            where = self.scenario.countries.get(sender.country)
            drafts.append(
                Draft(
                    [agency],
                    InfoRequest(
                        questions=[
                            "Is the recruiting agent licensed to place workers abroad?",
                            f"Which firms placed workers in {where.name if where else 'the requesting country'} this year?",
                        ],
                        subjects=list(body.subjects),
                    ),
                    reply_to=envelope,
                    handling=["H0"],
                )
            )
        return drafts

    def use_intelligence(self, envelope: Envelope, body: InfoResponse) -> Reaction:
        """Turn police intelligence into evidence: a draft letter of request for the
        prosecutor, the case file's facts, articles and questions (trainees pass H2 on, or
        send the letter abroad themselves)."""
        key = str(envelope.id)
        drafts: Reaction = []
        case = self.held_case(envelope)
        if case is None:
            return []
        restricted = envelope.handling is not None and "H2" in envelope.handling.codes
        # Whether to pass restricted intelligence on is decided for each message that
        # carries it; the letter of request, once per case.
        if restricted and self.wrong_route(key, 2):
            others = [
                a
                for a in self.agencies(kind="police")
                if self.country_of(a) not in (self.me.country, self.country_of(envelope.sender))
            ]
            if others:
                drafts.append(
                    Draft(
                        [others[0]],
                        InfoResponse(findings=list(body.findings), subjects=list(body.subjects)),
                        derived_from=[envelope.id],
                        handling=["H1"],
                        evaluation=("B", 2),
                        language=self.common_language(others[0]),
                        planted="wrong_route_share",
                    )
                )
        if not case.first_time("intelligence_used"):
            return drafts
        file = self.case_file(refs=[case.ref])
        prosecutor = self.first(kind="prosecutor", country=self.me.country)
        foreign = self.scenario.agency(envelope.sender)
        requested = self.first(kind="prosecutor", country=foreign.country) if foreign else None
        if prosecutor is None or requested is None:
            return drafts
        mla = MlaRequest(
            requesting_authority=prosecutor,
            requested_authority=requested,
            treaty="minsk_1993",
            case_number=case.ref,
            facts_summary=file.summary if file else UNFILED_SUMMARY,
            legal_qualification=list(file.qualification) if file else [NO_FILE_QUALIFICATION],
            actions_requested=["interrogate_witness", "obtain_records"],
            questions=list(file.questions)
            if file and file.questions
            else ["Who recruited the persons named?", "Who received the payments?"],
            suspects=list(body.subjects) or (list(file.suspects) if file else []),
            procedural_rights_notice=True,
        )
        wrong = self.wrong_route(key, 3)
        target = requested if wrong else prosecutor
        drafts.append(
            Draft(
                [target],
                mla,
                case_refs=list(envelope.case_refs),
                derived_from=[] if restricted else [envelope.id],
                language=self.common_language(target),
                legal_basis="minsk_1993",
                evidentiary_status="evidence",
                planted="wrong_route_share" if wrong else None,
            )
        )
        return drafts

    def follow_the_money(self, envelope: Envelope) -> Reaction:
        """Financial intelligence came: once per case, ask the FIU to freeze the case
        file's instruments and trace them abroad (nothing when the file names none)."""
        fiu = self.first(kind="fiu", country=self.me.country)
        file = self.file_of(envelope)
        if fiu is None or file is None or not file.instruments:
            return []
        case = self.cases.setdefault(file.ref, Case(file.ref))
        if not case.first_time("freeze_asked"):
            return []
        abroad = sorted(
            {i.country for i in file.instruments if i.country and i.country != self.me.country}
        )
        counterparts = f"; ask the counterparts in {', '.join(abroad)}" if abroad else ""
        return [
            Draft(
                [fiu],
                money_request(
                    file,
                    f"The money of case {file.ref} ({file.offence}) runs through these "
                    f"instruments: freeze them{counterparts}.",
                    freeze=True,
                ),
                reply_to=envelope,
                handling=["H0"],
            )
        ]


def money_request(file: CaseFile, grounds: str, *, freeze: bool = False) -> FinIntelRequest:
    """The case file's instruments to trace (and freeze), its suspects as counterparties."""
    return FinIntelRequest(
        instruments=list(file.instruments),
        counterparties=persons_suspected(file),
        freeze_requested=freeze,
        grounds=grounds,
    )


def persons_suspected(file: CaseFile) -> list[Subject]:
    """The case file's suspects that are persons."""
    return [suspect for suspect in file.suspects if suspect.kind == "person"]


def questions_about(subjects: list[Subject]) -> list[str]:
    """What to ask a foreign police force about each subject."""
    questions = []
    for subject in subjects[:30]:
        if subject.kind == "phone":
            questions.append(f"Who holds the number {subject.value}?")
        elif subject.kind == "person":
            questions.append(f"Is {subject.value} known to you, and where can they be found?")
        else:
            questions.append(f"What do your records show on {subject.value}?")
    return questions or ["Are the recruiters of these persons known to you?"]
