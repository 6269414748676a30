"""The report as Markdown: the same header, findings and tables as the HTML page, without
the charts."""

from __future__ import annotations

from trafsim.aar.content import Report, Table


def render_markdown(report: Report) -> str:
    """The whole report as one Markdown document."""
    header, words = report.header, report.words
    seal = (
        f"{words('page.sealed')}: {words('page.sealed_note')}"
        if header.sealed
        else f"**{words('page.unsealed')}**: {words('page.unsealed_note')}"
    )
    log = words("page.log_value", source=f"`{_text(header.source)}`", seq=header.head_seq)
    lines = [
        f"# {_text(words('page.title', title=header.title))}",
        "",
        f"- {words('page.scenario')}: "
        + words("page.scenario_value", scenario=f"`{header.scenario}`", seed=header.seed),
        f"- {words('page.exercise')}: `{header.exercise_id}`",
        f"- {words('page.log')}: {log} `{header.head_sha256}`",
        f"- {words('page.seal')}: {seal}",
        f"- {words('page.span')}: " + words("page.span_value", start=header.start, end=header.end),
        "",
        f"## {words('page.findings')}",
        "",
    ]
    if report.findings:
        lines += [
            f"{rank}. {_text(finding.sentence)}"
            for rank, finding in enumerate(report.findings, start=1)
        ]
    else:
        lines.append(words("page.no_findings"))
    for section in report.sections:
        lines += ["", f"## {section.title}", "", section.intro, ""]
        if section.empty:
            lines += [f"> {section.empty}", ""]
        for table in section.tables:
            lines += _table(table)
    return "\n".join(lines).rstrip() + "\n"


def _table(table: Table) -> list[str]:
    """A table under its caption (nothing when it has no rows)."""
    if not table.rows:
        return []
    return [
        f"### {_text(table.caption)}",
        "",
        "| " + " | ".join(table.columns) + " |",
        "|" + "---|" * len(table.columns),
        *("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table.rows),
        "",
    ]


def _cell(text: str) -> str:
    """A table cell: pipes escaped, lines joined."""
    return _text(text).replace("|", "\\|").replace("\n", " ")


def _text(text: str) -> str:
    """Text from the log, kept from being read as HTML by a Markdown renderer."""
    return text.replace("<", "&lt;")
