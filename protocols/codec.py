"""Codecs: JSON and MessagePack in, one decode function, one error type out."""

from __future__ import annotations

import re
from typing import Any, Final, TypeVar

import msgspec

from protocols.envelope import Envelope
from protocols.errors import ProtocolError

T = TypeVar("T")

MAX_MESSAGE_BYTES: Final = 1_048_576
"""Default size limit of one encoded message (1 MiB): anything larger is refused unread."""

_BOM: Final = b"\xef\xbb\xbf"
_WHITESPACE: Final = b" \t\r\n"
_PATH_SUFFIX = re.compile(r"^(?P<sentence>.*) - at `(?P<path>\$[^`]*)`$", re.DOTALL)
_FIELD_PREFIX = re.compile(r"^`(?P<field>[A-Za-z_][A-Za-z0-9_]*)`: (?P<sentence>.*)$", re.DOTALL)

_json_encoder: Final = msgspec.json.Encoder()
_msgpack_encoder: Final = msgspec.msgpack.Encoder()
_decoders: dict[Any, tuple[msgspec.json.Decoder[Any], msgspec.msgpack.Decoder[Any]]] = {}


def encode_json(message: object) -> bytes:
    """Encode a message (envelope, delivery, body) as JSON."""
    return _json_encoder.encode(message)


def encode_msgpack(message: object) -> bytes:
    """Encode a message as MessagePack, datetimes as RFC 3339 strings so offsets survive.

    (MessagePack's timestamp extension has no offset: it is accepted on input and decodes
    as UTC, but a message sent that way has other canonical bytes than its JSON twin.)"""
    return _msgpack_encoder.encode(msgspec.to_builtins(message))


def canonical_bytes(message: object) -> bytes:
    """The canonical form: JSON with sorted keys, as idempotency checks and hashes use it."""
    return msgspec.json.encode(message, order="sorted")


def is_json(data: bytes) -> bool:
    """JSON when the first byte after an optional BOM and white space is `{`, else MessagePack."""
    return data.removeprefix(_BOM).lstrip(_WHITESPACE)[:1] == b"{"


def decode_envelope(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> Envelope:
    """Decode one envelope from JSON or MessagePack; raise only `ProtocolError`."""
    return decode(data, Envelope, max_bytes=max_bytes)


def decode(data: bytes, type_: type[T], *, max_bytes: int = MAX_MESSAGE_BYTES) -> T:
    """Decode `data` (JSON or MessagePack, told apart by `is_json`) into `type_`.

    Every failure, a malformed or hostile document included, raises `ProtocolError` with
    the path of the offending value and what was expected."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ProtocolError("$", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise ProtocolError(
            "$", f"message is {len(data)} bytes, more than the limit of {max_bytes}"
        )
    if not data.strip(_WHITESPACE):
        raise ProtocolError("$", "expected a JSON object or a MessagePack map, got empty input")
    json_decoder, msgpack_decoder = _decoders_for(type_)
    try:
        if is_json(data):
            result: T = json_decoder.decode(data.removeprefix(_BOM))
        else:
            result = msgpack_decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise validation_error(exc) from None
    except msgspec.DecodeError as exc:
        raise ProtocolError("$", _lower_first(str(exc))) from None
    except RecursionError:
        raise ProtocolError("$", "document is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise ProtocolError("$", f"cannot decode: {exc}") from None
    return result


def _decoders_for(
    type_: Any,
) -> tuple[msgspec.json.Decoder[Any], msgspec.msgpack.Decoder[Any]]:
    pair = _decoders.get(type_)
    if pair is None:
        pair = (msgspec.json.Decoder(type_), msgspec.msgpack.Decoder(type_))
        _decoders[type_] = pair
    return pair


def validation_error(exc: msgspec.ValidationError) -> ProtocolError:
    """msgspec's "Expected `int` >= 0 - at `$.a[0]`" as a path and a sentence (a field
    named by a cross-field rule extends the path)."""
    message = str(exc)
    path = "$"
    match = _PATH_SUFFIX.match(message)
    if match:
        message, path = match["sentence"], match["path"]
    field = _FIELD_PREFIX.match(message)
    if field:
        path = f"{path}.{field['field']}"
        message = field["sentence"]
    return ProtocolError(path, _lower_first(message))


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:] if sentence[:2] != sentence[:2].upper() else sentence
