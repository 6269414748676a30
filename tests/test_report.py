"""`trafsim report`: the after-action report of a silk-thread run, its findings checked
against the records and the metrics they cite (worked out again here, from the SQLite rows),
its Markdown, and its errors."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.bus.helpers import play_to_db
from trafsim.aar import LANGUAGES
from trafsim.aar.words import catalogue
from trafsim.report import duration
from trafsim.run_cmd import run_exercise
from trafsim_bus import load_scenario

SECTIONS = (
    "## Findings",
    "## Case timelines",
    "## Where the delay came from",
    "## Agency pairs",
    "## Translation queues",
    "## MSEL scorecard",
)


def trafsim(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m trafsim` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "trafsim", *args], capture_output=True, text=True, check=False
    )


@dataclass
class Delivery:
    """One delivery as the rows tell it (worked out here, not by the report)."""

    envelope: dict[str, Any]
    origin: str
    kind: str
    status: str = "pending"
    delivery: dict[str, Any] = field(default_factory=dict)
    pool: str | None = None
    holder: str | None = None
    rejected: dict[str, Any] = field(default_factory=dict)


@dataclass
class Log:
    """A run's log read straight from SQLite, its metrics and its reports."""

    db: Path
    scenario: dict[str, Any]
    deliveries: dict[tuple[str, str], Delivery]
    metrics: dict[str, Any]
    html: str
    markdown: str
    russian: str
    russian_markdown: str

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The findings the HTML page carries as data."""
        return findings_in(self.html)

    def topic(self, name: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["topic"] == name]

    def country(self, agency: str) -> str | None:
        for entry in self.scenario["agency"]:
            if entry["id"] == agency:
                return str(entry["country"])
        return None

    def case_traffic(self) -> list[Delivery]:
        """Delivered deliveries of envelopes about a case, sent by someone in play."""
        return [
            d
            for d in self.deliveries.values()
            if d.status == "delivered"
            and d.envelope.get("case_refs")
            and d.origin not in ("background", "bus")
        ]


def findings_in(page: str) -> list[dict[str, Any]]:
    """The findings an HTML report carries as data."""
    found = re.search(
        r'<script type="application/json" id="trafsim-findings">(.*?)</script>', page, re.DOTALL
    )
    assert found, "the page carries no findings data"
    return list(json.loads(found[1]))


def read_rows(db: Path) -> tuple[dict[str, Any], dict[tuple[str, str], Delivery]]:
    """The scenario and every delivery, from the events table itself."""
    scenario: dict[str, Any] = {}
    envelopes: dict[str, tuple[dict[str, Any], str]] = {}
    deliveries: dict[tuple[str, str], Delivery] = {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT kind, origin, envelope_id, recipient, disruption_id, pool_id, data "
            "FROM events ORDER BY seq"
        ).fetchall()
    for kind, origin, envelope_id, recipient, disruption_id, pool_id, text in rows:
        data = json.loads(text)
        key = (envelope_id, recipient)
        if kind == "exercise_started":
            scenario = data["scenario"]["canonical"]
        elif kind == "envelope_submitted":
            envelopes[envelope_id] = (data["envelope"], origin)
        elif kind == "delivery_created":
            envelope, sent_by = envelopes[envelope_id]
            deliveries[key] = Delivery(envelope, sent_by, data["kind"])
        elif kind == "translation_queued":
            deliveries[key].pool = pool_id
        elif kind == "delivery_held":
            deliveries[key].holder = deliveries[key].holder or disruption_id
        elif kind == "delivered":
            deliveries[key].status = "delivered"
            deliveries[key].delivery = data["delivery"]
        elif kind in ("rejected", "dropped"):
            deliveries[key].status = kind
            deliveries[key].rejected = data
    return scenario, deliveries


@pytest.fixture(scope="module")
def silk(tmp_path_factory: pytest.TempPathFactory) -> Log:
    """One silk-thread run (seed 1) and its reports, made once for this module."""
    db = tmp_path_factory.mktemp("report") / "silk.db"
    run_exercise("silk-thread", seed=1, db=db, overwrite=False)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    html = trafsim("report", str(db))
    assert html.returncode == 0, html.stderr
    assert html.stdout.strip() == str(db.with_name("silk.report.html"))
    markdown = trafsim("report", str(db), "--format", "md")
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.strip() == str(db.with_name("silk.report.md"))
    russian = trafsim("report", str(db), "--lang", "ru", "-o", str(db.with_name("ru.html")))
    assert russian.returncode == 0, russian.stderr
    russian_markdown = trafsim("report", str(db), "--lang", "ru", "--format", "md", "-o", "-")
    assert russian_markdown.returncode == 0, russian_markdown.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before, "the report wrote to the log"
    metrics = trafsim("metrics", str(db), "--json")
    assert metrics.returncode == 0, metrics.stderr
    scenario, deliveries = read_rows(db)
    return Log(
        db,
        scenario,
        deliveries,
        json.loads(metrics.stdout),
        db.with_name("silk.report.html").read_text("utf-8"),
        db.with_name("silk.report.md").read_text("utf-8"),
        db.with_name("ru.html").read_text("utf-8"),
        russian_markdown.stdout,
    )


def test_the_page_stands_alone(silk: Log) -> None:
    """One HTML file: plotly's script inlined exactly once, nothing to fetch (no script or
    link by URL), a chart per case timeline and per other section, and the header."""
    page = silk.html
    assert page.count("* plotly.js v") == 1
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "https://cdn" not in page.split("<body>", 1)[0]
    cases = {
        ref
        for d in silk.deliveries.values()
        if d.origin not in ("background", "bus")
        for ref in d.envelope.get("case_refs") or ()
    }
    charts = re.findall(r'<div id="chart-([a-z]+)-\d+"', page)
    assert Counter(charts)["timelines"] == len(cases)
    assert {"delays", "pairs", "queues", "msel"} <= set(charts)
    head = silk.metrics["log_head"]
    for shown in (silk.metrics["exercise_id"], head["sha256"], f"seq {head['seq']}", "seed 1"):
        assert shown in page
    assert "sealed" in page
    assert "UNSEALED" not in page


def test_delay_findings_rank_the_causes_of_case_delay(silk: Log) -> None:
    """Each delay finding's share, count and place match the delay of case traffic split by
    cause (channel, pool, disruption, closed office), summed here from the delivered records; the sum is
    the metrics' case traffic delay."""
    total = 0
    causes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for d in silk.case_traffic():
        total += d.delivery["delivered_us"] - d.delivery["submitted_us"]
        for part, us in d.delivery["delay_us"].items():
            where = {
                "channel_latency": d.delivery["channel"],
                "translation_wait": d.pool,
                "translation_service": d.pool,
                "outage_hold": d.holder,
                "office_hours_wait": d.delivery["recipient"],
            }.get(part) or "-"
            if us:
                causes[(part, where)].append(us)
    case_delay = silk.metrics["case_traffic"]["delay_s"]["total"]
    assert total / 1e6 == pytest.approx(case_delay["mean"] * case_delay["count"], abs=1e-3)
    ranked = sorted(causes, key=lambda cause: -sum(causes[cause]))
    found = silk.topic("delay")
    assert found, "no delay finding"
    for finding, cause in zip(found, ranked, strict=False):
        numbers = finding["numbers"]
        assert (numbers["part"], numbers["where"]) == cause
        share = round(100 * sum(causes[cause]) / total)
        assert numbers["share_pct"] == share
        assert numbers["deliveries"] == len(causes[cause])
        mean = sum(causes[cause]) / len(causes[cause]) / 1e6
        assert finding["sentence"].startswith(f"{share}% of the delay of case traffic was ")
        assert cause[1] in finding["sentence"]
        assert f"{len(causes[cause])} deliveries, {duration(mean)} each" in finding["sentence"]


