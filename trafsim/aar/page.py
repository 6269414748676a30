"""The report as one self-contained HTML page: plotly's script inlined once, every chart
drawn in the page, nothing fetched."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import jinja2
import structlog

from trafsim.aar.charts import figures
from trafsim.aar.content import Report, Table

log = structlog.get_logger(__name__)

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("trafsim.aar", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["toImage"]}


@dataclass(frozen=True)
class Block:
    """A chart (its HTML), or a table, or a chart and the table of its data."""

    caption: str
    chart: str | None
    table: Table | None


def render_html(report: Report) -> str:
    """The whole page."""
    charts = figures(report)
    inlined = False
    drawn: dict[str, list[tuple[str, str]]] = {}
    for key, figs in charts.items():
        drawn[key] = []
        for index, (caption, figure) in enumerate(figs):
            html = figure.to_html(
                full_html=False,
                include_plotlyjs=not inlined,
                include_mathjax=False,
                config=PLOT_CONFIG,
                div_id=f"chart-{key}-{index}",
                default_height=f"{figure.layout.height}px",
            )
            inlined = True
            drawn[key].append((caption, html))
    blocks = {
        section.key: _blocks(section.key, section.tables, drawn) for section in report.sections
    }
    log.debug("report_rendered", charts=sum(len(v) for v in drawn.values()))
    return _TEMPLATES.get_template("report.html.j2").render(
        words=report.words,
        header=report.header,
        findings=report.findings,
        findings_json=[asdict(finding) for finding in report.findings],
        sections=report.sections,
        blocks=blocks,
    )


def _blocks(
    key: str, tables: tuple[Table, ...], drawn: dict[str, list[tuple[str, str]]]
) -> list[Block]:
    """A section's charts with their tables: a case's timeline above its table; in other
    sections the charts first, then the tables."""
    charts = drawn.get(key, [])
    if key == "timelines":
        paired = [
            Block(caption, chart, table)
            for (caption, chart), table in zip(charts, tables, strict=False)
        ]
        return paired + [Block(t.caption, None, t) for t in tables[len(charts) :]]
    blocks = [Block(caption, chart, None) for caption, chart in charts]
    return blocks + [Block(t.caption, None, t) for t in tables]
