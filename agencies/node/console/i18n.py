"""The console's labels in English and Russian, from the message catalogues in
`catalogue/` (one TOML file per language, the same keys in each: a test checks it).
Message content is never translated: it is shown as written."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

LANGUAGES: Final = ("en", "ru")
"""The console's languages; the first is the default."""
LANGUAGE_COOKIE: Final = "trafsim_lang"
MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH: Final = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")


def read_catalogue(package: str, language: str) -> dict[str, str]:
    """`package`'s `catalogue/<language>.toml`, keyed `section.key` (the consoles', the
    viewer's and the report's catalogues share this shape)."""
    text = resources.files(package).joinpath("catalogue", f"{language}.toml").read_text("utf-8")
    return {
        f"{section}.{key}": label
        for section, labels in tomllib.loads(text).items()
        for key, label in labels.items()
    }


@cache
def catalogue(language: str) -> dict[str, str]:
    """A language's labels, keyed `section.key`."""
    return read_catalogue(__package__, language)


@dataclass(frozen=True)
class Labels:
    """The labels of one language; calling it gives a label with its placeholders filled."""

    language: str

    def __call__(self, key: str, **params: Any) -> str:
        label = catalogue(self.language)[key]
        return label.format(**params) if params else label

    def has(self, key: str) -> bool:
        """Whether the catalogue has a label for `key`."""
        return key in catalogue(self.language)

    def of(self, section: str, value: str | None) -> str:
        """The label of a value in a section (a message type, a reason, a stage), or the
        value itself when the catalogue has none (a scenario's own words)."""
        if value is None:
            return ""
        key = f"{section}.{value}"
        return self(key) if self.has(key) else value

    def moment(self, text: str | None) -> str:
        """A time as people read it (`2 Jun 14:00 (D2)`), its month in this language."""
        if not text:
            return ""
        return _MONTH.sub(lambda found: self(f"month.{found.group(0)}"), text)

    def months(self) -> dict[str, str]:
        """The months' names in this language, for the console's script."""
        return {month: self(f"month.{month}") for month in MONTHS}

    @property
    def other(self) -> str:
        """The language the switch offers."""
        return LANGUAGES[1] if self.language == LANGUAGES[0] else LANGUAGES[0]


def chosen_language(cookie: str | None, accept: str) -> str:
    """The console's language: the cookie's, else the browser's first known one, else
    English."""
    if cookie in LANGUAGES:
        return cookie
    for part in accept.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return LANGUAGES[0]
