"""The core is sans-I/O: importing it pulls in no database, logging or event loop."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlite3", "sqlite_utils", "structlog", "asyncio", "aiohttp", "agencies")


def test_importing_the_core_pulls_in_no_io() -> None:
    """`import trafsim_bus.core` (and the bus package itself) loads none of sqlite3,
    sqlite_utils, structlog, asyncio, aiohttp or the agencies."""
    code = (
        "import sys, trafsim_bus, trafsim_bus.core; "
        f"print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
