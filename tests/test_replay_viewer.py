"""The replay viewer over HTTP (`trafsim replay`, issue 10): a moment sought by time of
play or by seq shows what the log says held then, worked out here from the records
alone; the folded states equal a fresh fold whatever order they are asked in; filters
narrow the lists; bad parameters get a 400 naming them; the catalogues agree; the viewer
never writes to the log; and it follows a served exercise through the evaluator API."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import signal
import sys
import tomllib
import types
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import trafsim.viewer as viewer_package
from tests.bus.helpers import MINI
from trafsim.cli import main
from trafsim.run_cmd import run_exercise
from trafsim.serve_cmd import ServeOptions, prepare
from trafsim.serve_cmd import create_app as create_served_app
from trafsim.viewer import LiveError, LiveSource, Replay, create_app
from trafsim.viewer.filters import FILTER_KEYS
from trafsim.viewer.metrics_panel import EXPECTED, HEADLINE
from trafsim.viewer.states import States
from trafsim_bus import read_records
from trafsim_bus.core.fold import Fold
from trafsim_bus.core.msel import InjectStatus
from trafsim_bus.core.restore import new_bus, read_header
from trafsim_bus.core.snapshot import snapshot
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.log.reader import reading, rows
from trafsim_bus.log.records import RECORD_KINDS, Record

Client = TestClient[web.Request, web.Application]
VIEWER = Path(__file__).parent.parent / "trafsim" / "viewer"
MINUTE_US = 60_000_000
ENDED = ("delivered", "rejected", "dropped")


# -- the oracle: what the log says, from the records alone -------------------------------


def play_time(records: list[Record], text: str) -> int:
    """`D2 12:00` → exercise µs, for times before the first calendar jump (checked)."""
    match = re.fullmatch(r"D(\d+) (\d\d):(\d\d)", text)
    assert match
    startex = datetime.fromisoformat(records[0].data["startex"])
    day, hour, minute = (int(part) for part in match.groups())
    t_us = ((day - 1) * 1440 + hour * 60 + minute - startex.hour * 60 - startex.minute) * MINUTE_US
    assert all(r.data["at_us"] > t_us for r in records if r.kind == "clock_jump")
    return t_us


def seq_at(records: list[Record], t_us: int) -> int:
    """The last record at or before an exercise time."""
    return max(record.seq for record in records if record.t_us <= t_us)


class Oracle:
    """What held just after record `seq`, worked out from the records up to it."""

    def __init__(self, records: list[Record], seq: int) -> None:
        self.upto = records[: seq + 1]
        self.senders = {
            r.envelope_id: r.data["envelope"]["sender"]
            for r in self.upto
            if r.kind == "envelope_submitted"
        }
        self.kinds = {
            r.envelope_id: r.data["envelope"]["body"]["kind"]
            for r in self.upto
            if r.kind == "envelope_submitted"
        }

    def of(self, *kinds: str) -> list[Record]:
        return [r for r in self.upto if r.kind in kinds]

    def disruptions(self) -> set[str]:
        """Started and not healed."""
        started = {str(r.disruption_id) for r in self.of("disruption_started")}
        return started - {str(r.disruption_id) for r in self.of("disruption_healed")}

    def delivered_to(self, agency: str) -> set[str]:
        return {str(r.envelope_id) for r in self.of("delivered") if r.recipient == agency}

    def ended(self) -> dict[tuple[str, str], str]:
        return {(str(r.envelope_id), str(r.recipient)): r.kind for r in self.of(*ENDED)}

    def on_the_way_to(self, agency: str) -> set[str]:
        ended = self.ended()
        return {
            str(r.envelope_id)
            for r in self.of("delivery_created")
            if r.recipient == agency and (str(r.envelope_id), agency) not in ended
        }

    def held(self) -> set[tuple[str, str]]:
        let_go = {(str(r.envelope_id), str(r.recipient)) for r in self.of("delivery_released")}
        return (
            {(str(r.envelope_id), str(r.recipient)) for r in self.of("delivery_held")}
            - let_go
            - set(self.ended())
        )

    def queues(self) -> dict[str, tuple[int, int]]:
        """Per pool: (translating, waiting)."""
        count = Counter((r.kind, r.pool_id) for r in self.upto)
        pools = {str(r.pool_id) for r in self.of("translation_queued")}
        return {
            pool: (
                count["translation_started", pool] - count["translation_finished", pool],
                count["translation_queued", pool] - count["translation_started", pool],
            )
            for pool in pools
        }

    def edges(self, agency: str | None = None) -> dict[str, Counter[str]]:
        """`sender>recipient` → how many deliveries in each state (the pairs `agency` is
        in, when given)."""
        ended, held = self.ended(), self.held()
        found: dict[str, Counter[str]] = {}
        for r in self.of("delivery_created"):
            key = (str(r.envelope_id), str(r.recipient))
            if agency is not None and agency not in (r.data["sender"], r.recipient):
                continue
            state = ended.get(key) or ("held" if key in held else "pending")
            found.setdefault(f"{r.data['sender']}>{r.recipient}", Counter())[state] += 1
        return found

    def fired(self) -> set[str]:
        return {r.data["inject_id"] for r in self.of("inject_fired")}


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def silk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SILK THREAD log (seed 1)."""
    db = tmp_path_factory.mktemp("replay") / "silk.db"
    run_exercise("silk-thread", seed=1, db=db, overwrite=False)
    return db


