"""The after-action report (`trafsim report`): findings and charts from an event log.

Names are imported on first use, so that a command that only names the languages does
not load the charts."""

import typing as _typing

from trafsim_bus.lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:
    from trafsim.aar.content import Report, build_report
    from trafsim.aar.findings import Finding
    from trafsim.aar.markdown import render_markdown
    from trafsim.aar.page import render_html
    from trafsim.aar.words import Words

LANGUAGES: _typing.Final = ("en", "ru")
"""The report's languages; the first is the default."""

_HOMES = {
    "Finding": "trafsim.aar.findings",
    "Report": "trafsim.aar.content",
    "Words": "trafsim.aar.words",
    "build_report": "trafsim.aar.content",
    "render_html": "trafsim.aar.page",
    "render_markdown": "trafsim.aar.markdown",
}

__all__ = [
    "LANGUAGES",
    "Finding",
    "Report",
    "Words",
    "build_report",
    "render_html",
    "render_markdown",
]


__getattr__, __dir__ = _lazy_names(__name__, _HOMES, __all__)
