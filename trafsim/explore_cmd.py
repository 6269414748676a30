"""`trafsim explore DB`: the log in Datasette (the `eval` extra), read-only, with the
canned queries of `trafsim_bus.log.queries`."""

from __future__ import annotations

import argparse
import importlib
import socket
import sys
from pathlib import Path
from typing import Any

import structlog

from trafsim.errors import CliError
from trafsim_bus.errors import BusError
from trafsim_bus.log.queries import QUERIES, datasette_metadata
from trafsim_bus.log.reader import open_log

log = structlog.get_logger(__name__)


def add_explore(commands: Any) -> None:
    """Register `trafsim explore DB [--host H] [--port P]`."""
    explore = commands.add_parser(
        "explore",
        help="browse and query a log in Datasette (needs the eval extra)",
        description="Serve DB read-only in Datasette, with canned queries for the common "
        f"questions: {', '.join(QUERIES)}. Needs `pip install 'trafsim[eval]'`.",
    )
    explore.add_argument("db", type=Path, metavar="DB")
    explore.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    explore.add_argument(
        "--port", type=int, default=8001, help="port (default 8001; 0 picks a free one)"
    )
    explore.set_defaults(handler=_explore)


def explorer(db: Path) -> Any:
    """A Datasette over `db` with the canned queries. Datasette reads a mutable database
    through read-only connections (`mode=ro`), so a live log is followed as it grows and
    nothing is written."""
    datasette = _optional("datasette.app")
    try:
        open_log(db).close()
    except BusError as exc:
        raise CliError(str(exc)) from None
    return datasette.Datasette(files=[str(db)], metadata=datasette_metadata(db.stem))


def _explore(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port: expected 0 to 65535, got {args.port}")
    datasette = explorer(args.db)
    uvicorn = _optional("uvicorn")
    listener = socket.create_server((args.host, args.port))
    port = listener.getsockname()[1]
    sys.stdout.write(f"Datasette on http://{args.host}:{port}/{args.db.stem}\n")
    for name, query in QUERIES.items():
        sys.stdout.write(f"  {query.title}: http://{args.host}:{port}/{args.db.stem}/{name}\n")
    sys.stdout.flush()
    log.info("serve_datasette", db=str(args.db), port=port)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning"))
    server.run(sockets=[listener])
    return 0


def _optional(module: str) -> Any:
    """A module of the `eval` extra (imported only by this command), or a clear error."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise CliError(
            f"explore: {module.partition('.')[0]} is not installed: pip install 'trafsim[eval]'"
        ) from None
