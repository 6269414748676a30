"""Control operations (SPEC §14): each action is checked whole against the state now, and
only then applied. A refusal names the path of the bad value and says why; it changes and
logs nothing."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from trafsim_bus.core.actions import (
    Add,
    Assign,
    Cancel,
    ControlAction,
    Disrupt,
    End,
    Fire,
    Heal,
    HealAll,
    Hold,
    Jump,
    Patch,
    Pause,
    Release,
    Resume,
    Retime,
    Skip,
    Speed,
    Start,
)
from trafsim_bus.core.agenda import DisruptionEnd
from trafsim_bus.core.disruptions import DisruptionState
from trafsim_bus.core.msel import InjectState
from trafsim_bus.errors import ControlError, ScenarioError
from trafsim_bus.scenario import raw
from trafsim_bus.scenario.checks import split_validation
from trafsim_bus.scenario.loader import Resolver, checks_for
from trafsim_bus.scenario.model import EXCON, Disruption, Inject
from trafsim_bus.timebase import (
    LONGEST_EXERCISE,
    format_day_time,
    parse_day_time,
    parse_duration,
)

if TYPE_CHECKING:
    from trafsim_bus.core.bus import Bus

T = TypeVar("T")
MAX_SPEED = 10_000.0
NOT_BEFORE_START = (Pause, Resume, Skip, Jump, Fire)
CLOCK_ACTIONS = (Start, Pause, Resume, Speed, Skip, Jump, End)
INJECT_ACTIONS = (Fire, Hold, Release, Retime, Add, Cancel)
DISRUPTION_ACTIONS = (Disrupt, Patch, Heal, HealAll)
ClockAction = Start | Pause | Resume | Speed | Skip | Jump | End
InjectAction = Fire | Hold | Release | Retime | Add | Cancel
DisruptionAction = Disrupt | Patch | Heal | HealAll


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked action and what it resolved to (an inject, a disruption, a time)."""

    action: ControlAction
    play_us: int = 0
    by_us: int = 0
    inject: Inject | None = None
    disruption: Disruption | None = None
    end_us: int | None = None


