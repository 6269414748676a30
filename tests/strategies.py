"""Hypothesis strategies built from `msgspec.inspect`, so every constraint of a type holds."""

from __future__ import annotations

from datetime import timedelta, timezone
from functools import cache
from typing import Any

import msgspec
from hypothesis import assume
from hypothesis import strategies as st
from msgspec import inspect

from protocols import Envelope, Evaluation, Handling
from protocols.identification import ConsentScope
from protocols.police import InfoResponse

MAX_LIST = 3
MAX_TEXT = 24
_GUARD = "(?!\\n)"

offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
text_characters = st.characters(exclude_categories=("Cs",))


def for_type(info: inspect.Type, *, unique: bool = False) -> st.SearchStrategy[Any]:
    """A strategy producing values that msgspec accepts for `info`."""
    if isinstance(info, inspect.Metadata):
        extra = info.extra_json_schema or {}
        return for_type(info.type, unique=unique or bool(extra.get("uniqueItems")))
    if isinstance(info, inspect.StructType):
        return for_struct(info.cls)
    if isinstance(info, inspect.UnionType):
        return st.one_of([for_type(option) for option in info.types])
    if isinstance(info, inspect.ListType):
        high = info.max_length if info.max_length is not None else MAX_LIST
        low = info.min_length or 0
        return st.lists(
            for_type(info.item_type),
            min_size=low,
            max_size=max(low, min(high, MAX_LIST)),
            unique=unique,
        )
    if isinstance(info, inspect.StrType):
        return _strings(info)
    if isinstance(info, inspect.IntType):
        low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
        high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
        return st.integers(min_value=low, max_value=high)
    if isinstance(info, inspect.FloatType):
        return st.floats(
            min_value=info.ge if info.ge is not None else info.gt,
            max_value=info.le if info.le is not None else info.lt,
            exclude_min=info.gt is not None,
            exclude_max=info.lt is not None,
            allow_nan=False,
            allow_infinity=False,
        )
    if isinstance(info, inspect.BoolType):
        return st.booleans()
    if isinstance(info, inspect.NoneType):
        return st.none()
    if isinstance(info, inspect.LiteralType):
        return st.sampled_from(info.values)
    if isinstance(info, inspect.UUIDType):
        return st.uuids()
    if isinstance(info, inspect.DateTimeType):
        return st.datetimes(timezones=offsets)
    if isinstance(info, inspect.DateType):
        return st.dates()
    raise NotImplementedError(f"no strategy for {info!r}")


def _strings(info: inspect.StrType) -> st.SearchStrategy[str]:
    low = info.min_length or 0
    high = info.max_length
    if info.pattern is not None:
        pattern = info.pattern.removesuffix(_GUARD)
        strings = st.from_regex(pattern, fullmatch=True)
        return strings.filter(lambda s: low <= len(s) <= (high if high is not None else len(s)))
    cap = min(high, max(low, MAX_TEXT)) if high is not None else max(low, MAX_TEXT)
    return st.text(text_characters, min_size=low, max_size=cap)


@cache
def for_struct(cls: type[msgspec.Struct]) -> st.SearchStrategy[Any]:
    """Instances of a struct; optional fields are sometimes left at their defaults."""
    if cls is ConsentScope:  # exactly one of agency / agency_kind
        fields = inspect.type_info(cls).fields  # type: ignore[attr-defined]
        agency, kind = (for_type(f.type) for f in fields if f.name in ("agency", "agency_kind"))
        return st.one_of(
            _structs(cls, {"agency": agency.filter(bool), "agency_kind": st.none()}),
            _structs(cls, {"agency": st.none(), "agency_kind": kind.filter(bool)}),
        )
    return _structs(cls, {})


def _structs(
    cls: type[msgspec.Struct], overrides: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    info = inspect.type_info(cls)
    assert isinstance(info, inspect.StructType)
    fields = {
        field.name: (
            field,
            overrides[field.name] if field.name in overrides else for_type(field.type),
        )
        for field in info.fields
    }

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        kwargs = {}
        for name, (field, strategy) in fields.items():
            if field.required or draw(st.booleans()):
                kwargs[name] = draw(strategy)
        try:
            return cls(**kwargs)
        except ValueError:
            assume(False)  # a cross-field rule refused this draw
            raise

    return build()


def envelopes(*body_types: type[msgspec.Struct]) -> st.SearchStrategy[Envelope]:
    """Envelopes around bodies of the given types (an info_response brings its evaluation)."""
    bodies = st.one_of([for_struct(cls) for cls in body_types])
    if body_types == (InfoResponse,):
        return _structs(
            Envelope,
            {
                "body": bodies,
                "evaluation": for_struct(Evaluation),
                "handling": for_struct(Handling),
            },
        )
    return _structs(Envelope, {"body": bodies})
