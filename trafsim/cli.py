"""The `trafsim` command line: parse, dispatch, and turn failures into exit statuses."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import structlog

from trafsim.control_cmd import add_control
from trafsim.errors import CliError
from trafsim.explore_cmd import add_explore
from trafsim.logconfig import configure_logging
from trafsim.replay_cmd import add_replay
from trafsim.report_cmd import add_report
from trafsim.whatif_cmd import add_whatif
from trafsim_bus import DEFAULT_SCENARIO

# Each command imports what it does when it runs (PLC0415 below): `trafsim run` need not
# load the web server, nor `trafsim --help` the engine.

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

    run = commands.add_parser(
        "run",
        help="play a scenario headless in virtual time and report its metrics",
        description="Play SCENARIO (a .toml path or a bundled name) from STARTEX to ENDEX with "
        "every agency played by its SIMCELL playbook, write the event log, and print a summary.",
    )
    run.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        metavar="SCENARIO",
        help=f"a .toml path or a bundled name (default: {DEFAULT_SCENARIO})",
    )
    run.add_argument("--seed", type=int, help="the seed (default: the scenario's)")
    run.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="the log to write (default: runs/<scenario>-seed<N>-<k>.db)",
    )
    run.add_argument("--overwrite", action="store_true", help="replace an existing log at --db")
    run.add_argument("--json", action="store_true", help="print the metrics document as JSON")
    run.set_defaults(handler=_run)

    metrics = commands.add_parser(
        "metrics",
        help="print the metrics of an event log",
        description="Compute the metrics document from a log, as `run` does.",
    )
    metrics.add_argument("db", type=Path, metavar="DB")
    metrics.add_argument("--json", action="store_true", help="print the metrics document as JSON")
    metrics.set_defaults(handler=_metrics)

    _add_serve(commands)
    add_control(commands)
    add_report(commands)
    add_replay(commands)
    add_whatif(commands)
    add_explore(commands)

    trail = commands.add_parser(
        "trail",
        help="one message's trail: every stage, per recipient, with times and delays",
        description="Show where ENVELOPE_ID (an id, or the start of one) went: for each "
        "recipient, every stage with its time, outcome, reason and added delay.",
    )
    trail.add_argument("db", type=Path, metavar="DB")
    trail.add_argument("envelope", metavar="ENVELOPE_ID")
    trail.add_argument("--json", action="store_true", help="print the trail as JSON")
    trail.set_defaults(handler=_trail)

    check = commands.add_parser(
        "verify",
        help="verify an event log's hash chain and projections",
        description="Exit 0 when intact and sealed, 1 when a record, the sequence or a "
        "projection is wrong (or the head is not --expect), 3 when intact but unsealed.",
    )
    check.add_argument("db", type=Path, metavar="DB")
    check.add_argument("--expect", metavar="SHA256", help="the head digest the log must have")
    check.set_defaults(handler=_verify)

    scenario = commands.add_parser("scenario", help="list, check and show scenarios")
    scenario_commands = scenario.add_subparsers(
        dest="scenario_command", metavar="ACTION", required=True
    )
    listing = scenario_commands.add_parser("list", help="the bundled scenarios")
    listing.set_defaults(handler=_scenario_list)
    check_scenario = scenario_commands.add_parser(
        "validate",
        help="check scenario files",
        description="Load each SCENARIO; exit 1 if any is bad.",
    )
    check_scenario.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    check_scenario.set_defaults(handler=_scenario_validate)
    showing = scenario_commands.add_parser(
        "show", help="agencies, channels, pools and the MSEL as tables"
    )
    showing.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, metavar="SCENARIO")
    showing.set_defaults(handler=_scenario_show)

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


def _add_serve(commands: Any) -> None:
    """`trafsim serve` and its options."""
    live = commands.add_parser(
        "serve",
        help="play an exercise live: the bus in real time, the team and control APIs",
        description="Serve SCENARIO live on HOST:PORT: agencies played by teams (--play, "
        "default: the scenario's played_by) wait for their teams, the others are played by "
        "their playbooks. Tokens go to --tokens (default <db>.tokens.json, mode 0600). "
        "SIGTERM or Ctrl-C commits and stops, unsealed; --resume continues from --db, paused.",
    )
    live.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, metavar="SCENARIO")
    live.add_argument("--speed", type=float, default=1.0, help="exercise seconds per wall second")
    live.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    live.add_argument("--port", type=int, default=8080, help="the port to listen on")
    live.add_argument("--db", type=Path, metavar="PATH", help="the log (default: runs/...)")
    live.add_argument("--tokens", type=Path, metavar="PATH", help="the tokens file")
    live.add_argument("--play", metavar="ID,...", help="the agencies teams play (comma-separated)")
    live.add_argument("--resume", action="store_true", help="continue the exercise in --db")
    live.set_defaults(handler=_serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 bad input, 2 usage)."""
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose)
    handler: Handler = args.handler
    try:
        status = handler(args)
        sys.stdout.flush()
    except CliError as exc:
        print(f"trafsim: {exc.message}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("trafsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop writing, quietly, and say why once.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("trafsim: the output was closed before it was all written", file=sys.stderr)
        return 1
    except OSError as exc:
        where = exc.filename or "trafsim"
        print(f"trafsim: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return status


def _schema(args: argparse.Namespace) -> int:
    from trafsim.schema_cmd import write_catalogue, write_schemas  # noqa: PLC0415

    for path in write_schemas(args.out):
        print(path)
    if args.markdown is not None:
        print(write_catalogue(args.markdown))
    return 0


def _message_validate(args: argparse.Namespace) -> int:
    from trafsim.message_cmd import validate_files  # noqa: PLC0415

    bad = 0
    for verdict in validate_files(args.files):
        print(verdict.line())
        bad += verdict.error is not None
    return 1 if bad else 0


def _run(args: argparse.Namespace) -> int:
    from trafsim.run_cmd import run_exercise  # noqa: PLC0415

    outcome = run_exercise(args.scenario, seed=args.seed, db=args.db, overwrite=args.overwrite)
    return _print_metrics(outcome.metrics, as_json=args.json, db=str(outcome.db))


def _metrics(args: argparse.Namespace) -> int:
    from trafsim.log_cmd import metrics_of  # noqa: PLC0415

    return _print_metrics(metrics_of(args.db), as_json=args.json, db=str(args.db))


def _print_metrics(document: dict[str, object], *, as_json: bool, db: str) -> int:
    from trafsim.report import render_summary  # noqa: PLC0415
    from trafsim_bus.metrics import encode_metrics  # noqa: PLC0415

    if as_json:
        sys.stdout.buffer.write(encode_metrics(document))
        sys.stdout.flush()
    else:
        sys.stdout.write(render_summary(document, db))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    from trafsim.serve_cmd import ServeOptions, serve  # noqa: PLC0415

    if not 0 < args.speed <= 10_000:
        raise CliError(f"--speed: expected above 0 and at most 10000, got {args.speed}")
    options = ServeOptions(
        scenario=args.scenario,
        speed=args.speed,
        host=args.host,
        port=args.port,
        db=args.db,
        tokens=args.tokens,
        play=tuple(a for a in args.play.split(",") if a) if args.play is not None else None,
        resume=args.resume,
    )
    asyncio.run(serve(options))
    return 0


def _trail(args: argparse.Namespace) -> int:
    import msgspec  # noqa: PLC0415

    from trafsim.trail_cmd import render_trail, trail  # noqa: PLC0415

    found = trail(args.db, args.envelope)
    if args.json:
        sys.stdout.buffer.write(
            msgspec.json.format(msgspec.json.encode(found.document(), order="sorted"), indent=2)
            + b"\n"
        )
    else:
        sys.stdout.write(render_trail(found))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from trafsim.log_cmd import verify  # noqa: PLC0415

    status, lines = verify(args.db, args.expect)
    for line in lines:
        print(line)
    return status


def _scenario_list(args: argparse.Namespace) -> int:
    from trafsim.scenario_cmd import list_scenarios  # noqa: PLC0415

    del args
    for line in list_scenarios():
        print(line)
    return 0


def _scenario_validate(args: argparse.Namespace) -> int:
    from trafsim.scenario_cmd import validate  # noqa: PLC0415

    status, lines = validate(args.scenarios)
    for line in lines:
        print(line)
    return status


def _scenario_show(args: argparse.Namespace) -> int:
    from trafsim.scenario_cmd import show  # noqa: PLC0415

    for line in show(args.scenario):
        print(line)
    return 0
