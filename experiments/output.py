"""Writing results safely: check a folder can be written before work starts, and never leave half a result."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from partnerships.experiments.errors import UserError


def check_writable(folder: Path) -> None:
    """Raise :class:`UserError` unless ``folder`` exists as a writable folder or can be created."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out '{folder}' is a file: allowed a folder path")
    parent = folder if folder.exists() else _existing_parent(folder)
    try:  # os.access says yes to root everywhere: try it for real
        probe = tempfile.mkdtemp(prefix=".write-check.", dir=parent)
        os.rmdir(probe)
    except OSError as err:
        raise UserError(f"--out '{folder}' is not writable ({err.strerror}): allowed a folder you can write to") from None


def _existing_parent(path: Path) -> Path:
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"--out '{path}': '{parent}' is a file, not a folder")
            return parent
    return Path("/")


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success its files move into ``target``.

    If the body raises, nothing is left in ``target``.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        target.mkdir(parents=True, exist_ok=True)
        for item in tmp.iterdir():
            os.replace(item, target / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
