"""`trafsim control`: a controller's commands to a live exercise, over its control API
(SPEC §14-15): the clock, the MSEL, disruptions and who plays which agency. Each verb is
one request; the answer is printed as people read it, or as JSON with `--json`."""

from __future__ import annotations

import json
import os
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trafsim.errors import CliError

DEFAULT_URL = "http://127.0.0.1:8080"
TOKEN_VARIABLE = "TRAFSIM_TOKEN"
TIMEOUT_S = 30.0
TARGET_KEYS = ("agencies", "senders", "countries", "channels", "types", "pools")
"""What a disruption's `--target KEY=V,V` may name (SPEC §8)."""


@dataclass(frozen=True)
class Controller:
    """A controller's connection: the server and the controller's token."""

    url: str
    token: str

    @classmethod
    def of(cls, url: str | None, token: str | None) -> Controller:
        """From the options, the token falling back to `TRAFSIM_TOKEN`."""
        token = token or os.environ.get(TOKEN_VARIABLE)
        if not token:
            raise CliError(
                f"control: give --token or set {TOKEN_VARIABLE} (the controller's)", status=2
            )
        return cls((url or DEFAULT_URL).rstrip("/"), token)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request to the control API; its JSON answer, or a `CliError` naming what
        the server refused and where."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/api/v1/control/{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise CliError(_refusal(path, exc)) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(f"control: cannot reach {self.url}: {reason}") from None