@pytest.fixture(scope="module")
def records(silk: Path) -> list[Record]:
    return read_records(silk)


@pytest.fixture(scope="module")
def replay(silk: Path) -> Replay:
    """The SILK THREAD log as the viewer holds it (read once: the viewer never writes)."""
    return Replay.of_file(silk)


@pytest.fixture
async def viewer(replay: Replay, aiohttp_client: Any) -> Client:
    """The viewer of the SILK THREAD log."""
    client: Client = await aiohttp_client(create_app(replay))
    return client


async def moment(viewer: Client, **query: str | int) -> dict[str, Any]:
    response = await viewer.get("/moment.json", params={k: str(v) for k, v in query.items()})
    assert response.status == 200, await response.text()
    found: dict[str, Any] = await response.json()
    return found


def edge_counts(document: dict[str, Any]) -> dict[str, Counter[str]]:
    states = ("delivered", "pending", "held", "rejected", "dropped")
    return {
        f"{e['sender']}>{e['recipient']}": Counter({s: e[s] for s in states if e[s]})
        for e in document["board"]["edges"]
    }


def assert_board(document: dict[str, Any], oracle: Oracle) -> None:
    """The unfiltered board says what the oracle says."""
    assert not document["filters"]
    board = document["board"]
    assert {d["id"] for d in board["disruptions"]} == oracle.disruptions()
    assert edge_counts(document) == oracle.edges()
    queues = {q["id"]: (q["serving"], q["waiting"]) for q in board["queues"]}
    for pool, expected in oracle.queues().items():
        assert queues[pool] == expected, pool
    fired = {i["id"] for i in board["injects"] if i["status"] == "fired"}
    assert fired == oracle.fired()


def assert_inbox(document: dict[str, Any], oracle: Oracle, agency: str) -> None:
    """Filtered by an agency: its pairs on the board, and its inbox, are the oracle's."""
    assert document["filters"] == {"agency": agency}
    assert edge_counts(document) == oracle.edges(agency)
    inbox = document["inbox"]
    assert inbox["agency"] == agency
    assert {m["envelope_id"] for m in inbox["reached"]} == oracle.delivered_to(agency)
    assert {m["envelope_id"] for m in inbox["on_the_way"]} == oracle.on_the_way_to(agency)
    held = {envelope for envelope, to in oracle.held() if to == agency}
    assert {m["envelope_id"] for m in inbox["on_the_way"] if m["stage"] == "held"} == held


# -- seeking ----------------------------------------------------------------------------


async def test_seeking_d2_noon_shows_what_the_log_says_held_then(
    viewer: Client, records: list[Record]
) -> None:
    """At D2 12:00: the disruptions in force, the flow per pair, the queues, the injects
    fired, and the prosecutor's inbox (delivered by then, and on its way) are the log's."""
    seq = seq_at(records, play_time(records, "D2 12:00"))
    oracle = Oracle(records, seq)
    assert oracle.disruptions()
    assert oracle.on_the_way_to("kz-pgo")
    document = await moment(viewer, at="D2 12:00", agency="kz-pgo")
    assert document["seq"] == seq
    assert document["shown"] == "2 Jun 12:00 (D2)"
    assert_inbox(document, oracle, "kz-pgo")
    assert_board(await moment(viewer, at="D2 12:00"), oracle)


