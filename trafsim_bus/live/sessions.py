"""Console sessions (SPEC §15): a console signs in with its token once and then holds an
HttpOnly, SameSite=Strict cookie; requests that change state with that cookie carry the
session's CSRF token in `X-CSRF-Token`. Sessions live in memory: a restarted server asks
its consoles to sign in again."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from trafsim_bus.live.tokens import Caller

COOKIE = "trafsim_session"
"""The session cookie's name."""
CSRF_HEADER = "X-CSRF-Token"
"""The header that carries a session's CSRF token on requests that change state."""


@dataclass(frozen=True)
class Session:
    """One signed-in console: who it is, and its CSRF token."""

    key: str
    caller: Caller
    csrf: str


@dataclass
class Sessions:
    """The signed-in consoles of one server."""

    _open: dict[str, Session] = field(default_factory=dict)

    def open(self, caller: Caller) -> Session:
        """Sign a caller in: a new session with fresh secrets."""
        session = Session(secrets.token_urlsafe(32), caller, secrets.token_urlsafe(32))
        self._open[session.key] = session
        return session

    def get(self, key: str) -> Session | None:
        """The session of a cookie's value, if it is one of ours."""
        for candidate, session in self._open.items():
            if secrets.compare_digest(candidate, key):
                return session
        return None

    def close(self, key: str) -> None:
        """Sign out."""
        session = self.get(key)
        if session is not None:
            del self._open[session.key]