class Controls:
    """Checks and applies control actions on one bus."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._resolver: Resolver | None = None

    # -- checking -----------------------------------------------------------------------

    def check(self, action: ControlAction) -> Plan:
        """The plan of a valid action; `ControlError` for anything else."""
        try:
            return self._check(action)
        except RecursionError:
            raise ControlError("$", "the action is nested too deeply") from None

    def _check(self, action: ControlAction) -> Plan:
        if not self.bus.clock.started and isinstance(action, NOT_BEFORE_START):
            raise ControlError("$.action", "the exercise has not started: start it first")
        if isinstance(action, CLOCK_ACTIONS):
            return self._check_clock(action)
        if isinstance(action, INJECT_ACTIONS):
            return self._check_inject(action)
        if isinstance(action, DISRUPTION_ACTIONS):
            return self._check_disruption(action)
        if isinstance(action, Assign):
            self._check_assign(action)
        return Plan(action)

    def _check_clock(self, action: ClockAction) -> Plan:
        clock = self.bus.clock
        match action:
            case Start():
                if clock.started:
                    raise ControlError("$.action", "the clock has already started")
            case Pause():
                if clock.paused:
                    raise ControlError("$.action", "the clock is already paused")
            case Resume():
                if not clock.paused:
                    raise ControlError("$.action", "the clock is not paused")
            case Speed(factor=factor):
                if not math.isfinite(factor) or not 0 < factor <= MAX_SPEED:
                    raise ControlError(
                        "$.factor",
                        f"expected a speed factor above 0 and at most {MAX_SPEED:g}, got {factor:g}",
                    )
            case Skip(to=to):
                play = self._play_time("$.to", to)
                if play <= clock.play_now:
                    raise ControlError(
                        "$.to", f"{to!r} is not later than the time of play now ({self._now()})"
                    )
                return Plan(action, play_us=play)
            case Jump(by=by):
                by_us = self._jump_duration(by)
                if clock.endex_us + by_us > LONGEST_EXERCISE:
                    raise ControlError(
                        "$.by",
                        f"a jump of {by!r} would put ENDEX more than 520w (ten years) "
                        "after STARTEX",
                    )
                return Plan(action, by_us=by_us)
        return Plan(action)

    def _check_inject(self, action: InjectAction) -> Plan:
        match action:
            case Add(inject=document):
                return Plan(action, inject=self._check_add(document))
            case Retime(inject=inject_id, at=at):
                return self._check_retime(action, inject_id, at)
            case Fire(inject=inject_id):
                allowed: tuple[str, ...] = ("pending", "armed", "held", "fired", "skipped")
                why = "is cancelled: add another inject to fire"
            case Hold(inject=inject_id):
                allowed = ("pending", "armed")
                why = "is {status}: only a pending or armed inject can be held"
            case Release(inject=inject_id):
                allowed = ("held",)
                why = "is {status}, not held"
            case Cancel(inject=inject_id):
                allowed = ("pending", "armed", "held")
                why = "is {status}: there is nothing to cancel"
        state = self._inject("$.inject", inject_id)
        if state.status not in allowed:
            raise ControlError("$.inject", f"{inject_id} " + why.format(status=state.status))
        return Plan(action)

    def _check_disruption(self, action: DisruptionAction) -> Plan:
        disruptions = self.bus.state.disruptions
        match action:
            case Disrupt(disruption=document):
                return Plan(action, disruption=self._check_disrupt(document))
            case Patch():
                return self._check_patch(action)
            case Heal(id=disruption_id):
                if disruption_id in disruptions.ended:
                    raise ControlError("$.id", f"{disruption_id} has ended already")
                if disruption_id not in disruptions.active | disruptions.scheduled:
                    raise ControlError(
                        "$.id", self._expected("a disruption", disruption_id, disruptions.active)
                    )
            case HealAll():
                if not disruptions.active:
                    raise ControlError("$.action", "no disruption is in force: nothing to heal")
        return Plan(action)

    def _check_assign(self, action: Assign) -> None:
        agencies = self.bus.scenario.agencies
        if action.agency not in agencies or action.agency == EXCON:
            raise ControlError("$.agency", self._expected("an agency id", action.agency, agencies))
        simcell = action.agency in self.bus.state.simcell
        if simcell == (action.played_by == "simcell"):
            who = "its SIMCELL playbook" if simcell else "a team"
            raise ControlError("$.played_by", f"{action.agency} is already played by {who}")

    def _check_retime(self, action: Retime, inject_id: str, at: str) -> Plan:
        state = self._inject("$.inject", inject_id)
        if not state.due_expected:
            why = (
                "it waits for its event now"
                if state.inject.after is not None and "armed" in (state.status, state.held_from)
                else "only a pending or held inject can be retimed"
            )
            raise ControlError("$.inject", f"{inject_id} is {state.status}: {why}")
        play = self._play_time("$.at", at)
        if play < self.bus.clock.play_now:
            raise ControlError("$.at", f"{at!r} is in the past (the time of play is {self._now()})")
        return Plan(action, play_us=play)

    def _check_add(self, document: dict[str, Any]) -> Inject:
        try:
            item = msgspec.convert(document, raw.Inject)
        except msgspec.ValidationError as exc:
            path, message = split_validation(exc)
            raise ControlError(_join("$.inject", path), message) from None
        inject = self._resolve(lambda resolver: resolver.resolve_inject("$.inject", item))
        if inject.id in self.bus.state.msel.injects:
            raise ControlError("$.inject.id", f"an inject {inject.id!r} exists already")
        now = self.bus.clock.play_now
        for path, play in (
            ("$.inject.at", inject.at_play_us),
            ("$.inject.unless.by", inject.unless.by_play_us if inject.unless else None),
        ):
            if play is not None and play < now:
                raise ControlError(
                    path,
                    f"{self._format(play)} is in the past (the time of play is {self._now()}); "
                    "use fire to send it now",
                )
        return inject

    def _check_disrupt(self, document: dict[str, Any]) -> Disruption:
        try:
            item = msgspec.convert(document, raw.Disruption)
        except msgspec.ValidationError as exc:
            path, message = split_validation(exc)
            raise ControlError(_join("$.disruption", path), message) from None
        disruption = self._resolve(
            lambda resolver: resolver.resolve_disruption("$.disruption", item, start_required=False)
        )
        if self.bus.state.disruptions.known(disruption.id):
            raise ControlError("$.disruption.id", f"a disruption {disruption.id!r} exists already")
        start = disruption.start_play_us
        if start is not None and start < self.bus.clock.play_now:
            raise ControlError(
                "$.disruption.schedule.start",
                f"{self._format(start)} is in the past (the time of play is {self._now()}); "
                "leave it out to start now",
            )
        return disruption

    def _check_patch(self, action: Patch) -> Plan:
        disruptions = self.bus.state.disruptions
        if action.id in disruptions.ended:
            raise ControlError("$.id", f"{action.id} has ended: it cannot be patched")
        state = disruptions.active.get(action.id) or disruptions.scheduled.get(action.id)
        if state is None:
            raise ControlError(
                "$.id", self._expected("a disruption", action.id, disruptions.active)
            )
        if action.probability is None and action.attributes is None and action.end is None:
            raise ControlError("$", "expected probability, attributes or end to change")
        old = state.disruption
        probability = old.probability if action.probability is None else action.probability
        if not 0 <= probability <= 1:
            raise ControlError(
                "$.probability", f"expected a probability between 0 and 1, got {probability}"
            )
        attributes = dict(old.attributes)
        if action.attributes is not None:
            attributes.update(action.attributes)
            self._resolve(
                lambda resolver: resolver.check_disruption("$", old.type, old.target, attributes)
            )
        new = dataclasses.replace(old, probability=probability, attributes=attributes)
        end_us = None
        if action.end is not None:
            clock = self.bus.clock
            end_us = clock.play_to_exercise(self._play_time("$.end", action.end))
            start_us = state.start_us
            if start_us is None and old.start_play_us is not None:
                start_us = clock.play_to_exercise(old.start_play_us)
            if end_us <= clock.now or (start_us is not None and end_us <= start_us):
                raise ControlError(
                    "$.end",
                    f"{action.end!r} is not after "
                    + ("now" if state.start_us is not None else "the disruption starts")
                    + f" ({self._now()})",
                )
            if state.start_us is None and start_us is not None:
                new = dataclasses.replace(new, duration_us=end_us - start_us)
        return Plan(action, disruption=new, end_us=end_us)

    # -- applying -----------------------------------------------------------------------

    def apply(self, plan: Plan, seq: int) -> None:
        """Carry out a checked plan; `seq` is its `control_action` record."""
        action = plan.action
        if isinstance(action, CLOCK_ACTIONS):
            self._apply_clock(action, plan, seq)
        elif isinstance(action, INJECT_ACTIONS):
            self._apply_inject(action, plan, seq)
        elif isinstance(action, DISRUPTION_ACTIONS):
            self._apply_disruption(action, plan, seq)
        elif isinstance(action, Assign):
            self._assign(action, seq)

    def _assign(self, action: Assign, seq: int) -> None:
        """Hand the agency over. To a team: what its playbook had scheduled (sends in its
        outbox, wakes) is cancelled, each logged; the team decides from now on."""
        state = self.bus.state
        if action.played_by == "simcell":
            state.simcell.add(action.agency)
            return
        state.simcell.discard(action.agency)
        recorder = self.bus.recorder
        for scheduled, send in sorted(state.sends.items()):
            if send.agency == action.agency:
                del state.sends[scheduled]
                recorder.log(
                    "send_cancelled",
                    "controller",
                    seq,
                    envelope_id=send.envelope.id,
                    data={"agency": send.agency, "scheduled_seq": scheduled},
                )
        for scheduled, wake in sorted(state.wakes.items()):
            if wake.agency == action.agency:
                del state.wakes[scheduled]
                recorder.log(
                    "wake_cancelled",
                    "controller",
                    seq,
                    data={"agency": wake.agency, "token": wake.token, "scheduled_seq": scheduled},
                )

    def _apply_clock(self, action: ClockAction, plan: Plan, seq: int) -> None:
        bus = self.bus
        clock = bus.clock
        match action:
            case Start():
                clock.started = True
                self._clock_changed("start", seq)
            case Pause():
                clock.paused = True
                self._clock_changed("pause", seq)
            case Resume():
                clock.paused = False
                self._clock_changed("resume", seq)
            case Speed(factor=factor):
                clock.speed = factor
                self._clock_changed("speed", seq)
            case Skip():
                self._clock_changed("skip", seq, play_us=plan.play_us)
                bus.run_until(clock.play_to_exercise(plan.play_us))
            case Jump():
                at_us = clock.now
                clock.add_jump(plan.by_us)
                bus.state.agenda.shift_play_anchored(plan.by_us)
                self._clock_changed("jump", seq, by_us=plan.by_us)
                bus.recorder.log(
                    "clock_jump",
                    "controller",
                    seq,
                    data={"at_us": at_us, "by_us": plan.by_us, "to_us": at_us + plan.by_us},
                )
                bus.run_until(at_us + plan.by_us)
            case End():
                self._clock_changed("end", seq, endex_us=clock.now)
                bus.finish(origin="controller", cause=seq)

    def _apply_inject(self, action: InjectAction, plan: Plan, seq: int) -> None:
        msel = self.bus.msel
        if isinstance(action, Add):
            if plan.inject is not None:
                msel.schedule(plan.inject, "controller", (seq, 0))
            return
        state = msel.state.injects[action.inject]
        match action:
            case Fire():
                msel.fire(state, cause=seq, by_controller=True)
            case Hold():
                msel.hold(state)
            case Release():
                msel.release(state, cause=seq)
            case Retime():
                msel.retime(state, plan.play_us, (seq, 0))
            case Cancel():
                msel.cancel(state)

    def _apply_disruption(self, action: DisruptionAction, plan: Plan, seq: int) -> None:
        bus = self.bus
        match action:
            case Disrupt():
                if plan.disruption is not None:
                    self._disrupt(plan.disruption, seq)
            case Patch(id=disruption_id):
                self._patch(disruption_id, plan, seq)
            case Heal(id=disruption_id):
                bus.disruptions.heal(disruption_id, origin="controller", cause=seq)
            case HealAll():
                for disruption_id in list(bus.state.disruptions.active):
                    bus.disruptions.heal(disruption_id, origin="controller", cause=seq)

    def _clock_changed(self, action: str, seq: int, **extra: int) -> None:
        clock = self.bus.clock
        self.bus.recorder.log(
            "clock_changed",
            "controller",
            seq,
            data={
                "action": action,
                "play_us": extra.pop("play_us", clock.play_now),
                "speed": clock.speed,
                "paused": clock.paused,
                "started": clock.started,
                "endex_us": extra.pop("endex_us", clock.endex_us),
                **extra,
            },
        )

    def _disrupt(self, disruption: Disruption, seq: int) -> None:
        state = DisruptionState(disruption, "controller")
        if disruption.start_play_us is None:
            self.bus.state.disruptions.scheduled[disruption.id] = state
            self.bus.disruptions.start(disruption.id, origin="controller", cause=seq)
        else:
            self.bus.disruptions.schedule(state, (seq, 0))

    def _patch(self, disruption_id: str, plan: Plan, seq: int) -> None:
        disruptions = self.bus.state.disruptions
        state = disruptions.active.get(disruption_id) or disruptions.scheduled[disruption_id]
        if plan.disruption is not None:
            state.disruption = plan.disruption
        if state.start_us is None:
            return
        if plan.end_us is not None:
            state.end_us = plan.end_us
            state.end_key = (seq, 0)
            self.bus.state.agenda.push(plan.end_us, state.end_key, DisruptionEnd(disruption_id))
        if state.disruption.type == "translator_capacity":
            self.bus.disruptions.set_capacity(state, seq)

    # -- helpers ------------------------------------------------------------------------

    def _inject(self, path: str, inject_id: str) -> InjectState:
        state = self.bus.state.msel.injects.get(inject_id)
        if state is None:
            raise ControlError(
                path, self._expected("an inject id", inject_id, self.bus.state.msel.injects)
            )
        return state

    def _play_time(self, path: str, text: str) -> int:
        parsed = parse_day_time(text) if isinstance(text, str) else None
        if parsed is None:
            raise ControlError(path, f'expected a time of play like "D2 09:00", got {text!r}')
        day, minute = parsed
        play = ((day - 1) * 24 * 60 + minute - self.bus.scenario.startex_minute) * 60_000_000
        if play < 0:
            raise ControlError(path, f"{text!r} is before STARTEX")
        if play > self.bus.clock.play_end_us:
            raise ControlError(
                path, f"{text!r} is after ENDEX ({self._format(self.bus.clock.play_end_us)})"
            )
        return play

    def _jump_duration(self, text: str) -> int:
        value = parse_duration(text) if isinstance(text, str) else None
        if value is None and isinstance(text, str) and text.strip().startswith("-"):
            raise ControlError(
                "$.by", f'a jump goes forward: expected a duration like "7d", got {text!r}'
            )
        if value is None:
            raise ControlError(
                "$.by", f'expected a duration like "7d" (units s, min, h, d, w), got {text!r}'
            )
        if value <= 0:
            raise ControlError("$.by", f"expected a duration above zero, got {text!r}")
        return value

    def _resolve(self, check: Callable[[Resolver], T]) -> T:
        """Run one of the scenario loader's checks; its errors become control errors."""
        if self._resolver is None:
            self._resolver = checks_for(self.bus.scenario)
        try:
            return check(self._resolver)
        except ScenarioError as exc:
            raise ControlError(exc.path or "$", exc.message) from None

    def _now(self) -> str:
        return self._format(self.bus.clock.play_now)

    def _format(self, play_us: int) -> str:
        return format_day_time(play_us, self.bus.scenario.startex_minute)

    @staticmethod
    def _expected(what: str, got: str, known: Mapping[str, object]) -> str:
        names = [name for name in known if name != EXCON]
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"expected {what} ({shown or 'none'}), got {got!r}"


def _join(prefix: str, path: str) -> str:
    """`$.inject` + `body.persons[0]` → `$.inject.body.persons[0]`."""
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"
