"""`trafsim report`: the after-action report of a log, as one self-contained HTML page or
as Markdown."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from trafsim.aar import LANGUAGES
from trafsim.errors import CliError

if TYPE_CHECKING:
    from trafsim_bus.log.records import Record

log = structlog.get_logger(__name__)

FORMATS = ("html", "md")


def add_report(commands: Any) -> None:
    """Register `trafsim report`."""
    parser = commands.add_parser(
        "report",
        help="write the after-action report of a log: findings and charts (HTML or Markdown)",
        description="Write the after-action report of DB: the bottlenecks ranked in plain "
        "words, case timelines, delay decomposition, agency pairs, translation queues and the "
        "MSEL scorecard. HTML is one self-contained page that opens with no network; Markdown "
        "holds the same findings and tables without charts. Prints the path written.",
    )
    parser.add_argument("db", type=Path, metavar="DB")
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="where to write (default: <DB stem>.report.html or .md next to DB; - for stdout)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="html or md (default: md when PATH ends in .md, else html)",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=LANGUAGES[0],
        help="the report's language: en (default) or ru; codes and the scenario's texts are "
        "shown as written",
    )
    parser.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    db: Path = args.db
    chosen = args.format or _format_of(args.output)
    records, metrics = read_log(db)
    from trafsim.aar import Words, build_report, render_html, render_markdown  # noqa: PLC0415

    report = build_report(records, metrics, db.name, Words(args.lang))
    text = render_html(report) if chosen == "html" else render_markdown(report)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    target = Path(args.output) if args.output else db.with_name(f"{db.stem}.report.{chosen}")
    write_report(target, text, db)
    log.info(
        "report_written",
        path=str(target),
        format=chosen,
        lang=args.lang,
        findings=len(report.findings),
    )
    print(target)
    return 0


def _format_of(output: str | None) -> str:
    """The format a path asks for by its suffix."""
    if output and output != "-" and Path(output).suffix.lower() in (".md", ".markdown"):
        return "md"
    return "html"


def read_log(path: Path) -> tuple[list[Record], dict[str, Any]]:
    """The records of a log that verifies, as one moment of it, and its metrics."""
    from trafsim.log_cmd import metrics_of_records, verified_records  # noqa: PLC0415

    records, head = verified_records(path)
    return records, metrics_of_records(path, records, head)


def write_report(target: Path, text: str, db: Path) -> None:
    """Write the report; never over the log itself."""
    if target.exists() and target.resolve() == db.resolve():
        raise CliError(f"-o {target}: that is the log itself; choose another path")
    if target.is_dir():
        raise CliError(f"-o {target}: is a directory; expected a file path")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(
            f"{target}: cannot write the report ({exc.strerror or exc}); choose a path with -o"
        ) from None
