"""The metrics document (SPEC §12, §16): computed from the event log alone."""

from trafsim_bus.metrics.document import METRICS_VERSION, compute_metrics, encode_metrics
from trafsim_bus.metrics.summary import summary
from trafsim_bus.metrics.tally import DELAY_PARTS, DELIVERY_REASONS, ENVELOPE_REASONS

__all__ = [
    "DELAY_PARTS",
    "DELIVERY_REASONS",
    "ENVELOPE_REASONS",
    "METRICS_VERSION",
    "compute_metrics",
    "encode_metrics",
    "summary",
]
