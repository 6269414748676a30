"""Errors name the path of the bad value, and msgspec and the JSON Schemas agree on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from jsonschema import Draft202012Validator

from protocols import ProtocolError, all_schemas, decode_envelope
from tests.documents import info_response_envelope, referral_envelope

Document = dict[str, Any]
VALIDATOR = Draft202012Validator(
    all_schemas()["envelope"], format_checker=Draft202012Validator.FORMAT_CHECKER
)


def _set(path: str, value: Any, base: Callable[[], Document] = referral_envelope) -> Document:
    document = base()
    target: Any = document
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return document


def _drop(path: str, base: Callable[[], Document] = referral_envelope) -> Document:
    document = base()
    target: Any = document
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key) if key.isdigit() else key]
    del target[keys[-1]]
    return document


CASES: list[tuple[str, Document, str, str]] = [
    ("negative age", _set("body.persons.0.age", -3), "$.body.persons[0].age", ">= 0"),
    ("bad date-time", _set("created_at", "2026-06-02 noon"), "$.created_at", "datetime"),
    ("naive date-time", _set("created_at", "2026-06-02T11:30:00"), "$.created_at", "timezone"),
    ("bad uuid", _set("id", "not-a-uuid"), "$.id", "UUID"),
    ("bad enum", _set("priority.level", "asap"), "$.priority.level", "invalid enum value"),
    ("bad language", _set("language", "russian"), "$.language", "invalid enum value"),
    ("bad kind", _set("body.kind", "referal"), "$.body.kind", "invalid value 'referal'"),
    ("missing field", _drop("body.services_requested"), "$.body", "`services_requested`"),
    ("missing envelope field", _drop("exercise_id"), "$", "`exercise_id`"),
    ("unknown field", _set("recipents", ["kz-soc"]), "$", "unknown field `recipents`"),
    ("upper-case agency", _set("sender", "KZ-PGO"), "$.sender", "regex"),
    ("trailing newline id", _set("sender", "kz-pgo\n"), "$.sender", "regex"),
    ("duplicate recipient", _set("recipients", ["kz-soc", "kz-soc"]), "$.recipients", "once"),
    ("no recipient", _set("recipients", []), "$.recipients", "length >= 1"),
    (
        "duplicate handling code",
        _set("handling", {"codes": ["H1", "H1"]}),
        "$.handling.codes",
        "once",
    ),
    ("no handling code", _set("handling", {"codes": []}), "$.handling.codes", "length >= 1"),
    (
        "bad evaluation",
        _set("evaluation", {"source": "D", "information": 2}),
        "$.evaluation.source",
        "invalid enum value",
    ),
    (
        "bad sha256",
        _set("attachments", [{"id": "p1", "kind": "photo", "sha256": "abc"}]),
        "$.attachments[0].sha256",
        "regex",
    ),
    (
        "info_response without evaluation",
        _set("evaluation", None, info_response_envelope),
        "$.evaluation",
        "needs an evaluation",
    ),
    (
        "info_response without handling",
        _set("handling", None, info_response_envelope),
        "$.handling",
        "needs handling codes",
    ),
    (
        "wrong body field type",
        _set("body.services_requested", "shelter"),
        "$.body.services_requested",
        "expected `array`",
    ),
    ("body not an object", _set("body", []), "$.body", "expected `object`"),
]


@pytest.mark.parametrize(
    ("document", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("codec", ["json", "msgpack"])
def test_bad_values_are_reported_with_their_path(
    document: Document, path: str, fragment: str, codec: str
) -> None:
    """The protocol error names the JSON path of the bad value and what was expected."""
    data = msgspec.json.encode(document) if codec == "json" else msgspec.msgpack.encode(document)
    with pytest.raises(ProtocolError) as caught:
        decode_envelope(data)
    assert caught.value.path == path
    assert fragment.lower() in caught.value.sentence.lower()


@pytest.mark.parametrize("document", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_the_schema_rejects_what_the_decoder_rejects(document: Document) -> None:
    """Every document the decoder refuses, the exported envelope schema refuses too."""
    assert list(VALIDATOR.iter_errors(document)), "the schema accepted a bad document"


@pytest.mark.parametrize("factory", [referral_envelope, info_response_envelope])
def test_the_base_documents_are_valid(factory: Callable[[], Document]) -> None:
    """The documents the cases mutate are valid for both the decoder and the schema."""
    document = factory()
    decode_envelope(msgspec.json.encode(document))
    assert not list(VALIDATOR.iter_errors(document))


def test_consent_scope_needs_exactly_one_recipient_selector() -> None:
    """A consent scope entry names one agency or one agency kind, not both."""
    document = {
        "schema_version": "1",
        "id": "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e",
        "exercise_id": "3f6c2a9e-4b1d-5e8f-9a7c-2d4e6f8a0b1c",
        "sender": "kz-mia-at",
        "recipients": ["kz-ngo-sh"],
        "created_at": "2026-06-02T10:00:00+05:00",
        "language": "rus",
        "script": "Cyrl",
        "body": {
            "kind": "consent_record",
            "consent_id": "con-a-uz-03",
            "person_id": "a-uz-03",
            "given_at": "2026-06-02T09:40:00+05:00",
            "elements": {
                "interview": True,
                "purpose_explained": True,
                "data_use": True,
                "right_of_access": True,
                "retention_explained": True,
                "withdrawal_explained": True,
            },
            "scope": [
                {
                    "agency": "kz-ngo-sh",
                    "agency_kind": "ngo_shelter",
                    "data_categories": ["identity"],
                }
            ],
        },
    }
    with pytest.raises(ProtocolError) as caught:
        decode_envelope(msgspec.json.encode(document))
    assert caught.value.path == "$.body.scope[0].agency"
    assert list(VALIDATOR.iter_errors(document))
    document["body"]["scope"][0].pop("agency_kind")
    decode_envelope(msgspec.json.encode(document))
    assert not list(VALIDATOR.iter_errors(document))
