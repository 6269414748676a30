"""The sans-I/O core: the bus, its inputs and outputs, control actions, participants.

Importing it pulls in no sqlite3, sqlite_utils, structlog or asyncio."""

from trafsim_bus.core.actions import ControlAction, decode_action, encode_action
from trafsim_bus.core.bus import Bus
from trafsim_bus.core.inputs import ControlInput, Input, TeamRead, TeamSubmission
from trafsim_bus.core.outputs import (
    ControlReceipt,
    Delivered,
    Output,
    ReadReceipt,
    Submission,
    WakeFired,
)
from trafsim_bus.core.participants import Action, Participant, Send, Wake

__all__ = [
    "Action",
    "Bus",
    "ControlAction",
    "ControlInput",
    "ControlReceipt",
    "Delivered",
    "Input",
    "Output",
    "Participant",
    "ReadReceipt",
    "Send",
    "Submission",
    "TeamRead",
    "TeamSubmission",
    "Wake",
    "WakeFired",
    "decode_action",
    "encode_action",
]
