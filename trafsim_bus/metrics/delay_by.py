"""`delay_by` (SPEC §16): the delays of delivered messages broken down by channel, by
agency pair, by country pair and by language pair, each keyed `"<a>><b>"` (a channel by
its id), each with `delay_s`'s shape."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar, Final

from trafsim_bus.log.records import Record
from trafsim_bus.metrics.tally import Tally

DIMENSIONS: Final = ("channel", "agency_pair", "country_pair", "language_pair")


@cache
def _pair(sender: str, language: str) -> tuple[str, str]:
    """One tuple per distinct (sender, language): envelopes are many, pairs are few."""
    return (sender, language)


class DelayBy:
    """Folds each delivery made into the four breakdowns."""

    KINDS: ClassVar[frozenset[str]] = frozenset(("envelope_submitted", "delivered"))

    def __init__(self) -> None:
        self.country: dict[str, str] = {}
        self.sender: dict[str, tuple[str, str]] = {}
        """Envelope id → (sender, language written in)."""
        self.tallies: dict[str, dict[str, Tally]] = {dimension: {} for dimension in DIMENSIONS}

    def start(self, canonical: dict[str, Any]) -> None:
        """The scenario's agencies and their countries."""
        for agency in canonical.get("agency", []):
            self.country[agency["id"]] = agency["country"]

    def apply(self, record: Record) -> None:
        """Fold one record."""
        if record.kind == "envelope_submitted":
            envelope = record.data["envelope"]
            self.sender[str(record.envelope_id)] = _pair(envelope["sender"], envelope["language"])
        elif record.kind == "delivered":
            delivery = record.data["delivery"]
            sender, written_in = self.sender[str(record.envelope_id)]
            recipient = str(record.recipient)
            keys = {
                "channel": delivery.get("channel") or "(none)",
                "agency_pair": f"{sender}>{recipient}",
                "country_pair": f"{self._country(sender)}>{self._country(recipient)}",
                "language_pair": f"{written_in}>{delivery['language']}",
            }
            for dimension, key in keys.items():
                tallies = self.tallies[dimension]
                tally = tallies.get(key)
                if tally is None:
                    tally = tallies[key] = Tally()
                tally.delivered(delivery)

    def _country(self, agency: str) -> str:
        """An agency's country; the bus and exercise control have none (`-`)."""
        return self.country.get(agency, "-")

    def document(self) -> dict[str, Any]:
        """The section."""
        return {
            dimension: {key: tally.delays_document() for key, tally in sorted(tallies.items())}
            for dimension, tallies in self.tallies.items()
        }