def _refusal(path: str, exc: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(exc.read())["error"]
    except (ValueError, KeyError, TypeError):
        return f"control {path}: the server answered {exc.code} {exc.reason}"
    where = f"{error['path']}: " if error.get("path") else ""
    return f"control {path}: {where}{error['message']} ({exc.code} {error['code']})"


# -- building the actions --------------------------------------------------------------------


def assignment(text: str) -> tuple[str, Any]:
    """`key=value`; the value is JSON when it reads as JSON (`3`, `true`, `["a"]`), else
    text."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise CliError(f"control: expected key=value, got {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def disruption_of(
    kind_or_file: str,
    *,
    disruption_id: str | None,
    targets: list[str],
    duration: str | None,
    start: str | None,
    probability: float | None,
    settings: list[str],
    description: str | None,
    taken: set[str],
) -> dict[str, Any]:
    """The disruption document of SPEC §8, from a file (`.json` or `.toml`) or from the
    type and the options."""
    path = Path(kind_or_file)
    if path.suffix in (".json", ".toml"):
        return _document(path)
    target: dict[str, list[str]] = {}
    for text in targets:
        key, _, values = text.partition("=")
        if key not in TARGET_KEYS or not values:
            raise CliError(
                f"control disrupt: --target {text!r}: expected KEY=V[,V...] with KEY one of "
                + ", ".join(TARGET_KEYS)
            )
        target.setdefault(key, []).extend(v for v in values.split(",") if v)
    document: dict[str, Any] = {
        "id": disruption_id or _free_id(kind_or_file, taken),
        "type": kind_or_file,
        "target": target,
    }
    if description:
        document["description"] = description
    if probability is not None:
        document["probability"] = probability
    if settings:
        document["attributes"] = dict(assignment(text) for text in settings)
    schedule = {key: value for key, value in (("start", start), ("duration", duration)) if value}
    if schedule:
        document["schedule"] = schedule
    return document


def _free_id(kind: str, taken: set[str]) -> str:
    """`link-cut-1`, `link-cut-2`...: the first not in force now."""
    stem = kind.replace("_", "-")
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _document(path: Path) -> dict[str, Any]:
    """A JSON or TOML object from a file."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    try:
        document = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise CliError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    if not isinstance(document, dict):
        raise CliError(f"{path}: expected an object at the top")
    return document


def inject_of(path: str) -> dict[str, Any]:
    """An inject to add, in the scenario's `[[inject]]` shape, from a `.toml` or `.json`
    file (a TOML file may hold it under `[inject]` or at the top)."""
    document = _document(Path(path))
    inner = document.get("inject")
    return inner if isinstance(inner, dict) else document


# -- printing the answers ---------------------------------------------------------------------


def clock_line(clock: dict[str, Any]) -> str:
    """`1 Jun 10:00 (D1) · running ×60 · ENDEX 3 Oct 09:00 (D6)`."""
    state = (
        "ended"
        if clock["ended"]
        else "not started"
        if not clock["started"]
        else "paused"
        if clock["paused"]
        else "running"
    )
    return f"{clock['now']} · {state} ×{clock['speed']:g} · ENDEX {clock['endex']}"


def status_text(status: dict[str, Any]) -> str:
    """The exercise as a controller reads it: clock, injects to come, disruptions in force,
    translation queues."""
    lines = [clock_line(status["clock"]), ""]
    pending = [i for i in status["injects"] if i["status"] not in ("fired", "cancelled", "skipped")]
    lines.append(f"injects to come ({len(pending)} of {len(status['injects'])})")
    lines += [f"  {i['id']:<20} {i['status']}" for i in pending] or ["  none"]
    lines.append("disruptions in force")
    lines += [
        f"  {d['id']:<20} {d['type']:<20} since {d['since']}"
        + (f" until {d['until']}" if d["until"] else "")
        + (f" · holding {d['holding']}" if d["holding"] else "")
        for d in status["disruptions"]
    ] or ["  none"]
    busy = {k: q for k, q in status["queues"].items() if q["serving"] or q["waiting"]}
    lines.append("translation queues")
    lines += [
        f"  {pool:<20} {q['serving']}/{q['servers']} translating, {q['waiting']} waiting"
        for pool, q in sorted(busy.items())
    ] or ["  all idle"]
    return "\n".join(lines)


def injects_text(status: dict[str, Any]) -> str:
    """Every inject with its status."""
    return "\n".join(f"{i['id']:<20} {i['status']}" for i in status["injects"])


def result_text(verb: str, answer: dict[str, Any]) -> str:
    """`fire: logged as seq 412 · 1 Jun 10:00 (D1) · running ×60 · ENDEX ...`."""
    return f"{verb}: logged as seq {answer['seq']} · {clock_line(answer['clock'])}"


# -- the command ------------------------------------------------------------------------------

CLOCK_VERBS = ("start", "pause", "resume", "end")
INJECT_VERBS = ("fire", "hold", "release", "cancel")


def add_control(commands: Any) -> None:
    """`trafsim control [--url URL] [--token T] [--json] VERB ...`."""
    control = commands.add_parser(
        "control",
        help="steer a live exercise: clock, MSEL, disruptions, who plays whom",
        description="Send a controller's action to a live exercise's control API. The "
        f"token is the controller's, from --token or {TOKEN_VARIABLE}; every action is "
        "checked whole by the server and logged with its effects.",
    )
    control.add_argument("--url", default=DEFAULT_URL, help=f"the server (default {DEFAULT_URL})")
    control.add_argument("--token", help=f"the controller's token (default: ${TOKEN_VARIABLE})")
    control.add_argument("--json", action="store_true", help="print the server's answer as JSON")
    verbs = control.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("status", help="the clock, the injects to come, disruptions, queues")
    for verb in CLOCK_VERBS:
        verbs.add_parser(verb, help=f"{verb} the exercise clock" if verb != "end" else "ENDEX now")
    verbs.add_parser("speed", help="exercise seconds per wall second").add_argument(
        "factor", type=float
    )
    verbs.add_parser("skip", help="skip ahead to a time of play").add_argument(
        "to", metavar="TIME", help='e.g. "D2 09:00"'
    )
    verbs.add_parser("jump", help="a calendar jump now").add_argument(
        "by", metavar="DURATION", help="e.g. 7d"
    )
    inject = verbs.add_parser("inject", help="the MSEL: list, fire, hold, release, retime, add")
    inject_verbs = inject.add_subparsers(dest="inject_verb", required=True, metavar="VERB")
    inject_verbs.add_parser("list", help="every inject and its status")
    for verb in INJECT_VERBS:
        inject_verbs.add_parser(verb, help=f"{verb} an inject").add_argument("inject", metavar="ID")
    retime = inject_verbs.add_parser("retime", help="move an inject to another time of play")
    retime.add_argument("inject", metavar="ID")
    retime.add_argument("at", metavar="TIME", help='e.g. "D2 14:00"')
    inject_verbs.add_parser("add", help="add an inject (TOML or JSON file)").add_argument(
        "file", metavar="FILE"
    )
    disrupt = verbs.add_parser("disrupt", help="start a disruption (SPEC §8)")
    disrupt.add_argument(
        "kind", metavar="TYPE|FILE", help="a disruption type, or a .json/.toml file"
    )
    disrupt.add_argument("--id", help="its id (default: the type and a number, link-cut-1)")
    disrupt.add_argument("--target", action="append", default=[], metavar="KEY=V,V",
                         help=f"what it hits: {', '.join(TARGET_KEYS)}")  # fmt: skip
    disrupt.add_argument("--for", dest="duration", metavar="DURATION", help="e.g. 6h")
    disrupt.add_argument("--at", dest="start", metavar="TIME", help='start later, e.g. "D2 09:00"')
    disrupt.add_argument("--probability", type=float)
    disrupt.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                         help="an attribute (mode=reject, factor=3, servers=0)")  # fmt: skip
    disrupt.add_argument("--description")
    patch = verbs.add_parser("patch", help="change a disruption in force")
    patch.add_argument("id", metavar="ID")
    patch.add_argument("--probability", type=float)
    patch.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    patch.add_argument("--until", metavar="TIME", help="when it ends")
    heal = verbs.add_parser("heal", help="end a disruption, or all (--all)")
    heal.add_argument("id", nargs="?", metavar="ID")
    heal.add_argument("--all", action="store_true")
    assign = verbs.add_parser("assign", help="hand an agency to a team or to its playbook")
    assign.add_argument("agency", metavar="AGENCY")
    assign.add_argument("played_by", choices=("team", "simcell"))
    control.set_defaults(handler=run_control)


