"""Small valid documents for tests to mutate (the examples are the full-size ones)."""

from __future__ import annotations

import copy
from typing import Any

EXERCISE_ID = "3f6c2a9e-4b1d-5e8f-9a7c-2d4e6f8a0b1c"

_ENVELOPE: dict[str, Any] = {
    "schema_version": "1",
    "id": "5b0e7c1a-2f4d-4c8e-9a61-0d3b7e2f9c44",
    "exercise_id": EXERCISE_ID,
    "sender": "kz-mia-at",
    "recipients": ["kz-ngo-sh", "kz-soc"],
    "channel": "nat-referral",
    "created_at": "2026-06-02T11:30:00+05:00",
    "case_refs": ["KZ-AT-2026-0141"],
    "priority": {"level": "urgent", "respond_by": "2026-06-02T17:30:00+05:00"},
    "language": "rus",
    "script": "Cyrl",
    "legal_basis": "nrm_sop",
    "body": {
        "kind": "referral",
        "referring_organisation": "kz-mia-at",
        "referred_organisation": ["kz-ngo-sh"],
        "reason_for_outgoing_referral": "AdditionalServicesRequired",
        "services_requested": ["shelter", "medical"],
        "persons": [
            {
                "person_id": "a-uz-03",
                "role": "victim",
                "consent_ref": "con-a-uz-03",
                "age": 34,
                "gender": "Masculine",
                "citizenship": ["UZ"],
            }
        ],
    },
}

_INFO_RESPONSE_BODY: dict[str, Any] = {
    "kind": "info_response",
    "findings": ["The phone number belongs to a resident of Osh."],
}


def referral_envelope() -> dict[str, Any]:
    """A valid envelope with a referral body carrying one person."""
    return copy.deepcopy(_ENVELOPE)


def info_response_envelope() -> dict[str, Any]:
    """A valid info_response envelope, with the evaluation and handling it needs."""
    document = referral_envelope()
    document.update(
        sender="kg-mia",
        recipients=["kz-mia-at"],
        channel="cis-police-direct",
        evaluation={"scheme": "europol_4x4", "source": "B", "information": 2},
        handling={"codes": ["H1", "H2"]},
        body=copy.deepcopy(_INFO_RESPONSE_BODY),
    )
    return document


# Bodies the bus tests send between the agencies of tests/scenarios/mini.toml.
PERSON = {"person_id": "a-uz-03", "role": "victim", "consent_ref": "con-a-uz-03", "age": 34}
REFERRAL = {
    "kind": "referral",
    "referring_organisation": "kz-police",
    "referred_organisation": ["kz-ngo"],
    "reason_for_outgoing_referral": "AdditionalServicesRequired",
    "services_requested": ["shelter"],
    "persons": [PERSON],
}
DOCUMENT = {
    "kind": "procedural_document",
    "doc_type": "seizure_protocol",
    "author": "investigator",
    "case_number": "KZ-1",
    "title": "t",
    "summary": "s",
    "document_language": "rus",
}
CONSENT = {
    "kind": "consent_record",
    "consent_id": "con-a-uz-03",
    "person_id": "a-uz-03",
    "given_at": "2026-06-01T09:00:00+05:00",
    "elements": {
        "interview": True,
        "purpose_explained": True,
        "data_use": True,
        "right_of_access": True,
        "retention_explained": True,
        "withdrawal_explained": True,
    },
    "scope": [{"agency_kind": "ngo_shelter", "data_categories": ["identity"]}],
}
