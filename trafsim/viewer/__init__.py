"""The replay viewer (`trafsim replay`): a log played back on time of play, with the
board, the inboxes and the metrics as they were at any moment; from a log file, or from
a served exercise through the evaluator API.

Names are imported on first use (the command line registers `replay` without them)."""

import importlib as _importlib
import typing as _typing

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


def __getattr__(name: str) -> _typing.Any:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'trafsim.viewer' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
