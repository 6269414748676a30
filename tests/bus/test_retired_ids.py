"""`retired_ids`: an agency's old addresses. A message sent to one is refused
`unknown_recipient` pointing at the agency, the sender's playbook resends it there, and a
hotline's stale directory is a planted teaching error."""

from __future__ import annotations

import pytest

from tests.bus.helpers import play
from tests.bus.test_persons import MINI_TEXT
from tests.bus.test_rules import OFFICES, REQUEST, send
from trafsim_bus import Bus, ScenarioError
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import HOUR


def test_the_scenario_knows_whose_old_address_it_is() -> None:
    text = MINI_TEXT.replace('id = "uz-police"', 'id = "uz-police"\nretired_ids = ["uz-mvd-old"]')
    scenario = parse_scenario(text, "mini.toml")
    assert scenario.retired("uz-mvd-old") is scenario.agencies["uz-police"]
    assert scenario.retired("uz-police") is None


def test_the_bus_names_the_current_address() -> None:
    text = OFFICES.replace('id = "uz-police"', 'id = "uz-police"\nretired_ids = ["uz-mvd-old"]')
    assert text != OFFICES
    bus = Bus(parse_scenario(text, "rules.toml"))
    bus.begin()
    sent = send(bus, 1, "kz-police", ["uz-mvd-old"], REQUEST)
    bus.advance_to(HOUR)
    (rejected,) = [
        r
        for r in bus.recorder.records
        if r.kind == "rejected" and str(r.envelope_id) == str(sent.id)
    ]
    assert rejected.recipient == "uz-mvd-old"
    assert (rejected.data["reason"], rejected.data["redirect_to"], rejected.data["hint"]) == (
        "unknown_recipient",
        "uz-police",
        "send it to uz-police",
    )
    assert rejected.data["detail"] == "'uz-mvd-old' is an old address of uz-police"
    assert rejected.data["stage"] == "admission"


@pytest.mark.parametrize(
    ("retired", "message"),
    [
        ('["UZ MVD"]', "agency[3].retired_ids[0]: expected a lower-case id"),
        ('["kz-police"]', "agency[3].retired_ids[0]: 'kz-police' is an agency's id now"),
        ('["excon"]', "agency[3].retired_ids[0]: 'excon' is already taken"),
        ('["a-old", "a-old"]', "agency[3].retired_ids[1]: 'a-old' is already taken"),
    ],
)
def test_a_bad_retired_id_is_named_by_its_key_path(retired: str, message: str) -> None:
    text = MINI_TEXT.replace('id = "uz-police"', f'id = "uz-police"\nretired_ids = {retired}')
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "mini.toml")
    assert message in str(caught.value)


def test_a_hotline_with_a_stale_directory_is_refused_then_resends() -> None:
    """`wrong_route_share = 1` for the shelter: its alert goes to the police's old address,
    is refused `unknown_recipient` as a planted error, and goes again to the police."""
    text = MINI_TEXT.replace('id = "kz-police"', 'id = "kz-police"\nretired_ids = ["kz-dvd-old"]')
    text += "\n[playbooks.ngo_shelter]\nwrong_route_share = 1.0\n"
    _, records = play(parse_scenario(text, "mini.toml"), 3)
    refused = [r for r in records if r.kind == "rejected" and r.recipient == "kz-dvd-old"]
    assert refused
    for record in refused:
        assert record.data["reason"] == "unknown_recipient"
        assert record.data["intended"] == {"by": "playbook", "parameter": "wrong_route_share"}
    resent = [
        r
        for r in records
        if r.kind == "delivered"
        and r.recipient == "kz-police"
        and r.data["kind"] == "alert"
        and r.data["sender"] == "kz-ngo"
    ]
    assert resent
