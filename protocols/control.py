"""Exercise control: `inject`, `excon_note` and `observation` (from EXCON and observers)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from protocols.fields import AgencyId, InjectId, ShortText, Text, described
from protocols.message import Message


class ExpectedAction(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the training audience is expected to do after an inject."""

    text: ShortText


class Inject(Message, tag="inject", frozen=True, kw_only=True):
    """A scenario event delivered by exercise control: the live site, a patrol's finding."""

    inject_id: InjectId
    title: ShortText
    content: Text
    msel_ref: Annotated[ShortText | None, described("Line of the MSEL (`MSEL 6`).")] = None
    expected_actions: Annotated[list[ExpectedAction], Meta(max_length=30)] = []
    learning_objective: Text | None = None


class ExconNote(Message, tag="excon_note", frozen=True, kw_only=True):
    """A note from exercise control: STARTEX, ENDEX, a situation report, a role-player's move."""

    title: ShortText
    text: Text
    inject_id: InjectId | None = None


class Observation(Message, tag="observation", frozen=True, kw_only=True):
    """An observer's score against a rubric item."""

    observed_agency: AgencyId
    rubric_item: ShortText
    score: Annotated[int, Meta(ge=0, le=5), described("0 not done ... 5 exemplary.")]
    comment: Text | None = None
    inject_id: InjectId | None = None
    verdict: Literal["met", "partly_met", "not_met"] | None = None
