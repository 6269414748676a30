"""The simulated bus: its core, drivers, event log, scenarios and evaluation.

Names are imported on first use, so that `import trafsim_bus.core` stays free of sqlite3,
sqlite_utils and structlog (the core is sans-I/O)."""

import typing as _typing

from trafsim_bus.lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:
    from trafsim_bus.core import (
        Action,
        Bus,
        ControlAction,
        Delivered,
        Participant,
        Send,
        Submission,
        Wake,
        WakeFired,
        decode_action,
    )
    from trafsim_bus.core.restore import inputs_of, restore
    from trafsim_bus.drivers.realtime import ManualClock, MonotonicClock, RealtimeDriver
    from trafsim_bus.drivers.replay import replay
    from trafsim_bus.drivers.virtual import VirtualDriver
    from trafsim_bus.errors import (
        BusError,
        ControlError,
        ExerciseClosedError,
        LogError,
        ScenarioError,
        UnknownMessageError,
    )
    from trafsim_bus.log.reader import read_records
    from trafsim_bus.log.verify import verify_log
    from trafsim_bus.log.writer import EventLogWriter
    from trafsim_bus.metrics import compute_metrics, encode_metrics
    from trafsim_bus.scenario import DEFAULT_SCENARIO, Scenario, bundled_names, load_scenario

_HOMES = {
    "DEFAULT_SCENARIO": "trafsim_bus.scenario",
    "Action": "trafsim_bus.core",
    "Bus": "trafsim_bus.core",
    "BusError": "trafsim_bus.errors",
    "ControlAction": "trafsim_bus.core",
    "ControlError": "trafsim_bus.errors",
    "Delivered": "trafsim_bus.core",
    "EventLogWriter": "trafsim_bus.log.writer",
    "ExerciseClosedError": "trafsim_bus.errors",
    "LogError": "trafsim_bus.errors",
    "ManualClock": "trafsim_bus.drivers.realtime",
    "MonotonicClock": "trafsim_bus.drivers.realtime",
    "Participant": "trafsim_bus.core",
    "RealtimeDriver": "trafsim_bus.drivers.realtime",
    "Scenario": "trafsim_bus.scenario",
    "ScenarioError": "trafsim_bus.errors",
    "Send": "trafsim_bus.core",
    "Submission": "trafsim_bus.core",
    "UnknownMessageError": "trafsim_bus.errors",
    "VirtualDriver": "trafsim_bus.drivers.virtual",
    "Wake": "trafsim_bus.core",
    "WakeFired": "trafsim_bus.core",
    "bundled_names": "trafsim_bus.scenario",
    "compute_metrics": "trafsim_bus.metrics",
    "decode_action": "trafsim_bus.core",
    "encode_metrics": "trafsim_bus.metrics",
    "inputs_of": "trafsim_bus.core.restore",
    "load_scenario": "trafsim_bus.scenario",
    "read_records": "trafsim_bus.log.reader",
    "replay": "trafsim_bus.drivers.replay",
    "restore": "trafsim_bus.core.restore",
    "verify_log": "trafsim_bus.log.verify",
}

__all__ = [
    "DEFAULT_SCENARIO",
    "Action",
    "Bus",
    "BusError",
    "ControlAction",
    "ControlError",
    "Delivered",
    "EventLogWriter",
    "ExerciseClosedError",
    "LogError",
    "ManualClock",
    "MonotonicClock",
    "Participant",
    "RealtimeDriver",
    "Scenario",
    "ScenarioError",
    "Send",
    "Submission",
    "UnknownMessageError",
    "VirtualDriver",
    "Wake",
    "WakeFired",
    "bundled_names",
    "compute_metrics",
    "decode_action",
    "encode_metrics",
    "inputs_of",
    "load_scenario",
    "read_records",
    "replay",
    "restore",
    "verify_log",
]


__getattr__, __dir__ = _lazy_names(__name__, _HOMES, __all__)
