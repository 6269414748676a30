"""`trafsim whatif`: with no change a run and a served exercise re-simulate to their logs;
one more translator in the busiest pool shortens its wait; a slower channel orphans a
team's read and reply; several seeds give paired means with t-intervals; bad input is one
line and exit 1; the log is only read."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import msgspec
import pytest

from agencies import build_playbooks
from tests.bus.helpers import MINI
from trafsim.cli import main
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus import Bus, EventLogWriter, VirtualDriver, compute_metrics, read_records
from trafsim_bus.core.restore import inputs_of
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario


def whatif(capsys: pytest.CaptureFixture[str], *args: str | Path) -> dict[str, Any]:
    """`trafsim whatif ... --json`, its document."""
    capsys.readouterr()
    assert main(["whatif", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def metrics(capsys: pytest.CaptureFixture[str], db: Path) -> dict[str, Any]:
    """`trafsim metrics DB --json`."""
    capsys.readouterr()
    assert main(["metrics", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def silk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A headless silk-thread run, seed 1."""
    db = tmp_path_factory.mktemp("whatif") / "silk.db"
    assert main(["run", "--seed", "1", "--db", str(db)]) == 0
    return db


def test_no_change_reproduces_a_run_with_zero_deltas(
    silk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No divergence, no orphan, every difference zero, every original value the log's
    own metrics, and the log file untouched."""
    before = digest(silk)
    found = whatif(capsys, silk)
    assert digest(silk) == before
    assert set(found) == {"divergence", "orphaned_inputs", "deltas"}
    assert found["divergence"] is None
    assert found["orphaned_inputs"] == 0
    assert found["deltas"]["seeds"] == [1]
    document = metrics(capsys, silk)
    measured = found["deltas"]["measures"]
    assert measured["messages.delivered"]["original"] == document["messages"]["delivered"]
    assert measured["delay_s.total.p90"]["original"] == document["delay_s"]["total"]["p90"]
    for pool, figures in document["translation_pools"].items():
        assert (
            measured[f"translation_pools.{pool}.wait_s.mean"]["original"]
            == (figures["wait_s"]["mean"])
        )
    for ref, case in document["cases"].items():
        for name, at_s in case["milestones"].items():
            assert measured[f"cases.{ref}.milestones.{name}"]["new"] == at_s
    for delta in measured.values():
        assert delta["original"] == delta["new"]
        assert delta["difference"] in (0, None)


def test_one_more_translator_in_the_busiest_pool_shortens_its_wait(
    silk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pool with the longest mean wait in the log, given one more server: its mean
    wait falls, and the divergence, expected now, is reported."""
    pools = metrics(capsys, silk)["translation_pools"]
    busiest = max(
        (p for p in pools if pools[p]["wait_s"]["mean"] is not None),
        key=lambda p: pools[p]["wait_s"]["mean"],
    )
    assert pools[busiest]["wait_s"]["mean"] > 0
    servers = pools[busiest]["servers"] + 1
    found = whatif(capsys, silk, "--set", f"pool.{busiest}.servers={servers}")
    wait = found["deltas"]["measures"][f"translation_pools.{busiest}.wait_s.mean"]
    assert wait["original"] == pools[busiest]["wait_s"]["mean"]
    assert wait["new"] < wait["original"]
    assert wait["difference"] == pytest.approx(wait["new"] - wait["original"])
    assert found["divergence"] is not None
    capsys.readouterr()
    assert main(["whatif", str(silk), "--set", f"pool.{busiest}.servers={servers}"]) == 0
    text = capsys.readouterr().out
    assert "(expected: the changes take effect there" in text
    assert f"translation_pools.{busiest}.wait_s.mean" in text


def test_the_text_output_says_it_reproduces(silk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: the changes, the divergence, the orphans, the table."""
    capsys.readouterr()
    assert main(["whatif", str(silk)]) == 0
    text = capsys.readouterr().out
    assert "changes: none" in text
    assert "Divergence: none. The re-simulation reproduces the log from seq 1." in text
    assert "Orphaned team inputs: 0" in text
    assert "delay_s.total.mean" in text


def test_a_log_that_does_not_replay_names_its_first_divergence(
    silk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A readable, intact log whose later latency decision was written one µs longer than
    this trafsim makes it: whatif with no change names that seq, the field and both
    values, and says calmly what a divergence with no change means."""
    logged = read_records(silk)
    target = next(
        r for r in logged[len(logged) // 2 :]
        if r.kind == "barrier_decision" and r.data.get("stage") == "latency"
    )  # fmt: skip
    tampered = msgspec.structs.replace(
        target, data={**target.data, "added_us": target.data["added_us"] + 1}
    )
    db = tmp_path / "tampered.db"
    writer = EventLogWriter(db)
    writer.append([tampered if r.seq == target.seq else r for r in logged])
    writer.close()
    found = whatif(capsys, db)
    assert found["divergence"] == {
        "seq": target.seq,
        "field": "data.added_us",
        "expected": target.data["added_us"] + 1,
        "actual": target.data["added_us"],
    }
    capsys.readouterr()
    assert main(["whatif", str(db)]) == 0
    text = capsys.readouterr().out
    assert f"Divergence: at seq {target.seq}, data.added_us. With no change" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "pool.nope.servers=2"], "no element with id 'nope'; its ids: "),
        (["--set", "pool.kz-tuk.servers=two"], "fails its checks at translation_pool.kz-tuk"),
        (["--set", "servers"], "expected KEY=VALUE"),
        (["--runs", "0"], "--runs: expected a whole number of at least 1, got 0"),
        (["--add", "/no/such/file.toml"], "--add /no/such/file.toml: cannot read it"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    silk: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """Unknown keys, bad values, no runs and unreadable files: `trafsim: ...`, exit 1."""
    capsys.readouterr()
    assert main(["whatif", str(silk), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trafsim: ")
    assert message in err
    assert "Traceback" not in err


def test_a_file_that_is_not_a_log_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a log, or no file: exit 1 and a sentence."""
    other = tmp_path / "notes.db"
    other.write_text("not a database")
    for path, words in ((other, "not a trafsim event log"), (tmp_path / "x.db", "no such log")):
        capsys.readouterr()
        assert main(["whatif", str(path)]) == 1
        assert words in capsys.readouterr().err


# -- several seeds -----------------------------------------------------------------------


def resimulated(logged: list[Record], text: str, seed: int) -> dict[str, Any]:
    """The logged exercise played again by hand: the scenario `text`, `seed`, the log's
    exercise id and inputs, every agency by playbook; its metrics."""
    scenario = parse_scenario(text, "mini.toml")
    exercise_id = UUID(logged[0].data["exercise_id"])
    bus = Bus(
        scenario, seed=seed, exercise_id=exercise_id, version=logged[0].data["trafsim_version"]
    )
    bus.players = dict(build_playbooks(scenario, exercise_id, seed))
    records: list[Record] = []
    VirtualDriver(bus, observer=lambda live: records.extend(live.take_records())).run(
        inputs=inputs_of(logged)
    )
    records.extend(bus.take_records())
    return compute_metrics(records, (records[-1].seq, "-"))


def test_three_seeds_pair_both_sides_with_t_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the mini scenario with --runs 3: seeds 7, 8, 9; both sides measured per seed
    (seed 7's original is the log), the means, the mean paired difference and its
    interval as worked out here from runs made by hand."""
    db = tmp_path / "mini.db"
    assert main(["run", str(MINI), "--db", str(db)]) == 0
    logged = read_records(db)
    text = logged[0].data["scenario"]["text"]
    block = text.index('id = "kz-uzb"')
    servers = text.index("servers = 1", block)
    faster = text[:servers] + "servers = 2" + text[servers + len("servers = 1") :]
    found = whatif(capsys, db, "--set", "pool.kz-uzb.servers=2", "--runs", "3")
    assert found["deltas"]["seeds"] == [7, 8, 9]
    originals = [metrics(capsys, db), resimulated(logged, text, 8), resimulated(logged, text, 9)]
    news = [resimulated(logged, faster, seed) for seed in (7, 8, 9)]
    for key, read in [
        ("messages.delivered", lambda m: m["messages"]["delivered"]),
        ("delay_s.total.mean", lambda m: m["delay_s"]["total"]["mean"]),
    ]:
        before = [read(m) for m in originals]
        after = [read(m) for m in news]
        differences = [b - a for a, b in zip(before, after, strict=True)]
        mean = sum(differences) / 3
        s = math.sqrt(sum((d - mean) ** 2 for d in differences) / 2)
        half = 4.302653 * s / math.sqrt(3)
        delta = found["deltas"]["measures"][key]
        assert delta["original"] == pytest.approx(sum(before) / 3)
        assert delta["new"] == pytest.approx(sum(after) / 3)
        assert delta["difference"] == pytest.approx(mean)
        assert delta["pairs"] == 3
        assert delta["interval"] == pytest.approx([mean - half, mean + half])
    capsys.readouterr()
    assert main(["whatif", str(db), "--runs", "3"]) == 0
    text_out = capsys.readouterr().out
    assert "seeds 7-9: means over 3 paired runs" in text_out
    assert "95% interval" in text_out


# -- a served exercise --------------------------------------------------------------------

TEAMS = ("kz-police", "kz-ngo")
SLOWER = 'channel.referral.latency.1={ family = "fixed", median = "20d" }'


@pytest.fixture
async def served(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Path]:
    """A mini exercise served with its police and shelter played by teams through the
    API: the police alert the shelter, which reads the alert once it arrives and answers
    it with an ack; then the controller ends the exercise. The log's path."""
    clock = ManualClock()
    exercise = prepare(ServeOptions(scenario=str(MINI), db=tmp_path / "live.db", play=TEAMS), clock)
    client = await aiohttp_client(create_app(exercise))
    await exercise.start()
    await exercise.driver.sync()
    tokens = exercise.tokens.held

    def auth(who: str) -> dict[str, str]:
        token = tokens.agencies.get(who) or getattr(tokens, who)
        return {"Authorization": f"Bearer {token}"}

    async def control(action: str, **fields: Any) -> None:
        response = await client.post(
            f"/api/v1/control/{action}", json=fields, headers=auth("controller")
        )
        assert response.status == 200, await response.text()

    def envelope(n: int, sender: str, recipient: str, body: dict[str, Any], **more: Any) -> bytes:
        return msgspec.json.encode(
            {
                "schema_version": "1",
                "id": str(uuid5(exercise.bus.exercise_id, f"whatif:{n}")),
                "exercise_id": str(exercise.bus.exercise_id),
                "sender": sender,
                "recipients": [recipient],
                "created_at": "2026-06-01T09:00:00+05:00",
                "language": "rus",
                "script": "Cyrl",
                "case_refs": ["KZ-2026-1"],
                "body": body,
                **more,
            }
        )

    await control("start")
    await control("speed", factor=60)
    alert = envelope(1, "kz-police", "kz-ngo", {"kind": "alert", "alert_source": "patrol",
                                                "summary": "Men locked in."})  # fmt: skip
    response = await client.post(
        "/api/v1/agencies/kz-police/messages", data=alert, headers=auth("kz-police")
    )
    assert response.status == 202
    alert_id = (await response.json())["id"]
    for _ in range(48):
        clock.advance(60)
        await exercise.driver.sync()
        inbox = await (
            await client.get("/api/v1/agencies/kz-ngo/inbox", headers=auth("kz-ngo"))
        ).json()
        if alert_id in [m["envelope_id"] for m in inbox["messages"]]:
            break
    else:
        pytest.fail("the alert never reached the shelter")
    read = await client.post(
        f"/api/v1/agencies/kz-ngo/messages/{alert_id}/read", headers=auth("kz-ngo")
    )
    assert read.status < 300, await read.text()
    ack = envelope(2, "kz-ngo", "kz-police", {"kind": "ack", "ack_of": alert_id, "status": "accepted"},
                   in_reply_to=alert_id, thread_id=alert_id)  # fmt: skip
    response = await client.post(
        "/api/v1/agencies/kz-ngo/messages", data=ack, headers=auth("kz-ngo")
    )
    assert response.status == 202, await response.text()
    clock.advance(600)
    await exercise.driver.sync()
    await control("end")
    yield exercise.db
    await exercise.stop()


async def test_a_served_exercise_reproduces_with_no_change(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Team submissions, a read and control actions fed back verbatim: the same records
    from seq 1, no orphan, zero deltas."""
    logged = read_records(served)
    assert {"message_read", "control_action"} <= {r.kind for r in logged}
    assert [r for r in logged if r.origin == "team" and r.kind == "envelope_submitted"]
    found = whatif(capsys, served)
    assert found["divergence"] is None
    assert found["orphaned_inputs"] == 0
    assert all(d["difference"] in (0, None) for d in found["deltas"]["measures"].values())


async def test_a_much_slower_channel_orphans_the_teams_read_and_reply(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the police-to-shelter rule fixed at 20 days the alert cannot arrive before
    ENDEX, so the shelter's read of it and its ack (both logged after the alert's
    delivery) are orphaned: counted by hand from the log, two. The divergence is the
    alert's latency decision."""
    logged = read_records(served)
    alert = next(r for r in logged if r.origin == "team" and r.kind == "envelope_submitted")
    delivered = next(
        r for r in logged if r.kind == "delivered" and r.envelope_id == alert.envelope_id
    )
    answering = [
        r for r in logged
        if r.origin == "team" and r.t_us >= delivered.t_us and (
            (r.kind == "message_read" and r.envelope_id == alert.envelope_id)
            or r.data.get("envelope", {}).get("in_reply_to") == alert.envelope_id
        )
    ]  # fmt: skip
    assert len(answering) == 2
    latency = next(
        r for r in logged
        if r.kind == "barrier_decision" and r.envelope_id == alert.envelope_id
        and r.data["stage"] == "latency"
    )  # fmt: skip
    found = whatif(capsys, served, "--set", SLOWER)
    assert found["orphaned_inputs"] == len(answering)
    assert found["divergence"]["seq"] == latency.seq
    assert found["divergence"]["field"].startswith("data.")
    capsys.readouterr()
    assert main(["whatif", str(served), "--set", SLOWER]) == 0
    text = capsys.readouterr().out
    assert "Orphaned team inputs: 2" in text
    assert f"kz-ngo read {alert.envelope_id}, never delivered in the re-simulation" in text
    assert f"kz-ngo answered {alert.envelope_id}, never delivered in the re-simulation" in text


# -- the documentation's example ----------------------------------------------------------

DOC = Path(__file__).parent.parent / "docs" / "whatif.md"


def test_the_docs_example_is_a_real_run(
    silk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/whatif.md's example: the pool it adds a translator to is the busiest pool of
    the seed-1 run, the text shown is what whatif prints (up to the `...`), and the JSON
    excerpt is what --json gives for those measures."""
    text = DOC.read_text(encoding="utf-8")
    command = "trafsim " + text.split("$ trafsim whatif ", 1)[1].split("\n", 1)[0]
    command = command.replace("trafsim ", "trafsim whatif ", 1)
    pool = command.split("--set pool.", 1)[1].split(".servers=", 1)[0]
    pools = metrics(capsys, silk)["translation_pools"]
    waits = {p: f["wait_s"]["mean"] for p, f in pools.items() if f["wait_s"]["mean"] is not None}
    assert max(waits, key=waits.__getitem__) == pool
    monkeypatch.chdir(silk.parent)
    example = text.split(f"$ {command}\n", 1)[1].split("\n...\n", 1)[0]
    capsys.readouterr()
    assert main(command.split()[1:]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(example + "\n")
    shown = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    found = whatif(capsys, *command.split()[2:])
    assert shown["divergence"] == found["divergence"]
    assert shown["orphaned_inputs"] == found["orphaned_inputs"]
    assert shown["deltas"]["seeds"] == found["deltas"]["seeds"]
    for key, delta in shown["deltas"]["measures"].items():
        assert found["deltas"]["measures"][key] == delta


def test_the_cli_docs_error_example_is_real(silk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/cli.md's whatif example error is the line whatif prints."""
    text = (DOC.parent / "cli.md").read_text(encoding="utf-8").split("## `trafsim whatif`", 1)[1]
    command, line = text.split("```console\n$ ", 1)[1].split("\n```", 1)[0].split("\n")
    args = command.split()[1:]
    args[1] = str(silk)
    capsys.readouterr()
    assert main(args) == 1
    assert capsys.readouterr().err == line + "\n"
