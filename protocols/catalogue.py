"""The message catalogue: every body type, by family, and the `Body` union the envelope holds."""

from __future__ import annotations

from typing import Final

from protocols.assistance import (
    CaseUpdate,
    Referral,
    ReferralResponse,
    ReflectionPeriod,
    ReturnArrangement,
    RiskAssessment,
    TrmReferral,
)
from protocols.control import ExconNote, Inject, Observation
from protocols.identification import Alert, ConsentRecord, IdentificationDecision, Screening
from protocols.interpretation import TranslationDelivery, TranslationRequest
from protocols.judicial import (
    CompensationClaim,
    EvidenceTransfer,
    JitDecision,
    JitProposal,
    MlaExecutionReport,
    MlaRequest,
    ProceduralDocument,
)
from protocols.message import Message
from protocols.police import (
    Diffusion,
    FinIntelRequest,
    FinIntelResponse,
    InfoRequest,
    InfoResponse,
    InterpolNoticeRequest,
    LabourInspectionReport,
)
from protocols.receipts import Ack, Nack

Body = (
    Alert
    | Ack
    | Nack
    | Screening
    | IdentificationDecision
    | ConsentRecord
    | Referral
    | ReferralResponse
    | RiskAssessment
    | ReflectionPeriod
    | CaseUpdate
    | TrmReferral
    | ReturnArrangement
    | InfoRequest
    | InfoResponse
    | InterpolNoticeRequest
    | Diffusion
    | MlaRequest
    | MlaExecutionReport
    | JitProposal
    | JitDecision
    | EvidenceTransfer
    | ProceduralDocument
    | LabourInspectionReport
    | FinIntelRequest
    | FinIntelResponse
    | CompensationClaim
    | TranslationRequest
    | TranslationDelivery
    | Inject
    | ExconNote
    | Observation
)
"""Any message body, tagged by `kind`."""

FAMILIES: Final[dict[str, tuple[type[Message], ...]]] = {
    "receipts": (Ack, Nack),
    "identification": (Alert, Screening, IdentificationDecision, ConsentRecord),
    "assistance": (
        Referral,
        ReferralResponse,
        RiskAssessment,
        ReflectionPeriod,
        CaseUpdate,
        TrmReferral,
        ReturnArrangement,
    ),
    "police": (
        InfoRequest,
        InfoResponse,
        InterpolNoticeRequest,
        Diffusion,
        LabourInspectionReport,
        FinIntelRequest,
        FinIntelResponse,
    ),
    "judicial": (
        MlaRequest,
        MlaExecutionReport,
        JitProposal,
        JitDecision,
        EvidenceTransfer,
        ProceduralDocument,
        CompensationClaim,
    ),
    "interpretation": (TranslationRequest, TranslationDelivery),
    "control": (Inject, ExconNote, Observation),
}
"""Message types grouped as the catalogue documents them."""

MESSAGE_TYPES: Final[dict[str, type[Message]]] = {
    cls.kind(): cls for family in FAMILIES.values() for cls in family
}
"""Every message type by its wire tag."""

CONTROL_KINDS: Final[frozenset[str]] = frozenset(cls.kind() for cls in FAMILIES["control"])
"""Kinds of the control family: exercise control's own messages."""
