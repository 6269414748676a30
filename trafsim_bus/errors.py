"""Errors of the bus package.

Exception
└── BusError                 base of every error trafsim_bus raises on purpose
    ├── ScenarioError        a scenario file that cannot be loaded: file, key path, why
    ├── LogError             an event log that cannot be opened or written as asked
    ├── ExerciseClosedError       an input while the exercise is not running (not started, ended)
    ├── UnknownMessageError       a read of a message the agency was never given
    └── ControlError         a control action refused whole: the path and a sentence
"""

from __future__ import annotations

from typing import Literal


class BusError(Exception):
    """Base of the bus package's errors."""


class ScenarioError(BusError):
    """A scenario that cannot be loaded. `where` is `file:line:column` for TOML syntax or
    `file: key.path` for meaning; `path` is the key path alone (empty for syntax);
    `message` says what was expected."""

    def __init__(self, where: str, message: str, *, path: str = "") -> None:
        self.where = where
        self.path = path
        self.message = message
        super().__init__(f"{where}: {message}")


class LogError(BusError):
    """An event log that cannot be opened, created or read."""


class ExerciseClosedError(BusError):
    """An input the exercise cannot take now; nothing was logged. `code` is `not_started`
    (the live clock has not started) or `exercise_ended` (sealed)."""

    def __init__(self, code: Literal["not_started", "exercise_ended"]) -> None:
        self.code = code
        super().__init__(
            "the exercise has not started yet"
            if code == "not_started"
            else "the exercise has ended: it takes no more input"
        )


class DriverStoppedError(BusError):
    """An input that came while the live driver stops (a server shutting down); nothing
    was logged."""

    def __init__(self) -> None:
        super().__init__("the exercise is not running here: the driver has stopped")


class UnknownMessageError(BusError):
    """A message that does not exist, or that the agency was never given; nothing logged."""


class ControlError(BusError):
    """A control action refused whole, with nothing changed or logged. `path` names the
    offending value (`$.factor`, `$.inject.body.persons[0].age`), `message` what was
    expected."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")
