"""CLI errors.

Exception
└── CliError          a command failed on bad input: one line for the user, exit 1
"""

from __future__ import annotations


class CliError(Exception):
    """A failure the user can fix; `message` is shown as is, `status` is the exit code."""

    def __init__(self, message: str, *, status: int = 1) -> None:
        self.message = message
        self.status = status
        super().__init__(message)
