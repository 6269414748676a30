"""The simulated bus: its core, drivers, event log, scenarios and evaluation."""

from trafsim_bus.core import Bus
from trafsim_bus.driver import VirtualDriver
from trafsim_bus.errors import BusError, LogError, ScenarioError
from trafsim_bus.log.fold import fold
from trafsim_bus.log.reader import read_records
from trafsim_bus.log.verify import verify_log
from trafsim_bus.log.writer import EventLogWriter
from trafsim_bus.metrics import compute_metrics, encode_metrics
from trafsim_bus.outputs import Delivered, Submission, WakeFired
from trafsim_bus.participants import Action, Participant, Send, Wake
from trafsim_bus.scenario import DEFAULT_SCENARIO, Scenario, bundled_names, load_scenario

__all__ = [
    "DEFAULT_SCENARIO",
    "Action",
    "Bus",
    "BusError",
    "Delivered",
    "EventLogWriter",
    "LogError",
    "Participant",
    "Scenario",
    "ScenarioError",
    "Send",
    "Submission",
    "VirtualDriver",
    "Wake",
    "WakeFired",
    "bundled_names",
    "compute_metrics",
    "encode_metrics",
    "fold",
    "load_scenario",
    "read_records",
    "verify_log",
]
