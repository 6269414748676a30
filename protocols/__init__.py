"""trafsim's wire protocol: the envelope, the message catalogue, codecs and schema export."""

from protocols.catalogue import CONTROL_KINDS, FAMILIES, MESSAGE_TYPES, Body
from protocols.codec import (
    MAX_MESSAGE_BYTES,
    canonical_bytes,
    decode,
    decode_envelope,
    encode_json,
    encode_msgpack,
    is_json,
    validation_error,
)
from protocols.delivery import DelayBreakdown, Delivery
from protocols.envelope import (
    SCHEMA_VERSION,
    Attachment,
    Envelope,
    Evaluation,
    Handling,
    Priority,
)
from protocols.errors import ProtocolError
from protocols.message import Message
from protocols.persons import Person, Subject
from protocols.schema import all_schemas, build_schema

__all__ = [
    "CONTROL_KINDS",
    "FAMILIES",
    "MAX_MESSAGE_BYTES",
    "MESSAGE_TYPES",
    "SCHEMA_VERSION",
    "Attachment",
    "Body",
    "DelayBreakdown",
    "Delivery",
    "Envelope",
    "Evaluation",
    "Handling",
    "Message",
    "Person",
    "Priority",
    "ProtocolError",
    "Subject",
    "all_schemas",
    "build_schema",
    "canonical_bytes",
    "decode",
    "decode_envelope",
    "encode_json",
    "encode_msgpack",
    "is_json",
    "validation_error",
]
