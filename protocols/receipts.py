"""Receipts: `ack` (received or accepted) and `nack` (refused, with a reason and a route)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from protocols.fields import AgencyId, ShortText, described
from protocols.message import Message
from protocols.vocab import NackReason


class Ack(Message, tag="ack", frozen=True, kw_only=True):
    """Receipt of a message: `received` (it arrived) or `accepted` (it will be acted on)."""

    ack_of: Annotated[UUID, described("Id of the envelope acknowledged.")]
    status: Literal["received", "accepted"] = "received"
    note: ShortText | None = None


class Nack(Message, tag="nack", frozen=True, kw_only=True):
    """Refusal of a message, by the bus (a barrier) or by the recipient agency.

    The bus sends its nacks as sender `bus` with the reason of the barrier that refused the
    delivery and, where one exists, the agency to send it through instead."""

    ack_of: Annotated[UUID, described("Id of the envelope refused.")]
    reason: Annotated[NackReason, described("Machine-readable reason.")]
    detail: Annotated[
        ShortText | None,
        described("More on the reason (`withdrawn` for a withdrawn consent; what is missing)."),
    ] = None
    redirect_to: Annotated[
        AgencyId | None, described("Who can take the message instead: the legal route.")
    ] = None
    hint: Annotated[
        ShortText | None,
        described("One sentence for the team: `send it through kz-pgo`."),
    ] = None