def translating(deliveries: list[Delivery]) -> int:
    """Their summed translation wait and service, µs."""
    return sum(
        d.delivery["delay_us"]["translation_wait"] + d.delivery["delay_us"]["translation_service"]
        for d in deliveries
    )


def test_cross_border_findings_name_the_translation_share(silk: Log) -> None:
    """For each case with translated cross-border traffic: the share of its cross-border
    delay spent with the pool that took the most of it, worked out here from the delivered
    records (cases where that is under 1% have no finding)."""
    crossing: dict[str, list[Delivery]] = defaultdict(list)
    for d in silk.case_traffic():
        sender, recipient = d.envelope["sender"], d.delivery["recipient"]
        countries = (silk.country(sender), silk.country(recipient))
        if None not in countries and countries[0] != countries[1]:
            for case in d.envelope["case_refs"]:
                crossing[case].append(d)
    expected = {}
    for case, deliveries in crossing.items():
        by_pool: dict[str, list[Delivery]] = defaultdict(list)
        for d in deliveries:
            if d.pool:
                by_pool[d.pool].append(d)
        if not by_pool:
            continue
        pool = max(by_pool, key=lambda p: translating(by_pool[p]))
        total = sum(d.delivery["delivered_us"] - d.delivery["submitted_us"] for d in deliveries)
        share = round(100 * translating(by_pool[pool]) / total)
        if share >= 1:
            expected[case] = (pool, share, len(by_pool[pool]), len(deliveries))
    found = silk.topic("cross_border")
    assert len(expected) >= 2, "silk-thread should translate cross-border traffic"
    assert {f["numbers"]["case"] for f in found} == set(expected)
    for finding in found:
        numbers = finding["numbers"]
        case = numbers["case"]
        pool, share, translated, crossed = expected[case]
        assert (numbers["pool"], numbers["share_pct"]) == (pool, share)
        assert (numbers["translated"], numbers["deliveries"]) == (translated, crossed)
        sentence = finding["sentence"]
        assert sentence.startswith(f"{share}% of the cross-border delay on case {case} ")
        assert f"pool {pool}" in sentence
        assert f"({translated} of {crossed} cross-border deliveries)" in sentence


