"""whatif's changes to a scenario: KEY=VALUE paths (by id, by index, `pool`), values read
as TOML or as strings, files merged in, and errors that name the key and what exists."""

from __future__ import annotations

import tomllib
from datetime import datetime
from typing import Any

import pytest

from tests.bus.helpers import MINI
from trafsim_bus.whatif import (
    Changes,
    OverrideError,
    changed_scenario,
    parse_setting,
    parse_value,
    read_addition,
)
from trafsim_bus.whatif.overrides import apply_changes, readable_path

TEXT = MINI.read_text(encoding="utf-8")


def changed(*settings: str, additions: tuple[str, ...] = ()) -> dict[str, Any]:
    """The mini scenario's document with the settings (and files' texts) applied."""
    return apply_changes(
        tomllib.loads(TEXT),
        Changes(
            tuple(read_addition(f"add{i}.toml", text) for i, text in enumerate(additions)),
            tuple(parse_setting(s) for s in settings),
        ),
    )


def element(document: dict[str, Any], table: str, ident: str) -> dict[str, Any]:
    """The element of an array of tables with that id, found by hand."""
    found = [e for e in document[table] if e["id"] == ident]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", 2),
        ("2.5", 2.5),
        ("true", True),
        ('"3d"', "3d"),
        ("3d", "3d"),
        ("D2 14:00", "D2 14:00"),
        ("kz-pgo", "kz-pgo"),
        ('["rus", "kaz"]', ["rus", "kaz"]),
        ('{ family = "fixed", median = "1h" }', {"family": "fixed", "median": "1h"}),
        ("2026-06-01T09:00:00+05:00", datetime.fromisoformat("2026-06-01T09:00:00+05:00")),
        ("1\nother = 2", "1\nother = 2"),
        ("", ""),
    ],
)
def test_a_value_is_toml_when_it_parses_else_a_string(text: str, value: Any) -> None:
    """`2` is a number, `3d` a string, `[...]` and `{...}` TOML arrays and tables; text that
    would smuggle in another key stays a string."""
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def test_a_pool_is_set_by_its_id_through_the_pool_shorthand() -> None:
    """`pool.<id>.servers` sets that pool's servers and nothing else."""
    document = changed("pool.uz-rus.servers=3")
    assert element(document, "translation_pool", "uz-rus")["servers"] == 3
    assert element(document, "translation_pool", "kz-uzb")["servers"] == 1
    original = tomllib.loads(TEXT)
    element(original, "translation_pool", "uz-rus")["servers"] = 3
    assert document == original


def test_an_array_element_is_stepped_into_by_index() -> None:
    """`channel.referral.latency.1.median` is the second latency rule's median."""
    document = changed("channel.referral.latency.1.median=3d", "channel.mla.latency.0.p90=40d")
    assert element(document, "channel", "referral")["latency"] == [
        {"priority": ["emergency"], "median": "1h", "p90": "6h"},
        {"median": "3d", "p90": "48h"},
    ]
    assert element(document, "channel", "mla")["latency"][0]["p90"] == "40d"


def test_a_whole_rule_can_be_replaced_by_an_inline_table() -> None:
    """A TOML table as the value replaces the element."""
    document = changed('channel.hotline.latency.0={ family = "fixed", median = "9h" }')
    assert element(document, "channel", "hotline")["latency"] == [
        {"family": "fixed", "median": "9h"}
    ]


def test_a_key_the_format_knows_is_added_where_missing() -> None:
    """`machine_after` is a pool key that mini's kz-uzb pool does not write; a playbook
    table that is absent is made on the way."""
    document = changed("pool.kz-uzb.machine_after=4", "agency.kz-pgo.playbook.no_reply=0.5")
    assert element(document, "translation_pool", "kz-uzb")["machine_after"] == 4
    assert element(document, "agency", "kz-pgo")["playbook"] == {"no_reply": 0.5}


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            "pool.kz-tuk.servers=2",
            "--set pool.kz-tuk.servers=2: translation_pool has no element with id 'kz-tuk'; "
            "its ids: kz-uzb, uz-rus",
        ),
        (
            "pool.kz-uzb.servrs=2",
            "--set pool.kz-uzb.servrs=2: translation_pool.kz-uzb has no key 'servrs'; its "
            "keys: certified, from, id, interpretation, machine, machine_after, name, servers, "
            "serves, service, to",
        ),
        (
            "channel.mla.latency.1.median=3d",
            "--set channel.mla.latency.1.median=3d: channel.mla.latency has 1 elements "
            "(0 to 0); no 1",
        ),
        (
            "channel.mla.latency.first.median=3d",
            "--set channel.mla.latency.first.median=3d: channel.mla.latency is a list: step "
            "into it by index (0 to 0)",
        ),
        (
            "exercise.seed.x=1",
            "--set exercise.seed.x=1: exercise.seed is a value (7), not a table: it has no 'x'",
        ),
        (
            "pools.kz-uzb.servers=2",
            "--set pools.kz-uzb.servers=2: the scenario has no key 'pools'; its keys: agency, "
            "background, case, channel, country, disruption, exercise, inject, jurisdiction, "
            "person, playbooks, role_player, translation_pool",
        ),
    ],
)
def test_unknown_keys_name_the_path_and_what_exists_there(setting: str, expected: str) -> None:
    """An unknown id, key or index is refused with the path walked and what is there."""
    with pytest.raises(OverrideError) as caught:
        changed(setting)
    assert str(caught.value) == expected


