"""Random inputs of every kind for property tests: team submissions (valid, invalid,
duplicate), reads, and each clock, MSEL, disruption and assign action, at random times."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from hypothesis import strategies as st

from protocols.fields import USUAL_SCRIPT
from tests.documents import CONSENT, REFERRAL
from trafsim_bus.core import ControlInput, Input, TeamRead, TeamSubmission, decode_action
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.errors import ControlError
from trafsim_bus.scenario.model import EXCON, Scenario
from trafsim_bus.timebase import MINUTE, format_day_time

TEST_IDS = uuid5(NAMESPACE_URL, "trafsim:tests")
BODIES: list[dict[str, Any]] = [
    {"kind": "alert", "alert_source": "patrol", "summary": "Men locked in at a building site."},
    {"kind": "info_request", "questions": ["Is this phone number known to you?"]},
    REFERRAL,
    CONSENT,
    {"kind": "case_update", "status": "Active", "comment": "Interviewed with an interpreter."},
]


class Inputs:
    """Draws inputs for one scenario and seed (so team envelopes carry its exercise id)."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.exercise_id = exercise_id_for(scenario.sha256, seed)
        self.agencies = sorted(a for a in scenario.agencies if a != EXCON)
        self.injects = [inject.id for inject in scenario.injects] + ["x1", "x2", "nope"]
        self.disruptions = [d.id for d in scenario.disruptions] + ["c1", "c2", "nope"]
        self.pools = [pool.id for pool in scenario.pools]
        self.channels = [channel.id for channel in scenario.channels]

    def play_time(self, play_us: int) -> str:
        """`D<n> HH:MM` of a time of play."""
        return format_day_time(play_us, self.scenario.startex_minute)

    @st.composite
    def envelope_bytes(draw: Any, self: Inputs, n: int) -> tuple[str, bytes, UUID]:  # noqa: N805
        """(agency, bytes, id) of a team envelope: usually valid, sometimes not."""
        sender = draw(st.sampled_from(self.agencies))
        recipients = draw(st.lists(st.sampled_from(self.agencies), min_size=1, max_size=3))
        body = dict(draw(st.sampled_from(BODIES)))
        language = self.scenario.agencies[sender].languages[0]
        envelope_id = uuid5(TEST_IDS, f"{self.exercise_id}:{n}")
        document = {
            "schema_version": "1",
            "id": str(envelope_id),
            "exercise_id": str(self.exercise_id),
            "sender": sender,
            "recipients": list(dict.fromkeys(recipients)),
            "created_at": "2026-06-01T09:00:00+05:00",
            "language": language,
            "script": USUAL_SCRIPT.get(language, "Latn"),
            "case_refs": ["CASE-1"],
            "body": body,
        }
        flaw = draw(st.sampled_from(["none", "none", "none", "exercise", "sender", "bytes"]))
        agency = sender
        if flaw == "exercise":
            document["exercise_id"] = "00000000-0000-0000-0000-000000000000"
        elif flaw == "sender":
            agency = draw(st.sampled_from(self.agencies))
        if flaw == "bytes":
            return agency, draw(st.binary(max_size=40)), envelope_id
        return agency, msgspec.json.encode(document), envelope_id

    @st.composite
    def control(draw: Any, self: Inputs) -> dict[str, Any]:  # noqa: N805
        """One control action document, of any kind, sometimes invalid."""
        play_end = self.scenario.play_us
        when = draw(st.integers(0, play_end // MINUTE)) * MINUTE
        action = draw(
            st.sampled_from(
                [
                    "pause", "resume", "speed", "skip", "jump", "end", "fire", "hold",
                    "release", "retime", "add", "cancel", "disrupt", "patch", "heal",
                    "heal_all", "assign", "start",
                ]
            )
        )  # fmt: skip
        inject = draw(st.sampled_from(self.injects))
        disruption = draw(st.sampled_from(self.disruptions))
        if action == "speed":
            return {"action": action, "factor": draw(st.sampled_from([0, -1, 1, 60, 600]))}
        if action == "skip":
            return {"action": action, "to": self.play_time(when)}
        if action == "jump":
            return {"action": action, "by": draw(st.sampled_from(["1h", "2d", "7d", "-1d", "x"]))}
        if action in ("fire", "hold", "release", "cancel"):
            return {"action": action, "inject": inject}
        if action == "retime":
            return {"action": action, "inject": inject, "at": self.play_time(when)}
        if action == "add":
            return {"action": action, "inject": self._inject(draw, inject, when)}
        if action == "disrupt":
            return {"action": action, "disruption": self._disruption(draw, disruption, when)}
        if action == "patch":
            patch: dict[str, Any] = {"action": action, "id": disruption}
            choice = draw(st.sampled_from(["probability", "end", "attributes", "nothing"]))
            if choice == "probability":
                patch["probability"] = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
            elif choice == "end":
                patch["end"] = self.play_time(when)
            elif choice == "attributes":
                patch["attributes"] = draw(
                    st.sampled_from([{"factor": 3.0}, {"servers": 0}, {"mode": "reject"}])
                )
            return patch
        if action in ("heal",):
            return {"action": action, "id": disruption}
        if action == "assign":
            return {
                "action": action,
                "agency": draw(st.sampled_from([*self.agencies, "nobody"])),
                "played_by": draw(st.sampled_from(["team", "simcell"])),
            }
        return {"action": action}

    def _inject(self, draw: Any, inject_id: str, when: int) -> dict[str, Any]:
        sender = draw(st.sampled_from(self.agencies))
        document: dict[str, Any] = {
            "id": inject_id,
            "from": "excon",
            "to": [draw(st.sampled_from(self.agencies))],
            "body": {"kind": "excon_note", "title": "Note", "text": "Controller's note."},
        }
        shape = draw(st.sampled_from(["at", "after", "unless", "bad"]))
        if shape == "at":
            document["at"] = self.play_time(when)
        elif shape == "after":
            document["after"] = {
                "event": draw(st.sampled_from(["delivered", "submitted"])),
                "type": draw(st.sampled_from(["alert", "info_request", "referral"])),
                "from": sender,
                "delay": "1h",
            }
        elif shape == "unless":
            document["unless"] = {
                "event": "submitted",
                "type": draw(st.sampled_from(["alert", "info_request"])),
                "by": self.play_time(when),
            }
        else:
            document["at"] = "tomorrow"
        return document

    def _disruption(self, draw: Any, disruption_id: str, when: int) -> dict[str, Any]:
        kind = draw(
            st.sampled_from(
                ["outage", "link_cut", "latency_multiplier", "loss", "translator_capacity"]
            )
        )
        document: dict[str, Any] = {"id": disruption_id, "type": kind}
        if kind == "outage":
            document["target"] = {"agencies": [draw(st.sampled_from(self.agencies))]}
            document["attributes"] = {
                "mode": draw(st.sampled_from(["store_and_forward", "reject", "black_hole"]))
            }
        elif kind == "link_cut":
            countries = sorted({a.country for a in self.scenario.agencies.values()} - {EXCON})
            document["target"] = {"countries": countries[:2]}
        elif kind == "latency_multiplier":
            document["target"] = {"channels": [draw(st.sampled_from(self.channels))]}
            document["attributes"] = {"factor": 4.0}
        elif kind == "loss":
            document["probability"] = 0.5
        else:
            document["target"] = {"pools": [draw(st.sampled_from(self.pools))]}
            document["attributes"] = {"servers": draw(st.sampled_from([0, 1, 3]))}
        schedule: dict[str, str] = {}
        if draw(st.booleans()):
            schedule["start"] = self.play_time(when)
        if draw(st.booleans()):
            schedule["duration"] = draw(st.sampled_from(["30min", "6h", "2d"]))
        if schedule:
            document["schedule"] = schedule
        return document

    @st.composite
    def timed_inputs(draw: Any, self: Inputs, max_size: int = 40) -> list[tuple[int, Input]]:  # noqa: N805
        """A start at STARTEX, then inputs of every kind at random exercise times."""
        endex = self.scenario.endex_us
        count = draw(st.integers(1, max_size))
        times = sorted(draw(st.lists(st.integers(0, endex), min_size=count, max_size=count)))
        inputs: list[tuple[int, Input]] = [
            (0, ControlInput(decode_action({"action": "start"}), "excon"))
        ]
        sent: list[tuple[str, bytes, UUID, list[str]]] = []
        for n, t_us in enumerate(times):
            kind = draw(
                st.sampled_from(["submit", "submit", "duplicate", "read", "control", "control"])
            )
            if kind == "submit" or (kind in ("duplicate", "read") and not sent):
                agency, data, envelope_id = draw(self.envelope_bytes(n))
                try:
                    recipients = msgspec.json.decode(data)["recipients"]
                except (msgspec.DecodeError, KeyError, TypeError):
                    recipients = []
                sent.append((agency, data, envelope_id, recipients))
                inputs.append((t_us, TeamSubmission(agency, data)))
            elif kind == "duplicate":
                agency, data, envelope_id, _ = draw(st.sampled_from(sent))
                changed = draw(st.booleans())
                inputs.append(
                    (
                        t_us,
                        TeamSubmission(
                            agency, data.replace(b"Active", b"Closed") if changed else data
                        ),
                    )
                )
            elif kind == "read":
                agency, _, envelope_id, recipients = draw(st.sampled_from(sent))
                reader = draw(st.sampled_from(recipients or [agency]))
                inputs.append((t_us, TeamRead(reader, envelope_id)))
            else:
                document = draw(self.control())
                try:
                    action = decode_action(document)
                except ControlError:  # an action that does not decode never reaches the core
                    continue
                inputs.append((t_us, ControlInput(action, "excon")))
        return inputs
