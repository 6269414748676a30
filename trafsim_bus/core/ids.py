"""Derived ids (SPEC §1): the exercise's, and the envelopes the bus and playbooks create."""

from __future__ import annotations

from hashlib import sha1
from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

EXERCISE_NAMESPACE: Final = uuid5(NAMESPACE_URL, "trafsim:exercise")

_TEXTS: dict[UUID, str] = {}
_TEXTS_KEPT: Final = 1 << 16
_last: tuple[UUID | None, str] = (None, "")


def uuid_text(value: UUID) -> str:
    """`str(value)`, remembered: a delivery's records and draws spell its envelope id a
    dozen times, and `UUID.__str__` (like `UUID.__hash__`) is slow Python (issue 12). The
    last one is known by identity; at most 65,536 are kept."""
    global _last  # noqa: PLW0603 (a one-entry memo; a tuple is replaced whole)
    last = _last
    if last[0] is value:
        return last[1]
    text = _TEXTS.get(value)
    if text is None:
        if len(_TEXTS) >= _TEXTS_KEPT:
            _TEXTS.clear()
        text = _TEXTS[value] = str(value)
    _last = (value, text)
    return text


_VERSION_CLEAR: Final = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_SET: Final = (0x8000 << 48) | (5 << 76)
_NAMESPACES: dict[UUID, bytes] = {}


def derived_uuid(namespace: UUID, name: str) -> UUID:
    """`uuid.uuid5(namespace, name)`, the same value made in half the time (issue 12):
    the namespace's bytes are remembered and the version bits set on the integer."""
    prefix = _NAMESPACES.get(namespace)
    if prefix is None:
        if len(_NAMESPACES) >= _TEXTS_KEPT:
            _NAMESPACES.clear()
        prefix = _NAMESPACES[namespace] = namespace.bytes
    value = int.from_bytes(sha1(prefix + name.encode("utf-8")).digest()[:16], "big")
    return UUID(int=value & _VERSION_CLEAR | _VERSION_SET)


def exercise_id_for(scenario_sha256: str, seed: int) -> UUID:
    """The exercise id of a scenario file and seed."""
    return uuid5(EXERCISE_NAMESPACE, f"{scenario_sha256}:{seed}")


def playbook_envelope_id(exercise_id: UUID, agency: str, cause: str, n: int) -> UUID:
    """The id of the n-th Send a playbook returns for `cause` (an envelope id, or
    `wake:{token}:{due_us}`)."""
    return derived_uuid(exercise_id, f"{agency}:{cause}:{n}")
