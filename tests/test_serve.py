"""`trafsim serve` end to end, as a real process on a port the system picks (SPEC §14-15):
a scripted team over plain HTTP and Server-Sent Events, SIGTERM, `trafsim verify`,
`--resume`, the log re-simulated to its head, and no token anywhere it must not be; and
the curl walk-through at the end of docs/api.md, played line by line."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import msgspec
import pytest
from aiohttp import ClientResponse, ClientSession

from agencies import build_playbooks
from tests.bus.helpers import MINI
from trafsim_bus import EventLogWriter, load_scenario, read_records, verify_log
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.drivers.replay import replay

ROOT = Path(__file__).parent.parent
WAIT = 30.0
"""Wall seconds any one wait may take before the test gives up."""
SERVED = re.compile(r"^exercise (?P<id>[0-9a-f-]{36}) · log ")
BASE = re.compile(r"^control API  (?P<base>http://\S+/api/v1)/control/")

pytestmark = pytest.mark.slow


class Served:
    """A `trafsim serve` process: its startup lines, where it answers, what it printed."""

    def __init__(self, process: asyncio.subprocess.Process, stderr: Path) -> None:
        self.process = process
        self.stderr = stderr
        self.lines: list[str] = []
        self.rest = b""

    @property
    def base(self) -> str:
        """`http://host:port/api/v1`, as printed."""
        found = [m["base"] for line in self.lines if (m := BASE.match(line))]
        assert found, self.lines
        return found[0]

    @property
    def exercise_id(self) -> str:
        """The exercise id, as printed."""
        found = [m["id"] for line in self.lines if (m := SERVED.match(line))]
        assert found, self.lines
        return found[0]

    def printed(self) -> bytes:
        """Everything it wrote, stdout and stderr (structlog's lines)."""
        return "".join(self.lines).encode() + self.rest + self.stderr.read_bytes()

    async def ready(self) -> None:
        """Read stdout until the four startup lines are there."""
        assert self.process.stdout is not None
        async with asyncio.timeout(WAIT):
            while len(self.lines) < 4:
                line = await self.process.stdout.readline()
                assert line, f"serve exited before it was ready: {self.stderr.read_text()}"
                self.lines.append(line.decode())

    async def terminate(self) -> int:
        """SIGTERM, then its exit status once it has stopped."""
        assert self.process.stdout is not None
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(WAIT):
            self.rest = await self.process.stdout.read()
            return await self.process.wait()


@asynccontextmanager
async def serving(*args: str | Path, stderr: Path) -> AsyncIterator[Served]:
    """`trafsim serve ARGS --port 0`, ready; killed on the way out if still running."""
    with stderr.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "trafsim", "serve", *map(str, args), "--port", "0",
            stdout=asyncio.subprocess.PIPE, stderr=errors, cwd=ROOT,
        )  # fmt: skip
        served = Served(process, stderr)
        try:
            await served.ready()
            yield served
        finally:
            if process.returncode is None:
                process.kill()
                async with asyncio.timeout(WAIT):
                    await process.wait()


class Stream:
    """One Server-Sent Events stream, read with a deadline; every byte is kept."""

    def __init__(self, response: ClientResponse) -> None:
        self.response = response
        self.raw = bytearray()

    async def event(self) -> tuple[str, dict[str, Any]] | None:
        """The next event and its data (None: the stream ended)."""
        name = ""
        while True:
            line = await self.response.content.readline()
            self.raw += line
            if not line:
                return None
            text = line.decode().rstrip("\r\n")
            if text.startswith("event: "):
                name = text.removeprefix("event: ")
            elif text.startswith("data: "):
                return name, json.loads(text.removeprefix("data: "))

    async def until(
        self, last: Callable[[str, dict[str, Any]], bool]
    ) -> list[tuple[str, dict[str, Any]]]:
        """Events up to and including the first for which `last` holds."""
        seen: list[tuple[str, dict[str, Any]]] = []
        async with asyncio.timeout(WAIT):
            while True:
                got = await self.event()
                assert got is not None, f"the stream ended first: {seen}"
                seen.append(got)
                if last(*got):
                    return seen

    async def ends(self) -> None:
        """Read on until the server closes the stream."""
        async with asyncio.timeout(WAIT):
            while await self.event() is not None:
                pass


