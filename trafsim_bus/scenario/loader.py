"""Load a scenario: TOML syntax, then types, then meaning; every error names file and key."""

from __future__ import annotations

import hashlib
import math
import re
import reprlib
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

import msgspec
from msgspec import inspect

from protocols.judicial import MlaAction
from trafsim_bus.errors import ScenarioError
from trafsim_bus.scenario import raw
from trafsim_bus.scenario.bundled import read_scenario_source
from trafsim_bus.scenario.checks import (
    COUNTRY_RE,
    DEFAULT_RESPONSE,
    ID_RE,
    KIND_RE,
    LANGUAGES,
    MODES,
    SCRIPTS,
    Checks,
    parse_startex,
    split_validation,
)
from trafsim_bus.scenario.model import (
    EXCON,
    RESERVED_IDS,
    Agency,
    Background,
    CaseFile,
    Channel,
    Condition,
    Country,
    Disruption,
    Evidence,
    ExpectedAction,
    Inject,
    Jump,
    Jurisdiction,
    LatencyRule,
    MlaRoute,
    OfficeHours,
    Person,
    PlaybookParams,
    ReplyTo,
    RolePlayer,
    Scenario,
    Target,
    TranslationPool,
    UseRule,
)
from trafsim_bus.timebase import LONGEST_EXERCISE, parse_offset

_SHOW = reprlib.Repr()
_SHOW.maxlevel = 3
_SHOW.maxstring = 60


def shown(value: Any) -> str:
    """A value someone wrote, as an error message shows it: short, however deep."""
    return _SHOW.repr(value)


_TOML_POSITION = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and check a scenario: a `.toml` path or a bundled name (`silk-thread`)."""
    source, text = read_scenario_source(name_or_path)
    return parse_scenario(text, source)


def parse_scenario(text: str, source: str) -> Scenario:
    """Parse scenario text; `source` names it in errors (`silk-thread.toml`)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.match(str(exc))
        if match is None:
            raise ScenarioError(source, f"TOML syntax error: {exc}") from None
        where = f"{source}:{match['line']}:{match['column']}"
        raise ScenarioError(where, f"TOML syntax error: {match['message'].lower()}") from None
    try:
        file = raw.decode_file(document)
    except msgspec.ValidationError as exc:
        path, message = split_validation(exc)
        raise ScenarioError(
            f"{source}: {path or '(top level)'}", _explain(message, path), path=path
        ) from None
    return Resolver(file, source, text).scenario()


def _explain(message: str, path: str) -> str:
    """Add the allowed values to an "invalid enum value" message, when the type tells them."""
    if not message.startswith("invalid enum value"):
        return message
    values = _literal_values_at(path)
    if not values:
        return message
    got = message.removeprefix("invalid enum value ").strip()
    return f"expected one of {', '.join(map(str, values))}; got {got}"


def _literal_values_at(path: str) -> tuple[Any, ...]:
    info: inspect.Type = inspect.type_info(raw.ScenarioFile)
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        info = _strip(info)
        if part.startswith("["):
            if isinstance(info, inspect.ListType):
                info = info.item_type
            continue
        if isinstance(info, inspect.DictType):
            info = info.value_type
            continue
        if not isinstance(info, inspect.StructType):
            return ()
        fields = {field.encode_name: field.type for field in info.fields}
        if part not in fields:
            return ()
        info = fields[part]
    info = _strip(info)
    return info.values if isinstance(info, inspect.LiteralType) else ()


def _strip(info: inspect.Type) -> inspect.Type:
    """Look through metadata and optional wrappers."""
    while True:
        if isinstance(info, inspect.Metadata):
            info = info.type
        elif isinstance(info, inspect.UnionType):
            options = [t for t in info.types if not isinstance(t, inspect.NoneType)]
            literal = [t for t in options if isinstance(t, inspect.LiteralType)]
            info = literal[0] if literal else options[0]
            if not literal and len(options) > 1:
                return info
        else:
            return info