async def test_a_held_delivery_shows_where_it_is_held(
    viewer: Client, records: list[Record]
) -> None:
    """At a moment when the log holds a delivery, its recipient's inbox shows it held by
    the disruption that holds it, and the board counts it on its pair."""
    held = next(r for r in records if r.kind == "delivery_held")
    oracle = Oracle(records, held.seq)
    document = await moment(viewer, seq=held.seq, agency=str(held.recipient))
    assert_inbox(document, oracle, str(held.recipient))
    assert_board(await moment(viewer, seq=held.seq), oracle)
    (row,) = [m for m in document["inbox"]["on_the_way"] if m["stage"] == "held"]
    assert row["envelope_id"] == held.envelope_id
    holder = next(
        r for r in reversed(records[: held.seq]) if r.kind == "disruption_effect"
    ).disruption_id
    assert row["held_by"] == holder


async def test_seek_by_seq_and_by_time_agree(viewer: Client, records: list[Record]) -> None:
    """The moment at a time of play and the moment after its last record are one state,
    and every seq sought shows the oracle's state after that record."""
    for text in ("D1 09:00", "D1 15:30", "D2 12:00", "D3 08:45"):
        seq = seq_at(records, play_time(records, text))
        by_time = await moment(viewer, at=text)
        by_seq = await moment(viewer, seq=seq)
        assert by_time["seq"] == by_seq["seq"] == seq
        assert by_time["board"] == by_seq["board"]
        assert by_time["inboxes"] == by_seq["inboxes"]
    for seq in random.Random(10).sample(range(len(records)), 6):
        oracle = Oracle(records, seq)
        assert_inbox(await moment(viewer, seq=seq, agency="kz-mia-sh"), oracle, "kz-mia-sh")
        assert_board(await moment(viewer, seq=seq), oracle)


async def test_a_calendar_jump_passes_at_once(viewer: Client, records: list[Record]) -> None:
    """At the time of play of a jump, every record inside the jumped span has happened,
    and the time shown is the calendar's after the jump."""
    jump = next(r for r in records if r.kind == "clock_jump")
    landing = jump.data["at_us"] + jump.data["by_us"]
    startex = datetime.fromisoformat(records[0].data["startex"])
    at = startex + timedelta(microseconds=jump.data["at_us"])
    day = (at.date() - startex.date()).days + 1
    document = await moment(viewer, at=f"D{day} {at:%H:%M}")
    assert document["seq"] == seq_at(records, landing)
    after = startex + timedelta(microseconds=landing)
    assert document["shown"] == f"{after.day} {after:%b %H:%M} (D{day})"


def test_states_equal_a_fresh_fold_in_any_order(records: list[Record]) -> None:
    """With checkpoints every 64 records, the state at each seq asked for, forwards,
    backwards and far apart, equals the state of folding the prefix from scratch."""
    states = States(records, every=64)
    order = random.Random(3).sample(range(len(records)), 10)
    order += [len(records) - 1, 0, 500, 499, 1500, 70]
    for seq in order:
        fresh = new_bus(read_header(records[0]), None)
        fresh.schedule_scenario()
        fold = Fold(fresh)
        for record in records[len(fresh.take_records()) : seq + 1]:
            fold.apply(record)
        mine = states.at(seq)
        assert snapshot(mine.state, [], 0) == snapshot(fresh.state, [], 0), seq
    assert states.checkpoints >= len(records) // 64


# -- metrics ----------------------------------------------------------------------------


async def test_the_metrics_are_those_of_the_prefix(viewer: Client, records: list[Record]) -> None:
    """At a seq, the metrics count what the records up to it count, and the page shows
    those numbers."""
    seq = seq_at(records, play_time(records, "D2 12:00"))
    upto = records[: seq + 1]
    document = await (await viewer.get("/metrics.json", params={"seq": str(seq)})).json()
    messages = document["messages"]
    assert messages["submitted"] == sum(r.kind == "envelope_submitted" for r in upto)
    assert messages["delivered"] == sum(r.kind == "delivered" for r in upto)
    assert messages["rejected"] == sum(r.kind == "rejected" for r in upto)
    assert document["log_head"]["seq"] == seq
    assert document["sealed"] is False
    page = await (await viewer.get("/", params={"seq": str(seq)})).text()
    shown = dict(re.findall(r'data-metric="(\w+)">([^<]*)<', page))
    assert shown["delivered"] == str(messages["delivered"])
    assert shown["submitted"] == str(messages["submitted"])


# -- filters ----------------------------------------------------------------------------


