"""The replay viewer (`trafsim replay`): a log played back on time of play, with the
board, the inboxes and the metrics as they were at any moment; from a log file, or from
a served exercise through the evaluator API.

Names are imported on first use (the command line registers `replay` without them)."""

import typing as _typing

from trafsim_bus.lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:
    from trafsim.viewer.app import create_app
    from trafsim.viewer.live import LiveError, LiveSource
    from trafsim.viewer.replay import Replay

_HOMES = {
    "LiveError": "trafsim.viewer.live",
    "LiveSource": "trafsim.viewer.live",
    "Replay": "trafsim.viewer.replay",
    "create_app": "trafsim.viewer.app",
}

__all__ = ["LiveError", "LiveSource", "Replay", "create_app"]


__getattr__, __dir__ = _lazy_names(__name__, _HOMES, __all__)
