"""`trafsim schema`: write the JSON Schemas and, on request, the Markdown catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from protocols import all_schemas
from protocols.markdown import catalogue_markdown
from trafsim.errors import CliError


def write_schemas(out_dir: Path) -> list[Path]:
    """Write one `<name>.json` per schema into `out_dir`; return the paths written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"{out_dir}: cannot create the directory: {exc.strerror}") from None
    written = []
    for name, schema in all_schemas().items():
        path = out_dir / f"{name}.json"
        _write(path, json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def write_catalogue(path: Path) -> Path:
    """Write the Markdown message catalogue to `path`."""
    _write(path, catalogue_markdown())
    return path


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: cannot write: {exc.strerror}") from None