async def test_filters_narrow_every_list(viewer: Client, records: list[Record]) -> None:
    """By agency, case, country and type, the flow, the inboxes and the latest events
    keep only what matches; the counts are the oracle's for what matches."""
    seq = seq_at(records, play_time(records, "D3 12:00"))
    oracle = Oracle(records, seq)
    everything = await moment(viewer, seq=seq)
    total = sum(sum(c.values()) for c in edge_counts(everything).values())

    by_agency = await moment(viewer, seq=seq, agency="kz-pgo")
    assert all("kz-pgo" in edge.split(">") for edge in edge_counts(by_agency))
    assert [row["agency"] for row in by_agency["inboxes"]] == ["kz-pgo"]
    assert all(
        "kz-pgo" in (row["sender"], *str(row["recipient"]).split(", ")) for row in by_agency["feed"]
    )

    kinds = Counter(oracle.kinds[str(r.envelope_id)] for r in oracle.of("delivery_created"))
    kind = "info_request"
    by_type = await moment(viewer, seq=seq, type=kind)
    assert sum(sum(c.values()) for c in edge_counts(by_type).values()) == kinds[kind] < total
    assert {row["type"] for row in by_type["feed"]} == {kind}

    case_of = {
        r.envelope_id: r.data["envelope"].get("case_refs", [])
        for r in oracle.of("envelope_submitted")
    }
    case = "KZ-SH-2026-0077"
    in_case = [r for r in oracle.of("delivery_created") if case in case_of[r.envelope_id]]
    by_case = await moment(viewer, seq=seq, case=case)
    assert sum(sum(c.values()) for c in edge_counts(by_case).values()) == len(in_case)

    scenario = read_header(records[0]).scenario
    uzbek = {agency.id for agency in scenario.agencies.values() if agency.country == "UZ"}
    by_country = await moment(viewer, seq=seq, country="UZ")
    assert {row["agency"] for row in by_country["inboxes"]} == uzbek
    pairs = [set(edge.split(">")) for edge in edge_counts(by_country)]
    assert pairs
    assert all(pair & uzbek for pair in pairs)
    assert len(pairs) < len(edge_counts(everything))


# -- refusals ---------------------------------------------------------------------------

