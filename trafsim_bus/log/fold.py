"""Fold a log (or any prefix of it) into the pending state the live core held.

This is what crash recovery, replay and the evaluator rely on: every scheduled effect is
logged when decided, with its due time, so the records alone tell what was pending."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trafsim_bus.log.records import Record
from trafsim_bus.scenario.loader import parse_scenario


class Fold:
    """The pending state after the records applied so far."""

    def __init__(self) -> None:
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.translate_side: dict[str, str] = {}
        self.queues: dict[str, dict[str, Any]] = {}
        self.wakes: dict[int, tuple[str, str, int]] = {}
        self.sends: dict[int, tuple[str, str, int]] = {}
        self.disruptions: list[str] = []
        self.held: dict[str, list[str]] = {}

    def apply(self, record: Record) -> None:
        """Apply one record."""
        handler = getattr(self, f"_{record.kind}", None)
        if handler is not None:
            handler(record)

    def snapshot(self) -> dict[str, Any]:
        """The same structure as `Bus.snapshot()`."""
        return {
            "deliveries": dict(sorted(self.deliveries.items())),
            "queues": {
                pool: {
                    "waiting": list(state["waiting"]),
                    "serving": dict(sorted(state["serving"].items())),
                    "servers": state["servers"],
                }
                for pool, state in self.queues.items()
            },
            "wakes": sorted(self.wakes.values()),
            "sends": sorted(self.sends.values()),
            "disruptions": list(self.disruptions),
            "held": {key: list(keys) for key, keys in self.held.items() if keys},
        }

    # -- handlers, one per record kind that changes pending state ----------------------

    def _exercise_started(self, record: Record) -> None:
        scenario = record.data["scenario"]
        loaded = parse_scenario(scenario["text"], scenario["source"])
        for pool in loaded.pools:
            self.queues[pool.id] = {"waiting": [], "serving": {}, "servers": pool.servers}

    @staticmethod
    def _key(record: Record) -> str:
        return f"{record.envelope_id}:{record.recipient}"

    def _delivery_created(self, record: Record) -> None:
        self.deliveries[self._key(record)] = {"stage": "transit", "due_us": None}

    def _barrier_decision(self, record: Record) -> None:
        key = self._key(record)
        stage = record.data["stage"]
        if stage == "language" and record.data["outcome"] == "translate":
            self.translate_side[key] = record.data["side"]
        elif stage == "latency" and record.data.get("due_us") is not None:
            recipient_side = self.translate_side.get(key) == "recipient"
            self.deliveries[key] = {
                "stage": "to_translation" if recipient_side else "transit",
                "due_us": record.data["due_us"],
            }

    def _translation_queued(self, record: Record) -> None:
        key = self._key(record)
        self.deliveries[key] = {"stage": "translation_wait", "due_us": None}
        self.queues[str(record.pool_id)]["waiting"].append(key)

    def _translation_started(self, record: Record) -> None:
        key = self._key(record)
        queue = self.queues[str(record.pool_id)]
        queue["waiting"].remove(key)
        queue["serving"][key] = record.data["finish_us"]
        self.deliveries[key] = {"stage": "translation_service", "due_us": None}

    def _translation_finished(self, record: Record) -> None:
        key = self._key(record)
        self.queues[str(record.pool_id)]["serving"].pop(key, None)
        if record.data["next"] == "transit":
            self.deliveries[key] = {"stage": "transit", "due_us": record.data["due_us"]}
        else:
            self.deliveries[key] = {"stage": "due", "due_us": None}

    def _delivery_held(self, record: Record) -> None:
        key = self._key(record)
        self.deliveries[key] = {"stage": "held", "due_us": None}
        self.held.setdefault(str(record.disruption_id), []).append(key)

    def _delivery_released(self, record: Record) -> None:
        key = self._key(record)
        self.deliveries[key] = {"stage": "due", "due_us": None}

    def _end(self, record: Record) -> None:
        self.deliveries.pop(self._key(record), None)
        self.translate_side.pop(self._key(record), None)

    _delivered = _end
    _rejected = _end
    _dropped = _end

    def _disruption_started(self, record: Record) -> None:
        self.disruptions.append(str(record.disruption_id))

    def _disruption_healed(self, record: Record) -> None:
        disruption = str(record.disruption_id)
        if disruption in self.disruptions:
            self.disruptions.remove(disruption)
        if not record.data.get("at_endex"):
            self.held.pop(disruption, None)

    def _disruption_effect(self, record: Record) -> None:
        if record.data.get("effect") == "capacity" and record.pool_id is not None:
            self.queues[record.pool_id]["servers"] = record.data["servers"]

    def _wake_scheduled(self, record: Record) -> None:
        data = record.data
        self.wakes[record.seq] = (data["agency"], data["token"], data["due_us"])

    def _wake_fired(self, record: Record) -> None:
        self.wakes.pop(record.cause_seq or -1, None)

    def _send_scheduled(self, record: Record) -> None:
        data = record.data
        self.sends[record.seq] = (data["agency"], str(record.envelope_id), data["due_us"])

    def _settle_send(self, record: Record) -> None:
        if record.cause_seq is not None:
            self.sends.pop(record.cause_seq, None)

    _envelope_submitted = _settle_send
    _envelope_refused = _settle_send
    _duplicate_ignored = _settle_send


def fold(records: Iterable[Record]) -> dict[str, Any]:
    """The pending state after `records` (a whole log or any prefix of it)."""
    state = Fold()
    for record in records:
        state.apply(record)
    return state.snapshot()
