"""The real-time driver behind `trafsim serve` under load: a team's submissions over HTTP
on loopback at a steady rate, against a bare aiohttp server that decodes the same
envelopes with msgspec and answers 202. Each server runs alone in a child process
(`python -m bench.realtime trafsim|bare DB`: a JSON line when it listens, another when
told to stop on stdin); the client in this one sends on a fixed schedule and times each
answer from its due time."""

from __future__ import annotations

import asyncio
import itertools
import select
import sqlite3
import subprocess
import sys
import time
from array import array
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar, cast
from uuid import UUID, uuid5

import msgspec
from aiohttp import ClientSession, TCPConnector, web

from bench.harness import Benchmark, Measured, Side
from protocols import Envelope
from trafsim.logconfig import configure_logging
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus.core.actions import decode_action
from trafsim_bus.drivers.realtime import Lateness

if TYPE_CHECKING:
    from bench.suite import Settings

SCENARIO = "silk-thread"
SENDER = "kz-ngo-sh"
RECIPIENT = "kz-mia-sh"
SPEED = 3600.0
"""An hour of play a wall second: each submission's steps (the hotline's latency has a
median of 15 min) fall due while the load runs, so the driver runs timed events between
submissions, and lateness has samples."""
CONNECTIONS = 256
"""The client's pool: enough for every submission in flight at 1,000/s and 250 ms."""
START_S = 60.0
DRAIN_S = 30.0
"""Wall seconds a server may take to start, and the answers to come in once sending stops."""
IDS = UUID("5b0f2d8e-8c61-4e0b-9a55-0d3c1f7e2a10")

Kind = Literal["trafsim", "bare"]
ENVELOPE = msgspec.json.Decoder(Envelope)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Load:
    """`rate` submissions a second for `seconds`, at most `count` of them."""

    rate: int
    seconds: float

    @property
    def count(self) -> int:
        """Submissions due before the time is up."""
        return max(1, int(self.rate * self.seconds))


@dataclass(frozen=True, slots=True)
class Ready:
    """What a server tells the client once it listens."""

    port: int
    token: str
    exercise_id: str


@dataclass(frozen=True, slots=True)
class Served:
    """What a server tells once stopped: envelope ids it took, its CPU time, lateness and
    commits."""

    ids: list[str]
    cpu_s: float
    """The server process's CPU seconds while the load ran."""
    lateness: list[float] = field(default_factory=list)
    commits: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """Both sides' model result: the ids sent, the ids answered 202, the ids the server
    kept (the log, or the bare server's list)."""

    sent: frozenset[str]
    accepted: frozenset[str]
    kept: frozenset[str]
    statuses: tuple[int, ...]

    @property
    def complete(self) -> bool:
        """Every submission answered 202 and kept."""
        return self.sent == self.accepted == self.kept and set(self.statuses) == {202}


def envelope(exercise_id: str, n: int) -> bytes:
    """The n-th alert from the hotline to the police (examples/live/alert.json)."""
    return msgspec.json.encode(
        {
            "schema_version": "1",
            "id": str(uuid5(IDS, f"bench:{n}")),
            "exercise_id": exercise_id,
            "sender": SENDER,
            "recipients": [RECIPIENT],
            "channel": "nat-hotline",
            "created_at": "2026-06-01T09:30:00+05:00",
            "case_refs": ["KZ-NGO-HL-2026-0412"],
            "priority": {"level": "urgent"},
            "language": "rus",
            "script": "Cyrl",
            "body": {
                "kind": "alert",
                "alert_source": "hotline",
                "summary": f"Звонок на горячую линию номер {n}: рабочих запирают на ночь.",
                "suspected_exploitation": ["ForcedLabour"],
                "est_persons": 10,
            },
        }
    )


# -- the servers, each in its own process ------------------------------------------------


