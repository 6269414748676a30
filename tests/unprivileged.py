"""Running `trafsim` as an unprivileged user: CI runs as root, and root ignores file modes,
so a read-only folder or an unreadable file only means something to another user.

As root, the commands run under `setpriv` as nobody (65534), from a world-readable copy of
the project's packages and the third-party modules they import (every command's, though
the command line loads them lazily), with the system's Python of the same minor version
(the virtualenv's interpreter may live where nobody may go).
Not as root, they simply run as the current user."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGES = ("protocols", "trafsim_bus", "agencies", "trafsim")
NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def unavailable() -> str | None:
    """Why commands cannot run unprivileged here (None when they can)."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    if not Path(_system_python()).exists():
        return f"no system {_system_python()} to run as nobody"
    return None


def _system_python() -> str:
    return f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"


def open_folder() -> Path:
    """A fresh folder anyone may enter and read (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="trafsim-nobody-"))
    folder.chmod(0o755)
    return folder


class Unprivileged:
    """Runs `trafsim` commands as nobody (or as the current user when not root)."""

    def __init__(self) -> None:
        self.home = open_folder()
        self.code = self.home / "code"
        if os.geteuid() == 0:
            self._copy_code()

    def _copy_code(self) -> None:
        site = Path(sysconfig.get_paths()["purelib"])
        probe = subprocess.run(
            [sys.executable, "-c", "import sys, importlib, pkgutil, trafsim; "
             "[importlib.import_module(m.name) for m in pkgutil.walk_packages(trafsim.__path__, "
             "'trafsim.') if not m.name.endswith('__main__')]; print('\\n'.join(sorted("
             "{m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)})))"],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        tops = {
            Path(name).relative_to(site).parts[0]
            for name in probe.stdout.split()
            if site in Path(name).parents
        }
        self.code.mkdir()
        for top in sorted(tops):
            source = site / top
            target = self.code / top
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
        for metadata in site.glob("*.dist-info"):
            # Some packages read their own version at import (plotly): keep their metadata.
            shutil.copytree(metadata, self.code / metadata.name)
        for package in PACKAGES:
            shutil.copytree(
                ROOT / package, self.code / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        for path in [self.code, *self.code.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    def trafsim(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """`trafsim ARGS...` as nobody."""
        if os.geteuid() != 0:
            command = [sys.executable, "-m", "trafsim", *args]
            env = None
        else:
            command = [*NOBODY, _system_python(), "-m", "trafsim", *args]
            env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(self.code), "HOME": str(self.home)}
        return subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=cwd or self.home, env=env
        )

    def remove(self) -> None:
        """Make everything writable again and delete it."""
        for path in [self.home, *self.home.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(self.home)