class Resolver(Checks):
    """Checks meaning and builds the resolved scenario; raises the first error it finds."""

    # -- building ---------------------------------------------------------------------

    def scenario(self) -> Scenario:
        startex = self.exercise()
        self.resolve_countries()
        params = self.resolve_playbooks()
        self.resolve_agencies(params)
        self.resolve_channels()
        jurisdiction = self.resolve_jurisdiction()
        self.resolve_pools()
        self.resolve_role_players()
        injects = tuple(
            self.resolve_inject(f"inject[{i}]", inject) for i, inject in enumerate(self.file.inject)
        )
        self.unique((inject.id for inject in self.file.inject), "inject", "id")
        disruptions = tuple(
            self.resolve_disruption(f"disruption[{i}]", item)
            for i, item in enumerate(self.file.disruption)
        )
        self.unique((item.id for item in self.file.disruption), "disruption", "id")
        background = tuple(
            self.resolve_background(i, item) for i, item in enumerate(self.file.background)
        )
        self.unique((item.id for item in self.file.background), "background", "id")
        cases = self.resolve_cases()
        persons = self.resolve_persons()
        exercise = self.file.exercise
        return Scenario(
            name=exercise.name,
            title=exercise.title or exercise.name,
            description=exercise.description,
            source=self.source,
            text=self.text,
            sha256=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            canonical=msgspec.json.encode(self.file, order="sorted"),
            seed=exercise.seed,
            startex=startex,
            play_us=self.play_us,
            endex_us=self.play_us + sum(jump.by_us for jump in self.jumps),
            jumps=tuple(self.jumps),
            countries=self.countries,
            agencies=self.agencies,
            channels=tuple(self.channels.values()),
            jurisdiction=jurisdiction,
            pools=tuple(self.pools.values()),
            role_players=self.role_players,
            injects=tuple(sorted(injects, key=lambda inject: inject.due_play_us or 0)),
            disruptions=disruptions,
            background=background,
            persons=persons,
            cases=cases,
        )

    def exercise(self) -> datetime:
        exercise = self.file.exercise
        if not ID_RE.match(exercise.name):
            raise self.fail(
                "exercise.name",
                f'expected a lower-case id like "silk-thread", got {exercise.name!r}',
            )
        startex = parse_startex(exercise.startex)
        if startex is None:
            raise self.fail(
                "exercise.startex",
                "expected an RFC 3339 time with a numeric offset like "
                f'"2026-06-01T09:00:00+05:00", got {exercise.startex!r}',
            )
        if startex.second or startex.microsecond:
            raise self.fail(
                "exercise.startex", "expected STARTEX on a whole minute (scenario times are HH:MM)"
            )
        self.startex_minute = startex.hour * 60 + startex.minute
        self.play_us = self.duration("exercise.duration", exercise.duration, positive=True)
        if self.play_us > LONGEST_EXERCISE:
            raise self.fail("exercise.duration", "expected at most 520w (ten years) of play")
        previous = -1
        jumped = 0
        for i, jump in enumerate(exercise.jumps):
            at_play = self.play_time(f"exercise.jumps[{i}].at", jump.at)
            if at_play <= previous:
                raise self.fail(f"exercise.jumps[{i}].at", "expected jumps in time order")
            if at_play >= self.play_us:
                raise self.fail(f"exercise.jumps[{i}].at", f"{jump.at!r} is at or after ENDEX")
            by = self.duration(f"exercise.jumps[{i}].by", jump.by, positive=True)
            if self.play_us + jumped + by > LONGEST_EXERCISE:
                raise self.fail(
                    f"exercise.jumps[{i}].by",
                    "expected ENDEX within 520w (ten years) of STARTEX, jumps included",
                )
            self.jumps.append(Jump(at_play_us=at_play, at_us=at_play + jumped, by_us=by))
            jumped += by
            previous = at_play
        return startex

    def resolve_countries(self) -> None:
        for i, country in enumerate(self.file.country):
            path = f"country[{i}]"
            if not COUNTRY_RE.match(country.id):
                raise self.fail(
                    f"{path}.id",
                    f'expected an ISO 3166 code like "KZ" or "intl", got {country.id!r}',
                )
            if country.id in self.countries:
                raise self.fail(f"{path}.id", f"country {country.id!r} is declared twice")
            offset = parse_offset(country.utc_offset)
            if offset is None:
                raise self.fail(
                    f"{path}.utc_offset",
                    f'expected a numeric offset like "+05:00", got {country.utc_offset!r}',
                )
            self.countries[country.id] = Country(
                country.id,
                country.name,
                tuple(self.languages(f"{path}.languages", country.languages)),
                offset,
                None
                if country.office_hours is None
                else self.office_hours(f"{path}.office_hours", country.office_hours, None, offset),
            )
        self.countries[EXCON] = Country(EXCON, "Exercise control", LANGUAGES, 0)

    def agency_hours(self, path: str, agency: raw.Agency) -> OfficeHours | None:
        """An agency's office hours: none when it is always open; its own table, key by key
        over its country's; its country's; or none (always open) when neither declares any."""
        country = self.countries[agency.country]
        if agency.always_open:
            if agency.office_hours is not None:
                raise self.fail(
                    f"{path}.always_open", "an agency always open takes no office_hours"
                )
            return None
        if agency.office_hours is None:
            return country.office_hours
        base = next(c.office_hours for c in self.file.country if c.id == agency.country)
        return self.office_hours(
            f"{path}.office_hours",
            agency.office_hours,
            (base, f"country[{list(self.countries).index(agency.country)}].office_hours"),
            country.utc_offset_min,
        )

    def resolve_playbooks(self) -> dict[str, raw.PlaybookParams]:
        return dict(self.file.playbooks)

    def resolve_agencies(self, kind_params: dict[str, raw.PlaybookParams]) -> None:
        for i, agency in enumerate(self.file.agency):
            path = f"agency[{i}]"
            if not ID_RE.match(agency.id):
                raise self.fail(
                    f"{path}.id", f'expected a lower-case id like "kz-mia-at", got {agency.id!r}'
                )
            if agency.id in RESERVED_IDS:
                raise self.fail(f"{path}.id", f"{agency.id!r} is reserved for trafsim itself")
            if agency.id in self.agencies:
                raise self.fail(f"{path}.id", f"agency {agency.id!r} is declared twice")
            if agency.country not in self.countries or agency.country == EXCON:
                raise self.fail(
                    f"{path}.country",
                    self.expected_one("a country", agency.country, self.real_countries()),
                )
            if not KIND_RE.match(agency.kind):
                raise self.fail(
                    f"{path}.kind", f'expected a snake_case kind like "police", got {agency.kind!r}'
                )
            if not agency.languages:
                raise self.fail(f"{path}.languages", "expected at least one working language")
            for key, value in agency.capacity.items():
                if value < 0:
                    raise self.fail(f"{path}.capacity.{key}", f"expected a count >= 0, got {value}")
            params = self.params(
                f"{path}.playbook",
                kind_params.get(agency.kind),
                agency.playbook,
                f"playbooks.{agency.kind}",
            )
            hours = self.agency_hours(path, agency)
            for j, retired in enumerate(agency.retired_ids):
                if not ID_RE.match(retired):
                    raise self.fail(
                        f"{path}.retired_ids[{j}]",
                        f'expected a lower-case id like "kz-mvd-astana", got {retired!r}',
                    )
                if retired in self.retired or retired in RESERVED_IDS:
                    raise self.fail(f"{path}.retired_ids[{j}]", f"{retired!r} is already taken")
                self.retired.add(retired)
            self.agencies[agency.id] = Agency(
                id=agency.id,
                name=agency.name,
                country=agency.country,
                kind=agency.kind,
                languages=tuple(self.languages(f"{path}.languages", agency.languages)),
                played_by=agency.played_by,
                capacity=dict(agency.capacity),
                params=params,
                office_hours=hours,
                retired_ids=tuple(agency.retired_ids),
            )
            if agency.kind not in self.kinds:
                self.kinds.append(agency.kind)
        for i, agency in enumerate(self.file.agency):
            for j, retired in enumerate(agency.retired_ids):
                if retired in self.agencies:
                    raise self.fail(
                        f"agency[{i}].retired_ids[{j}]", f"{retired!r} is an agency's id now"
                    )
        for kind in self.file.playbooks:
            if kind not in self.kinds:
                raise self.fail(
                    f"playbooks.{kind}", self.expected_one("an agency kind", kind, self.kinds)
                )
        excon_params = self.params("playbooks", None, None)
        self.agencies[EXCON] = Agency(
            EXCON, "Exercise control", EXCON, EXCON, LANGUAGES, "team", {}, excon_params
        )

    def params(
        self,
        path: str,
        kind: raw.PlaybookParams | None,
        own: raw.PlaybookParams | None,
        kind_path: str = "playbooks",
    ) -> PlaybookParams:
        """An agency's playbook parameters: its own where it sets them, else its kind's;
        an error names where the bad value is written."""
        base = kind or raw.PlaybookParams()
        mine = own or raw.PlaybookParams()

        def pick(name: str) -> tuple[Any, str]:
            value = getattr(mine, name)
            if value is not None:
                return value, f"{path}.{name}"
            return getattr(base, name), f"{kind_path}.{name}"

        for name in (
            "wrong_route_share",
            "no_reply",
            "incomplete_share",
            "decline_share",
            "no_interpreter_share",
            "custody_gap_share",
            "access_refused_share",
        ):
            value, where = pick(name)
            if value is not None and not 0 <= value <= 1:
                raise self.fail(where, f"expected a share between 0 and 1, got {value}")
        response, response_path = pick("response")
        execution, execution_path = pick("execution")
        mla, mla_path = pick("mla")
        return PlaybookParams(
            response=self.distribution(response_path, response) if response else DEFAULT_RESPONSE,
            execution=self.distribution(execution_path, execution) if execution else None,
            wrong_route_share=pick("wrong_route_share")[0] or 0.0,
            no_reply=pick("no_reply")[0] or 0.0,
            incomplete_share=pick("incomplete_share")[0] or 0.0,
            decline_share=pick("decline_share")[0] or 0.0,
            mla=self.mla_routes(mla_path, mla or []),
            no_interpreter_share=pick("no_interpreter_share")[0] or 0.0,
            custody_gap_share=pick("custody_gap_share")[0] or 0.0,
            access_refused_share=pick("access_refused_share")[0] or 0.0,
        )

    def mla_routes(self, path: str, routes: list[raw.MlaRoute]) -> tuple[MlaRoute, ...]:
        """A prosecutor's letter-of-request routes per case; an error names the bad key."""
        actions = get_args(MlaAction)
        seen: set[str] = set()
        resolved = []
        for i, route in enumerate(routes):
            where = f"{path}[{i}]"
            if not route.case.strip():
                raise self.fail(f"{where}.case", "expected a case reference, got an empty one")
            if route.case in seen:
                raise self.fail(f"{where}.case", f"case {route.case!r} has two routes")
            seen.add(route.case)
            if not route.to:
                raise self.fail(f"{where}.to", "expected at least one requested country")
            for j, country in enumerate(route.to):
                if country not in self.real_countries():
                    raise self.fail(
                        f"{where}.to[{j}]",
                        self.expected_one("a country", country, self.real_countries()),
                    )
            for j, action in enumerate(route.actions):
                if action not in actions:
                    raise self.fail(
                        f"{where}.actions[{j}]", self.expected_one("an MLA action", action, actions)
                    )
            resolved.append(
                MlaRoute(
                    case=route.case,
                    countries=tuple(route.to),
                    facts=route.facts,
                    suspects=tuple(route.suspects),
                    actions=tuple(route.actions),
                )
            )
        return tuple(resolved)

    def resolve_channels(self) -> None:
        for i, channel in enumerate(self.file.channel):
            path = f"channel[{i}]"
            if not ID_RE.match(channel.id):
                raise self.fail(
                    f"{path}.id", f'expected a lower-case id like "mla-central", got {channel.id!r}'
                )
            if channel.id in self.channels or channel.id == EXCON:
                raise self.fail(
                    f"{path}.id", f"channel {channel.id!r} is declared twice or reserved"
                )
            source = self.selectors(f"{path}.from", channel.from_)
            target = self.selectors(f"{path}.to", channel.to)
            directions = (
                ((source, target), (target, source)) if channel.both_ways else ((source, target),)
            )
            if not 0 <= channel.loss <= 1:
                raise self.fail(
                    f"{path}.loss", f"expected a probability between 0 and 1, got {channel.loss}"
                )
            if not channel.latency:
                raise self.fail(f"{path}.latency", "expected at least one latency rule")
            rules = []
            for j, rule in enumerate(channel.latency):
                rule_path = f"{path}.latency[{j}]"
                last = j == len(channel.latency) - 1
                if last and (rule.types or rule.priority or rule.to_country):
                    raise self.fail(
                        rule_path,
                        "the last latency rule must have no filter (types, priority, to_country), so every message finds one",
                    )
                rules.append(
                    LatencyRule(
                        types=frozenset(self.types(f"{rule_path}.types", rule.types))
                        if rule.types
                        else None,
                        priorities=frozenset(rule.priority) if rule.priority else None,
                        to_countries=frozenset(
                            self.country_ids(f"{rule_path}.to_country", rule.to_country)
                        )
                        if rule.to_country
                        else None,
                        distribution=self.distribution(rule_path, rule),
                        certified=rule.certified,
                    )
                )
            self.channels[channel.id] = Channel(
                id=channel.id,
                name=channel.name or channel.id,
                directions=directions,
                within_agency=channel.within_agency,
                types=frozenset(self.types(f"{path}.types", channel.types)),
                evidence_grade=channel.evidence_grade,
                intelligence_only=channel.intelligence_only,
                translation_by=channel.translation_by,
                loss=channel.loss,
                open=channel.open,
                latency=tuple(rules),
            )

    def resolve_jurisdiction(self) -> Jurisdiction:
        jurisdiction = self.file.jurisdiction
        receive: dict[str, frozenset[str]] = {}
        for kind, types in jurisdiction.receive.items():
            if kind not in self.kinds:
                raise self.fail(
                    f"jurisdiction.receive.{kind}",
                    self.expected_one("an agency kind", kind, self.kinds),
                )
            receive[kind] = frozenset(self.types(f"jurisdiction.receive.{kind}", types))
        use: dict[str, list[UseRule]] = {}
        for i, rule in enumerate(jurisdiction.use):
            path = f"jurisdiction.use[{i}]"
            channel = self.channels.get(rule.channel)
            if channel is None:
                raise self.fail(
                    f"{path}.channel", self.expected_one("a channel", rule.channel, self.channels)
                )
            for j, kind in enumerate(rule.kinds):
                if kind not in self.kinds and kind != EXCON:
                    raise self.fail(
                        f"{path}.kinds[{j}]", self.expected_one("an agency kind", kind, self.kinds)
                    )
            allowed: frozenset[str] | None = None
            if rule.types is not None:
                allowed = frozenset(self.types(f"{path}.types", rule.types))
                extra = sorted(allowed - channel.types)
                if extra:
                    raise self.fail(
                        f"{path}.types", f"channel {channel.id!r} does not carry {', '.join(extra)}"
                    )
            use.setdefault(rule.channel, []).append(UseRule(frozenset(rule.kinds), allowed))
        return Jurisdiction(receive, {key: tuple(value) for key, value in use.items()})

    def resolve_pools(self) -> None:
        for i, pool in enumerate(self.file.translation_pool):
            path = f"translation_pool[{i}]"
            if not ID_RE.match(pool.id):
                raise self.fail(
                    f"{path}.id", f'expected a lower-case id like "kz-tuk", got {pool.id!r}'
                )
            if pool.id in self.pools:
                raise self.fail(f"{path}.id", f"pool {pool.id!r} is declared twice")
            if pool.servers < 0:
                raise self.fail(f"{path}.servers", f"expected a count >= 0, got {pool.servers}")
            if pool.machine == "fallback" and pool.machine_after is None:
                raise self.fail(
                    f"{path}.machine_after",
                    'machine = "fallback" needs machine_after: how many waiting jobs trigger it',
                )
            if pool.machine_after is not None and pool.machine_after < 0:
                raise self.fail(
                    f"{path}.machine_after", f"expected a count >= 0, got {pool.machine_after}"
                )
            self.pools[pool.id] = TranslationPool(
                id=pool.id,
                name=pool.name or pool.id,
                serves=frozenset(self.country_ids(f"{path}.serves", pool.serves)),
                from_languages=frozenset(self.languages(f"{path}.from", pool.from_)),
                to_languages=frozenset(self.languages(f"{path}.to", pool.to)),
                servers=pool.servers,
                service=self.distribution(f"{path}.service", pool.service),
                certified=self.distribution(f"{path}.certified", pool.certified)
                if pool.certified
                else None,
                interpretation=self.distribution(f"{path}.interpretation", pool.interpretation)
                if pool.interpretation
                else None,
                machine=pool.machine,
                machine_after=pool.machine_after if pool.machine == "fallback" else None,
            )

    def resolve_role_players(self) -> None:
        for i, player in enumerate(self.file.role_player):
            path = f"role_player[{i}]"
            if not ID_RE.match(player.id):
                raise self.fail(
                    f"{path}.id", f'expected a lower-case id like "sister-a", got {player.id!r}'
                )
            if player.id in self.role_players or player.id in self.agencies:
                raise self.fail(
                    f"{path}.id", f"{player.id!r} is already an agency or role-player id"
                )
            self.languages(f"{path}.language", [player.language])
            if player.script is not None and player.script not in SCRIPTS:
                raise self.fail(
                    f"{path}.script",
                    f"expected an ISO 15924 script ({', '.join(SCRIPTS)}), got {player.script!r}",
                )
            self.role_players[player.id] = RolePlayer(
                player.id, player.name, player.language, player.script
            )

    def case_refs(self) -> list[str]:
        """The case references the injects and background name in their envelopes."""
        refs: list[str] = []
        envelopes = [item.envelope for item in self.file.inject]
        envelopes += [item.envelope for item in self.file.background]
        for envelope in envelopes:
            for ref in envelope.get("case_refs") or []:
                if isinstance(ref, str) and ref not in refs:
                    refs.append(ref)
        return refs

    def resolve_cases(self) -> tuple[CaseFile, ...]:
        """The storyline's case files; an error names the bad key."""
        cases = []
        for i, case in enumerate(self.file.case):
            path = f"case[{i}]"
            evidence = []
            for j, item in enumerate(case.evidence):
                where = f"{path}.evidence[{j}]"
                if item.seized_by not in self.agencies or item.seized_by == EXCON:
                    raise self.fail(
                        f"{where}.seized_by",
                        self.expected_one("an agency", item.seized_by, self.agencies),
                    )
                evidence.append(
                    Evidence(
                        id=item.id,
                        description=item.description,
                        seized_by=item.seized_by,
                        seized_where=item.seized_where,
                        seal_no=item.seal_no,
                        sha256=item.sha256,
                        write_blocked=item.write_blocked,
                        witnesses=tuple(item.witnesses),
                    )
                )
            self.unique((item.id for item in case.evidence), f"{path}.evidence", "id")
            cases.append(
                CaseFile(
                    ref=case.ref,
                    title=case.title or case.ref,
                    offence=case.offence,
                    qualification=tuple(case.qualification) or (case.offence,),
                    summary=case.summary,
                    site=case.site,
                    isic_section=case.isic_section,
                    control=tuple(case.control),
                    questions=tuple(case.questions),
                    threats=tuple(case.threats),
                    suspects=tuple(case.suspects),
                    instruments=tuple(case.instruments),
                    evidence=tuple(evidence),
                )
            )
        self.unique((case.ref for case in self.file.case), "case", "ref")
        return tuple(cases)

    def resolve_persons(self) -> tuple[Person, ...]:
        cases = self.case_refs() + [case.ref for case in self.file.case]
        persons = []
        for i, person in enumerate(self.file.person):
            path = f"person[{i}]"
            if not ID_RE.match(person.id):
                raise self.fail(
                    f"{path}.id", f'expected a lower-case id like "b-tm-01", got {person.id!r}'
                )
            if person.case not in cases:
                raise self.fail(
                    f"{path}.case",
                    self.expected_one(
                        "a case a [[case]], an inject or background names", person.case, cases
                    ),
                )
            if not 0 <= person.age <= 120:
                raise self.fail(f"{path}.age", f"expected an age from 0 to 120, got {person.age}")
            if not COUNTRY_RE.match(person.nationality) or person.nationality == "intl":
                raise self.fail(
                    f"{path}.nationality",
                    f'expected an ISO 3166 alpha-2 code like "TM", got {person.nationality!r}',
                )
            if not person.languages:
                raise self.fail(f"{path}.languages", "expected at least one language")
            languages = self.languages(f"{path}.languages", person.languages)
            persons.append(
                Person(
                    id=person.id,
                    case=person.case,
                    age=person.age,
                    sex=person.sex,
                    nationality=person.nationality,
                    languages=tuple(languages),
                    role=person.role,
                    minor=person.age < 18 if person.minor is None else person.minor,
                    statement=person.statement,
                )
            )
        self.unique((person.id for person in self.file.person), "person", "id")
        return tuple(persons)

    def resolve_inject(self, path: str, inject: raw.Inject) -> Inject:
        if not ID_RE.match(inject.id):
            raise self.fail(f"{path}.id", f'expected a lower-case id like "m02", got {inject.id!r}')
        at_play: int | None = None
        if inject.unless is not None and inject.at is not None:
            raise self.fail(
                f"{path}.at", "an inject with `unless` fires at `unless.by`: leave `at` out"
            )
        if inject.unless is not None and inject.after is not None:
            raise self.fail(f"{path}.unless", "an inject takes `after` or `unless`, not both")
        if inject.at is not None:
            at_play = self.play_time(f"{path}.at", inject.at)
        elif inject.after is None and inject.unless is None:
            raise self.fail(
                f"{path}.at", 'expected a scenario time like "D2 14:00" (or `after` / `unless`)'
            )
        if inject.from_ not in self.agencies:
            raise self.fail(
                f"{path}.from",
                self.expected_one('an agency id or "excon"', inject.from_, self.agencies),
            )
        if inject.as_ is not None:
            if inject.from_ != EXCON:
                raise self.fail(f"{path}.as", 'only injects from "excon" speak as a role-player')
            if inject.as_ not in self.role_players:
                raise self.fail(
                    f"{path}.as",
                    self.expected_one("a role-player id", inject.as_, self.role_players),
                )
        recipients = self.recipients(f"{path}.to", inject.to)
        if inject.channel is not None and inject.channel not in self.channels:
            raise self.fail(
                f"{path}.channel", self.expected_one("a channel", inject.channel, self.channels)
            )
        body = self.body(f"{path}.body", inject.body)
        player = self.role_players.get(inject.as_ or "")
        default_language = player.language if player else self.agencies[inject.from_].languages[0]
        fields = dict(inject.envelope)
        if player is not None and player.script is not None and "language" not in fields:
            fields.setdefault("script", player.script)
        envelope = self.envelope_fields(
            f"{path}.envelope", fields, inject.from_, recipients, body, default_language
        )
        reply_to = None
        if inject.reply_to is not None:
            self.message_type(f"{path}.reply_to.type", inject.reply_to.type)
            if inject.reply_to.from_ is not None and inject.reply_to.from_ not in self.agencies:
                raise self.fail(
                    f"{path}.reply_to.from",
                    self.expected_one("an agency id", inject.reply_to.from_, self.agencies),
                )
            reply_to = ReplyTo(inject.reply_to.type, inject.reply_to.from_, inject.reply_to.case)
        actions = []
        for j, action in enumerate(inject.expected_actions):
            if action.match is None:
                actions.append(ExpectedAction(action.text))
                continue
            match_path = f"{path}.expected_actions[{j}].match"
            self.message_type(f"{match_path}.type", action.match.type)
            for key, value in (("from", action.match.from_), ("to", action.match.to)):
                if value is not None and value not in self.agencies:
                    raise self.fail(
                        f"{match_path}.{key}",
                        self.expected_one("an agency id", value, self.agencies),
                    )
            within = self.duration(f"{match_path}.within", action.match.within, positive=True)
            actions.append(
                ExpectedAction(
                    action.text, action.match.type, action.match.from_, action.match.to, within
                )
            )
        return Inject(
            id=inject.id,
            at_play_us=at_play,
            at_text=inject.at or "",
            title=inject.title,
            sender=inject.from_,
            role_player=inject.as_,
            recipients=recipients,
            channel=inject.channel,
            body=body,
            envelope=envelope,
            reply_to=reply_to,
            expected_actions=tuple(actions),
            observer_checks=tuple(inject.observer_checks),
            learning_objective=inject.learning_objective,
            after=self.condition(f"{path}.after", inject.after),
            unless=self.condition(f"{path}.unless", inject.unless),
        )

    def recipients(self, path: str, to: list[str] | str) -> tuple[str, ...]:
        """An inject's `to`: agency ids, each once, or "all"."""
        if to == "all":
            return tuple(agency for agency in self.agencies if agency != EXCON)
        if not to or isinstance(to, str):
            raise self.fail(path, 'expected at least one recipient, or "all"')
        for j, recipient in enumerate(to):
            if recipient not in self.agencies:
                raise self.fail(
                    f"{path}[{j}]", self.expected_one("an agency id", recipient, self.agencies)
                )
        if len(set(to)) != len(to):
            raise self.fail(path, "each recipient may appear once")
        return tuple(to)

    def condition(self, path: str, item: raw.After | raw.Unless | None) -> Condition | None:
        """An `after` or `unless` table: the event it waits for, checked like the MSEL."""
        if item is None:
            return None
        self.message_type(f"{path}.type", item.type)
        for key, value in (("from", item.from_), ("to", item.to)):
            if value is not None and value not in self.agencies:
                raise self.fail(
                    f"{path}.{key}", self.expected_one("an agency id", value, self.agencies)
                )
        if isinstance(item, raw.After):
            delay = self.duration(f"{path}.delay", item.delay)
            return Condition(item.event, item.type, item.from_, item.to, item.case, delay_us=delay)
        by = self.play_time(f"{path}.by", item.by)
        return Condition(item.event, item.type, item.from_, item.to, item.case, by_play_us=by)

    def resolve_disruption(
        self, path: str, item: raw.Disruption, *, start_required: bool = True
    ) -> Disruption:
        if not ID_RE.match(item.id):
            raise self.fail(f"{path}.id", f'expected a lower-case id like "d1", got {item.id!r}')
        start: int | None = None
        if item.schedule.start is not None:
            start = self.play_time(f"{path}.schedule.start", item.schedule.start)
        elif start_required:
            raise self.fail(f"{path}.schedule.start", 'expected a scenario time like "D2 14:00"')
        duration = None
        if item.schedule.duration is not None:
            duration = self.duration(
                f"{path}.schedule.duration", item.schedule.duration, positive=True
            )
        if not 0 <= item.probability <= 1:
            raise self.fail(
                f"{path}.probability",
                f"expected a probability between 0 and 1, got {item.probability}",
            )
        target = self.target(f"{path}.target", item.target)
        attributes = dict(item.attributes)
        self.check_disruption(path, item.type, target, attributes)
        return Disruption(
            item.id,
            item.type,
            item.description,
            target,
            item.probability,
            attributes,
            start,
            duration,
        )

    def check_disruption(
        self, path: str, kind: str, target: Target, attributes: dict[str, Any]
    ) -> None:
        allowed: dict[str, tuple[str, ...]] = {
            "outage": ("mode",),
            "link_cut": ("mode",),
            "partition": ("mode", "groups"),
            "latency_multiplier": ("factor",),
            "loss": (),
            "translator_capacity": ("servers",),
            "channel_open": (),
            "channel_close": (),
        }
        for key in attributes:
            if key not in allowed[kind]:
                article = "an" if kind[0] in "aeiou" else "a"
                raise self.fail(
                    f"{path}.attributes.{key}",
                    f"{article} {kind} takes {', '.join(allowed[kind]) or 'no attributes'}",
                )
        if "mode" in allowed[kind]:
            mode = attributes.setdefault("mode", "store_and_forward")
            if mode not in MODES:
                raise self.fail(
                    f"{path}.attributes.mode",
                    f"expected one of {', '.join(MODES)}, got {shown(mode)}",
                )
        if kind == "outage" and target.agencies is None:
            raise self.fail(f"{path}.target.agencies", "an outage needs the agencies it takes down")
        if kind == "partition":
            groups = attributes.get("groups")
            if (
                not isinstance(groups, list)
                or len(groups) < 2
                or not all(
                    isinstance(group, list) and all(isinstance(c, str) for c in group)
                    for group in groups
                )
            ):
                raise self.fail(
                    f"{path}.attributes.groups",
                    'expected two or more lists of countries, like [["KZ", "KG"], ["TM"]]',
                )
            for g, group in enumerate(groups):
                self.country_ids(f"{path}.attributes.groups[{g}]", group)
        if kind == "latency_multiplier":
            factor = attributes.get("factor")
            if (
                not isinstance(factor, int | float)
                or isinstance(factor, bool)
                or not math.isfinite(factor)
                or not 0 < factor <= 1000
            ):
                raise self.fail(
                    f"{path}.attributes.factor",
                    f"expected a number above 0 and at most 1000, got {shown(factor)}",
                )
        if kind == "translator_capacity":
            servers = attributes.get("servers")
            if not isinstance(servers, int) or isinstance(servers, bool) or servers < 0:
                raise self.fail(
                    f"{path}.attributes.servers", f"expected a count >= 0, got {shown(servers)}"
                )
            if target.pools is None:
                raise self.fail(
                    f"{path}.target.pools",
                    "a translator_capacity change needs the pools it changes",
                )
        if kind in ("channel_open", "channel_close") and target.channels is None:
            raise self.fail(f"{path}.target.channels", f"a {kind} needs the channels it changes")

    def resolve_background(self, i: int, item: raw.Background) -> Background:
        path = f"background[{i}]"
        if not ID_RE.match(item.id):
            raise self.fail(
                f"{path}.id", f'expected a lower-case id like "bg-police", got {item.id!r}'
            )
        if item.from_ not in self.agencies:
            raise self.fail(
                f"{path}.from", self.expected_one("an agency id", item.from_, self.agencies)
            )
        for j, recipient in enumerate(item.to):
            if recipient not in self.agencies:
                raise self.fail(
                    f"{path}.to[{j}]", self.expected_one("an agency id", recipient, self.agencies)
                )
        if not item.to:
            raise self.fail(f"{path}.to", "expected at least one recipient")
        self.message_type(f"{path}.type", item.type)
        if not 0 < item.rate_per_hour <= 1000:
            raise self.fail(
                f"{path}.rate_per_hour",
                f"expected a rate between 0 and 1000, got {item.rate_per_hour}",
            )
        if item.channel is not None and item.channel not in self.channels:
            raise self.fail(
                f"{path}.channel", self.expected_one("a channel", item.channel, self.channels)
            )
        body = self.body(f"{path}.body", item.body)
        if body.kind() != item.type:
            raise self.fail(
                f"{path}.body.kind",
                f"expected {item.type!r} as the stream's type says, got {body.kind()!r}",
            )
        envelope = self.envelope_fields(
            f"{path}.envelope",
            dict(item.envelope),
            item.from_,
            tuple(item.to),
            body,
            self.agencies[item.from_].languages[0],
        )
        return Background(
            item.id,
            item.from_,
            tuple(item.to),
            item.type,
            item.rate_per_hour,
            item.channel,
            body,
            envelope,
        )


def checks_for(scenario: Scenario) -> Resolver:
    """The loader's own checks, primed with a loaded scenario: what a controller adds while
    the exercise runs (an inject, a disruption) is checked exactly as the file was."""
    resolver = Resolver(
        raw.decode_file(tomllib.loads(scenario.text)), scenario.source, scenario.text
    )
    resolver.scenario()
    return resolver
