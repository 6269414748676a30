"""Derived ids (SPEC §1): the exercise's, and the envelopes the bus and playbooks create."""

from __future__ import annotations

from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

EXERCISE_NAMESPACE: Final = uuid5(NAMESPACE_URL, "trafsim:exercise")


def exercise_id_for(scenario_sha256: str, seed: int) -> UUID:
    """The exercise id of a scenario file and seed."""
    return uuid5(EXERCISE_NAMESPACE, f"{scenario_sha256}:{seed}")


def playbook_envelope_id(exercise_id: UUID, agency: str, cause: str, n: int) -> UUID:
    """The id of the n-th Send a playbook returns for `cause` (an envelope id, or
    `wake:{token}:{due_us}`)."""
    return uuid5(exercise_id, f"{agency}:{cause}:{n}")
