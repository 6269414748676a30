"""`trafsim scenario list|validate|show`."""

from __future__ import annotations

from trafsim.errors import CliError
from trafsim_bus import bundled_names, load_scenario
from trafsim_bus.errors import BusError
from trafsim_bus.scenario.model import (
    EXCON,
    Distribution,
    ExpectedAction,
    Inject,
    LatencyRule,
    Scenario,
)
from trafsim_bus.timebase import format_day_time, format_duration


def list_scenarios() -> list[str]:
    """One line per bundled scenario: name and title."""
    lines = []
    for name in bundled_names():
        scenario = load_scenario(name)
        lines.append(
            f"{name:<16} {scenario.title}: {len(scenario.agencies) - 1} agencies, "
            f"{len(scenario.injects)} injects, {format_duration(scenario.play_us)} of play"
        )
    return lines


def validate(names: list[str]) -> tuple[int, list[str]]:
    """(exit status, one line per scenario)."""
    lines, status = [], 0
    for name in names:
        try:
            scenario = load_scenario(name)
        except BusError as exc:
            lines.append(str(exc))
            status = 1
            continue
        lines.append(f"{scenario.source}: ok ({scenario.name}, sha256 {scenario.sha256[:12]})")
    return status, lines


def _rule(rule: LatencyRule) -> str:
    """One latency rule: what it applies to, and its distribution."""
    filters = [
        ",".join(sorted(values))
        for values in (rule.types, rule.priorities, rule.to_countries)
        if values is not None
    ]
    applies = " ".join(filters) if filters else "other"
    certified = " certified" if rule.certified else ""
    return f"{applies}: {_dist(rule.distribution)}{certified}"


def _dist(distribution: Distribution) -> str:
    if distribution.family == "exponential" and distribution.mean_us is not None:
        return f"mean {format_duration(distribution.mean_us)} (exponential)"
    if distribution.p90_us is None:
        return format_duration(distribution.median_us)
    return f"{format_duration(distribution.median_us)} / {format_duration(distribution.p90_us)}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out.extend(
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
    return out


def show(name: str) -> list[str]:
    """What a scenario holds, as tables: agencies, channels, pools, disruptions, MSEL."""
    try:
        scenario = load_scenario(name)
    except BusError as exc:
        raise CliError(str(exc)) from None
    return render(scenario)


def render(scenario: Scenario) -> list[str]:
    """The tables of `show`."""
    out = [
        f"{scenario.title} ({scenario.name}): STARTEX {scenario.startex.isoformat()}, "
        f"{format_duration(scenario.play_us)} of play, ENDEX after {format_duration(scenario.endex_us)} of exercise time"
    ]
    for jump in scenario.jumps:
        out.append(f"  clock jump at {format_duration(jump.at_us)}: +{format_duration(jump.by_us)}")
    out += ["", "Agencies"]
    out += _table(
        ["id", "country", "kind", "languages", "played by"],
        [
            [a.id, a.country, a.kind, ",".join(a.languages), a.played_by]
            for a in scenario.agencies.values()
            if a.id != EXCON
        ],
    )
    out += ["", "Channels (latency rules in order: the first that applies wins)"]
    out += _table(
        ["id", "types", "latency", "flags"],
        [
            [
                c.id,
                str(len(c.types)),
                "; ".join(_rule(rule) for rule in c.latency),
                " ".join(
                    flag
                    for flag, on in (
                        ("evidence", c.evidence_grade),
                        ("intelligence", c.intelligence_only),
                        (f"translation:{c.translation_by}", c.translation_by == "sender"),
                        (f"loss:{c.loss}", c.loss > 0),
                        ("closed", not c.open),
                    )
                    if on
                ),
            ]
            for c in scenario.channels
        ],
    )
    out += ["", "Translation pools"]
    out += _table(
        ["id", "serves", "from → to", "translators", "service", "certified"],
        [
            [
                p.id,
                ",".join(sorted(p.serves)),
                f"{','.join(sorted(p.from_languages))} → {','.join(sorted(p.to_languages))}",
                str(p.servers),
                _dist(p.service),
                _dist(p.certified) if p.certified else "—",
            ]
            for p in scenario.pools
        ],
    )
    if scenario.disruptions:
        out += ["", "Disruptions"]
        out += _table(
            ["id", "type", "from", "lasting", "what"],
            [
                [
                    d.id,
                    d.type,
                    _play_time(scenario, d.start_play_us),
                    format_duration(d.duration_us) if d.duration_us else "to ENDEX",
                    d.description or "",
                ]
                for d in scenario.disruptions
            ],
        )
    out += ["", "MSEL"]
    out += _table(
        ["id", "at", "from", "to", "type", "title"],
        [
            [
                i.id,
                _inject_time(scenario, i),
                i.sender + (f" as {i.role_player}" if i.role_player else ""),
                ",".join(i.recipients)
                if len(i.recipients) < 4
                else f"{len(i.recipients)} agencies",
                i.body.kind(),
                i.title,
            ]
            for i in scenario.injects
        ],
    )
    expected = [
        [inject.id, action.text, _match(action)]
        for inject in scenario.injects
        for action in inject.expected_actions
    ]
    if expected:
        out += ["", "Expected actions (what the MSEL expects the teams to do)"]
        out += _table(["inject", "action", "matched in the log by"], expected)
    return out


def _play_time(scenario: Scenario, play_us: int | None) -> str:
    """A time of play as the scenario writes it: `D2 14:00`."""
    if play_us is None:
        return "now"
    return format_day_time(play_us, scenario.startex.hour * 60 + scenario.startex.minute)


def _inject_time(scenario: Scenario, inject: Inject) -> str:
    """When an inject fires: its time, or its condition."""
    if inject.unless is not None:
        condition = inject.unless
        return f"{_play_time(scenario, condition.by_play_us)} unless {condition.type} {condition.event}"
    if inject.after is not None:
        condition = inject.after
        when = f"after {condition.type} {condition.event}"
        if condition.delay_us:
            when += f" +{format_duration(condition.delay_us)}"
        return f"{inject.at_text} {when}" if inject.at_text else when
    return inject.at_text


def _match(action: ExpectedAction) -> str:
    """How the log tells that an expected action happened: `referral kz-mia-at → kz-soc
    within 6h`, or — when only observers can tell."""
    if action.match_type is None:
        return "— (observers)"
    route = f"{action.match_from or 'anyone'} → {action.match_to or 'anyone'}"
    within = format_duration(action.within_us) if action.within_us else "—"
    return f"{action.match_type} {route} within {within}"
