"""Where a result came from: the model's code, the package versions and the git commit.

A results folder's manifest and a single run's ``run.json`` record these, and a study refuses to
resume on different model code (:func:`model_fingerprint`).
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # holds model/, agents/, experiments/, viz/
#: Packages whose version a result depends on: the model's and the experiment machinery's.
PACKAGES = ("partnerships", "mesa", "numpy", "numba", "pandas", "pyarrow", "pydantic", "dask", "distributed",
            "SALib", "scipy")


#: The source a run's result depends on: the model, its agents, and the experiment code that turns a
#: run spec into a run-table row and stores it (reports and the live view are left out: changing them
#: changes no stored result).
FINGERPRINTED = ("model/**/*.py", "agents/**/*.py", "experiments/spec.py", "experiments/runs.py",
                 "experiments/store.py")


def model_fingerprint(root: Path | None = None) -> str:
    """sha256 of the source a run depends on (every file of :data:`FINGERPRINTED`, with its path).

    Results made by different model code differ in it; the parameter defaults are part of that code.
    ``root`` is the package folder (default: this installation's).
    """
    root = PACKAGE_ROOT if root is None else Path(root)
    digest = hashlib.sha256()
    paths = sorted({path for pattern in FINGERPRINTED for path in root.glob(pattern)})
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        data = path.read_bytes()
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of :data:`PACKAGES` ('not installed' for one that is missing)."""
    out = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def git_commit() -> str | None:
    """The source tree's git commit (with ``-dirty`` if it has uncommitted changes), or None."""
    try:
        commit = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")
