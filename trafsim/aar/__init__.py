"""The after-action report (`trafsim report`): findings and charts from an event log.

Names are imported on first use, so that a command that only names the languages does
not load the charts."""

import importlib as _importlib
import typing as _typing

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


def __getattr__(name: str) -> _typing.Any:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'trafsim.aar' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
