"""What-if changes to a scenario: `KEY=VALUE` settings and TOML files merged in, applied
to the parsed scenario document and checked by the scenario loader itself.

A KEY is a dotted path into the scenario's TOML. An array of tables is stepped into by
the `id` of an element (`channel.mla-central`) or by its index (`latency.0`); `pool` is
short for `translation_pool`. A VALUE is read as a TOML value when it is one (`2`,
`true`, `"x"`, `[...]`, `{...}`), else taken as a string (`3d`)."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import tomli_w
from msgspec import inspect

from trafsim_bus.errors import BusError, ScenarioError
from trafsim_bus.scenario import raw
from trafsim_bus.scenario.loader import parse_scenario
from trafsim_bus.scenario.model import Scenario

ALIASES = {"pool": "translation_pool"}
"""Short names for the first step of a key."""

_TOML_POSITION = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_PATH_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


class OverrideError(BusError):
    """A change that cannot be applied: `change` names it as the user wrote it (`--set
    pool.x.servers=2`, `--add extra.toml`), `message` says what is wrong and what exists."""

    def __init__(self, change: str, message: str) -> None:
        self.change = change
        self.message = message
        super().__init__(f"{change}: {message}")


@dataclass(frozen=True, slots=True)
class Setting:
    """One `--set KEY=VALUE`: the key's steps (aliases resolved) and the value."""

    written: str
    steps: tuple[str, ...]
    value: Any

    @property
    def key(self) -> str:
        """The key path as the scenario spells it."""
        return ".".join(self.steps)


@dataclass(frozen=True, slots=True)
class Addition:
    """One `--add FILE.toml`: where it came from and its parsed tables."""

    source: str
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Changes:
    """Every change asked for, in the order they apply: additions first, then settings."""

    additions: tuple[Addition, ...] = ()
    settings: tuple[Setting, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.additions or self.settings)

    def described(self) -> list[str]:
        """Each change as the user wrote it."""
        return [f"--add {a.source}" for a in self.additions] + [
            f"--set {s.written}" for s in self.settings
        ]


def parse_value(text: str) -> Any:
    """A VALUE: the TOML value it spells, or else the text itself."""
    try:
        document = tomllib.loads(f"value = {text}")
    except tomllib.TOMLDecodeError:
        return text
    return document["value"] if list(document) == ["value"] else text


def parse_setting(written: str) -> Setting:
    """A `KEY=VALUE` argument."""
    key, equals, value = written.partition("=")
    key = key.strip()
    if not equals or not key:
        raise OverrideError(f"--set {written}", "expected KEY=VALUE, e.g. pool.kz-tuk.servers=2")
    steps = key.split(".")
    if "" in steps:
        raise OverrideError(f"--set {written}", f"the key {key!r} has an empty step")
    steps[0] = ALIASES.get(steps[0], steps[0])
    return Setting(written, tuple(steps), parse_value(value.strip()))


def read_addition(source: str, text: str) -> Addition:
    """A `--add` file's text, parsed; a syntax error names file, line and column."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.match(str(exc))
        if match is None:
            raise OverrideError(f"--add {source}", f"TOML syntax error: {exc}") from None
        raise OverrideError(
            f"--add {source}:{match['line']}:{match['column']}",
            f"TOML syntax error: {match['message'].lower()}",
        ) from None
    return Addition(source, document)


def apply_changes(document: dict[str, Any], changes: Changes) -> dict[str, Any]:
    """A changed copy of a scenario document."""
    changed = copy.deepcopy(document)
    for addition in changes.additions:
        _merge_file(changed, addition)
    for setting in changes.settings:
        _set(changed, setting)
    return changed


def changed_scenario(text: str, source: str, changes: Changes) -> Scenario:
    """The scenario `text` with `changes` applied, through every check of the loader.

    With no change the text is used as it is, so the re-simulation's first record is the
    log's own. A check that fails is an `OverrideError` naming the key path as whatif
    spells it (`translation_pool.kz-tuk.servers`)."""
    if not changes:
        return parse_scenario(text, source)
    changed = apply_changes(tomllib.loads(text), changes)
    try:
        return parse_scenario(tomli_w.dumps(changed), source)
    except ScenarioError as exc:
        where = readable_path(changed, exc.path) if exc.path else exc.where
        raise OverrideError(
            " ".join(changes.described()),
            f"the changed scenario fails its checks at {where}: {exc.message}",
        ) from None


def readable_path(document: dict[str, Any], path: str) -> str:
    """A loader's key path (`translation_pool[4].servers`) as whatif keys are written:
    an element of an array of tables by its id where it has one
    (`translation_pool.kz-tuk.servers`), else by its index."""
    node: Any = document
    shown: list[str] = []
    for part in _PATH_PART.findall(path):
        if part.startswith("["):
            index = int(part[1:-1])
            element = node[index] if isinstance(node, list) and index < len(node) else None
            ident = element.get("id") if isinstance(element, dict) else None
            shown.append(ident if isinstance(ident, str) else str(index))
            node = element
        else:
            shown.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(shown)


# -- settings ----------------------------------------------------------------------------


def _set(document: dict[str, Any], setting: Setting) -> None:
    """Put one setting's value at its key; every step must exist or be a known key."""
    node: Any = document
    info: inspect.Type | None = inspect.type_info(raw.ScenarioFile)
    steps = setting.steps

    def fail(message: str) -> OverrideError:
        return OverrideError(f"--set {setting.written}", message)

    for i, step in enumerate(steps):
        here = ".".join(steps[:i]) or "the scenario"
        last = i == len(steps) - 1
        if isinstance(node, list):
            index = _element(node, step, here, fail)
            info = _item_type(info)
            if last:
                node[index] = setting.value
            else:
                node = node[index]
        elif isinstance(node, dict):
            fields = _fields(info)
            if fields is not None and step not in fields:
                raise fail(f"{here} has no key {step!r}; its keys: {', '.join(sorted(fields))}")
            info = fields[step] if fields is not None else _value_type(info)
            if last:
                node[step] = setting.value
            elif step in node:
                node = node[step]
            elif _is_table(info):
                node[step] = {}
                node = node[step]
            else:
                raise fail(f"{here}.{step} is not in the scenario: nothing to step into")
        else:
            raise fail(f"{here} is a value ({node!r}), not a table: it has no {step!r}")


