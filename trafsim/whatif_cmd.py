"""`trafsim whatif`: re-simulate a logged exercise with changes to its scenario and show
what they bought, beside whether the re-simulation still follows the log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from trafsim.errors import CliError
from trafsim.report import duration
from trafsim_bus.errors import BusError
from trafsim_bus.timebase import SECOND, Calendar

if TYPE_CHECKING:
    from trafsim_bus.whatif import Changes, Study

SHOWN_ORPHANS = 5
"""How many orphaned inputs the text output lists."""


def add_whatif(commands: Any) -> None:
    """Register `trafsim whatif`."""
    parser = commands.add_parser(
        "whatif",
        help="re-simulate a logged exercise with changes and show what they bought",
        description="Play the exercise in DB again in virtual time, its recorded team and "
        "controller inputs at their exercise times and the SIMCELL agencies played again, "
        "with the scenario changed by --add and --set; show, for the main measures, the "
        "original value, the new one and the paired difference, where the re-simulation "
        "first departs from the log, and the team inputs left orphaned. The log is only read.",
    )
    parser.add_argument("db", type=Path, metavar="DB")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change one scenario value, e.g. pool.kz-tuk.servers=2 (repeatable)",
    )
    parser.add_argument(
        "--add",
        dest="additions",
        action="append",
        default=[],
        type=Path,
        metavar="FILE.toml",
        help="merge a TOML file's tables into the scenario, e.g. a [[channel]] (repeatable)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        metavar="N",
        help="seeds seed..seed+N-1 on both sides: mean differences with 95%% t-intervals",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=_whatif)


def _whatif(args: argparse.Namespace) -> int:
    from agencies import build_playbooks  # noqa: PLC0415 (the engine loads on use)
    from trafsim.log_cmd import verified_records  # noqa: PLC0415
    from trafsim_bus.whatif import OverrideError, study  # noqa: PLC0415

    if args.runs < 1:
        raise CliError(f"--runs: expected a whole number of at least 1, got {args.runs}")
    changes = _changes(args.settings, args.additions)
    logged, head = verified_records(args.db)
    try:
        found = study(
            logged,
            head,
            changes,
            runs=args.runs,
            players_for=build_playbooks,
            started=_progress if args.runs > 1 and sys.stderr.isatty() else None,
        )
    except OverrideError as exc:
        raise CliError(str(exc)) from None
    except BusError as exc:
        raise CliError(f"{args.db}: {exc}") from None
    if args.json:
        sys.stdout.buffer.write(
            msgspec.json.format(msgspec.json.encode(found.document(), order="sorted"), indent=2)
            + b"\n"
        )
    else:
        sys.stdout.write(render(found, str(args.db)))
    return 0


def _changes(settings: list[str], additions: list[Path]) -> Changes:
    """The changes asked for; a bad one is a `CliError` naming it."""
    from trafsim_bus.whatif import (  # noqa: PLC0415
        Changes,
        OverrideError,
        parse_setting,
        read_addition,
    )

    try:
        added = []
        for path in additions:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise CliError(f"--add {path}: cannot read it ({exc.strerror or exc})") from None
            except UnicodeDecodeError:
                raise CliError(f"--add {path}: not UTF-8 text") from None
            added.append(read_addition(str(path), text))
        return Changes(tuple(added), tuple(parse_setting(s) for s in settings))
    except OverrideError as exc:
        raise CliError(str(exc)) from None


def _progress(side: str, seed: int, run: int, runs: int) -> None:
    """A progress line on the terminal."""
    sys.stderr.write(f"\rre-simulating {run}/{runs}: the {side} scenario, seed {seed}  ")
    if run == runs:
        sys.stderr.write("\n")
    sys.stderr.flush()


# -- the text output ---------------------------------------------------------------------


def render(found: Study, db: str) -> str:
    """What `trafsim whatif` prints without --json."""
    header = found.header
    changed = bool(found.changes)
    lines = [
        f"{header.scenario.name} · seed {header.seed} · exercise {header.exercise_id}",
        f"log {db}: {found.records} records; re-simulated: {found.resimulated} records",
        "changes: " + (" ".join(found.changes.described()) if changed else "none"),
        "",
        *_divergence(found, changed),
        "",
        *_orphans(found),
        "",
        *_table(found),
    ]
    return "\n".join(lines) + "\n"


def _divergence(found: Study, changed: bool) -> list[str]:
    gap = found.divergence
    if gap is None:
        return ["Divergence: none. The re-simulation reproduces the log from seq 1."]
    calendar = _calendar(found.calendars[0])
    values = [
        f"  the log:           {_shown(gap.expected, gap.field, calendar)}",
        f"  the re-simulation: {_shown(gap.actual, gap.field, calendar)}",
    ]
    if changed:
        return [
            f"Divergence: from seq {gap.seq}, {gap.field} (expected: the changes take effect "
            "there, and what follows may differ)",
            *values,
        ]
    return [
        f"Divergence: at seq {gap.seq}, {gap.field}. With no change this means the log does "
        "not replay as it was made",
        "  (another trafsim version, or a defect): the figures below compare it with the "
        "re-simulation.",
        *values,
    ]


def _orphans(found: Study) -> list[str]:
    lines = [f"Orphaned team inputs: {len(found.orphans)}"]
    before, after = (_calendar(c) for c in found.calendars)
    for orphan in found.orphans[:SHOWN_ORPHANS]:
        what = "answered" if orphan.action == "reply" else "read"
        when = (
            "never delivered in the re-simulation"
            if orphan.received_us is None
            else f"delivered in the re-simulation at {after.day_time(orphan.received_us)}"
        )
        lines.append(
            f"  seq {orphan.seq}, {before.day_time(orphan.t_us)}: {orphan.agency} {what} "
            f"{orphan.message}, {when}"
        )
    if len(found.orphans) > SHOWN_ORPHANS:
        lines.append(f"  ... and {len(found.orphans) - SHOWN_ORPHANS} more")
    return lines


def _table(found: Study) -> list[str]:
    runs = len(found.seeds)
    seeds = f"seeds {found.seeds[0]}-{found.seeds[-1]}" if runs > 1 else f"seed {found.seeds[0]}"
    title = (
        f"Measure ({seeds}: means over {runs} paired runs)" if runs > 1 else f"Measure ({seeds})"
    )
    calendars = tuple(_calendar(c) for c in found.calendars)
    width = max([len(title) - 2, *(len(key) for key in found.deltas)])
    head = f"{title:<{width + 2}} {'original':>12} {'new':>12} {'difference':>12}"
    lines = [head + ("  95% interval" if runs > 1 else "")]
    hidden = 0
    for key, delta in found.deltas.items():
        if delta["original"] is None and delta["new"] is None:
            hidden += 1
            continue
        kind = _kind(key)
        row = (
            f"  {key:<{width}} {_value(kind, delta['original'], calendars[0]):>12} "
            f"{_value(kind, delta['new'], calendars[1]):>12} "
            f"{_difference(kind, delta['difference']):>12}"
        )
        interval = delta["interval"]
        if runs > 1:
            row += (
                "  —"
                if interval is None
                else f"  [{_difference(kind, interval[0])}, {_difference(kind, interval[1])}]"
            )
        lines.append(row)
    if hidden:
        lines.append(f"  ({hidden} measures with no value on either side not shown)")
    return lines


def _kind(key: str) -> str:
    """How a measure reads: `time` (an exercise time), `share`, `count` or `duration`."""
    if ".milestones." in key:
        return "time"
    if key.endswith("_share"):
        return "share"
    if key.startswith("messages."):
        return "count"
    return "duration"


def _value(kind: str, value: float | None, calendar: Calendar) -> str:
    if value is None:
        return "—"
    if kind == "time":
        return calendar.day_time(round(value * SECOND))
    if kind == "share":
        return f"{value:.0%}"
    if kind == "count":
        return f"{value:g}" if isinstance(value, int) else f"{value:.1f}"
    return _span(value)


def _span(seconds: float) -> str:
    """A duration; under a minute with three significant digits, so that a small change
    does not read as none."""
    return f"{seconds:.3g}s" if seconds < 60 else duration(seconds)


def _difference(kind: str, value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    sign = "+" if value > 0 else "-"
    if kind == "share":
        return f"{sign}{abs(value) * 100:.1f} pp"
    if kind == "count":
        return f"{value:+d}" if isinstance(value, int) else f"{value:+.1f}"
    return sign + _span(abs(value))


def _calendar(calendar: dict[str, Any]) -> Calendar:
    jumps = [(round(j["at_s"] * SECOND), round(j["by_s"] * SECOND)) for j in calendar["jumps"]]
    return Calendar.of(calendar["startex"], jumps)


def _shown(value: Any, field: str, calendar: Calendar) -> str:
    """A value in a sentence: short; an exercise time (`t_us`, `data.due_us`) with its
    time of play."""
    text = "nothing" if value is None else msgspec.json.encode(value).decode()
    if len(text) > 80:
        text = text[:77] + "..."
    if field.endswith(("t_us", "due_us")) and isinstance(value, int) and value >= 0:
        text += f" ({calendar.day_time(value)})"
    return text
