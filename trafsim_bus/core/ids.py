"""Derived ids (SPEC §1): the exercise's, and the envelopes the bus and playbooks create."""

from __future__ import annotations

from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

EXERCISE_NAMESPACE: Final = uuid5(NAMESPACE_URL, "trafsim:exercise")

_TEXTS: dict[UUID, str] = {}
_TEXTS_KEPT: Final = 1 << 16


def uuid_text(value: UUID) -> str:
    """`str(value)`, remembered: a delivery's records and draws spell its envelope id a
    dozen times, and `UUID.__str__` is slow Python (issue 12). At most 65,536 are kept."""
    text = _TEXTS.get(value)
    if text is None:
        if len(_TEXTS) >= _TEXTS_KEPT:
            _TEXTS.clear()
        text = _TEXTS[value] = str(value)
    return text


def exercise_id_for(scenario_sha256: str, seed: int) -> UUID:
    """The exercise id of a scenario file and seed."""
    return uuid5(EXERCISE_NAMESPACE, f"{scenario_sha256}:{seed}")


def playbook_envelope_id(exercise_id: UUID, agency: str, cause: str, n: int) -> UUID:
    """The id of the n-th Send a playbook returns for `cause` (an envelope id, or
    `wake:{token}:{due_us}`)."""
    return uuid5(exercise_id, f"{agency}:{cause}:{n}")
