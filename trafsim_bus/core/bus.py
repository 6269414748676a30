"""The bus core: sans-I/O and deterministic. Drivers advance it and hand it inputs.

`advance_to(t)` runs everything due at or before exercise time t, in (time, key) order,
and stands at t. Inputs (a team's submission or read, a controller's action) are logged
verbatim at the exercise time now, before their effects. After every event and every
input the SIMCELL playbooks settle synchronously, inside the core, so that a live run and
its replay make the same records. No asyncio, sockets or wall clock in here."""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

import msgspec

from protocols import Envelope, ProtocolError, decode_envelope
from trafsim_bus.core.actions import ControlAction, action_name, encode_action
from trafsim_bus.core.agenda import (
    BackgroundDue,
    DeliveryDue,
    DisruptionEnd,
    DisruptionStart,
    Entry,
    InjectDue,
    InjectFire,
    JumpDue,
    OfficeOpens,
    SendDue,
    TranslationArrival,
    TranslationDone,
    WakeDue,
)
from trafsim_bus.core.background import BackgroundTraffic
from trafsim_bus.core.control import Controls
from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.core.disruption_events import DisruptionEvents
from trafsim_bus.core.disruptions import DisruptionState
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.core.inputs import ControlInput, Input, TeamRead, TeamSubmission
from trafsim_bus.core.msel import Msel, Seen
from trafsim_bus.core.outputs import (
    ControlReceipt,
    Delivered,
    Output,
    ReadReceipt,
    Submission,
    WakeFired,
)
from trafsim_bus.core.participants import Action, Participant, Send, Wake
from trafsim_bus.core.pipeline import Pipeline
from trafsim_bus.core.recorder import Recorder
from trafsim_bus.core.snapshot import snapshot
from trafsim_bus.core.state import BusState, ScheduledSend, ScheduledWake
from trafsim_bus.errors import ExerciseClosedError, UnknownMessageError
from trafsim_bus.log.records import LOG_FORMAT_VERSION, Origin, Record
from trafsim_bus.scenario.model import Scenario


