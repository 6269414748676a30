"""Hostile and malformed input gets `ProtocolError` with a path, and nothing else."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols import MAX_MESSAGE_BYTES, ProtocolError, decode_envelope
from protocols.codec import decode
from protocols.delivery import Delivery

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["body", "kind", "id", "recipients", "persons", "age", "x"])
            | st.text(),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def _decode_or_protocol_error(data: bytes) -> None:
    error: ProtocolError | None = None
    try:
        decode_envelope(data)
    except ProtocolError as exc:
        error = exc
    if error is not None:
        assert error.path.startswith("$")
        assert error.sentence


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes_raise_only_protocol_error(data: bytes) -> None:
    """Random bytes never raise anything but the protocol error."""
    _decode_or_protocol_error(data)


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes_after_a_brace_raise_only_protocol_error(data: bytes) -> None:
    """Random bytes that look like JSON (a leading brace) take the JSON path safely."""
    _decode_or_protocol_error(b"{" + data)


@FUZZ
@given(json_values)
def test_random_json_raises_only_protocol_error(value: Any) -> None:
    """Random JSON documents, as JSON and as MessagePack, never raise anything else."""
    _decode_or_protocol_error(json.dumps(value).encode())
    _decode_or_protocol_error(msgspec.msgpack.encode(value))


@pytest.mark.parametrize(
    "document",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"body":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"body":' + b'{"a":' * 100_000 + b"1" + b"}" * 100_001,
        b"\x91" * 100_000 + b"\x90",
        b"\x81\xa4body" + b"\x81\xa1a" * 100_000 + b"\x01",
    ],
    ids=["json-array", "json-body-array", "json-body-object", "msgpack-array", "msgpack-map"],
)
def test_absurd_nesting_gets_the_protocol_error(document: bytes) -> None:
    """A document nested 100,000 deep is refused with the protocol error."""
    with pytest.raises(ProtocolError) as caught:
        decode_envelope(document)
    assert caught.value.path.startswith("$")


def test_oversize_input_is_refused_before_decoding() -> None:
    """Input over the byte limit is refused, naming the size and the limit."""
    data = b"{" + b" " * MAX_MESSAGE_BYTES + b"}"
    with pytest.raises(ProtocolError, match="more than the limit") as caught:
        decode_envelope(data)
    assert caught.value.path == "$"


def test_a_smaller_limit_can_be_configured() -> None:
    """The byte limit is a parameter of the decoder."""
    with pytest.raises(ProtocolError, match="limit of 10"):
        decode_envelope(b'{"schema_version": "1"}', max_bytes=10)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty input"),
        (b"   \n", "empty input"),
        (b"{", "truncated"),
        (b'{"schema_version" "1"}', "malformed"),
        (b"\xef\xbb\xbf{\xff}", "malformed"),
        (b"\xc1", "malformed"),
    ],
)
def test_malformed_input_names_the_problem(data: bytes, fragment: str) -> None:
    """Empty, truncated and invalid documents get a sentence that says what is wrong."""
    with pytest.raises(ProtocolError, match=fragment):
        decode_envelope(data)


def test_non_bytes_input_is_a_protocol_error() -> None:
    """A str handed to the decoder is refused with the protocol error, not a TypeError."""
    with pytest.raises(ProtocolError, match="expected bytes"):
        decode_envelope("{}")  # type: ignore[arg-type]


def test_delivery_records_decode_through_the_same_function() -> None:
    """The generic decoder reports paths for any protocol type."""
    with pytest.raises(ProtocolError) as caught:
        decode(b'{"envelope_id": "nope"}', Delivery)
    assert caught.value.path == "$.envelope_id"
