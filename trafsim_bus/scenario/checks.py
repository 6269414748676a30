"""Checks of scenario values: ids, selectors, types, languages, durations and times.

`Checks` holds what is known so far (countries, agencies, channels...) and turns each
value into its resolved form, or raises `ScenarioError` naming the key path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, get_args
from uuid import UUID

import msgspec

from protocols import MESSAGE_TYPES, Body, Envelope, validation_error
from protocols.fields import ID_PATTERN, KIND_PATTERN, USUAL_SCRIPT, Language, Script
from trafsim_bus.errors import ScenarioError
from trafsim_bus.scenario import raw
from trafsim_bus.scenario.model import (
    EXCON,
    Agency,
    Channel,
    Country,
    Distribution,
    Jump,
    OfficeHours,
    RolePlayer,
    Selector,
    Target,
    TranslationPool,
)
from trafsim_bus.timebase import HOUR, MINUTE, parse_day_time, parse_duration

LANGUAGES: tuple[str, ...] = get_args(Language)
SCRIPTS: tuple[str, ...] = get_args(Script)
ID_RE = re.compile(ID_PATTERN)
KIND_RE = re.compile(KIND_PATTERN)
COUNTRY_RE = re.compile(r"^([A-Z]{2}|intl)$(?!\n)")
_ENVELOPE_KEYS = frozenset(
    {
        "language",
        "script",
        "priority",
        "handling",
        "evaluation",
        "case_refs",
        "evidentiary_status",
        "risk_to_life",
        "requires_ack",
        "legal_basis",
        "attachments",
    }
)
MODES = ("store_and_forward", "black_hole", "reject")
DEFAULT_RESPONSE = Distribution("lognormal", 2 * HOUR, 12 * HOUR)
WEEKDAYS: tuple[str, ...] = get_args(raw.Weekday)
DEFAULT_DAYS = ("mon", "tue", "wed", "thu", "fri")
DEFAULT_OPENS, DEFAULT_CLOSES = "09:00", "18:00"
DEFAULT_DUTY_OFFICER = Distribution("lognormal", 30 * MINUTE, 2 * HOUR)
"""How long an emergency waits for the duty officer when a country does not say."""
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
_PROBE_ID = UUID(int=0)


def split_validation(exc: msgspec.ValidationError) -> tuple[str, str]:
    """A msgspec error as (key path without `$.`, sentence): `("a[0].b", "expected `int`")`."""
    error = validation_error(exc)
    return error.path.removeprefix("$").removeprefix("."), error.sentence


class Checks:
    """Resolves single values against what the scenario declared so far."""

    def __init__(self, file: raw.ScenarioFile, source: str, text: str) -> None:
        self.file = file
        self.source = source
        self.text = text
        self.countries: dict[str, Country] = {}
        self.agencies: dict[str, Agency] = {}
        self.kinds: list[str] = []
        self.retired: set[str] = set()
        self.channels: dict[str, Channel] = {}
        self.pools: dict[str, TranslationPool] = {}
        self.role_players: dict[str, RolePlayer] = {}
        self.startex_minute = 0
        self.play_us = 0
        self.jumps: list[Jump] = []

    def fail(self, path: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {path}", message, path=path)

    # -- pieces -----------------------------------------------------------------------

    def target(self, path: str, target: raw.Target) -> Target:
        return Target(
            agencies=self.selectors(f"{path}.agencies", target.agencies)
            if target.agencies is not None
            else None,
            senders=self.selectors(f"{path}.senders", target.senders)
            if target.senders is not None
            else None,
            countries=frozenset(self.country_ids(f"{path}.countries", target.countries))
            if target.countries is not None
            else None,
            channels=frozenset(self.channel_ids(f"{path}.channels", target.channels))
            if target.channels is not None
            else None,
            types=frozenset(self.types(f"{path}.types", target.types))
            if target.types is not None
            else None,
            pools=frozenset(self.pool_ids(f"{path}.pools", target.pools))
            if target.pools is not None
            else None,
        )

    def selectors(self, path: str, items: list[str | raw.Selector]) -> tuple[Selector, ...]:
        if not items:
            raise self.fail(path, "expected at least one agency selector")
        selectors = []
        for j, item in enumerate(items):
            where = f"{path}[{j}]"
            if isinstance(item, str):
                if item == "*":
                    selectors.append(Selector())
                    continue
                if item not in self.agencies:
                    raise self.fail(
                        where,
                        self.expected_one(
                            'an agency id (or "*", or a table {kind, country})', item, self.agencies
                        ),
                    )
                selectors.append(Selector(id=item))
                continue
            if item.id is None and item.kind is None and item.country is None:
                raise self.fail(where, "expected at least one of id, kind, country")
            if item.id is not None and item.id not in self.agencies:
                raise self.fail(
                    f"{where}.id", self.expected_one("an agency id", item.id, self.agencies)
                )
            if item.kind is not None and item.kind not in self.kinds and item.kind != EXCON:
                raise self.fail(
                    f"{where}.kind", self.expected_one("an agency kind", item.kind, self.kinds)
                )
            if item.country is not None and item.country not in self.countries:
                raise self.fail(
                    f"{where}.country", self.expected_one("a country", item.country, self.countries)
                )
            selectors.append(Selector(item.id, item.kind, item.country))
        return tuple(selectors)

    def types(self, path: str, types: Iterable[str]) -> list[str]:
        out = []
        for j, kind in enumerate(types):
            if kind not in MESSAGE_TYPES:
                raise self.fail(
                    f"{path}[{j}]", self.expected_one("a message type", kind, sorted(MESSAGE_TYPES))
                )
            out.append(kind)
        return out

    def languages(self, path: str, languages: Iterable[str]) -> list[str]:
        out = []
        for j, language in enumerate(languages):
            if language not in LANGUAGES:
                raise self.fail(
                    f"{path}[{j}]",
                    f"expected an ISO 639-3 language code ({', '.join(LANGUAGES)}), got {language!r}",
                )
            out.append(language)
        return out

    def country_ids(self, path: str, countries: Iterable[str]) -> list[str]:
        out = []
        for j, country in enumerate(countries):
            if country not in self.countries:
                raise self.fail(
                    f"{path}[{j}]", self.expected_one("a country", country, self.countries)
                )
            out.append(country)
        return out

    def channel_ids(self, path: str, channels: Iterable[str]) -> list[str]:
        out = []
        for j, channel in enumerate(channels):
            if channel not in self.channels:
                raise self.fail(
                    f"{path}[{j}]", self.expected_one("a channel", channel, self.channels)
                )
            out.append(channel)
        return out

    def pool_ids(self, path: str, pools: Iterable[str]) -> list[str]:
        out = []
        for j, pool in enumerate(pools):
            if pool not in self.pools:
                raise self.fail(
                    f"{path}[{j}]", self.expected_one("a translation pool", pool, self.pools)
                )
            out.append(pool)
        return out

    def duration(self, path: str, text: str, *, positive: bool = False) -> int:
        value = parse_duration(text)
        if value is None:
            raise self.fail(
                path, f'expected a duration like "36h" (units s, min, h, d, w), got {text!r}'
            )
        if positive and value <= 0:
            raise self.fail(path, f"expected a duration above zero, got {text!r}")
        return value

    def distribution(self, path: str, spec: raw.Distribution | raw.LatencyRule) -> Distribution:
        if spec.family == "exponential":
            for key in ("median", "p90"):
                if getattr(spec, key) is not None:
                    raise self.fail(f"{path}.{key}", "an exponential delay takes its mean only")
            if spec.mean is None:
                raise self.fail(f"{path}.mean", "an exponential delay needs its mean")
            mean = self.duration(f"{path}.mean", spec.mean, positive=True)
            return Distribution("exponential", mean, None, mean)
        if spec.mean is not None:
            raise self.fail(f"{path}.mean", f"a {spec.family} delay takes a median, not a mean")
        if spec.median is None:
            raise self.fail(f"{path}.median", f"a {spec.family} delay needs its median")
        median = self.duration(f"{path}.median", spec.median)
        if spec.family == "fixed":
            if spec.p90 is not None:
                raise self.fail(f"{path}.p90", "a fixed delay takes the median only")
            return Distribution("fixed", median, None)
        if median <= 0:
            raise self.fail(f"{path}.median", f"expected a median above zero, got {spec.median!r}")
        if spec.p90 is None:
            raise self.fail(f"{path}.p90", "a lognormal delay needs its p90 as well as its median")
        p90 = self.duration(f"{path}.p90", spec.p90)
        if p90 <= median:
            raise self.fail(
                f"{path}.p90", f"expected a p90 above the median {spec.median!r}, got {spec.p90!r}"
            )
        return Distribution("lognormal", median, p90)

    def office_hours(
        self,
        path: str,
        own: raw.OfficeHours,
        base: tuple[raw.OfficeHours | None, str] | None,
        utc_offset_min: int,
    ) -> OfficeHours:
        """Office hours: each key from `own`, else from `base` (the country's table, with
        its path, under an agency's), else the default; errors name where a value is
        written."""
        fallback, base_path = base if base is not None else (None, path)

        def pick(name: str) -> tuple[Any, str]:
            value = getattr(own, name)
            if value is not None or fallback is None:
                return value, f"{path}.{name}"
            return getattr(fallback, name), f"{base_path}.{name}"

        days, days_path = pick("days")
        if days is not None and not days:
            raise self.fail(days_path, "expected at least one working day")
        minutes = []
        for name, default in (("opens", DEFAULT_OPENS), ("closes", DEFAULT_CLOSES)):
            value, where = pick(name)
            text = default if value is None else value
            match = _CLOCK.match(text)
            if match is None:
                raise self.fail(where, f'expected a time of day like "09:00", got {text!r}')
            minutes.append(24 * 60 if text == "24:00" else int(text[:2]) * 60 + int(text[3:]))
        if minutes[0] >= minutes[1]:
            raise self.fail(
                pick("closes")[1], "expected the office to close after it opens, the same day"
            )
        holidays, _ = pick("holidays")
        duty, duty_path = pick("duty_officer")
        return OfficeHours(
            days=frozenset(WEEKDAYS.index(day) for day in (days or DEFAULT_DAYS)),
            opens_min=minutes[0],
            closes_min=minutes[1],
            holidays=frozenset(day.toordinal() for day in holidays or ()),
            duty_officer=DEFAULT_DUTY_OFFICER
            if duty is None
            else self.distribution(duty_path, duty),
            utc_offset_min=utc_offset_min,
        )

    def play_time(self, path: str, text: str) -> int:
        parsed = parse_day_time(text)
        if parsed is None:
            raise self.fail(path, f'expected a scenario time like "D2 14:00", got {text!r}')
        day, minute = parsed
        play = (day - 1) * 24 * 60 + minute - self.startex_minute
        play_us = play * 60_000_000
        if play_us < 0:
            raise self.fail(path, f"{text!r} is before STARTEX")
        if play_us > self.play_us:
            raise self.fail(path, f"{text!r} is after ENDEX")
        return play_us

    def body(self, path: str, body: dict[str, Any]) -> Body:
        try:
            decoded: Body = msgspec.convert(body, Body)
        except msgspec.ValidationError as exc:
            where, message = split_validation(exc)
            raise self.fail(f"{path}.{where}" if where else path, message) from None
        return decoded

    def message_type(self, path: str, kind: str) -> str:
        """One message type (a `kind` of the catalogue)."""
        if kind not in MESSAGE_TYPES:
            raise self.fail(path, self.expected_one("a message type", kind, sorted(MESSAGE_TYPES)))
        return kind

    def envelope_fields(
        self,
        path: str,
        fields: dict[str, Any],
        sender: str,
        recipients: tuple[str, ...],
        body: Body,
        language: str,
    ) -> Mapping[str, Any]:
        """The envelope fields the scenario gives, completed with the language and its usual
        script, checked by composing a whole envelope; errors name the scenario key."""
        for key in fields:
            if key not in _ENVELOPE_KEYS:
                raise self.fail(
                    f"{path}.{key}", f"expected one of {', '.join(sorted(_ENVELOPE_KEYS))}"
                )
        completed = dict(fields)
        completed.setdefault("language", language)
        completed.setdefault("script", USUAL_SCRIPT.get(str(completed["language"]), "Latn"))
        probe = {
            "schema_version": "1",
            "id": str(_PROBE_ID),
            "exercise_id": str(_PROBE_ID),
            "sender": sender,
            "recipients": list(recipients),
            "created_at": "2026-01-01T00:00:00+00:00",
            **completed,
            "body": msgspec.to_builtins(body),
        }
        try:
            msgspec.convert(probe, Envelope)
        except msgspec.ValidationError as exc:
            where, message = split_validation(exc)
            if where.startswith("recipients"):
                raise self.fail(f"{path.rsplit('.', 1)[0]}.to", message) from None
            raise self.fail(f"{path}.{where}" if where else path, message) from None
        return completed

    def unique(self, ids: Iterable[str], table: str, key: str) -> None:
        seen: set[str] = set()
        for i, value in enumerate(ids):
            if value in seen:
                raise self.fail(f"{table}[{i}].{key}", f"{value!r} is declared twice")
            seen.add(value)

    def real_countries(self) -> list[str]:
        return [country for country in self.countries if country != EXCON]

    @staticmethod
    def expected_one(what: str, got: str, known: Iterable[str]) -> str:
        names = [name for name in known if name != EXCON] if "excon" not in what else list(known)
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"expected {what} ({shown}), got {got!r}"


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


def parse_startex(value: str) -> datetime | None:
    """An RFC 3339 time with a numeric offset (`2026-06-01T09:00:00+05:00`), or None."""
    if not _RFC3339.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