BAD = [
    ({"at": "D2 25:00"}, "at"),
    ({"at": "noon"}, "at"),
    ({"at": "D1 08:00"}, "at"),
    ({"at": "D40 12:00"}, "at"),
    ({"seq": "-1"}, "seq"),
    ({"seq": "first"}, "seq"),
    ({"seq": "999999"}, "seq"),
    ({"play": "-5"}, "play"),
    ({"speed": "0"}, "speed"),
    ({"speed": "5000"}, "speed"),
    ({"speed": "fast"}, "speed"),
    ({"speed": "nan"}, "speed"),
    ({"agency": "nobody"}, "agency"),
    ({"case": "XX-0"}, "case"),
    ({"country": "ZZ"}, "country"),
    ({"type": "postcard"}, "type"),
    ({"at": "D2 12:00", "seq": "5"}, "seq"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD)
async def test_a_bad_parameter_gets_a_400_naming_it(
    viewer: Client, query: dict[str, str], parameter: str
) -> None:
    """The page and its fragments answer 400 with a sentence that names the parameter
    (the JSON answers give its path); never a 500, never a traceback."""
    for path in ("/", "/moment", "/metrics"):
        response = await viewer.get(path, params=query)
        assert response.status == 400, path
        page = await response.text()
        sentence = re.search(r'id="query-error"[^>]*>([^<]*)<', page)
        assert sentence, page
        assert parameter in sentence[1]
        assert "Traceback" not in page
    for path in ("/moment.json", "/metrics.json"):
        response = await viewer.get(path, params=query)
        assert response.status == 400
        assert (await response.json())["error"]["path"] == f"query.{parameter}"


async def test_refusals_speak_the_pages_language(viewer: Client) -> None:
    """In Russian, the refusal is in Russian and still names the parameter."""
    response = await viewer.get(
        "/", params={"at": "полдень"}, headers={"Accept-Language": "ru-RU,ru;q=0.9"}
    )
    assert response.status == 400
    text = await response.text()
    assert "at: ожидается время игры" in text


# -- pages, languages, safety ------------------------------------------------------------


async def test_every_answer_carries_the_csp(viewer: Client) -> None:
    """Pages, fragments, scripts and JSON all carry `default-src 'self'`, and the page
    loads its script as a module from the viewer itself."""
    for path in ("/", "/moment", "/metrics", "/moment.json", "/static/replay.js", "/?at=x"):
        response = await viewer.get(path)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"], path
    page = await (await viewer.get("/")).text()
    assert '<script type="module" src="/static/replay.js"></script>' in page
    assert "<script>" not in page
    assert " style=" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


async def test_the_language_switch_goes_back_where_it_was(viewer: Client) -> None:
    """`/language/ru?next=...` sets the language and returns to the same moment, now in
    Russian; an address elsewhere is not followed."""
    response = await viewer.get("/language/ru", params={"next": "/?seq=40"}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/?seq=40"
    page = await (await viewer.get("/?seq=40")).text()
    assert '<html lang="ru">' in page
    assert "Действующие сбои" in page
    away = await viewer.get(
        "/language/en", params={"next": "//example.org/"}, allow_redirects=False
    )
    assert away.headers["Location"] == "/"


async def test_the_viewer_never_writes_the_log(silk: Path, aiohttp_client: Any) -> None:
    """After opening the log, pages, fragments and seeks, the log's files are byte for
    byte as before."""

    def digest() -> dict[str, str]:
        return {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in silk.parent.glob(f"{silk.name}*")
        }

    before = digest()
    viewer: Client = await aiohttp_client(create_app(Replay.of_file(silk)))
    for query in ({"at": "D2 12:00"}, {"seq": "3000"}, {"seq": "10", "agency": "kz-pgo"}):
        for path in ("/", "/moment", "/metrics", "/metrics.json"):
            assert (await viewer.get(path, params=query)).status == 200
    assert digest() == before


def _catalogue(language: str) -> dict[str, str]:
    document = tomllib.loads((VIEWER / "catalogue" / f"{language}.toml").read_text("utf-8"))
    return {f"{s}.{k}": label for s, labels in document.items() for k, label in labels.items()}


def test_the_catalogues_have_the_same_keys_and_placeholders() -> None:
    """Every viewer label is in English and Russian, with the same placeholders, and in
    another language than the key's (no English left in Russian)."""
    english, russian = _catalogue("en"), _catalogue("ru")
    assert set(english) == set(russian)
    for key, label in english.items():
        assert set(re.findall(r"{(\w+)", label)) == set(re.findall(r"{(\w+)", russian[key])), key


MILESTONES = (
    "first_alert", "first_ack", "identification_presumed", "consent_recorded",
    "referral_sent", "referral_accepted", "assistance_started", "reflection_granted",
    "mla_sent", "mla_executed", "jit_decided", "compensation_claimed",
)  # fmt: skip
"""SPEC §16's case milestones."""


def test_every_label_the_viewer_names_exists() -> None:
    """The keys the templates and the code name are in the catalogue, and so are the keys
    they build from a value: filters, steps, headline counts, expected-action statuses,
    milestones, inject statuses and every record kind."""
    text = "\n".join(path.read_text("utf-8") for path in VIEWER.glob("templates/*.html"))
    code = "\n".join(path.read_text("utf-8") for path in VIEWER.glob("*.py"))
    used = set(re.findall(r"""\bt\(["']([a-z_]+\.[a-z_]+)["']""", text))
    used |= set(re.findall(r"""["'](error\.(?!html)[a-z_]+)["']""", code))
    used |= {f"filter.{key}" for key in FILTER_KEYS}
    used |= {f"error.unknown_{key}" for key in FILTER_KEYS}
    used |= {
        f"step.{name}" for name in ("previous_event", "previous", "next", "next_event", "last")
    }
    used |= {f"metrics.{key}" for key in HEADLINE}
    used |= {f"expected.{status}" for status in EXPECTED}
    used |= {f"milestone.{name}" for name in MILESTONES}
    used |= {f"record.{kind}" for kind in RECORD_KINDS}
    used |= {f"inject.{status}" for status in get_args(InjectStatus)}
    assert len(used) > 100
    assert not used - set(_catalogue("en")), sorted(used - set(_catalogue("en")))


def test_the_package_exports_its_public_names() -> None:
    """`trafsim.viewer.__all__` lists exactly its public names, sorted."""
    public = {
        name
        for name, value in vars(viewer_package).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(viewer_package.__all__) == public
    order = sorted(viewer_package.__all__, key=lambda name: (name[:1].islower(), name))
    assert viewer_package.__all__ == order


# -- the command ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["replay"], "give the log DB, or --url"),
        (["replay", "missing.db"], "missing.db: no such log file"),
        (["replay", "--url", "ftp://x"], "--url: expected http://HOST:PORT"),
        (["replay", "x.db", "--port", "70000"], "--port: expected 0 to 65535"),
    ],
)
def test_the_command_refuses_bad_arguments(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    """Exit 1 with a sentence naming the argument."""
    monkeypatch.delenv("TRAFSIM_TOKEN", raising=False)
    assert main(argv) == 1
    assert words in capsys.readouterr().err


def test_url_without_a_token_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    """--url needs the evaluator's token, from --token or $TRAFSIM_TOKEN."""
    monkeypatch.delenv("TRAFSIM_TOKEN", raising=False)
    assert main(["replay", "--url", "http://127.0.0.1:9"]) == 1
    assert "--token" in capsys.readouterr().err


# -- live -------------------------------------------------------------------------------


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Any, TestServer, ManualClock]]:
    """The mini exercise served on a real port, started at speed 60, an hour played."""
    clock = ManualClock()
    options = ServeOptions(
        scenario=str(MINI), db=tmp_path / "live.db", play=("kz-police", "kz-ngo")
    )
    exercise = prepare(options, clock)
    server = TestServer(create_served_app(exercise), host="127.0.0.1", port=0)
    await server.start_server()
    await exercise.start()
    controller = {"Authorization": f"Bearer {exercise.tokens.held.controller}"}
    async with aiohttp.ClientSession() as session:
        for action, fields in (("start", {}), ("speed", {"factor": 60})):
            url = server.make_url(f"/api/v1/control/{action}")
            async with session.post(url, json=fields, headers=controller) as response:
                assert response.status == 200
    clock.advance(60)
    await exercise.driver.sync()
    try:
        yield exercise, server, clock
    finally:
        await exercise.stop()
        await server.close()


