"""Bundled scenarios: TOML files shipped in `trafsim_bus/scenarios/`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from trafsim_bus.errors import ScenarioError

DEFAULT_SCENARIO = "silk-thread"


def bundled_names() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    files = resources.files("trafsim_bus.scenarios")
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in files.iterdir()
        if entry.name.endswith(".toml")
    )


def read_scenario_source(name_or_path: str | Path) -> tuple[str, str]:
    """(name to show in errors, text) of a `.toml` path or a bundled scenario name."""
    text_path = str(name_or_path)
    if isinstance(name_or_path, Path) or text_path.endswith(".toml") or "/" in text_path:
        path = Path(name_or_path)
        try:
            return str(path), path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError(str(path), "no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(str(path), f"cannot read the file: {exc}") from None
    if text_path not in bundled_names():
        raise ScenarioError(
            text_path,
            f"no bundled scenario of that name (bundled: {', '.join(bundled_names())}); "
            "give a path ending in .toml for your own",
        )
    resource = resources.files("trafsim_bus.scenarios").joinpath(f"{text_path}.toml")
    return f"{text_path}.toml", resource.read_text(encoding="utf-8")