class Team:
    """Plain HTTP to a served exercise, with the tokens of its tokens file; every answer
    is kept, to look for tokens in it."""

    def __init__(self, http: ClientSession, base: str, tokens: dict[str, Any]) -> None:
        self.http = http
        self.base = base
        self.tokens = tokens
        self.answers: list[str] = []
        self.urls: list[str] = []

    def auth(self, who: str) -> dict[str, str]:
        """The header of an agency's team, or of `controller` / `evaluator`."""
        token = self.tokens["agencies"].get(who) or self.tokens[who]
        return {"Authorization": f"Bearer {token}"}

    async def call(
        self, method: str, path: str, who: str, *, body: bytes | None = None, expect: int = 200
    ) -> Any:
        """One request; its JSON answer, which must come with status `expect`."""
        self.urls.append(self.base + path)
        async with asyncio.timeout(WAIT):
            response = await self.http.request(
                method, self.base + path, data=body, headers=self.auth(who)
            )
            text = await response.text()
        self.answers.append(text)
        assert response.status == expect, f"{method} {path}: {response.status} {text}"
        return json.loads(text)

    async def control(self, action: str, **fields: Any) -> Any:
        """A controller's action."""
        return await self.call(
            "POST", f"/control/{action}", "controller", body=msgspec.json.encode(fields)
        )

    async def events(self, agency: str, who: str | None = None) -> Stream:
        """An agency's event stream, open (the `: connected` comment read)."""
        self.urls.append(f"{self.base}/agencies/{agency}/events")
        async with asyncio.timeout(WAIT):
            response = await self.http.get(
                f"{self.base}/agencies/{agency}/events", headers=self.auth(who or agency)
            )
            assert response.status == 200, await response.text()
            assert response.headers["Content-Type"].startswith("text/event-stream")
            stream = Stream(response)
            stream.raw += await response.content.readline()
        return stream


def alert(exercise_id: str, n: int, sender: str, recipient: str) -> bytes:
    """An emergency alert between the two teams of the mini scenario, as JSON bytes."""
    return msgspec.json.encode(
        {
            "schema_version": "1",
            "id": str(uuid5(UUID(exercise_id), f"test_serve:{n}")),
            "exercise_id": exercise_id,
            "sender": sender,
            "recipients": [recipient],
            "created_at": "2026-06-01T09:00:00+05:00",
            "language": "rus",
            "script": "Cyrl",
            "priority": {"level": "emergency"},
            "case_refs": ["KZ-2026-1"],
            "body": {"kind": "alert", "alert_source": "patrol", "summary": "Men locked in."},
        }
    )


def about(envelope_id: str, event: str, kind: str) -> Callable[[str, dict[str, Any]], bool]:
    """Whether an event is `event` of kind `kind` about the envelope."""
    return lambda name, data: (
        name == event and data.get("envelope_id") == envelope_id and data["kind"] == kind
    )


