"""JSON Schema (2020-12) export: the envelope, the delivery record and each message type."""

from __future__ import annotations

import inspect as pyinspect
from typing import Any, Final

import msgspec
from msgspec import inspect

from protocols.catalogue import MESSAGE_TYPES
from protocols.delivery import Delivery
from protocols.envelope import SCHEMA_VERSION, Envelope

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def schema_id(name: str) -> str:
    """The `$id` of a named schema."""
    return f"urn:trafsim:schema:{SCHEMA_VERSION}:{name}"


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every schema by file name stem: `envelope`, `delivery`, then one per message kind."""
    schemas = {
        "envelope": build_schema(Envelope, "envelope"),
        "delivery": build_schema(Delivery, "delivery"),
    }
    for kind, cls in sorted(MESSAGE_TYPES.items()):
        schemas[kind] = build_schema(cls, kind)
    return schemas


def build_schema(type_: type[msgspec.Struct], name: str) -> dict[str, Any]:
    """A standalone schema for one struct type, with the cross-field rules it checks in code."""
    generated = msgspec.json.schema(type_)
    defs: dict[str, Any] = generated.get("$defs", {})
    for cls in _structs_reachable_from(type_):
        rules: tuple[dict[str, Any], ...] = getattr(cls, "schema_rules", ())
        if rules and cls.__name__ in defs:
            defs[cls.__name__].setdefault("allOf", []).extend(rules)
    for definition in defs.values():
        if "description" in definition:
            definition["description"] = pyinspect.cleandoc(definition["description"])
    top = defs.get(type_.__name__, {})
    return {
        "$schema": DIALECT,
        "$id": schema_id(name),
        "title": name,
        "description": top.get("description", ""),
        "$ref": generated["$ref"],
        "$defs": defs,
    }


def _structs_reachable_from(root: Any) -> list[type[msgspec.Struct]]:
    """Every struct class reachable from `root`, each once, in discovery order."""
    seen: dict[type[msgspec.Struct], None] = {}
    pending: list[inspect.Type] = [inspect.type_info(root)]
    while pending:
        info = pending.pop()
        if isinstance(info, inspect.StructType):
            if info.cls in seen:
                continue
            seen[info.cls] = None
            pending.extend(field.type for field in info.fields)
        elif isinstance(info, inspect.Metadata):
            pending.append(info.type)
        elif isinstance(info, inspect.UnionType):
            pending.extend(info.types)
        elif isinstance(
            info, (inspect.ListType | inspect.SetType | inspect.FrozenSetType, inspect.VarTupleType)
        ):
            pending.append(info.item_type)
        elif isinstance(info, inspect.DictType):
            pending.extend((info.key_type, info.value_type))
    return list(seen)
