"""Tokens of a live exercise (SPEC §15): one per agency a team may play, one for the
controller, one for the evaluator; kept in a file only its owner may read, compared in
constant time, and never written to the log, to structlog or into a URL."""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec

from trafsim_bus.errors import BusError

Role = Literal["team", "controller", "evaluator"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a token says the caller is: a team (of one agency), the controller, or the
    evaluator."""

    role: Role
    agency: str | None = None


class TokenFile(msgspec.Struct, forbid_unknown_fields=True):
    """The file's shape: `{"agencies": {id: token}, "controller": token, "evaluator": token}`."""

    agencies: dict[str, str]
    controller: str
    evaluator: str


def new_token() -> str:
    """A fresh token (32 random bytes, URL-safe) that does not start with `-`."""
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return token


class Tokens:
    """Looks a bearer token up; every comparison takes the same time."""

    def __init__(self, held: TokenFile) -> None:
        self.held = held
        self._callers = [
            *((token, Caller("team", agency)) for agency, token in held.agencies.items()),
            (held.controller, Caller("controller")),
            (held.evaluator, Caller("evaluator")),
        ]

    @classmethod
    def new(cls, agencies: Iterable[str]) -> Tokens:
        """Fresh tokens (`secrets.token_urlsafe(32)`, never starting with `-`, so that
        `--token T` reads as an option's value) for the agencies and both roles."""
        return cls(
            TokenFile(
                agencies={agency: new_token() for agency in agencies},
                controller=new_token(),
                evaluator=new_token(),
            )
        )

    @classmethod
    def load(cls, path: Path) -> Tokens:
        """Tokens from their file (`--resume` reuses them)."""
        try:
            return cls(msgspec.json.decode(path.read_bytes(), type=TokenFile))
        except OSError as exc:
            raise BusError(f"{path}: cannot read the tokens: {exc.strerror}") from None
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise BusError(f"{path}: not a tokens file: {exc}") from None

    def save(self, path: Path) -> None:
        """Write the tokens where only their owner may read them (mode 0600)."""
        data = msgspec.json.format(msgspec.json.encode(self.held), indent=2)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        path.chmod(0o600)

    def caller(self, token: str) -> Caller | None:
        """Who holds `token` (None: nobody), comparing with every token in constant time."""
        found = None
        for held, caller in self._callers:
            if hmac.compare_digest(held.encode(), token.encode()):
                found = caller
        return found

    def secrets(self) -> list[str]:
        """Every token (for tests that make sure none leaks)."""
        return [token for token, _ in self._callers]