def verify_cli(db: Path) -> tuple[int, str]:
    """`trafsim verify DB`: its exit status and last line."""
    done = subprocess.run(
        [sys.executable, "-m", "trafsim", "verify", str(db)],
        capture_output=True, text=True, timeout=WAIT, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout.strip().splitlines()[-1]


def head_of(records: list[Any], db: Path) -> str:
    """The head digest of `records`, written as a log to `db`."""
    writer = EventLogWriter(db)
    writer.append(records)
    writer.commit()
    writer.close()
    return verify_log(db).head_sha256


async def test_a_scripted_team_plays_stops_resumes_and_the_log_replays(tmp_path: Path) -> None:
    """Served at speed 3600: the police alert the shelter over HTTP, the trail comes over
    SSE, the shelter reads it from its inbox; SIGTERM leaves an intact unsealed log
    (verify exit 3); `--resume` comes back paused with the same inbox and plays on after
    `resume`; the virtual driver fed the log's inputs reaches its head; no token is in
    anything printed, logged or given out."""
    db = tmp_path / "live.db"
    tokens_path = tmp_path / "live.db.tokens.json"
    play = ("--play", "kz-police,kz-ngo")
    printed = b""
    answers: list[str] = []
    urls: list[str] = []

    # -- the first run: a scripted team, then SIGTERM while the clock runs ---------------
    async with (
        serving(MINI, "--speed", "3600", "--db", db, *play, stderr=tmp_path / "1.err") as served,
        ClientSession() as http,
    ):
        assert tokens_path.stat().st_mode & 0o777 == 0o600
        tokens = json.loads(tokens_path.read_text())
        team = Team(http, served.base, tokens)
        exercise = served.exercise_id
        first = alert(exercise, 1, "kz-police", "kz-ngo")
        assert (await team.call("GET", "/clock", "kz-police"))["started"] is False
        await team.call("POST", "/agencies/kz-police/messages", "kz-police", body=first, expect=409)
        police = await team.events("kz-police")
        shelter = await team.events("kz-ngo")
        started = await team.control("start")
        assert (started["action"], started["clock"]["speed"]) == ("start", 3600)
        answer = await team.call(
            "POST", "/agencies/kz-police/messages", "kz-police", body=first, expect=202
        )
        envelope_id = answer["id"]
        assert answer["outcome"] == "submitted"
        steps = await police.until(about(envelope_id, "status", "delivered"))
        mine = [data for name, data in steps if data.get("envelope_id") == envelope_id]
        assert mine[0]["kind"] == "delivery_created"
        assert [step["seq"] for step in mine] == sorted(step["seq"] for step in mine)
        arrived = await shelter.until(about(envelope_id, "delivered", "delivered"))
        assert arrived[-1][1]["seq"] == mine[-1]["seq"]
        inbox = await team.call("GET", "/agencies/kz-ngo/inbox?unread=true", "kz-ngo")
        assert envelope_id in [row["envelope_id"] for row in inbox["messages"]]
        view = await team.call("GET", f"/messages/{envelope_id}", "kz-ngo")
        trail = view["recipients"]["kz-ngo"]["trail"]
        assert view["recipients"]["kz-ngo"]["status"] == "delivered"
        assert [step["seq"] for step in trail] == [step["seq"] for step in mine]
        read = await team.call("POST", f"/agencies/kz-ngo/messages/{envelope_id}/read", "kz-ngo")
        assert read["first"] is True
        before = await team.call("GET", "/agencies/kz-ngo/inbox", "kz-ngo")
        (row,) = [row for row in before["messages"] if row["envelope_id"] == envelope_id]
        assert row["read"] is True
        assert (await team.call("GET", "/clock", "kz-ngo"))["paused"] is False
        assert await served.terminate() == 0
        await shelter.ends()
        await police.ends()
        printed += served.printed()
        answers += [*team.answers, police.raw.decode(), shelter.raw.decode()]
        urls += team.urls

    status, line = verify_cli(db)
    assert status == 3, line
    stopped = read_records(db)
    assert stopped[-1].kind != "exercise_ended"
    assert line == f"head seq={stopped[-1].seq} sha256={verify_log(db).head_sha256}"

    # -- resumed: paused, the same inbox, and on after `resume` --------------------------
    async with (
        serving("--resume", "--db", db, stderr=tmp_path / "2.err") as served,
        ClientSession() as http,
    ):
        assert served.exercise_id == exercise
        team = Team(http, served.base, tokens)
        clock = await team.call("GET", "/clock", "kz-ngo")
        assert (clock["started"], clock["paused"], clock["speed"]) == (True, True, 3600)
        after = await team.call("GET", "/agencies/kz-ngo/inbox", "kz-ngo")
        assert after["messages"][: len(before["messages"])] == before["messages"]
        assert [row["envelope_id"] for row in after["messages"]] == [
            r.envelope_id for r in stopped if r.kind == "delivered" and r.recipient == "kz-ngo"
        ]
        assert after["unread"] == len(after["messages"]) - 1
        police = await team.events("kz-police")
        second = alert(exercise, 2, "kz-ngo", "kz-police")
        answer = await team.call(
            "POST", "/agencies/kz-ngo/messages", "kz-ngo", body=second, expect=202
        )
        await team.call(
            "POST", f"/agencies/kz-police/messages/{answer['id']}/read", "kz-police", expect=404
        )
        resumed = await team.control("resume")
        assert resumed["clock"]["paused"] is False
        await police.until(about(answer["id"], "delivered", "delivered"))
        later = await team.call("GET", "/clock", "kz-police")
        assert later["play_us"] > clock["play_us"]
        assert await served.terminate() == 0
        await police.ends()
        printed += served.printed()
        answers += [*team.answers, police.raw.decode()]
        urls += team.urls

    assert json.loads(tokens_path.read_text()) == tokens
    status, line = verify_cli(db)
    assert status == 3, line
    logged = read_records(db)
    assert logged[: len(stopped)] == stopped
    actions = [(r.data["action"], r.data["actor"]) for r in logged if r.kind == "control_action"]
    assert actions == [
        ("speed", "trafsim"), ("start", "controller"), ("pause", "trafsim"), ("resume", "controller")
    ]  # fmt: skip

    # -- re-simulated in virtual time: the same records, the same head -------------------
    again = replay(logged, build_playbooks)
    assert again.first_difference(logged) is None
    head = verify_log(db).head_sha256
    assert line == f"head seq={logged[-1].seq} sha256={head}"
    assert head_of(again.records, tmp_path / "replayed.db") == head

    # -- no token in the output, the log file, the records, the answers or a URL ---------
    stored = b"".join(
        path.read_bytes() for path in tmp_path.glob("live.db*") if path != tokens_path
    )
    data = msgspec.json.encode([record.data for record in logged])
    secrets = [*tokens["agencies"].values(), tokens["controller"], tokens["evaluator"]]
    assert len(set(secrets)) == len(secrets) > 2
    for token in secrets:
        assert token.encode() not in printed
        assert token.encode() not in stored
        assert token.encode() not in data
        assert not [text for text in answers if token in text]
        assert not [url for url in urls if token in url]


# -- docs/api.md, "A scripted team with curl" --------------------------------------------

JQ = re.compile(r"^\$\(jq -r (?P<expr>'[^']*'|\S+) (?P<file>\S+)\)$")
JQ_STEP = re.compile(r'\.(\w+)|\["([^"]+)"\]')


def walkthrough() -> tuple[list[str], str]:
    """The section's shell lines (continuations joined, comments left out) and the sample
    `delivered` event it shows."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## A scripted team with curl", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the section has no ```sh block"
    sample = re.search(r"```\nevent: delivered\ndata: (.*?)\n```", section)
    assert sample, "the section shows no delivered event"
    lines = block[1].replace("\\\n", " ").splitlines()
    shell = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return shell, sample[1]


def jq(expression: str, document: Any) -> str:
    """What `jq -r EXPRESSION` prints for a path expression (`.a["b"].c`)."""
    for key, quoted in JQ_STEP.findall(expression.strip("'")):
        document = document[key or quoted]
    return str(document)


def curl(words: list[str]) -> dict[str, Any]:
    """The options of a curl line that the walk-through uses."""
    request: dict[str, Any] = {"method": None, "headers": {}, "data": None, "stream": False}
    rest = iter(words[1:])
    for word in rest:
        if word in ("-s", "-sN", "-N"):
            request["stream"] = request["stream"] or "N" in word
        elif word == "-X":
            request["method"] = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(": ")
            request["headers"][name] = value
        elif word == "--data-binary":
            request["data"] = next(rest).removeprefix("@")
        elif word.startswith("http"):
            request["url"] = word
        else:
            raise AssertionError(
                f"the walk-through uses a curl option this test cannot play: {word}"
            )
    request["method"] = request["method"] or ("POST" if request["data"] else "GET")
    return request


class Walkthrough:
    """Plays the walk-through's lines against a served exercise: shell variables (`jq -r`
    on a JSON file), and curl requests (streams kept open, like the `&` lines)."""

    def __init__(self, served: Served, http: ClientSession, db: Path, documented_db: str) -> None:
        self.served = served
        self.http = http
        self.db = db
        self.documented_db = documented_db
        self.variables: dict[str, str] = {}
        self.streams: dict[str, Stream] = {}
        self.submitted: dict[str, Any] = {}
        self.arrived: dict[str, dict[str, Any]] = {}

    async def play(self, line: str) -> None:
        """One line of the walk-through."""
        name, equals, value = line.partition("=")
        if equals and name.isidentifier():
            self.assign(name, value)
            return
        words = shlex.split(re.sub(r"\$(\w+)", lambda m: self.variables[m[1]], line))
        background = words[-1] == "&"
        request = curl(words[:-1] if background else words)
        path = request["url"].removeprefix(self.served.base)
        agency = re.match(r"/agencies/([^/]+)/", path)
        async with asyncio.timeout(WAIT):
            if request["stream"]:
                assert background, line
                assert agency, line
                response = await self.http.get(request["url"], headers=request["headers"])
                assert response.status == 200
                self.streams[agency[1]] = Stream(response)
                return
            if agency and agency[1] in self.submitted.get("recipients", ()):
                await self.wait_for_delivery(agency[1])
            await self.request(request, path, line)

    def assign(self, name: str, value: str) -> None:
        """`NAME=value`: the API's address, the tokens file, or `$(jq -r EXPR FILE)`."""
        if name == "API":
            assert value == "http://127.0.0.1:8080/api/v1"
            self.variables[name] = self.served.base
        elif name == "TOKENS":
            assert value == f"{self.documented_db}.tokens.json"
            self.variables[name] = str(self.db.with_name(f"{self.db.name}.tokens.json"))
        else:
            found = JQ.match(value)
            assert found, f"a variable this test cannot set: {name}={value}"
            path = re.sub(r"\$(\w+)", lambda m: self.variables[m[1]], found["file"])
            document = json.loads((ROOT / path).read_text(encoding="utf-8"))
            self.variables[name] = jq(found["expr"], document)

    async def wait_for_delivery(self, recipient: str) -> None:
        """What the docs ask the reader to do: wait for `event: delivered`."""
        if recipient not in self.arrived:
            events = await self.streams[recipient].until(
                about(self.submitted["id"], "delivered", "delivered")
            )
            self.arrived[recipient] = events[-1][1]

    async def request(self, request: dict[str, Any], path: str, line: str) -> None:
        """A curl request that is not a stream: its status and what its answer must show."""
        body = None
        if request["data"]:
            body = (ROOT / request["data"]).read_bytes()
            self.submitted = json.loads(body)
            assert self.submitted["exercise_id"] == self.served.exercise_id, (
                f"{request['data']}: exercise_id should be {self.served.exercise_id}, the id "
                "`trafsim serve` prints for silk-thread"
            )
            assert path == f"/agencies/{self.submitted['sender']}/messages"
        response = await self.http.request(
            request["method"], request["url"], data=body, headers=request["headers"]
        )
        answer = await response.json()
        if body is not None:
            assert response.status == 202, answer
            assert (answer["id"], answer["outcome"]) == (self.submitted["id"], "submitted")
            return
        assert response.status == 200, (line, answer)
        if path.endswith("/inbox"):
            assert self.submitted["id"] in [row["envelope_id"] for row in answer["messages"]]
        if path.endswith("/read"):
            assert answer["first"] is True
        if path.startswith("/messages/"):
            assert set(answer["recipients"]) == set(self.submitted["recipients"])


