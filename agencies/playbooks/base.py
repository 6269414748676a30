"""The machinery every SIMCELL playbook shares: drafts, ids, draws, receipts and retries.

A playbook is synchronous and sans-I/O (SPEC §10). It reacts to deliveries and wakes with
`Send` and `Wake` actions, draws only from `rng("playbook:<agency>", key)`, and its state
is a fold of what it received and sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, cast
from uuid import UUID, uuid5

import msgspec

from protocols import Delivery, Envelope
from protocols.assistance import CaseUpdate, ReferralResponse
from protocols.fields import USUAL_SCRIPT, Language
from protocols.message import Message
from protocols.receipts import Ack, Nack
from trafsim_bus.core.ids import playbook_envelope_id
from trafsim_bus.core.participants import Action, Send, Wake
from trafsim_bus.core.rng import uniform
from trafsim_bus.scenario.model import BUS, EXCON, Agency, CaseFile, Scenario
from trafsim_bus.timebase import DAY, HOUR

MAX_RETRIES = 2
"""How often a playbook tries again after a refusal before it gives up on a message."""


@dataclass(slots=True)
class Draft:
    """A message a playbook wants to send; the base turns it into an envelope."""

    recipients: list[str]
    body: Message
    reply_to: Envelope | None = None
    case_refs: list[str] | None = None
    channel: str | None = None
    priority: str = "normal"
    language: str | None = None
    handling: list[str] | None = None
    evaluation: tuple[str, int] | None = None
    derived_from: list[UUID] = field(default_factory=list)
    evidentiary_status: str = "not_applicable"
    legal_basis: str | None = None
    risk_to_life: bool = False
    requires_ack: bool = False
    delay_us: int | None = None
    retries: int = 0
    planted: str | None = None
    """The scenario parameter under which this is a teaching error (`wrong_route_share`):
    its refusal is then logged as intended."""


class Playbook:
    """Base of the kind playbooks: override `react` (and `fix` for refusals it can mend)."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        self.me = agency
        self.agency = agency.id
        self.scenario = scenario
        self.exercise_id = exercise_id
        self.seed = seed
        self.params = agency.params
        self.sent: dict[UUID, tuple[Envelope, int]] = {}
        self.planted: dict[UUID, str] = {}
        """What it sent wrong on purpose → the parameter (a resend repeats the error)."""
        self.seen: set[UUID] = set()
        self.wakes: dict[str, int] = {}

    # -- the participant interface --------------------------------------------------------

    def on_delivery(self, delivery: Delivery, envelope: Envelope, now_us: int) -> list[Action]:
        """React to a delivery: receipts, refusals, then the kind's own behaviour."""
        if envelope.id in self.seen:
            return []
        self.seen.add(envelope.id)
        cause = str(envelope.id)
        drafts: list[Draft] = []
        wakes: list[Wake] = []
        body = envelope.body
        if isinstance(body, Nack):
            drafts = self._on_nack(envelope, body, now_us)
        elif (
            isinstance(body, Ack)
            or envelope.sender == BUS
            or self.draw(cause, 0) < self.params.no_reply
        ):
            drafts = []
        else:
            if envelope.requires_ack:
                drafts.append(
                    Draft(
                        [envelope.sender],
                        Ack(ack_of=envelope.id, status="received"),
                        reply_to=envelope,
                        delay_us=0,
                    )
                )
            reaction = self.react(envelope, delivery, now_us)
            for item in reaction:
                if isinstance(item, Wake):
                    self.wakes[item.token] = now_us + item.after_us
                    wakes.append(item)
                else:
                    drafts.append(item)
        return [*self._sends(drafts, cause, now_us), *wakes]

    def on_wake(self, token: str, now_us: int) -> list[Action]:
        """React to a wake this playbook asked for (ids derive from its due time)."""
        due_us = self.wakes.pop(token, now_us)
        drafts = self.wake(token, now_us)
        return list(self._sends(drafts, f"wake:{token}:{due_us}", now_us))

    # -- what kinds override --------------------------------------------------------------

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> list[Draft | Wake]:
        """The kind's reaction to a message (default: none)."""
        del envelope, delivery, now_us
        return []

    def wake(self, token: str, now_us: int) -> list[Draft]:
        """The kind's reaction to a wake (default: none)."""
        del token, now_us
        return []

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        """Mend a message `recipient` refused, kind by kind (default: the generic fixes)."""
        del refused, nack, recipient, now_us
        return []

    # -- helpers for kinds ---------------------------------------------------------------

    def draw(self, key: str, i: int) -> float:
        """This agency's draw number `i` for `key`."""
        return uniform(self.seed, f"playbook:{self.agency}", key, i)

    def work_time(self, key: str, i: int = 1) -> int:
        """A draw of the agency's response time."""
        return self.params.response.sample(self.draw(key, i))

    def decide(self, key: str, what: str) -> float:
        """This agency's draw for the decision `what` about `key`: each decision its own
        stream, so that no two decisions share a draw."""
        return uniform(self.seed, f"playbook:{self.agency}", f"{key}:{what}", 0)

    def wrong_route(self, key: str, i: int | str = 2) -> bool:
        """Whether this time the agency takes a wrong route, as trainees do (`i` a draw
        number, or the name of the decision)."""
        draw = self.decide(key, i) if isinstance(i, str) else self.draw(key, i)
        return draw < self.params.wrong_route_share

    def agencies(self, *, kind: str, country: str | None = None) -> list[str]:
        """Ids of the agencies of a kind (in a country), in scenario order."""
        return [
            agency.id
            for agency in self.scenario.agencies.values()
            if agency.kind == kind
            and (country is None or agency.country == country)
            and agency.id != self.agency
        ]

    def first(self, *, kind: str, country: str | None = None) -> str | None:
        """The first agency of a kind (in a country), or None."""
        found = self.agencies(kind=kind, country=country)
        return found[0] if found else None

    @property
    def language(self) -> Language:
        """The agency's first working language: what it writes in."""
        return cast(Language, self.me.languages[0])

    def ack(
        self,
        envelope: Envelope,
        note: str,
        *,
        status: Literal["received", "accepted"] = "accepted",
        delay_us: int | None = None,
    ) -> Draft:
        """A receipt of `envelope` with a note on what happens to it."""
        return Draft(
            [envelope.sender],
            Ack(ack_of=envelope.id, status=status, note=note[:500]),
            reply_to=envelope,
            delay_us=delay_us,
        )

    def accept_and_report(self, envelope: Envelope, note: str, progress: str) -> list[Draft]:
        """Accept a referral now, and report the case's progress some days later."""
        return [
            Draft(
                [envelope.sender],
                ReferralResponse(decision="accepted", note=note),
                reply_to=envelope,
            ),
            Draft(
                [envelope.sender],
                CaseUpdate(status="Active", comment=progress),
                reply_to=envelope,
                delay_us=self.work_time(str(envelope.id), 4) + 2 * DAY,
            ),
        ]

    def case_file(
        self, envelope: Envelope | None = None, refs: list[str] | None = None
    ) -> CaseFile | None:
        """The storyline's file of the envelope's (or these) case references, if it has one."""
        found = refs if refs is not None else (list(envelope.case_refs) if envelope else [])
        return self.scenario.case_file(found)

    def reaches(self, recipient: str, kind: str) -> bool:
        """Whether a channel of the scenario carries `kind` from this agency to `recipient`
        (what the contact directory tells a trainee; disruptions aside)."""
        agency = self.scenario.agency(recipient)
        return agency is not None and any(
            kind in channel.types and channel.connects(self.me, agency)
            for channel in self.scenario.channels
        )

    def common_language(self, recipient: str) -> Language:
        """What to write to `recipient` in: the first of this agency's working languages
        the recipient works in too, else this agency's first."""
        agency = self.scenario.agency(recipient)
        theirs = agency.languages if agency else ()
        shared = [language for language in self.me.languages if language in theirs]
        return cast(Language, shared[0] if shared else self.me.languages[0])

    def new_case_ref(self, counter: int) -> str:
        """A case reference of this agency's own, numbered in the exercise's year."""
        return f"{self.agency.upper()}-{self.scenario.startex.year}-{counter:04d}"

    def country_of(self, agency_id: str) -> str:
        """The country of an agency (`excon` for exercise control)."""
        agency = self.scenario.agency(agency_id)
        return agency.country if agency else EXCON

    def at(self, now_us: int) -> Any:
        """The calendar moment of an exercise time."""
        return self.scenario.startex + timedelta(microseconds=now_us)

    # -- internals ------------------------------------------------------------------------

    def _on_nack(self, envelope: Envelope, nack: Nack, now_us: int) -> list[Draft]:
        original = self.sent.get(nack.ack_of)
        if original is None:
            return []
        refused, retries = original
        if retries >= MAX_RETRIES:
            return []
        recipient = self._refused_recipient(refused, envelope)
        drafts = self.fix(refused, nack, recipient, now_us)
        if not drafts:
            drafts = self._generic_fix(refused, nack, recipient)
        return [self._retry(draft, retries) for draft in drafts]

    def _refused_recipient(self, refused: Envelope, nack_envelope: Envelope) -> str:
        """Who refused: the nack's sender, or for a bus nack the recipient its id names."""
        if nack_envelope.sender != BUS:
            return nack_envelope.sender
        for recipient in refused.recipients:
            if uuid5(self.exercise_id, f"nack:{refused.id}:{recipient}") == nack_envelope.id:
                return recipient
        return refused.recipients[0]

    def _generic_fix(self, refused: Envelope, nack: Nack, recipient: str) -> list[Draft]:
        base = Draft(
            recipients=[recipient],
            body=refused.body,
            case_refs=list(refused.case_refs),
            priority=refused.priority.level,
            language=refused.language,
            handling=list(refused.handling.codes) if refused.handling else None,
            derived_from=list(refused.derived_from),
            evidentiary_status=refused.evidentiary_status,
            legal_basis=refused.legal_basis,
            risk_to_life=refused.risk_to_life,
        )
        if refused.evaluation is not None:
            base.evaluation = (refused.evaluation.source, refused.evaluation.information)
        if nack.redirect_to is not None and nack.reason in (
            "wrong_jurisdiction",
            "unknown_recipient",
        ):
            base.recipients = [nack.redirect_to]
            return [base]
        if nack.reason == "no_channel" and refused.channel is not None:
            base.channel = None
            return [base]
        if nack.reason == "language_not_accepted":
            language = self.common_language(recipient)
            if language != refused.language:
                base.language = language
                return [base]
            return []
        if nack.reason in ("recipient_offline", "link_down"):
            base.delay_us = 24 * HOUR
            base.planted = self.planted.get(refused.id)
            return [base]
        return []

    def _retry(self, draft: Draft, retries: int) -> Draft:
        draft.retries = retries + 1
        return draft

    def _sends(self, drafts: list[Draft], cause: str, now_us: int) -> list[Send]:
        sends = []
        for n, draft in enumerate(drafts):
            envelope = self._envelope(
                draft, playbook_envelope_id(self.exercise_id, self.agency, cause, n), now_us
            )
            self.sent[envelope.id] = (envelope, draft.retries)
            if draft.planted is not None:
                self.planted[envelope.id] = draft.planted
            delay = (
                draft.delay_us
                if draft.delay_us is not None
                else self.params.response.sample(self.decide(cause, f"work:{n}"))
            )
            sends.append(Send(envelope, delay, draft.planted))
        return sends

    def _envelope(self, draft: Draft, envelope_id: UUID, now_us: int) -> Envelope:
        reply = draft.reply_to
        language = draft.language or self.me.languages[0]
        case_refs = (
            draft.case_refs
            if draft.case_refs is not None
            else (list(reply.case_refs) if reply else [])
        )
        fields: dict[str, Any] = {
            "schema_version": "1",
            "id": envelope_id,
            "exercise_id": self.exercise_id,
            "sender": self.agency,
            "recipients": list(dict.fromkeys(draft.recipients)),
            "channel": draft.channel,
            "created_at": self.at(now_us),
            "case_refs": case_refs,
            "thread_id": (reply.thread_id or reply.id) if reply else None,
            "in_reply_to": reply.id if reply else None,
            "derived_from": draft.derived_from,
            "priority": {"level": draft.priority},
            "language": language,
            "script": USUAL_SCRIPT.get(language, "Latn"),
            "evidentiary_status": draft.evidentiary_status,
            "legal_basis": draft.legal_basis,
            "risk_to_life": draft.risk_to_life,
            "requires_ack": draft.requires_ack,
            "body": draft.body,
        }
        if draft.handling:
            fields["handling"] = {"codes": draft.handling}
        if draft.evaluation is not None:
            source, information = draft.evaluation
            fields["evaluation"] = {"source": source, "information": information}
        return msgspec.convert(fields, Envelope, from_attributes=True)