def test_refusal_findings_count_what_the_bus_refused(silk: Log) -> None:
    """ "N of M <type> deliveries were refused as <reason>": N, M and the senders counted
    here from the rejected and created records; together they are every refusal the metrics
    count."""
    groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
    for d in silk.deliveries.values():
        if d.status == "rejected":
            groups[(d.kind, d.rejected["reason"])].append(d)
    per_kind = Counter(d.kind for d in silk.deliveries.values())
    found = [f for f in silk.topic("refusal") if f["numbers"]["status"] == "rejected"]
    assert {(f["numbers"]["kind"], f["numbers"]["reason"]) for f in found} == set(groups)
    assert sum(f["numbers"]["count"] for f in found) == silk.metrics["messages"]["rejected"]
    for finding in found:
        numbers = finding["numbers"]
        refused = groups[(numbers["kind"], numbers["reason"])]
        assert numbers["count"] == len(refused)
        assert numbers["deliveries"] == per_kind[numbers["kind"]]
        assert numbers["senders"] == dict(Counter(d.envelope["sender"] for d in refused))
        assert finding["sentence"].startswith(
            f"{len(refused)} of {per_kind[numbers['kind']]} {numbers['kind']} deliveries "
        )
        assert f"refused by the bus as {numbers['reason']}" in finding["sentence"]
    counts = [f["numbers"]["count"] for f in found]
    assert counts == sorted(counts, reverse=True)


def test_mla_requests_sent_by_the_police_are_found_refused(silk: Log) -> None:
    """The teaching point of SILK THREAD: an MLA request straight from the police is refused
    (wrong_jurisdiction), and the finding says who sent it and where to send it instead."""
    finding = next(
        f
        for f in silk.topic("refusal")
        if (f["numbers"]["kind"], f["numbers"]["reason"]) == ("mla_request", "wrong_jurisdiction")
    )
    police = {a["id"] for a in silk.scenario["agency"] if a["kind"] == "police"}
    assert set(finding["numbers"]["senders"]) <= police
    assert "send it through kz-pgo" in finding["sentence"]