async def test_the_curl_walkthrough_in_the_api_docs_works(tmp_path: Path) -> None:
    """docs/api.md's scripted team, played against a served SILK THREAD (at speed 3600 so
    the hotline delivers in seconds): the envelope file it names carries the served
    exercise's id, the submission is 202, the streams show the alert's steps and its
    arrival as the docs show it, the police find it unread in their inbox and read it."""
    lines, sample = walkthrough()
    command = shlex.split(lines[0])
    assert command[:2] == ["trafsim", "serve"]
    assert command[-1] == "&"
    options = dict(zip(command[2:-1:2], command[3:-1:2], strict=True))
    assert set(options) == {"--speed", "--db"}, "the walk-through serves the default scenario"
    db = tmp_path / "live.db"
    async with (
        serving("--speed", "3600", "--db", db, stderr=tmp_path / "serve.err") as served,
        ClientSession() as http,
    ):
        assert served.exercise_id == str(exercise_id_for(load_scenario("silk-thread").sha256, 1))
        walk = Walkthrough(served, http, db, options["--db"])
        for line in lines[1:]:
            await walk.play(line)
        submitted = walk.submitted
        assert submitted, "the walk-through submits nothing"
        assert set(walk.streams) == {submitted["sender"], *submitted["recipients"]}
        assert set(walk.arrived) == set(submitted["recipients"]), "nobody read it"
        for recipient, delivered in walk.arrived.items():
            assert set(re.findall(r'"(\w+)":', sample)) <= set(delivered)
            assert delivered["recipient"] == recipient
            assert delivered["envelope_id"].startswith(
                re.findall(r'"envelope_id":"([^.]+)', sample)[0]
            )
        events = await walk.streams[submitted["sender"]].until(
            about(submitted["id"], "status", "delivered")
        )
        steps = [
            (name, data) for name, data in events if data.get("envelope_id") == submitted["id"]
        ]
        assert steps[0][1]["kind"] == "delivery_created"
        assert {name for name, _ in steps} == {"status"}
        assert await served.terminate() == 0
        for stream in walk.streams.values():
            await stream.ends()
