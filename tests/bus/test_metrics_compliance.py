"""`compliance` (SPEC §16) on a constructed exercise worked out by hand: each rule finds
what it should (at the record named) and nothing where play kept the rule."""

from __future__ import annotations

from typing import Any

from tests import documents
from tests.bus.test_rules import exercise, send
from trafsim_bus.core.bus import Bus
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.metrics.compliance import RULES
from trafsim_bus.timebase import HOUR

EXTRA = """
[[agency]]
id = "kz-child"
name = "KZ child protection"
country = "KZ"
kind = "child_protection"
languages = ["rus"]

[[agency]]
id = "kz-mig"
name = "KZ migration"
country = "KZ"
kind = "migration"
languages = ["rus"]

[[channel]]
id = "local"
from = [{ country = "KZ" }]
to = [{ country = "KZ" }]
evidence_grade = true
types = ["screening", "identification_decision", "consent_record", "referral",
         "return_arrangement", "procedural_document", "evidence_transfer"]
latency = [{ family = "fixed", median = "10min" }]

[[channel]]
id = "police-intel"
from = ["kz-police"]
to = ["uz-police"]
both_ways = true
types = ["evidence_transfer", "screening"]
latency = [{ family = "fixed", median = "1h" }]
"""

INDICATORS = [
    {
        "id": "ilo_ec09.debt_bondage",
        "dimension": "coercion_at_destination",
        "strength": "strong",
        "present": True,
    }
]


def screening(person: str, interpreter: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "screening",
        "person_id": person,
        "instrument": "ilo_ec_2009_adult_labour",
        "indicators": INDICATORS,
        "result": "likely",
    }
    if interpreter is not None:
        body["interpreter_used"] = {"language": interpreter, "provider_type": "official"}
    return body


def person(person_id: str, **fields: Any) -> dict[str, Any]:
    return {"person_id": person_id, "role": "victim", **fields}


def referral(*persons: dict[str, Any], to: str = "kz-ngo") -> dict[str, Any]:
    return {
        "kind": "referral",
        "referring_organisation": "kz-police",
        "referred_organisation": [to],
        "reason_for_outgoing_referral": "AdditionalServicesRequired",
        "services_requested": ["shelter"],
        "persons": list(persons),
    }


CONSENT = {
    **documents.CONSENT,
    "consent_id": "con-1",
    "person_id": "p-1",
    "scope": [
        {"agency_kind": "ngo_shelter", "data_categories": ["identity"]},
        {"agency_kind": "police", "data_categories": ["identity"]},
    ],
}
DECISION = {
    "kind": "identification_decision",
    "person_id": "p-1",
    "trafficking_status": "PossibleVictimOfTrafficking",
    "trafficking_status_decision_making_org": "Police",
    "stage": "presumed",
    "basis": {"act": "recruitment", "purpose": "forced labour"},
}


def document_of(doc_type: str, person_ids: list[str]) -> dict[str, Any]:
    return {
        "kind": "procedural_document",
        "doc_type": doc_type,
        "author": "investigator",
        "case_number": "KZ-1",
        "title": "t",
        "summary": "s",
        "document_language": "rus",
        "person_ids": person_ids,
    }


def returning(voluntary: bool) -> dict[str, Any]:
    return {
        "kind": "return_arrangement",
        "persons": [person("p-1", consent_ref="con-1")],
        "travel_document_status": "issued",
        "voluntary": voluntary,
    }


def evidence(custody: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "kind": "evidence_transfer",
        "evidence_item_id": "ev-1",
        "description": "Phone of the supervisor.",
        "seized_by": "kz-police",
        "seized_at": "2026-06-01T09:00:00+05:00",
        "seized_where": "site office",
        "custody": [
            {
                "from_agency": giver,
                "to_agency": taker,
                "at": at,
                "purpose": "p",
                "signature": "s",
            }
            for giver, taker, at in custody
        ],
    }


H2_RESPONSE = {"kind": "info_response", "findings": ["The number is known."]}


