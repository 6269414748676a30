"""The console's message catalogues: every label exists in English and in Russian, every
label the console uses exists, and none is left unused."""

from __future__ import annotations

import re
from pathlib import Path

from agencies.node.console.i18n import LANGUAGES, catalogue

CONSOLE = Path(__file__).parents[2] / "agencies" / "node" / "console"
SECTIONS_USED_BY_VALUE = ("kind", "level", "state", "words", "reason", "stage", "step",
                          "delay", "evidence", "translation")  # fmt: skip
"""Sections whose keys are looked up by a value (a message type, a reason...)."""
CLOCK_STATES = ("not_started", "running", "paused", "ended")
"""Shown as `t("ui." + clock_state)`."""


def test_every_label_exists_in_every_language() -> None:
    """A label in one language only fails, naming it and the language it lacks."""
    keys = {language: set(catalogue(language)) for language in LANGUAGES}
    for language in LANGUAGES:
        for other in LANGUAGES:
            missing = sorted(keys[other] - keys[language])
            assert not missing, f"{language}.toml lacks {missing}"


def test_placeholders_agree_between_languages() -> None:
    """A label's placeholders are the same in every language."""
    english = catalogue("en")
    for language in LANGUAGES[1:]:
        for key, label in catalogue(language).items():
            assert set(re.findall(r"{(\w+)", label)) == set(re.findall(r"{(\w+)", english[key])), (
                key
            )


def test_every_label_used_exists_and_every_label_is_used() -> None:
    """The labels the templates and the code name are in the catalogue, and every `ui.`
    label is named somewhere."""
    sources = [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("*.py")]
    text = "\n".join(path.read_text("utf-8") for path in sources)
    used = set(
        re.findall(
            r"""t\(["']((?:ui|evidence|translation|words|compose|control)\.[a-z_]+)["']""", text
        )
    )
    used |= set(re.findall(r"""labels\(["']([a-z]+\.[a-z_]+)["']""", text))
    used |= {f"ui.{state}" for state in CLOCK_STATES}
    used = {key for key in used if not key.endswith("_")}  # prefixes of looked-up keys
    used |= {f"compose.format_{name.replace('-', '_')}" for name in _text_formats()}
    known = set(catalogue("en"))
    assert used - known == set()
    ui = {key for key in known if key.startswith("ui.")}
    assert ui - used == set()


def test_every_message_type_reason_and_stage_has_a_label() -> None:
    """Message types, bus reasons and stages are shown by their labels."""
    from typing import get_args

    from protocols import MESSAGE_TYPES
    from protocols.vocab import NackReason, RefusalReason
    from trafsim_bus.log.records import BARRIER_STAGES, TRAIL_KINDS

    known = set(catalogue("en"))
    wanted = {f"kind.{kind}" for kind in MESSAGE_TYPES}
    wanted |= {f"reason.{reason}" for reason in (*get_args(NackReason), *get_args(RefusalReason))}
    wanted |= {f"stage.{stage}" for stage in BARRIER_STAGES}
    wanted |= {f"step.{kind}" for kind in TRAIL_KINDS}
    assert wanted - known == set()


def _text_formats() -> set[str]:
    """The formats of the text fields the compose forms show (a placeholder each)."""
    from agencies.node.console.forms import Field, body_form, envelope_form
    from protocols import MESSAGE_TYPES

    found: set[str] = set()

    def walk(field: Field) -> None:
        if field.widget == "text" and field.format:
            found.add(field.format)
        for child in field.children:
            walk(child)

    for kind in MESSAGE_TYPES:
        walk(body_form(kind))
    walk(envelope_form())
    return found


def test_every_delay_part_and_reason_has_a_label() -> None:
    """The delay parts of a delivery record and the bus's reasons are shown by their labels
    (`t.of` falls back to the raw key, so a missing label would go unnoticed)."""
    from protocols.delivery import DelayBreakdown
    from trafsim_bus.metrics import DELIVERY_REASONS, ENVELOPE_REASONS

    labels = catalogue("en")
    missing = [f"delay.{p}" for p in DelayBreakdown.__struct_fields__ if f"delay.{p}" not in labels]
    missing += [
        f"reason.{r}" for r in (*DELIVERY_REASONS, *ENVELOPE_REASONS) if f"reason.{r}" not in labels
    ]
    assert missing == []