def serve_child(kind: Kind, db: Path) -> None:
    """A child process's whole life: serve, say where, stop when told, say what it took."""
    configure_logging()
    asyncio.run(_trafsim(db) if kind == "trafsim" else _bare())


def _say(message: Ready | Served) -> None:
    sys.stdout.buffer.write(msgspec.json.encode(message) + b"\n")
    sys.stdout.buffer.flush()


async def _stopped() -> None:
    """Wait for the client's word to stop (a line on stdin, or its end)."""
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.readline)


async def _listen(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    ports = [address[1] for address in runner.addresses if isinstance(address, tuple)]
    return runner, ports[0]


async def _trafsim(db: Path) -> None:
    """`trafsim serve` in-process: the real app, the driver, the log; clock started."""
    exercise = prepare(ServeOptions(scenario=SCENARIO, db=db))
    runner, port = await _listen(create_app(exercise))
    await exercise.start()
    for document in ({"action": "start"}, {"action": "speed", "factor": SPEED}):
        await exercise.control(decode_action(document), "bench", document)
    lateness = exercise.driver.lateness.samples
    mark = len(lateness)
    token = exercise.tokens.held.agencies[SENDER]
    _say(Ready(port, token, str(exercise.bus.exercise_id)))
    cpu = time.process_time()
    await _stopped()
    cpu = time.process_time() - cpu
    taken = list(lateness[mark:])
    commits = getattr(exercise.driver, "commits", None)
    await exercise.stop()
    await runner.cleanup()
    _say(Served(ids=[], cpu_s=cpu, lateness=taken, commits=commits))


async def _bare() -> None:
    """The reference: decode the envelope with msgspec, keep its id, answer 202."""
    ids: list[str] = []

    async def accept(request: web.Request) -> web.Response:
        message = ENVELOPE.decode(await request.read())
        ids.append(str(message.id))
        body = msgspec.json.encode({"id": str(message.id), "outcome": "submitted", "seq": 0})
        return web.Response(body=body, status=202, content_type="application/json")

    app = web.Application()
    app.router.add_post("/api/v1/agencies/{agency}/messages", accept)
    runner, port = await _listen(app)
    _say(Ready(port, "bare", str(IDS)))
    cpu = time.process_time()
    await _stopped()
    cpu = time.process_time() - cpu
    await runner.cleanup()
    _say(Served(ids=ids, cpu_s=cpu))


# -- the client ---------------------------------------------------------------------------


@dataclass(slots=True)
class Answers:
    """What came back: each answer's status, id and seconds after its due time, and how
    many a second came (from the first due time to the last answer)."""

    statuses: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    latency: array[float] = field(default_factory=lambda: array("d"))
    per_s: float = 0.0


async def send(ready: Ready, load: Load) -> tuple[list[str], Answers]:
    """Submit on a fixed schedule (the n-th at n / rate seconds) until the time or the
    count is up, then wait for the answers; each is timed from when it was due, so a
    server that falls behind is not excused by a client that waits for it."""
    url = f"http://127.0.0.1:{ready.port}/api/v1/agencies/{SENDER}/messages"
    headers = {"Authorization": f"Bearer {ready.token}", "Content-Type": "application/json"}
    bodies = [envelope(ready.exercise_id, n) for n in range(load.count)]
    answers = Answers()
    loop = asyncio.get_running_loop()

    async def post(http: ClientSession, body: bytes, due: float) -> None:
        async with http.post(url, data=body, headers=headers) as response:
            document = await response.read()
            answers.latency.append(loop.time() - due)
            answers.statuses.append(response.status)
            if response.status == 202:
                answers.ids.append(str(msgspec.json.decode(document)["id"]))

    async with ClientSession(connector=TCPConnector(limit=CONNECTIONS)) as http:
        start = loop.time()
        tasks = []
        for n, body in enumerate(bodies):
            due = start + n / load.rate
            if due - start >= load.seconds:
                break
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            tasks.append(asyncio.create_task(post(http, body, due)))
        _, late = await asyncio.wait(tasks, timeout=DRAIN_S)
        answers.per_s = len(answers.statuses) / (loop.time() - start)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    sent = [str(msgspec.json.decode(body)["id"]) for body in bodies[: len(tasks)]]
    return sent, answers


def logged_ids(db: Path) -> list[str]:
    """The envelope ids of the log's submissions by teams."""
    query = "SELECT envelope_id FROM events WHERE kind = 'envelope_submitted' AND origin = 'team'"
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return [str(row[0]) for row in conn.execute(query)]


def _receive(process: subprocess.Popen[bytes], kind: type[T], timeout: float) -> T:
    """The child's next line, or an error if it dies or stays silent."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while not select.select([process.stdout], [], [], 0.1)[0]:
        if process.poll() is not None:
            raise RuntimeError(f"the bench server exited ({process.returncode})")
        if time.monotonic() > deadline:
            raise TimeoutError("the bench server did not answer")
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"the bench server exited ({process.wait(START_S)})")
    return msgspec.json.decode(line, type=kind)


def quantile(samples: array[float] | list[float], q: float) -> float | None:
    """The q-quantile, nearest rank, as the driver takes it."""
    return Lateness(array("d", samples)).quantile(q)


def run(kind: Kind, load: Load, db: Path) -> Measured:
    """One side: its server in a child process, the load from here; the seconds are the
    clients' waits summed over the submissions."""
    command = [sys.executable, "-m", "bench.realtime", kind, str(db)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        ready = _receive(process, Ready, START_S)
        sent, answers = asyncio.run(send(ready, load))
        assert process.stdin is not None
        process.stdin.write(b"stop\n")
        process.stdin.flush()
        served = _receive(process, Served, START_S)
        process.wait(START_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    kept = logged_ids(db) if kind == "trafsim" else served.ids
    outcome = Outcome(
        frozenset(sent), frozenset(answers.ids), frozenset(kept), tuple(answers.statuses)
    )
    figures: dict[str, float] = {
        "submissions": float(len(sent)),
        "answered_per_s": answers.per_s,
        "server_cpu_ms_each": served.cpu_s * 1000 / max(1, len(sent)),
    }
    for name, samples in (("latency", answers.latency), ("lateness", served.lateness)):
        for q in (0.5, 0.99):
            value = quantile(samples, q)
            if value is not None:
                figures[f"{name}_p{round(q * 100)}_ms"] = value * 1000
    if kind == "trafsim":
        figures["timed_events"] = float(len(served.lateness))
    if served.commits is not None:
        figures["commits"] = float(served.commits)
    return Measured(sum(answers.latency), outcome, figures)


def loaded(rate: int) -> Callable[[Settings, Path], Benchmark]:
    """`trafsim serve` taking `rate` submissions a second against the bare server taking
    the same (quick runs: one second; full runs: five)."""

    def build(settings: Settings, folder: Path) -> Benchmark:
        load = Load(rate, 1.0 if settings.repeats == 1 else 5.0)
        runs = itertools.count()

        def ours() -> Measured:
            return run("trafsim", load, folder / f"serve-{rate}-{next(runs)}.db")

        def bare() -> Measured:
            return run("bare", load, folder / f"bare-{rate}-{next(runs)}.db")

        def same(mine: Outcome, theirs: Outcome) -> bool:
            return mine.complete and theirs.complete and mine.sent == theirs.sent

        return Benchmark(
            name=f"serve at {rate}/s",
            units=load.count,
            unit="submissions",
            subject=Side(f"trafsim serve, speed {SPEED:g}", ours),
            reference=Side("aiohttp + msgspec, 202", bare),
            same=same,
            note="seconds: waits for the 202, summed; every 202 in the log",
        )

    return build


if __name__ == "__main__":
    serve_child(cast(Kind, sys.argv[1]), Path(sys.argv[2]))