def test_request_findings_cite_the_metrics(silk: Log) -> None:
    """Every request type with a refused, stopped or unanswered request has a finding whose
    figures are the metrics' own."""
    requests = silk.metrics["requests"]
    failing = {
        kind
        for kind, data in requests.items()
        if data["refused"] + data["rejected"] + data["unanswered"]
    }
    found = silk.topic("request")
    assert {f["numbers"]["kind"] for f in found} == failing
    for finding in found:
        data = requests[finding["numbers"]["kind"]]
        for key in ("sent", "answered", "answered_in_time", "refused", "rejected", "unanswered"):
            assert finding["numbers"][key] == data[key], key
        sentence = finding["sentence"]
        assert f"{data['answered']} of {data['sent']} {finding['numbers']['kind']}" in sentence
        assert f"{data['unanswered']} unanswered" in sentence
        assert f"{data['refused']} refused by the recipient" in sentence


def test_msel_findings_score_the_expected_actions(silk: Log) -> None:
    """The MSEL line adds up the metrics' expected actions by status, and every missed one
    has its own finding naming its inject and its text."""
    tally: Counter[str] = Counter()
    missed = []
    for inject, data in silk.metrics["msel"].items():
        for action in data["expected"]:
            tally[action["status"]] += 1
            if action["status"] == "missed":
                missed.append((inject, action["text"]))
    summary, *each = silk.topic("msel")
    scored = sum(n for status, n in tally.items() if status != "not_scored")
    assert summary["numbers"]["scored"] == scored
    for status in ("met", "late", "missed", "open", "not_scored"):
        assert summary["numbers"][status] == tally[status]
    assert f"of {scored} scored expected actions, {tally['met']} were met" in summary["sentence"]
    assert len(each) == len(missed)
    for finding, (inject, text) in zip(each, missed, strict=True):
        assert finding["numbers"]["inject"] == inject
        assert finding["sentence"].startswith(f"{inject} ")
        assert finding["sentence"].endswith(f": {text}: missed.")
    assert missed, "seed 1 misses some expected actions: the findings above are not vacuous"


def test_pool_disruption_and_pending_findings_cite_the_metrics(silk: Log) -> None:
    """Pools where jobs waited, disruptions that hit deliveries, and what was under way at
    the end: each finding's figures are the metrics' own."""
    pools = silk.metrics["translation_pools"]
    waited = {name for name, data in pools.items() if data["wait_s"]["max"]}
    found = silk.topic("pool")
    assert {f["numbers"]["pool"] for f in found} == waited
    for finding in found:
        data = pools[finding["numbers"]["pool"]]
        assert finding["numbers"]["max_wait_s"] == data["wait_s"]["max"]
        assert finding["numbers"]["max_queue"] == data["max_queue"]
        assert f"waits up to {duration(data['wait_s']['max'])}" in finding["sentence"]
    disruptions = silk.metrics["disruptions"]
    hit = {name for name, data in disruptions.items() if data["deliveries_hit"]}
    found = silk.topic("disruption")
    assert {f["numbers"]["disruption"] for f in found} == hit
    for finding in found:
        data = disruptions[finding["numbers"]["disruption"]]
        for key in ("deliveries_hit", "held", "rejected", "dropped"):
            assert finding["numbers"][key] == data[key]
    (pending,) = silk.topic("pending")
    assert pending["numbers"]["pending"] == silk.metrics["messages"]["pending"]
    assert pending["sentence"].startswith(f"{silk.metrics['messages']['pending']} deliveries")


def test_markdown_holds_the_same_findings_and_tables(silk: Log) -> None:
    """The Markdown has every section, the same findings in the same order as the page,
    a timeline table per case, and a scorecard row per expected action."""
    text = silk.markdown
    places = [text.index(section) for section in SECTIONS]
    assert places == sorted(places)
    listed = re.findall(r"^\d+\. (.*)$", text.split("## Findings", 1)[1].split("\n## ", 1)[0], re.M)
    assert listed == [f["sentence"].replace("<", "&lt;") for f in silk.findings]
    assert silk.metrics["exercise_id"] in text
    assert silk.metrics["log_head"]["sha256"] in text
    cases = re.findall(r"^### Case (\S+): (\d+) deliveries", text, re.M)
    for case, count in cases:
        expected = sum(
            case in (d.envelope.get("case_refs") or ()) and d.origin not in ("background", "bus")
            for d in silk.deliveries.values()
        )
        assert int(count) == expected, case
    scorecard = text.split("## MSEL scorecard", 1)[1]
    rows = [line for line in scorecard.splitlines() if re.match(r"^\| m\d", line)]
    expected_actions = sum(len(data["expected"]) for data in silk.metrics["msel"].values())
    assert len(rows) == expected_actions
    assert "<div" not in text
    assert "plotly" not in text