def played() -> tuple[Bus, dict[str, list[dict[str, Any]]]]:
    """The exercise: each envelope is numbered; the comments say what each rule makes of it."""
    bus = exercise(EXTRA)
    # 1: kz-police (rus) screens p-1, who speaks Uzbek (said in 10), with no interpreter:
    # interview_without_shared_language. 2: kz-ngo screens p-1 too, with an interpreter:
    # repeated_interview (second KZ agency), no language finding. 3: uz-police screens p-1:
    # another country, and uz-police speaks Uzbek: nothing. 4: kz-police screens p-2, who
    # speaks Russian: nothing. 5: kz-police screens p-8, whose languages nobody gives: nothing.
    send(bus, 1, "kz-police", ["kz-pgo"], screening("p-1"))
    send(bus, 2, "kz-ngo", ["kz-police"], screening("p-1", interpreter="uzb"))
    send(bus, 3, "uz-police", ["kz-police"], screening("p-1"))
    send(bus, 4, "kz-police", ["kz-pgo"], screening("p-2"))
    send(bus, 5, "kz-police", ["kz-pgo"], screening("p-8"))
    # 6: the consent for p-1 (shelters and police). 7: p-1 presumed a victim.
    send(bus, 6, "kz-police", ["kz-ngo"], CONSENT)
    send(bus, 7, "kz-police", ["kz-ngo"], DECISION)
    bus.advance_to(1 * HOUR)
    # 8: migration arranges p-1's return against their will: victim_penalised. 9: a
    # voluntary return: nothing. 10: an indictment naming p-1: victim_penalised; naming p-9
    # (never identified): nothing.
    send(bus, 8, "kz-mig", ["kz-police"], returning(voluntary=False))
    send(bus, 9, "kz-mig", ["kz-police"], returning(voluntary=True))
    send(bus, 10, "kz-pgo", ["kz-police"], document_of("indictment", ["p-1"]))
    send(bus, 11, "kz-pgo", ["kz-police"], document_of("indictment", ["p-9"]))
    # 12: p-1 (Uzbek) and p-2 (Russian) referred with consent... p-2 has none: refused,
    # personal_data_without_consent; p-1's languages are learnt here.
    send(
        bus,
        12,
        "kz-police",
        ["kz-ngo"],
        referral(
            person("p-1", consent_ref="con-1", primary_language="uzb"),
            person("p-2", consent_ref="con-2", primary_language="rus"),
        ),
    )
    # 13: p-4 without consent under risk_to_life: passes, personal_data_without_consent.
    # 14: p-1 under risk_to_life but covered by con-1: nothing. 15: minor p-5 to the
    # shelter only: minor_without_child_protection. 16: minor p-6 to child protection:
    # nothing.
    send(bus, 13, "kz-police", ["kz-ngo"], referral(person("p-4")), risk_to_life=True)
    send(
        bus,
        14,
        "kz-police",
        ["kz-ngo"],
        referral(person("p-1", consent_ref="con-1")),
        risk_to_life=True,
    )
    send(bus, 15, "kz-police", ["kz-ngo"], referral(person("p-5", is_minor=True)))
    send(bus, 16, "kz-police", ["kz-child"], referral(person("p-6", is_minor=True), to="kz-child"))
    bus.advance_to(2 * HOUR)
    # 17: evidence over the intelligence channel with a chain that skips a holder and goes
    # back in time: evidence_over_intelligence_channel and custody_gap. 18: evidence to the
    # prosecutor over the evidence-grade channel with an unbroken chain: nothing.
    send(
        bus,
        17,
        "kz-police",
        ["uz-police"],
        evidence(
            [
                ("kz-police", "kz-pgo", "2026-06-01T10:00:00+05:00"),
                ("kz-police", "uz-police", "2026-06-01T09:30:00+05:00"),
            ]
        ),
    )
    send(
        bus,
        18,
        "kz-police",
        ["kz-pgo"],
        evidence([("kz-police", "kz-pgo", "2026-06-01T10:00:00+05:00")]),
    )
    # 19: H2 from the Uzbek police; 20: kz-police passes it on to the shelter (not a party):
    # refused, h2_passed_on; 21: back to the Uzbek police (a party): nothing.
    response = send(
        bus,
        19,
        "uz-police",
        ["kz-police"],
        H2_RESPONSE,
        handling={"codes": ["H2"]},
        evaluation={"scheme": "europol_4x4", "source": "B", "information": 2},
    )
    bus.advance_to(6 * HOUR)
    send(
        bus,
        20,
        "kz-police",
        ["kz-ngo"],
        referral(person("p-1", consent_ref="con-1")),
        derived_from=[str(response.id)],
    )
    bus.advance_to(bus.clock.endex_us)
    records = bus.recorder.records
    return bus, compute_metrics(records, (records[-1].seq, ""))["compliance"]


