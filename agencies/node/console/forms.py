"""Compose forms generated from the protocol's JSON Schema (STYLE.md): a new message type
needs no new page. A schema becomes a tree of fields, each with the widget a person fills
in; the console's script builds the JSON body from it and puts the server's field errors
next to the field their path names."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

from protocols.schema import all_schemas

Widget = Literal[
    "text",  # a line of text (ids, names, dates and times as written)
    "textarea",  # longer text
    "integer",
    "number",
    "checkbox",  # true or false
    "tristate",  # true, false or not said
    "select",  # one of a list
    "choices",  # several of a list
    "lines",  # a list of short texts, one per line
    "object",  # a group of fields
    "list",  # a list of groups, added one by one
]
LONG_TEXT = 300
"""Text that may be longer than this gets a text area."""
ENVELOPE_FIELDS_SET_BY_CONSOLE = frozenset(
    {"schema_version", "id", "exercise_id", "sender", "created_at", "body", "attachments"}
)
"""Envelope fields the console fills in itself (the body has its own form)."""


@dataclass
class Field:
    """One field of a form: its key, what to fill in, and (groups) its children."""

    key: str
    widget: Widget
    required: bool = False
    description: str = ""
    options: tuple[str, ...] = ()
    default: Any = None
    children: list[Field] = field(default_factory=list)
    fixed: str | None = None
    """A constant (the body's `kind`): sent as is, not shown."""
    format: str = ""

    @property
    def label(self) -> str:
        """The key as people read it."""
        return self.key.replace("_", " ").capitalize()


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The node behind a `$ref` or a nullable `anyOf`, and whether null is allowed."""
    nullable = False
    while True:
        if "$ref" in node:
            node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **{
                k: v for k, v in node.items() if k != "$ref"
            }}  # fmt: skip
            continue
        if "anyOf" in node:
            options = [option for option in node["anyOf"] if option.get("type") != "null"]
            nullable = nullable or len(options) < len(node["anyOf"])
            if len(options) != 1:
                raise ValueError(f"a union of {len(options)} types has no form widget")
            node = {**options[0], **{k: v for k, v in node.items() if k != "anyOf"}}
            continue
        return node, nullable


def _field(key: str, node: dict[str, Any], defs: dict[str, Any], required: bool) -> Field:
    resolved, nullable = _resolve(node, defs)
    description = str(node.get("description") or resolved.get("description") or "")
    default = resolved.get("default")
    base = Field(key, "text", required=required and not nullable, description=description)
    enum = resolved.get("enum")
    if enum is not None:
        if len(enum) == 1 and key == "kind":
            return replace(base, widget="text", fixed=str(enum[0]))
        numbers = all(isinstance(value, int) for value in enum)
        return replace(
            base,
            widget="select",
            options=tuple(map(str, enum)),
            default=default,
            format="integer" if numbers else "",
        )
    kind = resolved.get("type")
    if kind == "object":
        return replace(base, widget="object", children=_fields(resolved, defs))
    if kind == "array":
        item, _ = _resolve(resolved["items"], defs)
        if "enum" in item:
            numbers = all(isinstance(value, int) for value in item["enum"])
            return replace(
                base,
                widget="choices",
                options=tuple(map(str, item["enum"])),
                format="integer" if numbers else "",
            )
        if item.get("type") == "object":
            return replace(
                base,
                widget="list",
                children=[Field(key="", widget="object", children=_fields(item, defs))],
            )
        return replace(base, widget="lines", format=str(item.get("type", "string")))
    if kind == "boolean":
        widget: Widget = "tristate" if nullable else "checkbox"
        return replace(base, widget=widget, default=default)
    if kind in ("integer", "number"):
        return replace(base, widget=kind, default=default)
    long = int(resolved.get("maxLength", 0)) > LONG_TEXT
    return replace(
        base,
        widget="textarea" if long else "text",
        format=str(resolved.get("format", "")),
        default=default,
    )


def _fields(
    node: dict[str, Any], defs: dict[str, Any], leave_out: frozenset[str] = frozenset()
) -> list[Field]:
    required = set(node.get("required", ()))
    return [
        _field(key, value, defs, key in required)
        for key, value in node.get("properties", {}).items()
        if key not in leave_out
    ]


@cache
def body_form(kind: str) -> Field:
    """The form of a message type's body."""
    schema = all_schemas()[kind]
    root, _ = _resolve(schema, schema["$defs"])
    return Field(
        key="body", widget="object", required=True, children=_fields(root, schema["$defs"])
    )


@cache
def envelope_form() -> Field:
    """The form of the envelope's fields a team fills in (the console sets the rest)."""
    schema = all_schemas()["envelope"]
    root, _ = _resolve(schema, schema["$defs"])
    fields = _fields(root, schema["$defs"], ENVELOPE_FIELDS_SET_BY_CONSOLE)
    return Field(key="envelope", widget="object", required=True, children=fields)


ADVANCED_ENVELOPE_FIELDS = frozenset(
    {"thread_id", "in_reply_to", "derived_from", "translation_of", "evaluation", "legal_basis"}
)
"""Envelope fields most messages leave empty: shown folded."""


def compose_envelope_form(agencies: list[str], channels: list[str]) -> tuple[Field, Field]:
    """The envelope's form for a console, in two parts (the usual fields, and the ones most
    messages leave empty): recipients are the exercise's agencies to tick, the channel one
    of its channels or none (the bus chooses)."""
    usual: list[Field] = []
    advanced: list[Field] = []
    for child in envelope_form().children:
        shown = child
        if child.key == "recipients":
            shown = replace(child, widget="choices", options=tuple(agencies))
        elif child.key == "channel":
            shown = replace(child, widget="select", options=tuple(channels))
        (advanced if child.key in ADVANCED_ENVELOPE_FIELDS else usual).append(shown)
    return (
        Field(key="envelope", widget="object", required=True, children=usual),
        Field(key="envelope", widget="object", required=True, children=advanced),
    )
