"""The `trafsim` command line: parse, dispatch, and turn failures into exit statuses."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import structlog

from trafsim.errors import CliError
from trafsim.logconfig import configure_logging
from trafsim.message_cmd import validate_files
from trafsim.schema_cmd import write_catalogue, write_schemas

log = structlog.get_logger(__name__)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="trafsim",
        description="Interagency communication and referral simulator for counter-trafficking "
        "exercises.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug events to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    schema = commands.add_parser(
        "schema",
        help="write the JSON Schemas of the envelope, the delivery record and every message",
        description="Write one <name>.json (JSON Schema 2020-12) per schema into DIR.",
    )
    schema.add_argument(
        "--out",
        type=Path,
        default=Path("schemas"),
        metavar="DIR",
        help="directory to write into (default: schemas/)",
    )
    schema.add_argument(
        "--markdown",
        type=Path,
        metavar="PATH",
        help="also write the Markdown message catalogue to PATH",
    )
    schema.set_defaults(handler=_schema)

    message = commands.add_parser("message", help="work with message files")
    message_commands = message.add_subparsers(
        dest="message_command", metavar="ACTION", required=True
    )
    validate = message_commands.add_parser(
        "validate",
        help="check that files are valid envelopes (JSON or MessagePack)",
        description="Decode each FILE as the bus would. Prints one line per file; exits 1 "
        "when any file is bad.",
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.set_defaults(handler=_message_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 bad input, 2 usage)."""
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CliError as exc:
        print(f"trafsim: {exc.message}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("trafsim: interrupted", file=sys.stderr)
        return 130


def _schema(args: argparse.Namespace) -> int:
    for path in write_schemas(args.out):
        print(path)
    if args.markdown is not None:
        print(write_catalogue(args.markdown))
    return 0


def _message_validate(args: argparse.Namespace) -> int:
    bad = 0
    for verdict in validate_files(args.files):
        print(verdict.line())
        bad += verdict.error is not None
    return 1 if bad else 0
