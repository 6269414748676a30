"""Restore: a core rebuilt from a log prefix that ends at a commit (SPEC §14).

The scenario's own schedule is rebuilt by scheduling it again (its records must equal the
log's first records); every later record is folded into the state it describes; each
playbook is re-fed the deliveries and wakes it was given, and what it answers is
discarded (its sends are in the log already). The agenda is then derived from the state:
every pending item keeps the key of the record that scheduled it. docs/architecture.md
says what each record kind means here."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

import msgspec

from protocols import Delivery, Envelope
from trafsim_bus.core.actions import (
    decode_action,
)
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
from trafsim_bus.core.bus import Bus
from trafsim_bus.core.fold import Fold
from trafsim_bus.core.inputs import ControlInput, Input, TeamRead, TeamSubmission
from trafsim_bus.core.participants import Participant
from trafsim_bus.errors import ControlError, LogError
from trafsim_bus.log.records import Record
from trafsim_bus.scenario.loader import parse_scenario
from trafsim_bus.scenario.model import Scenario

PlayersFor = Callable[[Scenario, UUID, int], Mapping[str, Participant]]
"""Builds the playbooks of a scenario, exercise id and seed (`agencies.build_playbooks`)."""

_ENVELOPE = msgspec.json.Decoder(Envelope)
_DELIVERY = msgspec.json.Decoder(Delivery)


@dataclass(frozen=True, slots=True)
class Header:
    """What `exercise_started` says about the exercise."""

    scenario: Scenario
    seed: int
    exercise_id: UUID
    version: str
    live: bool
    simcell: frozenset[str]


def read_header(record: Record) -> Header:
    """The exercise a log holds, from its first record."""
    if record.kind != "exercise_started" or record.seq != 0:
        raise LogError(f"seq {record.seq}: a log starts with exercise_started, not {record.kind}")
    data = record.data
    scenario = parse_scenario(data["scenario"]["text"], f"{data['scenario']['name']}.toml")
    return Header(
        scenario=scenario,
        seed=int(data["seed"]),
        exercise_id=UUID(data["exercise_id"]),
        version=str(data["trafsim_version"]),
        live=bool(data.get("live", False)),
        simcell=frozenset(data.get("simcell", scenario.agencies)),
    )


def new_bus(header: Header, players_for: PlayersFor | None) -> Bus:
    """A fresh core for the exercise a header describes, with its playbooks."""
    players = (
        {} if players_for is None else players_for(header.scenario, header.exercise_id, header.seed)
    )
    return Bus(
        header.scenario,
        seed=header.seed,
        exercise_id=header.exercise_id,
        version=header.version,
        live=header.live,
        players=players,
        simcell=header.simcell,
    )


def restore(records: Iterable[Record], players_for: PlayersFor | None = None) -> Bus:
    """The core as it stood after `records` (a committed prefix of one log), ready for
    the next input. A sealed log cannot be resumed."""
    stream = iter(records)
    first = next(stream, None)
    if first is None:
        raise LogError("the log is empty: there is nothing to restore")
    bus = new_bus(read_header(first), players_for)
    bus.schedule_scenario()
    expected = bus.take_records()
    if expected[0] != first:
        raise LogError(
            "seq 0: exercise_started differs from what this trafsim makes of its scenario"
        )
    fold = Fold(bus)
    for record in expected[1:]:
        found = next(stream, None)
        if found != record:
            raise LogError(
                f"seq {record.seq}: the scenario's schedule differs from the log "
                f"(expected {record.kind}, found {found.kind if found else 'the end'})"
            )
    last = expected[-1]
    for record in stream:
        if record.seq != last.seq + 1:
            raise LogError(f"seq {last.seq + 1}: missing (the next record is seq {record.seq})")
        fold.apply(record)
        last = record
    if bus.clock.ended:
        raise LogError("the exercise is sealed (exercise_ended): a sealed log cannot be resumed")
    bus.clock.now = max(last.t_us, fold.standing_us)
    bus.recorder.next_seq = last.seq + 1
    bus.state.agenda.reset(agenda_entries(bus))
    return bus


def inputs_of(records: Iterable[Record]) -> list[tuple[int, Input]]:
    """A log's inputs with their exercise times, in log order: team submissions (refused
    and duplicate ones too), reads and control actions, each as it was handed over."""
    found: list[tuple[int, Input]] = []
    for record in records:
        if record.cause_seq is not None:
            continue
        data = record.data
        if record.origin == "team" and record.kind in (
            "envelope_submitted",
            "envelope_refused",
            "duplicate_ignored",
        ):
            raw = (
                data["input"].encode("utf-8")
                if "input" in data
                else base64.b64decode(data["input_b64"])
            )
            found.append((record.t_us, TeamSubmission(data["agency"], raw)))
        elif record.kind == "message_read":
            found.append(
                (record.t_us, TeamRead(str(record.recipient), UUID(str(record.envelope_id))))
            )
        elif record.kind == "control_action":
            try:
                action = decode_action(data["input"])
            except ControlError as exc:
                raise LogError(
                    f"seq {record.seq}: a control action that does not decode: {exc}"
                ) from None
            found.append((record.t_us, ControlInput(action, str(data["actor"]), data["input"])))
    return found


def agenda_entries(bus: Bus) -> list[Entry]:
    """Every entry the state of `bus` holds on its agenda, in order."""
    state = bus.state
    clock = bus.clock
    entries: list[Entry] = []
    for key, pending in state.pending.items():
        if pending.stage == "transit":
            entries.append(Entry(pending.due_us, pending.agenda_key, DeliveryDue(key)))
        elif pending.stage == "office_closed":
            entries.append(Entry(pending.opens_us, pending.agenda_key, OfficeOpens(key)))
        elif pending.stage == "to_translation":
            entries.append(Entry(pending.due_us, pending.agenda_key, TranslationArrival(key)))
        elif pending.stage == "translation_service" and pending.translation is not None:
            finish = state.pools[pending.translation.pool.id].serving[key]
            entries.append(Entry(finish, pending.agenda_key, TranslationDone(key)))
    entries += [Entry(w.due_us, (seq, 0), WakeDue(seq)) for seq, w in state.wakes.items()]
    entries += [Entry(s.due_us, (seq, 0), SendDue(seq)) for seq, s in state.sends.items()]
    for i, jump in enumerate(bus.scenario.jumps[state.jumps_taken :], start=state.jumps_taken):
        entries.append(
            Entry(
                clock.jump_start_us(jump.at_play_us),
                (0, i),
                JumpDue(jump.at_play_us, jump.by_us),
                jump.at_play_us,
            )
        )
    for inject_id, inject in state.msel.injects.items():
        # A held inject's entry went by, doing nothing, once its time came.
        held = inject.status == "held"
        if inject.due_expected and inject.due_play_us is not None:
            play = inject.due_play_us
            due = clock.play_to_exercise(play)
            if not held or due > clock.now:
                entries.append(Entry(due, inject.due_key, InjectDue(inject_id), play))
        fire = inject.fire_us
        if inject.fire_expected and fire is not None and (not held or fire > clock.now):
            entries.append(Entry(fire, inject.fire_key, InjectFire(inject_id)))
    for disruption_id, scheduled in state.disruptions.scheduled.items():
        start = scheduled.disruption.start_play_us
        if start is not None:
            entries.append(
                Entry(
                    clock.play_to_exercise(start),
                    scheduled.start_key,
                    DisruptionStart(disruption_id),
                    start,
                )
            )
    for disruption_id, active in state.disruptions.active.items():
        if active.end_us is not None:
            entries.append(Entry(active.end_us, active.end_key, DisruptionEnd(disruption_id)))
    for index, upcoming in state.background.items():
        entries.append(
            Entry(
                clock.play_to_exercise(upcoming.play_us),
                upcoming.key,
                BackgroundDue(index, upcoming.i),
                upcoming.play_us,
            )
        )
    return sorted(entries)