@pytest.mark.parametrize("written", ["servers", "=2", "pool..servers=2", " =1"])
def test_a_setting_needs_a_key_and_a_value(written: str) -> None:
    """Without `=`, or with an empty key or step, the setting is refused."""
    with pytest.raises(OverrideError, match=r"^--set "):
        parse_setting(written)


def test_a_bad_value_fails_the_scenario_check_with_the_key_as_written() -> None:
    """The loader's own checks run on the changed text; its path comes back with ids."""
    changes = Changes(settings=(parse_setting("channel.mla.latency.0.median=3x"),))
    with pytest.raises(OverrideError) as caught:
        changed_scenario(TEXT, "mini.toml", changes)
    assert str(caught.value) == (
        "--set channel.mla.latency.0.median=3x: the changed scenario fails its checks at "
        'channel.mla.latency.0.median: expected a duration like "36h" (units s, min, h, d, '
        "w), got '3x'"
    )


def test_a_changed_value_reaches_the_scenario() -> None:
    """The resolved scenario has the new value; with no change the text is kept as is."""
    scenario = changed_scenario(
        TEXT, "mini.toml", Changes(settings=(parse_setting("pool.uz-rus.servers=4"),))
    )
    assert [pool.servers for pool in scenario.pools if pool.id == "uz-rus"] == [4]
    assert changed_scenario(TEXT, "mini.toml", Changes()).text == TEXT


ADDED_CHANNEL = """
[[channel]]
id = "police-fax"
from = [{ kind = "police", country = "KZ" }]
to = ["uz-police"]
types = ["alert"]
latency = [{ family = "fixed", median = "1h" }]

[playbooks.police]
no_reply = 0.25
"""


def test_a_file_adds_its_arrays_of_tables_and_merges_its_tables() -> None:
    """A `[[channel]]` is appended after the scenario's; `[playbooks.police]` keys merge
    into the scenario's table, the rest of it kept."""
    document = changed(additions=(ADDED_CHANNEL,))
    original = tomllib.loads(TEXT)
    assert document["channel"][:-1] == original["channel"]
    assert document["channel"][-1]["id"] == "police-fax"
    assert document["playbooks"]["police"] == {**original["playbooks"]["police"], "no_reply": 0.25}
    scenario = changed_scenario(
        TEXT, "mini.toml", Changes((read_addition("fax.toml", ADDED_CHANNEL),))
    )
    assert scenario.channels[-1].id == "police-fax"


def test_settings_apply_after_additions() -> None:
    """A setting may address what a file added."""
    document = changed("channel.police-fax.latency.0.median=2h", additions=(ADDED_CHANNEL,))
    assert element(document, "channel", "police-fax")["latency"][0]["median"] == "2h"


def test_a_file_with_a_syntax_error_names_line_and_column() -> None:
    """TOML syntax errors give file, line and column (SPEC §13)."""
    with pytest.raises(OverrideError) as caught:
        read_addition("fax.toml", "[[channel]]\nid = \n")
    assert str(caught.value).startswith("--add fax.toml:2:")
    assert "TOML syntax error" in str(caught.value)


def test_a_file_with_an_unknown_table_is_refused() -> None:
    """A top-level key the format does not have names itself and the known ones."""
    with pytest.raises(OverrideError, match=r"no 'channels'; its keys: agency, "):
        changed(additions=('[[channels]]\nid = "x"\n',))


def test_a_duplicate_id_from_a_file_fails_the_scenario_check() -> None:
    """An added channel with an id in use is the loader's error, with the path by id."""
    changes = Changes((read_addition("dup.toml", ADDED_CHANNEL.replace("police-fax", "mla")),))
    with pytest.raises(OverrideError, match=r"at channel\.mla\.id: channel 'mla' is declared"):
        changed_scenario(TEXT, "mini.toml", changes)


def test_a_loader_path_reads_with_ids() -> None:
    """`[i]` of an element with an id becomes the id, of one without the index."""
    document = tomllib.loads(TEXT)
    assert readable_path(document, "channel[5].latency[0].median") == (
        f"channel.{document['channel'][5]['id']}.latency.0.median"
    )
    assert readable_path(document, "jurisdiction.use[0].channel") == "jurisdiction.use.0.channel"
