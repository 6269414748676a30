"""The wheel carries every package and the bundled scenarios."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_holds_the_packages_and_silk_thread(tmp_path: Path) -> None:
    """A wheel built from the tree has the four packages and trafsim_bus/scenarios/silk-thread.toml."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("trafsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "trafsim_bus/scenarios/silk-thread.toml" in names
    for package in ("protocols", "trafsim_bus", "agencies", "trafsim"):
        assert f"{package}/__init__.py" in names
    assert not any(name.startswith("tests/") for name in names)
