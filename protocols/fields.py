"""Constrained field types shared by every message: ids, codes, text, times."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from msgspec import Meta


def _anchored(body: str) -> str:
    """A pattern matching the whole string (``$(?!\\n)``: no trailing newline in Python)."""
    return f"^{body}$(?!\\n)"


def described(text: str, *, htcds: str | None = None, **schema: Any) -> Meta:
    """Field metadata: a description for the catalogue and, where one exists, its HTCDS name."""
    extra: dict[str, Any] = dict(schema)
    if htcds is not None:
        extra["x-htcds"] = htcds
    return Meta(description=text, extra_json_schema=extra or None)


ID_PATTERN = _anchored("[a-z0-9]+(-[a-z0-9]+)*")
KIND_PATTERN = _anchored("[a-z][a-z0-9]*(_[a-z0-9]+)*")

AgencyId = Annotated[
    str,
    Meta(
        pattern=ID_PATTERN,
        min_length=1,
        max_length=64,
        description="Agency id from the scenario (lower case with hyphens: `kz-mia-at`).",
    ),
]
ChannelId = Annotated[str, Meta(pattern=ID_PATTERN, min_length=1, max_length=64)]
InjectId = Annotated[str, Meta(pattern=ID_PATTERN, min_length=1, max_length=64)]
PersonId = Annotated[
    str,
    Meta(
        pattern=ID_PATTERN,
        min_length=1,
        max_length=64,
        description="Pseudonymous person id, stable across agencies (`a-uz-03`).",
    ),
]
ConsentId = Annotated[str, Meta(pattern=ID_PATTERN, min_length=1, max_length=64)]
ItemId = Annotated[str, Meta(pattern=ID_PATTERN, min_length=1, max_length=64)]
AgencyKind = Annotated[
    str,
    Meta(
        pattern=KIND_PATTERN,
        min_length=1,
        max_length=64,
        description="Agency kind from the scenario, snake_case (`police`, `ngo_shelter`).",
    ),
]
CaseRef = Annotated[
    str,
    Meta(
        pattern=_anchored("[A-Za-z0-9]+([._/-][A-Za-z0-9]+)*"),
        min_length=1,
        max_length=64,
        description="A national case number or a shared TRM/JIT reference (`KZ-AT-2026-0141`).",
    ),
]
CountryCode = Annotated[
    str, Meta(pattern=_anchored("[A-Z]{2}"), description="ISO 3166-1 alpha-2 country code.")
]
CurrencyCode = Annotated[
    str, Meta(pattern=_anchored("[A-Z]{3}"), description="ISO 4217 currency code.")
]
Sha256Hex = Annotated[
    str, Meta(pattern=_anchored("[0-9a-f]{64}"), description="SHA-256 digest, lower-case hex.")
]
PhoneNumber = Annotated[
    str, Meta(pattern=_anchored("\\+?[1-9][0-9]{1,14}"), description="E.164 phone number.")
]
MediaType = Annotated[
    str,
    Meta(pattern=_anchored("[a-z]+/[a-z0-9.+-]+"), max_length=100, description="IANA media type."),
]
IndicatorId = Annotated[
    str,
    Meta(
        pattern=_anchored("[a-z0-9]+([._-][a-z0-9]+)*"),
        min_length=1,
        max_length=80,
        description="Indicator id from the instrument (`ilo_fl11.retention_of_documents`).",
    ),
]

PATTERN_NAMES: dict[str, str] = {
    ID_PATTERN: "id (`kz-mia-at`)",
    KIND_PATTERN: "snake_case name",
}
"""Readable names of the id patterns, for the catalogue."""

Name = Annotated[str, Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, Meta(min_length=1, max_length=500)]
Text = Annotated[str, Meta(min_length=1, max_length=20_000)]

AwareDatetime = Annotated[datetime, Meta(tz=True)]
"""A datetime with its UTC offset: every datetime on the wire carries one."""
Date = date

Count = Annotated[int, Meta(ge=0, le=1_000_000)]
Age = Annotated[int, Meta(ge=0, le=130)]
Money = Annotated[float, Meta(ge=0, le=1e12)]
Fraction = Annotated[float, Meta(ge=0, le=1)]
Days = Annotated[int, Meta(ge=1, le=3650)]

Language = Literal["rus", "kaz", "uzb", "kir", "tgk", "tuk", "prs", "pus", "kaa", "eng"]
"""ISO 639-3 codes of the languages an exercise in Central Asia meets."""

Script = Literal["Cyrl", "Latn", "Arab"]
"""ISO 15924 script codes."""

USUAL_SCRIPT: dict[str, Script] = {
    "rus": "Cyrl",
    "kaz": "Cyrl",
    "kir": "Cyrl",
    "tgk": "Cyrl",
    "uzb": "Latn",
    "tuk": "Latn",
    "kaa": "Latn",
    "eng": "Latn",
    "prs": "Arab",
    "pus": "Arab",
}
"""The script each language is usually written in (Uzbek also in Cyrillic, by some)."""
