"""The MSEL at run time: each inject's status, conditional arming, and firing (SPEC §9, §14).

Statuses: `pending` (waiting for its time), `armed` (a conditional inject waiting for its
event, or for `unless.by`), `held` (a controller holds it), `fired`, `skipped` (its
condition said no) and `cancelled`. An `after` inject fires at max(armed, first matching
event since STARTEX + delay); an `unless` inject fires at `unless.by` unless a matching
event came first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID, uuid5

import msgspec

from protocols import Envelope
from trafsim_bus.core.agenda import Agenda, Entry, InjectDue, InjectFire, Key
from trafsim_bus.core.clock import Clock
from trafsim_bus.core.composer import compose, exercise_datetime
from trafsim_bus.core.recorder import Recorder
from trafsim_bus.log.records import Origin
from trafsim_bus.scenario.model import Condition, Inject, Scenario

InjectStatus = Literal["pending", "armed", "held", "fired", "skipped", "cancelled"]
Event = Literal["submitted", "delivered"]
SubmitFn = Callable[[Envelope, Origin, str, int | None], object]
"""How the MSEL submits what it fires: (envelope, origin, sender, cause seq)."""


@dataclass(frozen=True, slots=True)
class Seen:
    """An envelope submitted, or a delivery made, as conditions match them."""

    t_us: int
    seq: int
    envelope_id: UUID
    kind: str
    sender: str
    recipients: tuple[str, ...]
    case_refs: tuple[str, ...]

    @classmethod
    def of(cls, envelope: Envelope, t_us: int, seq: int, recipient: str | None = None) -> Seen:
        """An envelope submitted (to all its recipients), or delivered to `recipient`."""
        return cls(
            t_us,
            seq,
            envelope.id,
            envelope.body.kind(),
            envelope.sender,
            (recipient,) if recipient is not None else tuple(envelope.recipients),
            tuple(envelope.case_refs),
        )


@dataclass(frozen=True, slots=True)
class Match:
    """The first event that matched an inject's condition."""

    t_us: int
    seq: int
    envelope_id: UUID
    recipient: str | None


@dataclass(slots=True)
class InjectState:
    """One inject at run time."""

    inject: Inject
    origin: Literal["scenario", "controller"]
    status: InjectStatus = "pending"
    due_play_us: int | None = None
    """The time of play the agenda holds for it (`at`, or `unless.by`; retimes move it)."""
    fired_us: list[int] = field(default_factory=list)
    held_from: InjectStatus | None = None
    armed_us: int | None = None
    match: Match | None = None
    fire_us: int | None = None
    """An armed `after` inject whose event came: when it fires."""
    due_key: Key = (0, 0)
    fire_key: Key = (0, 0)
    released: bool = False
    """A controller released it: what it does from now on is the controller's."""

    @property
    def due_expected(self) -> bool:
        """Whether its time of play is still on the agenda."""
        wanted = "armed" if self.inject.unless is not None else "pending"
        return self.due_play_us is not None and (
            self.status == wanted or (self.status == "held" and self.held_from == wanted)
        )

    @property
    def fire_expected(self) -> bool:
        """Whether a firing at `fire_us` is on the agenda."""
        return self.fire_us is not None and (
            self.status == "armed" or (self.status == "held" and self.held_from == "armed")
        )

    @property
    def record_origin(self) -> Origin:
        """The origin of the records about it (`inject_armed`, `inject_skipped`...)."""
        return "inject" if self.origin == "scenario" and not self.released else "controller"


@dataclass(slots=True)
class MselState:
    """Every inject by id (scenario order, then added ones), what they claim for their
    agency, and the events conditions match against."""

    injects: dict[str, InjectState] = field(default_factory=dict)
    claimed: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(agency, message type, case) that an inject sends: the playbook stays silent."""
    history: dict[tuple[Event, str], list[Seen]] = field(default_factory=dict)
    sent: dict[UUID, str] = field(default_factory=dict)
    """Each envelope an inject fired → the inject's id."""

    def add(
        self, inject: Inject, origin: Literal["scenario", "controller"], key: Key
    ) -> InjectState:
        """A new inject, pending at its time (conditions are armed by the caller)."""
        state = InjectState(inject, origin, due_play_us=inject.due_play_us, due_key=key)
        self.injects[inject.id] = state
        for case in inject.envelope.get("case_refs", []):
            self.claimed.setdefault((inject.sender, inject.body.kind(), case), inject.id)
        return state

    def remember(self, event: Event, seen: Seen) -> None:
        """Note an event for conditions added later ("first matching since STARTEX")."""
        self.history.setdefault((event, seen.kind), []).append(seen)


def matches(condition: Condition, event: Event, seen: Seen) -> bool:
    """Whether an event satisfies a condition's filters."""
    return (
        condition.event == event
        and condition.type == seen.kind
        and (condition.sender is None or condition.sender == seen.sender)
        and (condition.recipient is None or condition.recipient in seen.recipients)
        and (condition.case is None or condition.case in seen.case_refs)
    )