def _element(
    elements: list[Any], step: str, here: str, fail: Callable[[str], OverrideError]
) -> int:
    """The index of an array's element named by id, or by index."""
    ids = [e.get("id") for e in elements if isinstance(e, dict)]
    for index, element in enumerate(elements):
        if isinstance(element, dict) and element.get("id") == step:
            return index
    if step.isdigit():
        if int(step) < len(elements):
            return int(step)
        raise fail(
            f"{here} has {len(elements)} elements (0 to {len(elements) - 1}); no {step}"
            if elements
            else f"{here} is empty: no element {step}"
        )
    if any(isinstance(i, str) for i in ids):
        known = ", ".join(i for i in ids if isinstance(i, str))
        raise fail(f"{here} has no element with id {step!r}; its ids: {known}")
    raise fail(f"{here} is a list: step into it by index (0 to {len(elements) - 1})")


def _options(info: inspect.Type | None) -> list[inspect.Type]:
    """The types a value may take, through metadata and unions (None: anything)."""
    if info is None:
        return []
    if isinstance(info, inspect.Metadata):
        return _options(info.type)
    if isinstance(info, inspect.UnionType):
        return [o for t in info.types for o in _options(t)]
    return [info]


def _fields(info: inspect.Type | None) -> dict[str, inspect.Type] | None:
    """The keys a table may have, when its type says (None: free-form)."""
    for option in _options(info):
        if isinstance(option, inspect.StructType):
            return {f.encode_name: f.type for f in option.fields}
    return None


def _value_type(info: inspect.Type | None) -> inspect.Type | None:
    """The type of a free-form table's values."""
    for option in _options(info):
        if isinstance(option, inspect.DictType):
            return option.value_type
    return None


def _item_type(info: inspect.Type | None) -> inspect.Type | None:
    """The type of a list's elements."""
    for option in _options(info):
        if isinstance(option, inspect.ListType):
            return option.item_type
    return None


def _is_table(info: inspect.Type | None) -> bool:
    """Whether a missing key may be made as a new table on the way to a value."""
    options = _options(info)
    return not options or any(
        isinstance(o, inspect.StructType | inspect.DictType | inspect.AnyType) for o in options
    )


# -- additions ---------------------------------------------------------------------------


def _merge_file(document: dict[str, Any], addition: Addition) -> None:
    """Append a file's arrays of tables to the scenario's and merge its tables into it."""
    known = _fields(inspect.type_info(raw.ScenarioFile)) or {}
    for key, value in addition.document.items():
        name = ALIASES.get(key, key)
        if name not in known:
            raise OverrideError(
                f"--add {addition.source}",
                f"a scenario has no {key!r}; its keys: {', '.join(sorted(known))}",
            )
        _merge(document, name, copy.deepcopy(value), name, addition.source)


def _merge(table: dict[str, Any], key: str, value: Any, path: str, source: str) -> None:
    """Arrays of tables are appended to, tables merged key by key, values replaced."""
    present = table.get(key)
    if isinstance(value, list) and isinstance(present, list) and _tables(value):
        present.extend(value)
    elif isinstance(value, dict) and isinstance(present, dict):
        for inner, item in value.items():
            _merge(present, inner, item, f"{path}.{inner}", source)
    elif present is not None and isinstance(present, dict | list) != isinstance(value, dict | list):
        raise OverrideError(
            f"--add {source}",
            f"{path} is a {type(present).__name__} in the scenario, not a {type(value).__name__}",
        )
    else:
        table[key] = value


def _tables(values: Iterable[Any]) -> bool:
    return all(isinstance(v, dict) for v in values)