async def test_the_live_source_follows_a_served_exercise(
    served: tuple[Any, TestServer, ManualClock], aiohttp_client: Any
) -> None:
    """With the evaluator's token the viewer reads the served exercise's log as committed,
    follows the records committed later, and shows the state the log file says held;
    another token is refused with a sentence."""
    exercise, server, clock = served
    base = str(server.make_url("/"))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(LiveError, match="token was refused"):
            await LiveSource(base, "not-a-token", session).open()
        source = LiveSource(base, exercise.tokens.held.evaluator, session)
        replay = await source.open()
        assert replay.live
        assert not replay.sealed
        assert replay.timeline.records == read_records(exercise.db)
        following = asyncio.create_task(source.follow(replay))
        try:
            before = replay.timeline.head
            clock.advance(120)
            await exercise.driver.sync()
            logged = read_records(exercise.db)
            assert logged[-1].seq > before
            for _ in range(200):  # until it has caught up (bounded, no timing asserted)
                if replay.timeline.head == logged[-1].seq:
                    break
                await asyncio.sleep(0.05)
            assert replay.timeline.records == logged
            with reading(exercise.db) as conn:
                stored = [digest for _, digest in rows(conn)]
            assert replay.timeline.hashes == stored, "the chain, computed along, is the log's"
            viewer: Client = await aiohttp_client(create_app(replay))
            oracle = Oracle(logged, logged[-1].seq)
            document = await moment(viewer, agency="kz-ngo")
            assert document["seq"] == logged[-1].seq
            assert_inbox(document, oracle, "kz-ngo")
            assert_board(await moment(viewer), oracle)
        finally:
            following.cancel()
            with pytest.raises(asyncio.CancelledError):
                await following


async def test_the_command_follows_a_served_exercise(
    served: tuple[Any, TestServer, ManualClock],
) -> None:
    """`trafsim replay --url` with the evaluator's token in `$TRAFSIM_TOKEN` prints its
    address and the records it read, serves the live exercise's latest moment, and stops
    on SIGTERM with status 0; no token appears in what it prints."""
    exercise, server, _ = served
    token = exercise.tokens.held.evaluator
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "trafsim", "replay", "--url", str(server.make_url("/")),
        "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "TRAFSIM_TOKEN": token},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        second = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        match = re.fullmatch(r"replay viewer (http://127\.0\.0\.1:\d+/)\n", first)
        assert match, first
        head = read_records(exercise.db)[-1].seq
        assert f"{head + 1} records, followed live" in second
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{match[1]}moment.json") as response,
        ):
            assert response.status == 200
            assert (await response.json())["seq"] == head
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert token not in first + second + out.decode() + err.decode()
