"""The report's words in English and Russian, from the catalogues in `catalogue/` (one
TOML file per language, the same keys in each). Codes from the log (message types,
reasons, agency and pool ids) and the scenario's own texts are shown as written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from agencies.node.console.i18n import Labels, read_catalogue
from trafsim.report import duration

_DURATION: Final = re.compile(r"^([0-9.]+)(s|min|h|d)$")


@cache
def catalogue(language: str) -> dict[str, str]:
    """A language's words, keyed `section.key`."""
    return read_catalogue(__package__, language)


@dataclass(frozen=True)
class Words:
    """The words of one language; calling it gives a text with its placeholders filled."""

    language: str = "en"

    def __call__(self, key: str, **params: object) -> str:
        text = catalogue(self.language)[key]
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether the catalogue has words for `key`."""
        return key in catalogue(self.language)

    def plural(self, n: int, key: str) -> str:
        """The form of a word for `n` (`one|many` in English, `one|few|many` in Russian)."""
        forms = self(f"plural.{key}").split("|")
        if self.language == "ru":
            tens, ones = n % 100, n % 10
            index = (
                0
                if ones == 1 and tens != 11
                else 1
                if 2 <= ones <= 4 and not 12 <= tens <= 14
                else 2
            )
            return forms[min(index, len(forms) - 1)]
        return forms[0] if n == 1 else forms[-1]

    def duration(self, seconds: float | None) -> str:
        """A duration as people read it in this language: `3.5h`, `3,5 ч`."""
        text = duration(seconds)
        found = _DURATION.match(text)
        if self.language == "en" or found is None:
            return text
        return f"{found[1].replace('.', ',')} {self(f'unit.{found[2]}')}"

    def moment(self, text: str) -> str:
        """A calendar moment (`2 Jun 14:00 (D2)`) with its month in this language (the
        consoles' month names)."""
        return Labels(self.language).moment(text)