class Bus:
    """The deterministic core of one exercise."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        exercise_id: UUID | None = None,
        version: str = "0",
        live: bool = False,
        players: Mapping[str, Participant] | None = None,
        simcell: Iterable[str] | None = None,
        state: BusState | None = None,
        next_seq: int = 0,
    ) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.exercise_id = exercise_id or exercise_id_for(scenario.sha256, self.seed)
        self.version = version
        self.live = live
        self.players: dict[str, Participant] = dict(players or {})
        self.state = state or BusState.initial(
            scenario, self.seed, live=live, simcell=None if simcell is None else set(simcell)
        )
        self.clock = self.state.clock
        self.recorder = Recorder(self.clock, next_seq)
        self._to_settle: deque[Output] = deque()
        self._outputs: list[Output] = []
        self.pipeline = Pipeline(
            scenario,
            self.state,
            self.recorder,
            seed=self.seed,
            exercise_id=self.exercise_id,
            deliver=self._delivered,
            submitted=self._submitted,
        )
        registry = self.state.registry
        self.msel = Msel(
            scenario,
            self.state.msel,
            exercise_id=self.exercise_id,
            clock=self.clock,
            recorder=self.recorder,
            agenda=self.state.agenda,
            newest=registry.newest,
            envelope_of=registry.envelopes.__getitem__,
            submit=self._submit_for_msel,
        )
        self.disruptions = DisruptionEvents(self.state, self.recorder, self.pipeline)
        self.background = BackgroundTraffic(
            scenario, self.state, self.pipeline, seed=self.seed, exercise_id=self.exercise_id
        )
        self.controls = Controls(self)

    # -- reading ------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """Exercise time now (µs since STARTEX)."""
        return self.clock.now

    @property
    def ended(self) -> bool:
        """Whether the exercise is sealed."""
        return self.clock.ended

    def take_records(self) -> list[Record]:
        """Records produced since the last call, in order."""
        return self.recorder.take()

    def take_outputs(self) -> list[Output]:
        """Deliveries (and wakes) for agencies no playbook plays now, in order."""
        outputs, self._outputs = self._outputs, []
        return outputs

    # -- STARTEX, the clock and ENDEX ---------------------------------------------------

    def begin(self) -> None:
        """Log STARTEX, put what the scenario schedules on the agenda (jumps, disruptions,
        the MSEL, background traffic) and, when the clock runs, play what is due at once."""
        self.schedule_scenario()
        self._after_input()

    def schedule_scenario(self) -> None:
        """Log STARTEX and put what the scenario schedules on the agenda."""
        if self.state.phase != "new":
            raise RuntimeError("the exercise has begun already")
        scenario = self.scenario
        self.recorder.log(
            "exercise_started",
            "scenario",
            None,
            data={
                "exercise_id": str(self.exercise_id),
                "trafsim_version": self.version,
                "log_format_version": LOG_FORMAT_VERSION,
                "seed": self.seed,
                "scenario": {
                    "name": scenario.name,
                    "sha256": scenario.sha256,
                    "text": scenario.text,
                    "canonical": msgspec.json.decode(scenario.canonical),
                },
                "startex": scenario.startex.isoformat(),
                "endex_us": self.clock.endex_us,
                "live": self.live,
                "simcell": sorted(self.state.simcell),
            },
        )
        self.state.phase = "begun"
        keys = iter(range(1 << 30))
        for jump in scenario.jumps:
            self.state.agenda.push(
                self.clock.jump_start_us(jump.at_play_us),
                (0, next(keys)),
                JumpDue(jump.at_play_us, jump.by_us),
                play_us=jump.at_play_us,
            )
        for disruption in scenario.disruptions:
            self.disruptions.schedule(DisruptionState(disruption, "scenario"), (0, next(keys)))
        for inject in scenario.injects:
            self.msel.schedule(inject, "scenario", (0, next(keys)))
        for index in range(len(scenario.background)):
            self.background.schedule(index, 0, 0, (0, next(keys)))

    def next_time(self) -> int | None:
        """When the next event is due, or None when nothing is due before ENDEX."""
        agenda = self.state.agenda
        while (entry := agenda.peek()) is not None:
            if not self._is_live(entry):
                agenda.pop()
                continue
            return entry.t_us if entry.t_us <= self.clock.endex_us else None
        return None

    def advance_to(self, t_us: int) -> None:
        """Run everything due at or before exercise time `t_us`, then stand at it; at or
        past ENDEX the exercise finishes and seals. Time never goes back."""
        if self.clock.ended:
            return
        if t_us < self.clock.now:
            raise ValueError(f"time goes forward only: asked for {t_us}, now is {self.clock.now}")
        if not self.clock.started:
            if t_us > self.clock.now:
                raise RuntimeError("the clock has not started: nothing may advance it")
            return
        self.run_until(t_us)

    def run_until(self, t_us: int) -> None:
        """Advance to `t_us` (ENDEX at most), finishing the exercise there."""
        self._run_due(t_us)
        if self.clock.ended:
            return
        if t_us >= self.clock.endex_us:
            self.clock.now = self.clock.endex_us
            self.finish(origin="scenario", cause=None)
        else:
            self.clock.now = max(self.clock.now, t_us)

    def finish(self, *, origin: Origin, cause: int | None) -> None:
        """ENDEX: heal what is still in force (releasing nothing), skip `after` injects
        still waiting, and seal the log."""
        for disruption_id in list(self.state.disruptions.active):
            self.disruptions.heal(disruption_id, origin=origin, cause=cause, at_endex=True)
        self.msel.finish()
        self.recorder.log(
            "exercise_ended", origin, cause, data={"records": self.recorder.next_seq + 1}
        )
        self.clock.ended = True
        self._to_settle.clear()

    def _run_due(self, t_us: int) -> None:
        """Run the live entries due at or before `t_us` (ENDEX at most); nothing plays
        before the live clock starts."""
        agenda = self.state.agenda
        while self.clock.started and not self.clock.ended:
            entry = agenda.peek()
            if entry is None or entry.t_us > min(t_us, self.clock.endex_us):
                return
            agenda.pop()
            if not self._is_live(entry):
                continue
            if entry.t_us < self.clock.now:
                raise RuntimeError(f"agenda entry {entry} is in the past (now {self.clock.now})")
            self.clock.now = entry.t_us
            self._dispatch(entry)
            self._settle()

    def _dispatch(self, entry: Entry) -> None:
        # The payload types are disjoint: the most frequent come first (issue 12).
        match entry.payload:
            case BackgroundDue() as due:
                self.background.on_due(due, entry)
            case DeliveryDue(key):
                self.pipeline.due(key)
            case OfficeOpens(key):
                self.pipeline.office_opens(key)
            case TranslationArrival(key):
                self.pipeline.translator.arrive(key)
            case TranslationDone(key):
                self.pipeline.translator.translation_done(key)
            case WakeDue(seq):
                self._wake(seq)
            case SendDue(seq):
                self._send(seq)
            case JumpDue(by_us=by_us):
                self.state.jumps_taken += 1
                self.recorder.log(
                    "clock_jump",
                    "scenario",
                    None,
                    data={"at_us": entry.t_us, "by_us": by_us, "to_us": entry.t_us + by_us},
                )
            case InjectDue() as due:
                self.msel.on_due(due)
            case InjectFire() as fire:
                self.msel.on_fire(fire, entry)
            case DisruptionStart(disruption_id):
                self.disruptions.start(disruption_id, origin="scenario", cause=None)
            case DisruptionEnd(disruption_id):
                self.disruptions.heal(disruption_id, origin="scenario", cause=None)

    def _is_live(self, entry: Entry) -> bool:
        """Whether an agenda entry still stands: the state still holds it under its key
        (a retime, a heal or a delivery's end makes older entries lapse)."""
        state = self.state
        key = entry.key
        match entry.payload:  # disjoint types, the most frequent first (issue 12)
            case BackgroundDue(stream):
                upcoming = state.background.get(stream)
                return upcoming is not None and upcoming.key == key
            case (
                DeliveryDue(delivery)
                | OfficeOpens(delivery)
                | TranslationArrival(delivery)
                | TranslationDone(delivery)
            ):
                pending = state.pending.get(delivery)
                return pending is not None and pending.agenda_key == key
            case WakeDue(seq):
                return seq in state.wakes
            case SendDue(seq):
                return seq in state.sends
            case JumpDue():
                return True
            case InjectDue(inject_id):
                inject = state.msel.injects[inject_id]
                return inject.due_key == key and inject.due_expected
            case InjectFire(inject_id):
                inject = state.msel.injects[inject_id]
                return inject.fire_key == key and inject.fire_expected
            case DisruptionStart(disruption_id):
                scheduled = state.disruptions.scheduled.get(disruption_id)
                return scheduled is not None and scheduled.start_key == key
            case DisruptionEnd(disruption_id):
                active = state.disruptions.active.get(disruption_id)
                return active is not None and active.end_key == key

    # -- inputs -------------------------------------------------------------------------

    def submit(self, data: bytes, *, agency: str) -> Submission:
        """A team's submission (JSON or MessagePack bytes) as the authenticated `agency`:
        logged verbatim, whatever it holds. Raises `ExerciseClosedError` (nothing logged) before
        the live clock starts and after ENDEX."""
        self._guard(submission=True)
        extra = _input_data(data, agency)
        try:
            envelope = decode_envelope(data)
        except ProtocolError as exc:
            seq = self.recorder.log(
                "envelope_refused",
                "team",
                None,
                data={
                    "reason": "invalid_message",
                    "detail": str(exc),
                    "sender": agency,
                    **extra,
                },
            )
            result = Submission("refused", seq, "invalid_message", str(exc))
        else:
            result = self.pipeline.submit(envelope, origin="team", as_agency=agency, extra=extra)
        self._after_input()
        return result

    def read(self, agency: str, envelope_id: UUID) -> ReadReceipt:
        """A team read a message delivered to its agency (logged `message_read` the first
        time). Raises `UnknownMessageError` for anything the agency was not given."""
        self._guard()
        key = DeliveryKey(envelope_id, agency)
        registry = self.state.registry
        if key not in registry.delivered:
            raise UnknownMessageError(f"no message {envelope_id} was delivered to {agency}")
        if key in registry.reads:
            return ReadReceipt(registry.reads[key], first=False)
        seq = self.recorder.log(
            "message_read",
            "team",
            None,
            envelope_id=envelope_id,
            recipient=agency,
            data={"agency": agency},
        )
        registry.reads[key] = seq
        self._after_input()
        return ReadReceipt(seq, first=True)

    def control(
        self, action: ControlAction, *, actor: str, document: dict[str, Any] | None = None
    ) -> ControlReceipt:
        """A controller's action: checked whole (`ControlError`, nothing logged), then
        logged `control_action` before its effects, as `document` (the JSON it came as),
        else as its own encoding."""
        self._guard()
        plan = self.controls.check(action)
        given = encode_action(action) if document is None else document
        seq = self.recorder.log(
            "control_action",
            "controller",
            None,
            data={"action": action_name(action), "actor": actor, "input": given},
        )
        self.controls.apply(plan, seq)
        if not self.clock.ended:
            self._after_input()
        return ControlReceipt(seq, action_name(action))

    def apply_input(self, item: Input) -> Submission | ReadReceipt | ControlReceipt:
        """Any input, as drivers and replay hand them over."""
        match item:
            case TeamSubmission(agency, data):
                return self.submit(data, agency=agency)
            case TeamRead(agency, envelope_id):
                return self.read(agency, envelope_id)
            case ControlInput(action, actor, document):
                return self.control(action, actor=actor, document=document)

    def _guard(self, *, submission: bool = False) -> None:
        if self.clock.ended:
            raise ExerciseClosedError("exercise_ended")
        if self.state.phase != "begun":
            raise RuntimeError("begin() the exercise before handing it inputs")
        if submission and not self.clock.started:
            raise ExerciseClosedError("not_started")

    def _after_input(self) -> None:
        self._settle()
        self._run_due(self.clock.now)

    # -- participants -------------------------------------------------------------------

    def _delivered(self, output: Delivered) -> None:
        envelope = output.envelope
        self._to_settle.append(output)
        self.msel.on_event(
            "delivered",
            Seen.of(envelope, self.clock.now, output.seq, output.recipient),
        )

    def _submitted(self, envelope: Envelope, seq: int) -> None:
        self.msel.on_event(
            "submitted",
            Seen.of(envelope, self.clock.now, seq),
        )

    def _settle(self) -> None:
        """Hand deliveries and wakes to the SIMCELL playbooks until none are left; what is
        for other agencies waits for `take_outputs`."""
        queue = self._to_settle
        simcell = self.state.simcell
        while queue:
            output = queue.popleft()
            agency = output.recipient if isinstance(output, Delivered) else output.agency
            player = self.players.get(agency) if agency in simcell else None
            if player is None:
                if isinstance(output, Delivered):
                    self._outputs.append(output)
                continue
            if isinstance(output, Delivered):
                actions = player.on_delivery(output.delivery, output.envelope, self.clock.now)
            else:
                actions = player.on_wake(output.token, self.clock.now)
            self._apply(agency, actions, cause_seq=output.seq)

    def _apply(self, agency: str, actions: list[Action], *, cause_seq: int) -> None:
        """Carry out a playbook's actions: sends now or after work time, and wakes."""
        for action in actions:
            if isinstance(action, Wake):
                due = self.clock.now + max(0, action.after_us)
                seq = self.recorder.log(
                    "wake_scheduled",
                    "playbook",
                    cause_seq,
                    data={"agency": agency, "token": action.token, "due_us": due},
                )
                self.state.wakes[seq] = ScheduledWake(agency, action.token, due)
                self.state.agenda.push(due, (seq, 0), WakeDue(seq))
            elif isinstance(action, Send):
                self._send_action(agency, action, cause_seq)

    def _send_action(self, agency: str, action: Send, cause_seq: int) -> None:
        envelope = action.envelope
        kind = envelope.body.kind()
        claimed = self.state.msel.claimed
        for case in envelope.case_refs:
            inject = claimed.get((agency, kind, case))
            if inject is not None:
                self.recorder.log(
                    "send_withheld",
                    "playbook",
                    cause_seq,
                    envelope_id=envelope.id,
                    data={
                        "agency": agency,
                        "kind": kind,
                        "case": case,
                        "inject_id": inject,
                        "reason": "the MSEL sends this for the agency in this case",
                    },
                )
                return
        planted = {"planted": action.planted} if action.planted else {}
        if action.after_us <= 0:
            self.pipeline.submit(
                envelope, origin="playbook", as_agency=agency, cause_seq=cause_seq, extra=planted
            )
            return
        due = self.clock.now + action.after_us
        seq = self.recorder.log(
            "send_scheduled",
            "playbook",
            cause_seq,
            envelope_id=envelope.id,
            data={
                "agency": agency,
                "due_us": due,
                "envelope": msgspec.to_builtins(envelope),
                **planted,
            },
        )
        self.state.sends[seq] = ScheduledSend(agency, "playbook", envelope, due, action.planted)
        self.state.agenda.push(due, (seq, 0), SendDue(seq))

    def _wake(self, seq: int) -> None:
        wake = self.state.wakes.pop(seq)
        fired = self.recorder.log(
            "wake_fired",
            "playbook",
            seq,
            data={"agency": wake.agency, "token": wake.token, "due_us": wake.due_us},
        )
        self._to_settle.append(WakeFired(wake.agency, wake.token, wake.due_us, fired))

    def _send(self, seq: int) -> None:
        send = self.state.sends.pop(seq)
        self.pipeline.submit(
            send.envelope,
            origin=send.origin,
            as_agency=send.agency,
            cause_seq=seq,
            extra={"planted": send.planted} if send.planted else None,
        )

    def _submit_for_msel(
        self, envelope: Envelope, origin: Origin, sender: str, cause: int | None
    ) -> Submission:
        return self.pipeline.submit(envelope, origin=origin, as_agency=sender, cause_seq=cause)

    # -- the whole state, for tests and restore -------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything restore must rebuild, as plain data (live agenda entries only)."""
        live = [entry for entry in self.state.agenda.entries() if self._is_live(entry)]
        return snapshot(self.state, live, self.recorder.next_seq)


def _input_data(data: bytes, agency: str) -> dict[str, Any]:
    """A submission's bytes as the log keeps them: UTF-8 text, else base64."""
    try:
        return {"agency": agency, "input": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"agency": agency, "input_b64": base64.b64encode(data).decode("ascii")}
