"""The README's picture of the console is current: taken from a real exercise by
`python -m tests.console.screenshot`, with the digest of the console's templates, styles
and English labels kept beside it."""

from __future__ import annotations

from tests.console.screenshot import DIGEST, PICTURE, ROOT, sources_digest


def test_the_readme_shows_the_console_as_it_looks_today() -> None:
    """A change to the console's looks fails here until the picture is taken again."""
    assert PICTURE.read_bytes().startswith(b"\x89PNG")
    assert "docs/images/console.png" in (ROOT / "README.md").read_text("utf-8")
    assert DIGEST.read_text("utf-8").strip() == sources_digest(), (
        "the console changed since docs/images/console.png was taken: "
        "run `python -m tests.console.screenshot`"
    )
