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
        factory: Any = structlog.PrintLoggerFactory(file=sys.stderr)
    else:
        processors.extend(
            [
                structlog.processors.dict_tracebacks,
                structlog.processors.JSONRenderer(serializer=_encode),
            ]
        )
        factory = structlog.BytesLoggerFactory(file=sys.stderr.buffer)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
