"""The after-action report (`trafsim report`): findings and charts from an event log."""

from trafsim.aar.content import Report, build_report
from trafsim.aar.findings import Finding
from trafsim.aar.markdown import render_markdown
from trafsim.aar.page import render_html
from trafsim.aar.words import LANGUAGES, Words

__all__ = [
    "LANGUAGES",
    "Finding",
    "Report",
    "Words",
    "build_report",
    "render_html",
    "render_markdown",
]
