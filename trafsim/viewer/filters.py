"""The viewer's filters: by agency, case, country and message type. A delivery is kept
when its envelope has the type and the case, and its sender or recipient is the agency
and is of the country; the filters narrow every list of messages on the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from protocols import MESSAGE_TYPES
from trafsim.viewer.timeline import EnvelopeFacts, Timeline
from trafsim_bus.log.records import Record
from trafsim_bus.scenario.model import EXCON

FILTER_KEYS: Final = ("agency", "case", "country", "type")
"""The query parameters, in the order the page shows them."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What the page is narrowed to; None: everything."""

    agency: str | None = None
    case: str | None = None
    country: str | None = None
    type: str | None = None

    @property
    def active(self) -> bool:
        """Whether anything is filtered."""
        return any(getattr(self, key) for key in FILTER_KEYS)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (the ones set)."""
        return {key: value for key in FILTER_KEYS if (value := getattr(self, key))}

    def envelope(self, facts: EnvelopeFacts) -> bool:
        """Whether an envelope has the type and the case."""
        return (self.type is None or facts.kind == self.type) and (
            self.case is None or self.case in facts.case_refs
        )

    def pair(self, timeline: Timeline, sender: str, recipient: str) -> bool:
        """Whether a sender → recipient pair involves the agency and the country."""
        if self.agency is not None and self.agency not in (sender, recipient):
            return False
        if self.country is None:
            return True
        agencies = timeline.scenario.agencies
        countries = {agencies[a].country for a in (sender, recipient) if a in agencies}
        return self.country in countries

    def delivery(self, timeline: Timeline, facts: EnvelopeFacts, recipient: str) -> bool:
        """Whether a delivery is kept."""
        return self.envelope(facts) and self.pair(timeline, facts.sender, recipient)

    def record(self, timeline: Timeline, record: Record) -> bool:
        """Whether a record about an envelope is kept (any recipient of it, when the record
        names none); a record about no envelope only while nothing is filtered."""
        facts = timeline.envelopes.get(str(record.envelope_id))
        if facts is None:
            return not self.active
        recipients = (record.recipient,) if record.recipient else facts.recipients
        return any(self.delivery(timeline, facts, recipient) for recipient in recipients)

    def agency_shown(self, timeline: Timeline, agency: str) -> bool:
        """Whether an agency's inbox is listed."""
        found = timeline.scenario.agencies.get(agency)
        return (
            found is not None
            and agency != EXCON
            and (self.agency is None or agency == self.agency)
            and (self.country is None or found.country == self.country)
        )


def choices(timeline: Timeline) -> dict[str, list[str]]:
    """The values each filter may take in this log."""
    scenario = timeline.scenario
    return {
        "agency": [agency for agency in scenario.agencies if agency != EXCON],
        "case": sorted(timeline.case_refs),
        "country": list(scenario.countries),
        "type": list(MESSAGE_TYPES),
    }
