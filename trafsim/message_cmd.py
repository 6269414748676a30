"""`trafsim message validate`: check files the way the bus will decode them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from protocols import MAX_MESSAGE_BYTES, ProtocolError, decode_envelope


class FileVerdict(NamedTuple):
    """The outcome for one file: `kind` when valid, else `error`."""

    path: Path
    kind: str | None
    error: str | None

    def line(self) -> str:
        """One line for the report."""
        if self.error is None:
            return f"{self.path}: ok ({self.kind})"
        return f"{self.path}: {self.error}"


def validate_files(paths: Iterable[Path]) -> Iterator[FileVerdict]:
    """Decode each file as an envelope (JSON or MessagePack) and report what is wrong."""
    for path in paths:
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_MESSAGE_BYTES + 1)
        except OSError as exc:
            yield FileVerdict(path, None, f"cannot read: {exc.strerror}")
            continue
        try:
            envelope = decode_envelope(data)
        except ProtocolError as exc:
            yield FileVerdict(path, None, str(exc))
            continue
        yield FileVerdict(path, envelope.body.kind(), None)