def test_each_rule_finds_what_the_exercise_did_wrong_and_nothing_else() -> None:
    bus, found = played()
    records = bus.recorder.records

    def submitted(n: int) -> tuple[int, str]:
        """(seq, envelope id) of envelope n's submission."""
        from uuid import uuid5

        wanted = str(uuid5(bus.exercise_id, f"rule:{n}"))
        record = next(
            r for r in records if r.kind == "envelope_submitted" and r.envelope_id == wanted
        )
        return record.seq, wanted

    def at(n: int, kind: str, recipient: str, **data: Any) -> tuple[int, str]:
        """(seq, envelope id) of the first `kind` record of envelope n to `recipient`."""
        _, wanted = submitted(n)
        record = next(
            r
            for r in records
            if r.kind == kind
            and r.envelope_id == wanted
            and r.recipient == recipient
            and all(r.data.get(k) == v for k, v in data.items())
        )
        return record.seq, wanted

    def where(rule: str) -> list[tuple[int, str]]:
        return [(f["seq"], f["envelope_id"]) for f in found[rule]]

    assert list(found) == list(RULES)
    assert where("interview_without_shared_language") == [submitted(1)]
    assert where("repeated_interview") == [submitted(2)]
    assert where("victim_penalised") == [submitted(8), submitted(10)]
    assert where("personal_data_without_consent") == [
        at(12, "rejected", "kz-ngo"),
        at(13, "barrier_decision", "kz-ngo", stage="consent"),
    ]
    assert where("minor_without_child_protection") == [submitted(15)]
    assert where("evidence_over_intelligence_channel") == [at(17, "delivered", "uz-police")]
    assert where("custody_gap") == [submitted(17)]
    assert where("h2_passed_on") == [at(20, "rejected", "kz-ngo")]


def test_each_finding_says_who_did_what() -> None:
    _, found = played()
    details = {rule: [f["detail"] for f in findings] for rule, findings in found.items()}
    assert details["interview_without_shared_language"] == [
        "kz-police screened p-1 (uzb) in rus with no interpreter recorded"
    ]
    assert details["repeated_interview"] == ["p-1 screened by kz-ngo after kz-police (both KZ)"]
    assert details["victim_penalised"] == [
        "kz-mig sent an involuntary return for p-1, identified as a presumed victim",
        "kz-pgo sent an indictment for p-1, identified as a presumed victim",
    ]
    assert details["personal_data_without_consent"][1] == (
        "kz-police → kz-ngo: p-4 passed under risk_to_life with no consent covering the recipient"
    )
    assert details["personal_data_without_consent"][0].startswith(
        "kz-police → kz-ngo: refused, consent unknown"
    )
    assert details["custody_gap"] == [
        "item ev-1 from kz-police: link 2 is from kz-police, but kz-pgo held it; "
        "link 2 at 2026-06-01T09:30:00+05:00 is before the previous step"
    ]
    assert details["evidence_over_intelligence_channel"] == [
        "evidence_transfer kz-police → uz-police over police-intel, which is not evidence-grade"
    ]
    assert details["h2_passed_on"][0].startswith("kz-police → kz-ngo: refused, ")
    assert details["minor_without_child_protection"] == [
        "p-5 is a minor; no child-protection agency received or sent a message naming them"
    ]
