"""The consent in force per person, as the consent check reads it (SPEC §5)."""

from __future__ import annotations

from protocols import Envelope, Person
from protocols.identification import ConsentRecord
from trafsim_bus.scenario.model import Agency


class ConsentBook:
    """The latest consent record submitted for each consent id."""

    __slots__ = ("latest",)

    def __init__(self) -> None:
        self.latest: dict[str, ConsentRecord] = {}

    def record(self, envelope: Envelope) -> None:
        """Note a submitted envelope; consent records replace earlier ones with their id."""
        body = envelope.body
        if isinstance(body, ConsentRecord):
            self.latest[body.consent_id] = body

    def refusal(
        self, person: Person, risk_to_life: bool, recipient: Agency
    ) -> tuple[str, str] | None:
        """None when the person's data may reach `recipient`; else (detail, explanation) with
        detail `unknown`, `withdrawn` or `out_of_scope`."""
        if person.is_minor or risk_to_life:
            return None
        if person.consent_ref is None:
            return ("unknown", f"{person.person_id} carries no consent_ref")
        record = self.latest.get(person.consent_ref)
        if record is None:
            return ("unknown", f"no consent record {person.consent_ref} has been submitted")
        if record.person_id != person.person_id:
            return (
                "unknown",
                f"consent {person.consent_ref} is for {record.person_id}, not {person.person_id}",
            )
        if record.withdrawn_at is not None:
            return ("withdrawn", f"{person.person_id} withdrew consent {person.consent_ref}")
        for scope in record.scope:
            if scope.agency == recipient.id or scope.agency_kind == recipient.kind:
                return None
        return (
            "out_of_scope",
            f"consent {person.consent_ref} does not name {recipient.id} or a {recipient.kind}",
        )
