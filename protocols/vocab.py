"""trafsim's own closed vocabularies (lower snake_case), used across the catalogue."""

from __future__ import annotations

from typing import Literal

PriorityLevel = Literal["emergency", "urgent", "normal"]
"""Referral priority: emergency within 24 h, urgent within 72 h, normal within 2 weeks."""

HandlingCode = Literal["H0", "H1", "H2", "H3"]
"""EU handling codes: H0 crime use only, H1 not in court without permission,
H2 no onward dissemination without permission, H3 other restrictions."""

EvaluationScheme = Literal["europol_4x4"]
SourceReliability = Literal["A", "B", "C", "X"]
InformationReliability = Literal[1, 2, 3, 4]

LegalBasis = Literal[
    "nrm_sop",
    "trm_mou",
    "cis_mvd_1992",
    "cis_tip_2005",
    "cis_mvd_tip_2010",
    "minsk_1993",
    "chisinau_2002",
    "cis_jit_2015",
    "interpol_rpd",
    "domestic_cpc",
    "consular",
    "other",
]

EvidentiaryStatus = Literal["intelligence", "evidence", "not_applicable"]

BusReason = Literal[
    "unknown_recipient",
    "not_competent",
    "wrong_jurisdiction",
    "no_channel",
    "channel_closed",
    "consent_missing",
    "handling_violation",
    "language_not_accepted",
    "recipient_offline",
    "link_down",
]
"""Delivery-level refusals the bus sends back as a nack, in the order it checks them."""

AgencyReason = Literal["incomplete", "capacity", "not_competent", "other"]
"""Reasons an agency gives when it refuses a message itself."""

NackReason = Literal[BusReason, AgencyReason]
"""Every reason a nack can carry: the bus's and the agencies'."""

RefusalReason = Literal[
    "invalid_message", "wrong_exercise", "sender_not_authorised", "duplicate_id_conflict"
]
"""Envelope-level refusals: the envelope is not submitted and gets no nack."""

DeliveryStatus = Literal["pending", "delivered", "rejected", "dropped"]

AttachmentKind = Literal[
    "document",
    "photo",
    "video",
    "audio",
    "screenshot",
    "phone_extraction",
    "spreadsheet",
    "other",
]

PersonRole = Literal["victim", "witness", "reporter", "family_member"]

DataCategory = Literal[
    "identity",
    "contact",
    "location",
    "biography",
    "exploitation_history",
    "health",
    "testimony",
    "photo",
    "documents",
    "family",
    "financial",
]
"""What part of a person's data a consent scope entry releases."""

InterpreterProvider = Literal["official", "ngo", "ad_hoc", "contractor"]
