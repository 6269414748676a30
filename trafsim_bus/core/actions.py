"""Control actions (SPEC §14): typed, tagged by `action`, decoded with the path of any bad
value. The control API, `trafsim control` and the log's `control_action` records all use
these shapes; a record's `input` decodes back into the same action."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from protocols import validation_error
from trafsim_bus.errors import ControlError


class _Action(
    msgspec.Struct, tag_field="action", kw_only=True, forbid_unknown_fields=True, frozen=True
):
    """Base of every control action."""


class Start(_Action, tag="start", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Start the live clock (play begins at STARTEX)."""


class Pause(_Action, tag="pause", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Stand the clock still; submissions are still taken, at the paused time."""


class Resume(_Action, tag="resume", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Let the clock run again."""


class Speed(_Action, tag="speed", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Play `factor` seconds of exercise per wall second (0 < factor <= 10000)."""

    factor: float


class Skip(_Action, tag="skip", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Fast-forward play to a later time of play (`"D2 09:00"`)."""

    to: str


class Jump(_Action, tag="jump", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """A calendar jump now, as the scenario's (`"7d"`)."""

    by: str


class End(_Action, tag="end", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """ENDEX now: finish and seal the exercise."""


class Fire(_Action, tag="fire", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Fire an inject now (again, if it fired before)."""

    inject: str


class Hold(_Action, tag="hold", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """A pending or armed inject does not fire until released."""

    inject: str


class Release(_Action, tag="release", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Release a held inject; it fires at once if its time has passed."""

    inject: str


class Retime(_Action, tag="retime", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Move a pending or held inject to another time of play, not in the past."""

    inject: str
    at: str


class Add(_Action, tag="add", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Add an inject: the scenario's `[[inject]]` shape, checked by the loader's own code."""

    inject: dict[str, Any]


class Cancel(_Action, tag="cancel", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """The inject will not fire."""

    inject: str


class Disrupt(_Action, tag="disrupt", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Create a disruption in the one shape of SPEC §8 (no `schedule.start`: now; no
    `duration`: until healed)."""

    disruption: dict[str, Any]


class Patch(_Action, tag="patch", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Change a disruption that has not ended: its probability, attributes or end."""

    id: str
    probability: float | None = None
    attributes: dict[str, Any] | None = None
    end: str | None = None


class Heal(_Action, tag="heal", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """End a disruption now (one that has not started yet is called off)."""

    id: str


class HealAll(_Action, tag="heal_all", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """End every disruption in force now."""


class Assign(_Action, tag="assign", kw_only=True, forbid_unknown_fields=True, frozen=True):
    """Hand an agency to a team, or to its SIMCELL playbook."""

    agency: str
    played_by: Literal["simcell", "team"]


ControlAction = (
    Start
    | Pause
    | Resume
    | Speed
    | Skip
    | Jump
    | End
    | Fire
    | Hold
    | Release
    | Retime
    | Add
    | Cancel
    | Disrupt
    | Patch
    | Heal
    | HealAll
    | Assign
)


def action_name(action: ControlAction) -> str:
    """The wire tag of an action (`"heal_all"`)."""
    return str(msgspec.inspect.type_info(type(action)).tag)  # type: ignore[attr-defined]


def decode_action(document: bytes | dict[str, Any]) -> ControlAction:
    """A control action from JSON bytes or a decoded document; `ControlError` names the path
    of any bad value."""
    try:
        if isinstance(document, bytes):
            action: ControlAction = msgspec.json.decode(document, type=ControlAction)
        else:
            action = msgspec.convert(document, ControlAction)
    except msgspec.ValidationError as exc:
        error = validation_error(exc)
        raise ControlError(error.path, error.sentence) from None
    except msgspec.DecodeError as exc:
        raise ControlError("$", f"expected a JSON object: {exc}") from None
    except RecursionError:
        raise ControlError("$", "the action is nested too deeply") from None
    return action


def encode_action(action: ControlAction) -> dict[str, Any]:
    """The action as the log records it (`control_action.data.input`)."""
    document: dict[str, Any] = msgspec.to_builtins(action)
    return document
