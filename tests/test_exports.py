"""Each package's `__all__` is sorted and lists exactly its public names."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = [
    "protocols",
    "trafsim_bus",
    "agencies",
    "trafsim",
    "trafsim.aar",
    "trafsim.viewer",
    "trafsim_bus.whatif",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    """`__all__` names every public non-module attribute of the package, and nothing else
    (names a package imports lazily are asked for first)."""
    package = importlib.import_module(name)
    for attr in package.__all__:
        getattr(package, attr)
    public = {
        attr
        for attr, value in vars(package).items()
        if not attr.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(package.__all__) == public


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions: the order ruff's RUF022 keeps."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted(name: str) -> None:
    """`__all__` is sorted: constants, then classes, then functions, each alphabetically."""
    exported = importlib.import_module(name).__all__
    assert list(exported) == sorted(exported, key=_isort_key)
