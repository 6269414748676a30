"""Inputs: what teams and controllers hand the core, as drivers and replay carry them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from trafsim_bus.core.actions import ControlAction


@dataclass(frozen=True, slots=True)
class TeamSubmission:
    """A team's envelope, as the bytes it sent, from its authenticated agency."""

    agency: str
    data: bytes


@dataclass(frozen=True, slots=True)
class TeamRead:
    """A team read a message delivered to its agency."""

    agency: str
    envelope_id: UUID


@dataclass(frozen=True, slots=True)
class ControlInput:
    """A controller's action, who took it, and the JSON document it came as (logged
    verbatim; None: the action's own encoding)."""

    action: ControlAction
    actor: str
    document: dict[str, Any] | None = None


Input = TeamSubmission | TeamRead | ControlInput
