"""The replay viewer (`trafsim replay`): a log played back on time of play, with the
board, the inboxes and the metrics as they were at any moment; from a log file, or from
a served exercise through the evaluator API."""

from trafsim.viewer.app import create_app
from trafsim.viewer.live import LiveError, LiveSource
from trafsim.viewer.replay import Replay

__all__ = ["LiveError", "LiveSource", "Replay", "create_app"]
