"""The example envelopes: one or more per message type, each valid everywhere it is checked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from protocols import MESSAGE_TYPES, all_schemas, canonical_bytes, decode_envelope, encode_msgpack
from trafsim.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples" / "messages"
FILES = sorted(EXAMPLES.glob("*.json"))
NAME = re.compile(r"^(?P<kind>[a-z_]+?)(-(?P<n>[2-9]|[1-9][0-9]+))?\.json$")
SCHEMAS = all_schemas()


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name], format_checker=Draft202012Validator.FORMAT_CHECKER)


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_every_message_type_has_an_example() -> None:
    """At least one example exists for each kind in the catalogue."""
    kinds = {NAME.match(path.name)["kind"] for path in FILES if NAME.match(path.name)}  # type: ignore[index]
    assert kinds == set(MESSAGE_TYPES)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_example_is_named_after_its_kind(path: Path) -> None:
    """`<kind>.json` or `<kind>-<n>.json`, and the body's kind matches the name."""
    match = NAME.match(path.name)
    assert match, f"{path.name} is not named <kind>[-n].json"
    assert _load(path)["body"]["kind"] == match["kind"]


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_example_validates_against_the_schemas(path: Path) -> None:
    """Each example passes the envelope schema and its body's own schema."""
    document = _load(path)
    assert not [e.message for e in _validator("envelope").iter_errors(document)]
    kind = document["body"]["kind"]
    assert not [e.message for e in _validator(kind).iter_errors(document["body"])]


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_example_decodes_with_both_codecs(path: Path) -> None:
    """Each example decodes from JSON and from MessagePack to the same canonical bytes."""
    envelope = decode_envelope(path.read_bytes())
    via_msgpack = decode_envelope(encode_msgpack(envelope))
    assert canonical_bytes(via_msgpack) == canonical_bytes(envelope)


def test_example_ids_are_unique() -> None:
    """No two examples share an envelope id."""
    ids = [_load(path)["id"] for path in FILES]
    assert len(ids) == len(set(ids))


def test_trafsim_message_validate_passes_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    """`trafsim message validate examples/messages/*.json` exits 0 with one ok per file."""
    assert main(["message", "validate", *map(str, FILES)]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(FILES)
