"""The viewer's labels in English and Russian: its own catalogue (`catalogue/<lang>.toml`,
the same keys in each: a test checks it), and the consoles' for what they already name
(message types, states, reasons, stages, months), so both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from agencies.node.console.i18n import LANGUAGES, read_catalogue
from agencies.node.console.i18n import Labels as ConsoleLabels


@cache
def catalogue(language: str) -> dict[str, str]:
    """A language's viewer labels, keyed `section.key`."""
    return read_catalogue(__package__, language)


@dataclass(frozen=True)
class Labels:
    """The labels of one language; calling it gives a viewer label, placeholders filled."""

    language: str

    def __call__(self, key: str, **params: Any) -> str:
        label = catalogue(self.language)[key]
        return label.format(**params) if params else label

    @property
    def console(self) -> ConsoleLabels:
        """The consoles' labels in this language."""
        return ConsoleLabels(self.language)

    def of(self, section: str, value: str | None) -> str:
        """A value's label: the viewer's section first, then the consoles' (a message type,
        a state, a reason, a stage), else the value as written."""
        if value is None:
            return ""
        key = f"{section}.{value}"
        if key in catalogue(self.language):
            return self(key)
        return self.console.of(section, value)

    def moment(self, text: str | None) -> str:
        """A time as people read it (`2 Jun 14:00 (D2)`), its month in this language."""
        return self.console.moment(text)

    @property
    def other(self) -> str:
        """The language the switch offers."""
        return LANGUAGES[1] if self.language == LANGUAGES[0] else LANGUAGES[0]
