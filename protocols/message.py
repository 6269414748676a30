"""The base of every message body: a struct tagged by `kind`, and what it can tell of itself."""

from __future__ import annotations

from typing import Any, ClassVar

from msgspec import Struct

from protocols.persons import Person


class Message(
    Struct,
    frozen=True,
    kw_only=True,
    tag_field="kind",
    forbid_unknown_fields=True,
):
    """A message body. Each concrete type has a stable wire tag in `kind`."""

    schema_rules: ClassVar[tuple[dict[str, Any], ...]] = ()
    """Cross-field rules the type checks in `__post_init__`, restated as JSON Schema."""

    @classmethod
    def kind(cls) -> str:
        """The wire tag of this message type (`referral`)."""
        tag = cls.__struct_config__.tag
        assert isinstance(tag, str), f"{cls.__name__} has no wire tag"
        return tag

    def personal_data(self) -> tuple[Person, ...]:
        """Every `Person` this body carries: the personal data the consent check looks at."""
        found: list[Person] = []
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, Person):
                found.append(value)
            elif isinstance(value, list) and value and isinstance(value[0], Person):
                found.extend(value)
        return tuple(found)


def field_error(field: str, sentence: str) -> ValueError:
    """An error from a cross-field rule, naming the field so the decoder can report its path."""
    return ValueError(f"`{field}`: {sentence}")
