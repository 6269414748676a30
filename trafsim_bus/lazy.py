"""Public names imported on first use (PEP 562): a package's `__getattr__` and `__dir__`,
so that importing the package loads none of its heavier modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_names(
    package: str, homes: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(`__getattr__`, `__dir__`) for `package`: a name of `homes` is imported from its
    module the first time it is asked for, then kept in the package."""
    namespace = vars(sys.modules[package])

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    def names() -> list[str]:
        return sorted([*namespace, *public])

    return attribute, names
