"""The results folder of a study: Parquet part files written as runs finish, a manifest, and resume.

Layout of a results folder ``DIR``::

    DIR/manifest.json                         study text, its sha256, versions, git commit, host, start time
    DIR/runs/part-<first>-<n>-<uuid>.parquet  one row per finished run (first run_id, number of runs)
    DIR/series/<table>/part-<same name>       the per-run tables kept with the runs (model_weekly, ...)
    DIR/runs.parquet, DIR/<table>.parquet     the consolidated tables, written when the study ends

Every file is written under a temporary name and renamed, so a reader never sees half a file. A
batch's series parts are written before its run part: a run counts as stored only once its run part
exists, and on resume a series part without a readable run part of the same name is removed.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from partnerships.experiments.errors import UserError

PART = re.compile(r"^part-(\d+)-(\d+)-([0-9a-f]{32})\.parquet$")
MANIFEST = "manifest.json"


@dataclass
class Stored:
    """What a results folder already holds: the run rows (one per run_id) and which part each came from."""

    runs: pd.DataFrame
    part_of: dict[int, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (same folder, so atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class Store:
    """A study's results folder (see the module docstring for its layout)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.series_dir = self.root / "series"

    # --- manifest ------------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def has_study(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict:
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise UserError(f"'{self.manifest_path}' cannot be read ({err}): allowed a results folder made by "
                            "'partnerships sweep'") from None

    def write_manifest(self, manifest: Mapping) -> None:
        text = json.dumps(manifest, indent=2, default=str)
        write_atomic(self.manifest_path, lambda tmp: tmp.write_text(text))

    # --- parts ---------------------------------------------------------------------------------
    def write_part(self, runs: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> str:
        """Store one batch of finished runs (and their per-run tables); return the part's file name."""
        ids = runs["run_id"]
        name = f"part-{int(ids.min())}-{len(runs)}-{uuid.uuid4().hex}.parquet"
        for table, frame in tables.items():
            write_atomic(self.series_dir / table / name, lambda tmp, f=frame: f.to_parquet(tmp, index=False))
        write_atomic(self.runs_dir / name, lambda tmp: runs.to_parquet(tmp, index=False))
        return name

    def scan(self) -> Stored:
        """Read every run part; set aside unreadable or inconsistent ones (their runs are redone).

        A part is kept only if Parquet can read it, it has a ``run_id`` column, and its row count and
        smallest run_id match its name. A run id stored twice keeps a copy that ran ('ok' before 'failed',
        a run redone by ``--retry-failed``), then the one from the first part by name.
        Leftover temporary files and series parts whose run part is missing are removed.
        """
        frames: list[pd.DataFrame] = []
        part_of: dict[int, str] = {}
        dropped: list[str] = []
        readable: set[str] = set()
        for path in sorted(self.runs_dir.glob("*")) if self.runs_dir.is_dir() else []:
            if path.name.startswith("."):  # a temporary file left by a killed writer
                path.unlink(missing_ok=True)
                continue
            match = PART.match(path.name)
            if match is None:
                continue
            frame = _read_part(path, first=int(match[1]), n=int(match[2]))
            if frame is None:
                path.rename(path.with_name(path.name + ".corrupt"))
                dropped.append(path.name)
                continue
            readable.add(path.name)
            frames.append(frame.assign(_part=path.name))
        if frames:
            runs = pd.concat(frames, ignore_index=True)
            failed = runs["status"].ne("ok") if "status" in runs else pd.Series(False, index=runs.index)
            runs = (runs.assign(_failed=failed).sort_values(["run_id", "_failed", "_part"], kind="stable")
                    .drop_duplicates("run_id", keep="first"))
            part_of = dict(zip(runs["run_id"].tolist(), runs["_part"].tolist()))
            runs = runs.drop(columns=["_part", "_failed"])
        else:
            runs = pd.DataFrame({"run_id": pd.Series(dtype="int64")})
        self._remove_orphan_series(readable)
        return Stored(runs.sort_values("run_id", ignore_index=True), part_of, dropped)

    def _remove_orphan_series(self, parts: set[str]) -> None:
        for path in self.series_dir.glob("*/*") if self.series_dir.is_dir() else []:
            if path.name not in parts:
                path.unlink(missing_ok=True)

    def read_table(self, table: str, part_of: Mapping[int, str]) -> pd.DataFrame:
        """Concatenate a per-run table's parts, keeping each run's rows from the part its run row came from."""
        frames = []
        for path in sorted((self.series_dir / table).glob("part-*.parquet")):
            frame = pd.read_parquet(path)
            keep = frame["run_id"].map(part_of) == path.name
            frames.append(frame[keep.to_numpy()])
        if not frames:
            return pd.DataFrame({"run_id": pd.Series(dtype="int64")})
        return pd.concat(frames, ignore_index=True).sort_values("run_id", kind="stable", ignore_index=True)

    def consolidate(self, runs: pd.DataFrame, part_of: Mapping[int, str], tables: Iterable[str]) -> None:
        """Write ``runs.parquet`` and one ``<table>.parquet`` per kept table (each atomically)."""
        for table in tables:
            frame = self.read_table(table, part_of)
            write_atomic(self.root / f"{table}.parquet", lambda tmp, f=frame: f.to_parquet(tmp, index=False))
        write_atomic(self.root / "runs.parquet", lambda tmp: runs.to_parquet(tmp, index=False))


def _read_part(path: Path, first: int, n: int) -> pd.DataFrame | None:
    """The part's rows, or None if it is unreadable or does not match its name."""
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception:  # noqa: BLE001 - any failure to read means a corrupt or half-written file
        return None
    if "run_id" not in frame or len(frame) != n or int(frame["run_id"].min()) != first:
        return None
    return frame
