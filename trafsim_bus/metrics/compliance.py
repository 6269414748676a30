"""`compliance.<rule>` (SPEC §16): where play broke a rule of victim protection, data
protection or evidence handling, each finding as {`seq`, `envelope_id`, `detail`}.

The rules read the log alone: the scenario's agencies and channels from its first record,
persons from the personal data the envelopes carry (`person_id` with `role`), languages
from what any envelope said of a person. A rule that needs a fact the log does not hold
(a person's languages nobody recorded) finds nothing rather than guess."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Final

from trafsim_bus.log.records import Record

RULES: Final = (
    "personal_data_without_consent",
    "h2_passed_on",
    "evidence_over_intelligence_channel",
    "custody_gap",
    "minor_without_child_protection",
    "victim_penalised",
    "repeated_interview",
    "interview_without_shared_language",
)
"""Every rule, in the order the document lists them."""

VICTIM_STATUSES: Final = frozenset({"PossibleVictimOfTrafficking", "ActualVictimOfTrafficking"})
"""Identification decisions that make a person a presumed (or formal) victim."""

INTERVIEWS: Final = frozenset({"interrogation_protocol"})
"""Procedural documents that record an interview of the persons they name."""

Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Agency:
    kind: str
    country: str
    languages: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Sent:
    """What the rules keep of a submitted envelope (one shared instance for the many
    that name nobody and carry no personal data)."""

    sender: str
    kind: str
    risk_to_life: bool
    evidence: bool
    persons: tuple[Body, ...]
    """Its personal data, kept only under `risk_to_life` (the one rule that reads it later)."""
    named: frozenset[str]


@cache
def _plain(sender: str, kind: str, risk_to_life: bool, evidence: bool) -> _Sent:
    """The record of an envelope that names nobody and keeps no personal data."""
    return _Sent(sender, kind, risk_to_life, evidence, (), frozenset())


@dataclass(slots=True)
class _Minor:
    seq: int
    envelope_id: str
    protected: bool = False


@dataclass(slots=True)
class _Screening:
    seq: int
    envelope_id: str
    agency: str
    person: str


@dataclass(slots=True)
class Compliance:
    """Folds the records into each rule's findings."""

    KINDS: ClassVar[frozenset[str]] = frozenset(
        ("envelope_submitted", "rejected", "barrier_decision", "delivered")
    )

    agencies: dict[str, _Agency] = field(default_factory=dict)
    evidence_grade: dict[str, bool] = field(default_factory=dict)
    sent: dict[str, _Sent] = field(default_factory=dict)
    consents: dict[str, Body] = field(default_factory=dict)
    """Consent id → the latest consent record body with that id."""
    findings: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {rule: [] for rule in RULES}
    )
    languages: dict[str, set[str]] = field(default_factory=dict)
    """Person id → every language any envelope gave for them."""
    minors: dict[str, _Minor] = field(default_factory=dict)
    victims: set[str] = field(default_factory=set)
    interviewed_by: dict[str, list[str]] = field(default_factory=dict)
    """Person id → the agencies that screened or interviewed them, in order."""
    screenings: list[_Screening] = field(default_factory=list)
    """Screenings with no interpreter recorded: judged at the end, when languages are known."""

    def start(self, canonical: dict[str, Any]) -> None:
        """The scenario's agencies and channels."""
        for agency in canonical.get("agency", []):
            self.agencies[agency["id"]] = _Agency(
                agency["kind"], agency["country"], frozenset(agency.get("languages", []))
            )
        for channel in canonical.get("channel", []):
            self.evidence_grade[channel["id"]] = bool(channel.get("evidence_grade"))

    def apply(self, record: Record) -> None:
        """Fold one record."""
        kind = record.kind
        if kind == "envelope_submitted" and record.origin != "bus":
            self._submitted(record)
        elif kind == "rejected":
            self._rejected(record)
        elif kind == "barrier_decision":
            data = record.data
            if data.get("stage") == "consent" and data.get("outcome") == "pass":
                self._passed_consent(record)
        elif kind == "delivered":
            self._delivered(record)

    def _add(self, rule: str, record: Record, detail: str) -> None:
        self.findings[rule].append(
            {"seq": record.seq, "envelope_id": str(record.envelope_id), "detail": detail}
        )

    def _submitted(self, record: Record) -> None:
        envelope = record.data["envelope"]
        body: Body = envelope["body"]
        sender = str(envelope["sender"])
        persons = list(_persons(body))
        named = frozenset(
            [str(p["person_id"]) for p in persons]
            + ([str(body["person_id"])] if body.get("person_id") else [])
            + [str(p) for p in body.get("person_ids") or []]
        )
        envelope_id = str(record.envelope_id)
        risk_to_life = bool(envelope.get("risk_to_life"))
        kept = tuple(persons) if risk_to_life else ()
        evidence = (
            envelope.get("evidentiary_status") == "evidence" or body["kind"] == "evidence_transfer"
        )
        self.sent[envelope_id] = (
            _Sent(sender, str(body["kind"]), risk_to_life, evidence, kept, named)
            if kept or named
            else _plain(sender, str(body["kind"]), risk_to_life, evidence)
        )
        for person in persons:
            self._learn(record, person, sender)
        if body["kind"] == "consent_record":
            self.consents[str(body["consent_id"])] = body
        elif body["kind"] == "identification_decision":
            self._identified(record, body, sender)
        elif body["kind"] == "screening":
            self._screened(record, body, sender)
        elif body["kind"] == "evidence_transfer":
            self._custody(record, body, sender, envelope.get("recipients") or [])
        elif body["kind"] == "return_arrangement" and body.get("voluntary") is False:
            for person in persons:
                self._penalised(record, str(person["person_id"]), "an involuntary return")
        elif body["kind"] == "procedural_document":
            doc_type = body.get("doc_type")
            if doc_type == "indictment":
                for person in body.get("person_ids") or []:
                    self._penalised(record, str(person), "an indictment")
            elif doc_type in INTERVIEWS:
                for interviewed in sorted(named):
                    self._interviewed(record, interviewed, sender, "interviewed")
        if sender in self.agencies and self.agencies[sender].kind == "child_protection":
            self._protect(named)

    def _learn(self, record: Record, person: Body, sender: str) -> None:
        """What a person's data says: languages, and whether they are a minor."""
        person_id = str(person["person_id"])
        spoken = self.languages.setdefault(person_id, set())
        for key in ("primary_language", "secondary_language"):
            if person.get(key):
                spoken.add(str(person[key]))
        age = person.get("age")
        if person.get("is_minor") or (isinstance(age, int) and age < 18):
            self._minor(record, person_id)

    def _minor(self, record: Record, person_id: str) -> None:
        if person_id not in self.minors:
            self.minors[person_id] = _Minor(record.seq, str(record.envelope_id))

    def _identified(self, record: Record, body: Body, sender: str) -> None:
        person_id = str(body["person_id"])
        if body.get("is_child"):
            self._minor(record, person_id)
        if body.get("trafficking_status") in VICTIM_STATUSES:
            self.victims.add(person_id)

    def _penalised(self, record: Record, person_id: str, what: str) -> None:
        if person_id in self.victims:
            sender = self.sent[str(record.envelope_id)].sender
            self._add(
                "victim_penalised",
                record,
                f"{sender} sent {what} for {person_id}, identified as a presumed victim",
            )

    def _screened(self, record: Record, body: Body, sender: str) -> None:
        person_id = str(body["person_id"])
        self._interviewed(record, person_id, sender, "screened")
        if body.get("interpreter_used") is None:
            self.screenings.append(
                _Screening(record.seq, str(record.envelope_id), sender, person_id)
            )

    def _interviewed(self, record: Record, person_id: str, agency: str, how: str) -> None:
        before = self.interviewed_by.setdefault(person_id, [])
        country = self._country(agency)
        earlier = next(
            (a for a in before if a != agency and self._country(a) == country and country), None
        )
        if earlier is not None and agency not in before:
            self._add(
                "repeated_interview",
                record,
                f"{person_id} {how} by {agency} after {earlier} (both {country})",
            )
        if agency not in before:
            before.append(agency)

    def _country(self, agency: str) -> str:
        found = self.agencies.get(agency)
        return found.country if found is not None else ""

    def _custody(self, record: Record, body: Body, sender: str, recipients: list[str]) -> None:
        gaps = list(_custody_gaps(body, sender, recipients))
        if gaps:
            self._add(
                "custody_gap",
                record,
                f"item {body.get('evidence_item_id')} from {sender}: " + "; ".join(gaps),
            )

    def _rejected(self, record: Record) -> None:
        data = record.data
        reason = data.get("reason")
        route = f"{data.get('sender')} → {record.recipient}"
        if reason == "consent_missing":
            self._add(
                "personal_data_without_consent",
                record,
                f"{route}: refused, consent {data.get('detail')} ({data.get('hint')})",
            )
        elif reason == "handling_violation":
            self._add("h2_passed_on", record, f"{route}: refused, {data.get('detail')}")

    def _passed_consent(self, record: Record) -> None:
        sent = self.sent.get(str(record.envelope_id))
        recipient = str(record.recipient)
        if sent is None or not sent.risk_to_life:
            return
        uncovered = [
            str(person["person_id"])
            for person in sent.persons
            if not _minor(person) and not self._consented(person, recipient)
        ]
        if uncovered:
            self._add(
                "personal_data_without_consent",
                record,
                f"{sent.sender} → {recipient}: {', '.join(uncovered)} passed under "
                "risk_to_life with no consent covering the recipient",
            )

    def _consented(self, person: Body, recipient: str) -> bool:
        """Whether a consent in force covers `recipient` for this person's data."""
        record = self.consents.get(str(person.get("consent_ref")))
        agency = self.agencies.get(recipient)
        if record is None or agency is None or record.get("withdrawn_at") is not None:
            return False
        if record.get("person_id") != person["person_id"]:
            return False
        return any(
            scope.get("agency") == recipient or scope.get("agency_kind") == agency.kind
            for scope in record.get("scope") or []
        )

    def _delivered(self, record: Record) -> None:
        sent = self.sent.get(str(record.envelope_id))
        recipient = str(record.recipient)
        if sent is None:
            return
        agency = self.agencies.get(recipient)
        if agency is not None and agency.kind == "child_protection":
            self._protect(sent.named)
        channel = record.data["delivery"].get("channel")
        if (
            sent.evidence
            and channel is not None
            and sent.sender != recipient
            and {sent.sender, recipient} <= self.agencies.keys()
            and not self.evidence_grade.get(channel, False)
        ):
            self._add(
                "evidence_over_intelligence_channel",
                record,
                f"{sent.kind} {sent.sender} → {recipient} over {channel}, "
                "which is not evidence-grade",
            )

    def _protect(self, named: frozenset[str]) -> None:
        for person in named:
            minor = self.minors.get(person)
            if minor is not None:
                minor.protected = True

    def document(self) -> dict[str, list[dict[str, Any]]]:
        """The section: every rule, its findings in log order."""
        findings = {rule: list(found) for rule, found in self.findings.items()}
        for person, minor in self.minors.items():
            if not minor.protected:
                findings["minor_without_child_protection"].append(
                    {
                        "seq": minor.seq,
                        "envelope_id": minor.envelope_id,
                        "detail": f"{person} is a minor; no child-protection agency "
                        "received or sent a message naming them",
                    }
                )
        for screening in self.screenings:
            spoken = self.languages.get(screening.person, set())
            agency = self.agencies.get(screening.agency)
            if spoken and agency is not None and not spoken & agency.languages:
                findings["interview_without_shared_language"].append(
                    {
                        "seq": screening.seq,
                        "envelope_id": screening.envelope_id,
                        "detail": f"{screening.agency} screened {screening.person} "
                        f"({', '.join(sorted(spoken))}) in "
                        f"{', '.join(sorted(agency.languages))} with no interpreter recorded",
                    }
                )
        for found in findings.values():
            found.sort(key=lambda finding: finding["seq"])
        return findings


def _minor(person: Body) -> bool:
    age = person.get("age")
    return bool(person.get("is_minor")) or (isinstance(age, int) and age < 18)


def _persons(body: Body) -> Iterator[Body]:
    """The personal data a body carries: each `Person` (a table with `person_id` and
    `role`), in a field or a list field."""
    for value in body.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and "person_id" in item and "role" in item:
                yield item


def _custody_gaps(body: Body, sender: str, recipients: list[str]) -> Iterator[str]:
    """Each place a chain of custody skips a holder or a time."""
    holder = str(body.get("seized_by"))
    since = _instant(body.get("seized_at"))
    for number, link in enumerate(body.get("custody") or [], start=1):
        if link.get("from_agency") != holder:
            yield f"link {number} is from {link.get('from_agency')}, but {holder} held it"
        at = _instant(link.get("at"))
        if at is not None and since is not None and at < since:
            yield f"link {number} at {link.get('at')} is before the previous step"
        holder = str(link.get("to_agency"))
        since = at if at is not None else since
    if holder != sender and holder not in recipients:
        yield f"the chain ends with {holder}, not the sender {sender} or a recipient"


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