def run_control(args: Any) -> int:
    """Send one verb; print the answer."""
    controller = Controller.of(args.url, args.token)
    if args.verb == "status" or (args.verb == "inject" and args.inject_verb == "list"):
        status = controller.call("GET", "status")
        text = status_text(status) if args.verb == "status" else injects_text(status)
        print(json.dumps(status, indent=2, ensure_ascii=False) if args.json else text)
        return 0
    action, fields = _action(args, controller)
    answer = controller.call("POST", action, fields)
    print(
        json.dumps(answer, indent=2, ensure_ascii=False)
        if args.json
        else result_text(action, answer)
    )
    return 0


def _action(args: Any, controller: Controller) -> tuple[str, dict[str, Any]]:
    """The control action a verb stands for, and its fields."""
    verb = args.verb
    if verb in CLOCK_VERBS:
        return verb, {}
    if verb == "speed":
        return verb, {"factor": args.factor}
    if verb == "skip":
        return verb, {"to": args.to}
    if verb == "jump":
        return verb, {"by": args.by}
    if verb == "inject":
        if args.inject_verb == "retime":
            return "retime", {"inject": args.inject, "at": args.at}
        if args.inject_verb == "add":
            return "add", {"inject": inject_of(args.file)}
        return args.inject_verb, {"inject": args.inject}
    if verb == "disrupt":
        status = controller.call("GET", "status") if args.id is None else {"disruptions": []}
        document = disruption_of(
            args.kind,
            disruption_id=args.id,
            targets=args.target,
            duration=args.duration,
            start=args.start,
            probability=args.probability,
            settings=args.set,
            description=args.description,
            taken={d["id"] for d in status["disruptions"]},
        )
        return "disrupt", {"disruption": document}
    if verb == "patch":
        fields: dict[str, Any] = {"id": args.id}
        if args.probability is not None:
            fields["probability"] = args.probability
        if args.set:
            fields["attributes"] = dict(assignment(text) for text in args.set)
        if args.until:
            fields["end"] = args.until
        return "patch", fields
    if verb == "heal":
        if args.all == (args.id is not None):
            raise CliError("control heal: give a disruption ID or --all (not both)", status=2)
        return ("heal_all", {}) if args.all else ("heal", {"id": args.id})
    return "assign", {"agency": args.agency, "played_by": args.played_by}
