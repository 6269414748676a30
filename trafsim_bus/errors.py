"""Errors of the bus package.

Exception
└── BusError                 base of every error trafsim_bus raises on purpose
    ├── ScenarioError        a scenario file that cannot be loaded: file, key path, why
    └── LogError             an event log that cannot be opened or written as asked
"""

from __future__ import annotations


class BusError(Exception):
    """Base of the bus package's errors."""


class ScenarioError(BusError):
    """A scenario that cannot be loaded. `where` is `file:line:column` for TOML syntax or
    `file: key.path` for meaning; `message` says what was expected."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class LogError(BusError):
    """An event log that cannot be opened, created or read."""
