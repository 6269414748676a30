"""Every message type survives both codecs, and what msgspec accepts the schemas accept."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

from protocols import (
    MESSAGE_TYPES,
    Envelope,
    all_schemas,
    canonical_bytes,
    decode,
    decode_envelope,
    encode_json,
    encode_msgpack,
)
from tests.strategies import envelopes

SCHEMAS = all_schemas()
ENVELOPE_VALIDATOR = Draft202012Validator(
    SCHEMAS["envelope"], format_checker=Draft202012Validator.FORMAT_CHECKER
)
PROPERTY = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("kind", sorted(MESSAGE_TYPES))
def test_every_kind_round_trips_and_validates(kind: str) -> None:
    """An envelope of each kind decodes from JSON and MessagePack to an equal envelope with
    the same canonical bytes, and the exported schemas accept it and its body."""
    body_validator = Draft202012Validator(
        SCHEMAS[kind], format_checker=Draft202012Validator.FORMAT_CHECKER
    )

    @PROPERTY
    @given(envelopes(MESSAGE_TYPES[kind]))
    def check(envelope: Envelope) -> None:
        via_json = decode_envelope(encode_json(envelope))
        via_msgpack = decode_envelope(encode_msgpack(envelope))
        assert via_json == envelope
        assert via_msgpack == envelope
        assert canonical_bytes(via_json) == canonical_bytes(via_msgpack)
        assert canonical_bytes(via_json) == canonical_bytes(envelope)
        assert envelope.body.kind() == kind
        document: dict[str, Any] = decode(encode_json(envelope), dict)
        assert not list(ENVELOPE_VALIDATOR.iter_errors(document))
        assert not list(body_validator.iter_errors(document["body"]))

    check()
