"""Routing rules of SPEC §5-6 and §9 beyond the refusals: exercise control's built-in
channel, who may use a channel (`[[jurisdiction.use]]`), on the rules scenario
(tests/bus/test_rules.py)."""

from __future__ import annotations

from tests.bus.test_rules import MLA, REQUEST, exercise, send
from trafsim_bus import Bus
from trafsim_bus.timebase import DAY, HOUR, MINUTE

AGENCIES = ["kz-ngo", "kz-pgo", "kz-police", "uz-pgo", "uz-police"]


def delivered(bus: Bus, kind: str) -> list[tuple[str, int, str | None, str]]:
    """(recipient, time, channel, language) of every delivery of `kind`, after ENDEX."""
    bus.advance_to(bus.clock.endex_us)
    return sorted(
        (r.recipient or "", r.t_us, r.data["delivery"]["channel"], r.data["delivery"]["language"])
        for r in bus.recorder.records
        if r.kind == "delivered" and r.data["kind"] == kind
    )


NOTE = """
[[inject]]
id = "note"
at = "D1 10:00"
from = "excon"
to = {to}
body = {{ kind = "excon_note", title = "Day 1", text = "x" }}
envelope = {{ language = "eng", script = "Latn" }}
"""


def test_a_control_note_from_excon_reaches_everyone_at_once() -> None:
    """SPEC §9: an `excon_note` from exercise control to all takes the built-in
    zero-latency `excon` channel, with no language barrier (English, read by nobody):
    every agency has it at 10:00, untranslated, and nothing is refused."""
    bus = exercise(NOTE.format(to='"all"'))
    assert delivered(bus, "excon_note") == [(agency, HOUR, "excon", "eng") for agency in AGENCIES]
    assert [r for r in bus.recorder.records if r.kind in ("rejected", "dropped")] == []


def test_a_control_note_reaches_an_agency_outside_its_competence() -> None:
    """SPEC §5, §9: receipts and control messages reach any agency, whatever it may
    receive: a shelter that may receive only referrals still gets the note."""
    extra = '\n[jurisdiction]\nreceive.ngo_shelter = ["referral"]\n' + NOTE.format(to='["kz-ngo"]')
    bus = exercise(extra)
    assert delivered(bus, "excon_note") == [("kz-ngo", HOUR, "excon", "eng")]


HOTLINE = """
[[channel]]
id = "hotline"
from = ["excon"]
to = ["kz-police"]
types = ["alert"]
latency = [{ family = "fixed", median = "15min" }]

[[inject]]
id = "call"
at = "D1 10:00"
from = "excon"
to = ["kz-police"]
body = { kind = "alert", alert_source = "hotline", summary = "x" }
envelope = { language = "rus", script = "Cyrl" }
"""


def test_a_role_players_ordinary_message_takes_a_declared_channel() -> None:
    """SPEC §9: only control-family bodies skip channels: an alert from exercise control
    (a role-player's call) takes the `hotline` channel that selects `excon`, 15 min."""
    bus = exercise(HOTLINE)
    assert delivered(bus, "alert") == [("kz-police", HOUR + 15 * MINUTE, "hotline", "rus")]


def test_a_control_message_from_an_agency_needs_a_channel() -> None:
    """SPEC §9: the built-in channel is exercise control's: a note the KZ police send to
    the UZ police finds no channel that carries notes and is refused `no_channel`."""
    bus = exercise()
    note = {"kind": "excon_note", "title": "t", "text": "x"}
    send(bus, 1, "kz-police", ["uz-police"], note)
    bus.advance_to(bus.clock.endex_us)
    assert delivered(bus, "excon_note") == []
    (refused,) = [r for r in bus.recorder.records if r.kind == "rejected"]
    assert (refused.t_us, refused.data["reason"]) == (0, "no_channel")


USE = """
[[channel]]
id = "mla2"
from = ["kz-police", "kz-ngo", "kz-pgo"]
to = ["uz-pgo"]
types = ["mla_request", "info_request"]
latency = [{ family = "fixed", median = "1d" }]

[[jurisdiction.use]]
channel = "mla"
kinds = ["prosecutor"]
types = ["mla_request"]

[[jurisdiction.use]]
channel = "mla2"
kinds = ["prosecutor"]
types = ["mla_request"]
"""


def test_use_rules_limit_a_channel_to_kinds_and_types() -> None:
    """SPEC §5 and docs/scenario.md `[[jurisdiction.use]]`: `mla2` connects the police
    to the UZ prosecutor but only prosecutors may use it, for MLA requests: the
    prosecutor's request over it is delivered (no translation for Uzbek, 1 d); the
    police's is `wrong_jurisdiction`, redirected to the KZ prosecutor; the police's
    question over it is `no_channel` (no KZ agency may send a question over it)."""
    bus = exercise(USE, days=6)
    uzbek = {"language": "uzb", "script": "Latn"}
    allowed = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA, channel="mla2", **uzbek)
    police = send(bus, 2, "kz-police", ["uz-pgo"], MLA, channel="mla2", **uzbek)
    question = send(bus, 3, "kz-police", ["uz-pgo"], REQUEST, channel="mla2", **uzbek)
    bus.advance_to(bus.clock.endex_us)
    ends = {
        r.envelope_id: r
        for r in bus.recorder.records
        if r.kind in ("delivered", "rejected") and r.recipient == "uz-pgo"
    }
    assert (ends[str(allowed.id)].kind, ends[str(allowed.id)].t_us) == ("delivered", DAY)
    assert ends[str(allowed.id)].data["delivery"]["channel"] == "mla2"
    refused = ends[str(police.id)].data
    assert (refused["reason"], refused["redirect_to"], refused["hint"], refused["detail"]) == (
        "wrong_jurisdiction",
        "kz-pgo",
        "send it through kz-pgo",
        "mla carries mla_request from KZ to uz-pgo, but a police may not send it",
    )
    refused = ends[str(question.id)].data
    assert (refused["reason"], refused["redirect_to"], refused["hint"], refused["detail"]) == (
        "no_channel",
        None,
        None,
        "no channel carries info_request from kz-police to uz-pgo",
    )