class Msel:
    """Schedules, arms and fires injects; records every change of status."""

    def __init__(
        self,
        scenario: Scenario,
        state: MselState,
        *,
        exercise_id: UUID,
        clock: Clock,
        recorder: Recorder,
        agenda: Agenda,
        newest: Callable[[str, str | None, str | None], Envelope | None],
        envelope_of: Callable[[UUID], Envelope],
        submit: SubmitFn,
    ) -> None:
        self.scenario = scenario
        self.state = state
        self.exercise_id = exercise_id
        self.clock = clock
        self.recorder = recorder
        self.agenda = agenda
        self.newest = newest
        self.envelope_of = envelope_of
        self.submit = submit

    # -- scheduling ---------------------------------------------------------------------

    def schedule(self, inject: Inject, origin: Literal["scenario", "controller"], key: Key) -> None:
        """Take an inject into the MSEL: its agenda entry, and arming where it starts armed
        (no `at`, or `unless`); a condition already met by past events counts."""
        state = self.state.add(inject, origin, key)
        self.push_due(state)
        condition = inject.after or inject.unless
        if condition is not None:
            for seen in self.state.history.get((condition.event, condition.type), []):
                if matches(condition, condition.event, seen):
                    self._matched(state, condition.event, seen, cause=key[0])
                    break
        if state.status == "pending" and (
            inject.unless is not None or (inject.after is not None and inject.at_play_us is None)
        ):
            self._arm(state, cause=None if origin == "scenario" else key[0])

    def push_due(self, state: InjectState) -> None:
        """Put the inject's time of play on the agenda (under its `due_key`)."""
        play = state.due_play_us
        if play is None:
            return
        self.agenda.push(
            self.clock.play_to_exercise(play),
            state.due_key,
            InjectDue(state.inject.id),
            play_us=play,
        )

    def on_due(self, due: InjectDue) -> None:
        """An inject's time of play came: fire it or arm it (held, it waits for release)."""
        state = self.state.injects[due.inject_id]
        inject = state.inject
        if state.status == "held":
            return
        if inject.after is not None:
            self._arm(state, cause=None)
        else:
            self.fire(state, cause=None)

    def on_fire(self, fire: InjectFire, entry: Entry) -> None:
        """An armed inject's event came (plus its delay): fire it."""
        state = self.state.injects[fire.inject_id]
        if state.status != "held":
            self.fire(state, cause=entry.key[0])

    # -- conditions ---------------------------------------------------------------------

    def on_event(self, event: Event, seen: Seen) -> None:
        """An envelope was submitted or a delivery made: remember it and match conditions."""
        self.state.remember(event, seen)
        for state in self.state.injects.values():
            inject = state.inject
            condition = inject.after or inject.unless
            if (
                condition is None
                or state.match is not None
                or state.status not in ("pending", "armed", "held")
                or not matches(condition, event, seen)
            ):
                continue
            self._matched(state, event, seen, cause=seen.seq)

    def _matched(self, state: InjectState, event: Event, seen: Seen, cause: int) -> None:
        inject = state.inject
        recipient = seen.recipients[0] if event == "delivered" else None
        state.match = Match(seen.t_us, seen.seq, seen.envelope_id, recipient)
        after = inject.after
        if after is None:
            state.status = "skipped"
            state.held_from = None
            self.recorder.log(
                "inject_skipped",
                state.record_origin,
                cause,
                envelope_id=seen.envelope_id,
                data={
                    "inject_id": inject.id,
                    "reason": "unless_matched",
                    "event": event,
                    "recipient": recipient,
                    "matched_us": seen.t_us,
                    "matched_seq": seen.seq,
                },
            )
            return
        armed = state.status == "armed" or (state.status == "held" and state.held_from == "armed")
        state.fire_us = max(self.clock.now, seen.t_us + after.delay_us) if armed else None
        seq = self.recorder.log(
            "inject_matched",
            state.record_origin,
            cause,
            envelope_id=seen.envelope_id,
            data={
                "inject_id": inject.id,
                "event": event,
                "recipient": recipient,
                "matched_us": seen.t_us,
                "matched_seq": seen.seq,
                "fire_us": state.fire_us,
            },
        )
        if state.fire_us is not None:
            state.fire_key = (seq, 0)
            self.agenda.push(state.fire_us, state.fire_key, InjectFire(inject.id))

    def _arm(self, state: InjectState, *, cause: int | None) -> None:
        inject = state.inject
        now = self.clock.now
        state.status = "armed"
        state.armed_us = now
        after = inject.after
        if after is not None and state.match is not None:
            state.fire_us = max(now, state.match.t_us + after.delay_us)
        seq = self.recorder.log(
            "inject_armed",
            state.record_origin,
            cause,
            data={
                "inject_id": inject.id,
                "condition": "after" if after is not None else "unless",
                "armed_us": now,
                "matched": str(state.match.envelope_id) if state.match else None,
                "fire_us": state.fire_us,
            },
        )
        if state.fire_us is not None:
            state.fire_key = (seq, 0)
            self.agenda.push(state.fire_us, state.fire_key, InjectFire(inject.id))

    # -- firing -------------------------------------------------------------------------

    def fire(self, state: InjectState, *, cause: int | None, by_controller: bool = False) -> None:
        """Fire an inject now: log it, compose its envelope and submit it."""
        inject = state.inject
        k = len(state.fired_us)
        state.status = "fired"
        state.held_from = None
        state.fired_us.append(self.clock.now)
        envelope_id = uuid5(self.exercise_id, f"inject:{inject.id}:{k}")
        body = inject.body
        fields = dict(inject.envelope)
        replied = self._replied(state)
        if replied is not None:
            fields["in_reply_to"] = replied.id
            fields["thread_id"] = replied.thread_id or replied.id
            if body.kind() in ("ack", "nack"):
                body = msgspec.structs.replace(body, ack_of=replied.id)
        origin: Origin = "controller" if by_controller else state.record_origin
        seq = self.recorder.log(
            "inject_fired",
            origin,
            cause,
            envelope_id=envelope_id,
            data={
                "inject_id": inject.id,
                "k": k,
                "title": inject.title,
                "role_player": inject.role_player,
                "reply_to": inject.reply_to is not None,
                "reply_found": replied is not None,
                "in_reply_to": str(replied.id) if replied else None,
                "matched": str(state.match.envelope_id) if state.match else None,
            },
        )
        self.state.sent[envelope_id] = inject.id
        envelope = compose(
            self.exercise_id,
            envelope_id,
            sender=inject.sender,
            recipients=inject.recipients,
            channel=inject.channel,
            body=body,
            fields=fields,
            created_at=exercise_datetime(self.scenario, self.clock.now),
        )
        self.submit(envelope, origin, inject.sender, seq)

    def _replied(self, state: InjectState) -> Envelope | None:
        """What the inject answers: the envelope its condition matched, if `reply_to` fits
        it, else the newest logged envelope `reply_to` selects."""
        reply_to = state.inject.reply_to
        if reply_to is None:
            return None
        if state.match is not None:
            matched = self.envelope_of(state.match.envelope_id)
            if (
                matched.body.kind() == reply_to.type
                and (reply_to.sender is None or matched.sender == reply_to.sender)
                and (reply_to.case is None or reply_to.case in matched.case_refs)
            ):
                return matched
        return self.newest(reply_to.type, reply_to.sender, reply_to.case)

    # -- control ------------------------------------------------------------------------

    def hold(self, state: InjectState) -> None:
        """A pending or armed inject does not fire until released."""
        state.held_from = state.status
        state.status = "held"

    def time_passed(self, state: InjectState) -> bool:
        """Whether the time a held inject waited for has come (so a release fires it)."""
        clock = self.clock
        if state.held_from == "armed" and state.inject.after is not None:
            return state.fire_us is not None and state.fire_us <= clock.now
        due = state.due_play_us
        return due is not None and clock.play_to_exercise(due) <= clock.now

    def release(self, state: InjectState, cause: int) -> None:
        """A held inject goes back to what it was, and fires at once if its time passed."""
        previous = state.held_from or "pending"
        passed = self.time_passed(state)
        state.status = previous
        state.held_from = None
        state.released = True
        if not passed:
            return
        if previous == "pending" and state.inject.after is not None:
            self._arm(state, cause=cause)
        else:
            self.fire(state, cause=cause, by_controller=True)

    def retime(self, state: InjectState, play_us: int, key: Key) -> None:
        """Move an inject's time of play (its old agenda entry lapses)."""
        state.due_play_us = play_us
        state.due_key = key
        self.push_due(state)

    def cancel(self, state: InjectState) -> None:
        """The inject will not fire."""
        state.status = "cancelled"
        state.held_from = None

    def finish(self) -> None:
        """ENDEX: `after` injects still waiting are skipped (held ones too, unless their
        event came)."""
        for state in self.state.injects.values():
            waiting = state.status in ("pending", "armed") or (
                state.status == "held" and state.match is None
            )
            if state.inject.after is None or not waiting:
                continue
            state.status = "skipped"
            state.held_from = None
            self.recorder.log(
                "inject_skipped",
                state.record_origin,
                None,
                data={
                    "inject_id": state.inject.id,
                    "reason": "no_match_by_endex" if state.match is None else "due_after_endex",
                },
            )

    def status(self, inject_id: str) -> dict[str, Any]:
        """An inject's status as the control API shows it."""
        state = self.state.injects[inject_id]
        return {
            "id": inject_id,
            "status": state.status,
            "due_play_us": state.due_play_us,
            "fired_us": list(state.fired_us),
            "fire_us": state.fire_us,
            "origin": state.origin,
        }
