"""Logging setup for the CLI: readable lines on a terminal, JSON lines otherwise, on stderr."""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec
import structlog


def _encode(event: dict[str, Any], **_: Any) -> bytes:
    """msgspec as structlog's JSON serializer (what it cannot encode becomes a string)."""
    return msgspec.json.encode(event, enc_hook=str)


class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is written (a test's capture comes and goes;
    a logger cached on first use must not keep writing to a closed one)."""

    def __init__(self, *, binary: bool) -> None:
        self.binary = binary

    def write(self, data: Any) -> Any:
        stream = sys.stderr.buffer if self.binary else sys.stderr
        return stream.write(data)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(*, verbose: bool = False) -> None:
    """Route structlog to stderr; only the entry point calls this."""
    level = logging.DEBUG if verbose else logging.INFO
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if sys.stderr.isatty():
        processors.append(structlog.dev.ConsoleRenderer())
        factory: Any = structlog.PrintLoggerFactory(file=_CurrentStderr(binary=False))  # type: ignore[arg-type]
    else:
        processors.extend(
            [
                structlog.processors.dict_tracebacks,
                structlog.processors.JSONRenderer(serializer=_encode),
            ]
        )
        factory = structlog.BytesLoggerFactory(file=_CurrentStderr(binary=True))  # type: ignore[arg-type]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