def test_markdown_to_stdout_with_dash(silk: Log) -> None:
    """`-o -` writes the report itself to stdout, and nothing else."""
    result = trafsim("report", str(silk.db), "--format", "md", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout == silk.markdown


def test_a_live_log_is_reported_unsealed(tmp_path: Path) -> None:
    """A log that stops before ENDEX is reported, and says so; sections with nothing to show
    say so instead of drawing an empty chart."""
    db = tmp_path / "live.db"
    play_to_db(load_scenario("silk-thread"), db, seed=1, until_us=60 * 1_000_000)
    out = tmp_path / "live.html"
    result = trafsim("report", str(db), "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text("utf-8")
    assert "UNSEALED" in page
    assert "No case traffic in this log yet" in page
    assert "No message needed a translator." in page
    assert 'id="chart-timelines-' not in page
    assert 'id="chart-queues-' not in page
    markdown = trafsim("report", str(db), "-o", "-", "--format", "md")
    assert markdown.returncode == 0, markdown.stderr
    assert "**UNSEALED**" in markdown.stdout


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a catalogue text (not plotly's `%{{y}}`)."""
    return set(re.findall(r"(?<!{){(\w+)}", text))


def test_the_catalogues_agree() -> None:
    """English and Russian have the same keys, a Russian text uses only placeholders its
    English one has (Russian avoids some that English grammar needs), and plurals have
    two forms in English, three in Russian."""
    english, russian = (catalogue(language) for language in LANGUAGES)
    assert set(russian) == set(english)
    for key, text in russian.items():
        assert placeholders(text) <= placeholders(english[key]), key
        if key.startswith("plural."):
            assert len(english[key].split("|")) == 2, key
            assert len(text.split("|")) == 3, key


def test_the_russian_report_says_the_same_in_russian(silk: Log) -> None:
    """`--lang ru`: the same findings with the same figures, in the same order, each said in
    Russian; the page and the Markdown have their headings in Russian and none in English."""
    english, russian = silk.findings, findings_in(silk.russian)
    assert [(f["topic"], f["numbers"]) for f in russian] == [
        (f["topic"], f["numbers"]) for f in english
    ]
    for ours, theirs in zip(russian, english, strict=True):
        assert ours["sentence"] != theirs["sentence"]
    assert '<html lang="ru">' in silk.russian
    headings = [catalogue("ru")[f"section.{key}"] for key in ("timelines", "delays", "queues")]
    for heading in headings:
        assert f"<h2>{heading}</h2>" in silk.russian
        assert f"## {heading}" in silk.russian_markdown
    for section in SECTIONS:
        assert section not in silk.russian_markdown
    listed = re.findall(r"^\d+\. (.*)$", silk.russian_markdown, re.M)
    assert listed[: len(russian)] == [f["sentence"].replace("<", "&lt;") for f in russian]
    assert "НЕ ЗАКРЫТ" not in silk.russian


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["{tmp}/missing.db"], 1, "missing.db: no such log file"),
        (["{tmp}/notes.db"], 1, "notes.db: not a trafsim event log"),
        (["{log}", "--format", "pdf"], 2, "invalid choice: 'pdf'"),
        (["{log}", "--lang", "kk"], 2, "invalid choice: 'kk'"),
        (["{log}", "-o", "{log}"], 1, "that is the log itself"),
        (["{log}", "-o", "{tmp}/no/such/folder/r.html"], 1, "cannot write the report"),
    ],
)
def test_bad_input_is_one_clear_line(
    silk: Log, tmp_path: Path, args: list[str], status: int, message: str
) -> None:
    """A missing log, a file that is no log, an unknown format, the log itself or an
    unwritable place as output: a clear message, the right exit status, no traceback."""
    (tmp_path / "notes.db").write_text("not a database", encoding="utf-8")
    result = trafsim("report", *(arg.format(tmp=tmp_path, log=silk.db) for arg in args))
    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
