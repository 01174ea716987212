"""The results folder of a study: Parquet part files written as runs finish, a manifest, and resume.

Layout of a results folder ``DIR``::

    DIR/manifest.json                         study text, its sha256, versions, git commit, host, start time
    DIR/runs/part-<first>-<n>-<uuid>.parquet  one row per finished run (first run_id, number of runs)
    DIR/runs/part-<...>.parquet.sha256        the sha256 of every file of that batch (JSON)
    DIR/series/<table>/part-<same name>       the per-run tables kept with the runs (model_weekly, ...)
    DIR/runs.parquet, DIR/<table>.parquet     the consolidated tables, written when the study ends
    DIR/checksums.json                        the sha256 of each consolidated table
    DIR/.lock                                 held by the one process writing the folder (filelock)

Every file is written under a temporary name and renamed, so a reader never sees half a file. A
batch's series parts are written first, then its checksum file, then its run part: a run counts as
stored only once its run part exists and its whole batch verifies; a batch that does not verify (a
flipped bit anywhere) is set aside and its runs redone. Only the writer, holding the lock, changes
or removes files; a reader never does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from partnerships.experiments.errors import UserError

PART = re.compile(r"^part-(\d+)-(\d+)-([0-9a-f]{32})\.parquet$")
MANIFEST = "manifest.json"
SUMS = ".sha256"  # beside each run part: the sha256 of every file of its batch (JSON)
CHECKSUMS = "checksums.json"  # the sha256 of each consolidated table
LOCK = ".lock"  # held (filelock) by the one process writing the folder


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Hold the folder's lock while writing it: one writer at a time; a second is refused at once.

        A folder this call creates is removed again if nothing was written into it (an error before the
        manifest), so a refused study leaves nothing behind.
        """
        from filelock import FileLock, Timeout

        created = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.root / LOCK, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise UserError(f"'{self.root}' is being written by another process (a sweep, sensitivity study, "
                            "validation or calibration): wait for it to end, or choose another --out folder") from None
        try:
            yield self
        finally:
            lock.release()
            if created and not self.has_study():
                (self.root / LOCK).unlink(missing_ok=True)
                with suppress(OSError):
                    self.root.rmdir()

    def is_being_written(self) -> bool:
        """Whether another process holds the folder's lock now."""
        from filelock import FileLock, Timeout

        if not (self.root / LOCK).exists():
            return False
        lock = FileLock(self.root / LOCK, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            return True
        lock.release()
        return False

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
        """Store one batch of finished runs (and their per-run tables); return the part's file name.

        Order: the series parts, then the checksum file (sha256 of every file of the batch), then the
        run part: a run part that exists has its checksums beside it.
        """
        ids = runs["run_id"]
        name = f"part-{int(ids.min())}-{len(runs)}-{uuid.uuid4().hex}.parquet"
        sums: dict[str, str] = {}
        for table, frame in tables.items():
            path = self.series_dir / table / name
            write_atomic(path, lambda tmp, f=frame: f.to_parquet(tmp, index=False))
            sums[f"series/{table}"] = sha256_file(path)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.runs_dir / f".{name}.tmp-{uuid.uuid4().hex}"
        try:
            runs.to_parquet(tmp, index=False)
            sums["runs"] = sha256_file(tmp)
            text = json.dumps(sums, sort_keys=True)
            write_atomic(self.checksum_path(name), lambda t: t.write_text(text))
            os.replace(tmp, self.runs_dir / name)
        finally:
            tmp.unlink(missing_ok=True)
        return name

    def checksum_path(self, name: str) -> Path:
        """The checksum file of the batch whose run part is ``name``."""
        return self.runs_dir / (name + SUMS)

    def scan(self, repair: bool = False) -> Stored:
        """Read every run part whose batch verifies; list the others (their runs are redone).

        A batch is kept only if its checksum file exists and every file of it (the run part and its
        series parts) has the sha256 recorded there, Parquet can read the run part, it has a
        ``run_id`` column, and its row count and smallest run_id match its name. A run id stored
        twice keeps a copy that ran ('ok' before 'failed', a run redone by ``--retry-failed``), then
        the one from the first part by name.

        ``repair=False`` (a reader: a report, or anyone without the folder's lock) changes nothing on
        disk. ``repair=True`` (the writer, holding the lock) renames the files of a batch that does not
        verify to ``*.corrupt`` and removes leftover temporary files, checksum files without a run part
        and series parts whose run part is missing.
        """
        frames: list[pd.DataFrame] = []
        part_of: dict[int, str] = {}
        dropped: list[str] = []
        readable: set[str] = set()
        for path in sorted(self.runs_dir.glob("*")) if self.runs_dir.is_dir() else []:
            if path.name.startswith("."):  # a temporary file of a writer (or left by a killed one)
                if repair:
                    path.unlink(missing_ok=True)
                continue
            match = PART.match(path.name)
            if match is None:
                continue
            frame = self._verified(path, first=int(match[1]), n=int(match[2]))
            if frame is None:
                if repair:
                    self._set_aside(path.name)
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
        if repair:
            self._remove_orphans(readable)
        return Stored(runs.sort_values("run_id", ignore_index=True), part_of, dropped)

    def _verified(self, path: Path, first: int, n: int) -> pd.DataFrame | None:
        """The run part's rows if its whole batch verifies, else None."""
        try:
            sums = json.loads(self.checksum_path(path.name).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(sums, dict) or sums.get("runs") != sha256_file(path):
            return None
        for key, expected in sums.items():
            if key.startswith("series/"):
                series = self.series_dir / key.removeprefix("series/") / path.name
                if not series.is_file() or sha256_file(series) != expected:
                    return None
        return _read_part(path, first, n)

    def _set_aside(self, name: str) -> None:
        """Rename every file of a batch that does not verify to ``*.corrupt`` (kept for inspection)."""
        for path in [self.runs_dir / name, self.checksum_path(name), *self.series_dir.glob(f"*/{name}")]:
            if path.exists():
                path.rename(path.with_name(path.name + ".corrupt"))

    def _remove_orphans(self, parts: set[str]) -> None:
        for path in self.series_dir.glob("*/*") if self.series_dir.is_dir() else []:
            if path.name.endswith(".corrupt"):
                continue
            if path.name not in parts:
                path.unlink(missing_ok=True)
        for path in self.runs_dir.glob("*" + SUMS) if self.runs_dir.is_dir() else []:
            if path.name.removesuffix(SUMS) not in parts:
                path.unlink(missing_ok=True)

    def read_table(self, table: str, part_of: Mapping[int, str]) -> pd.DataFrame:
        """Concatenate a per-run table's parts, keeping each run's rows from the part its run row came from
        (only the parts of verified batches: those :meth:`scan` returned)."""
        frames = []
        for name in sorted(set(part_of.values())):
            path = self.series_dir / table / name
            if not path.is_file():
                continue
            frame = pd.read_parquet(path)
            keep = frame["run_id"].map(part_of) == path.name
            frames.append(frame[keep.to_numpy()])
        if not frames:
            return pd.DataFrame({"run_id": pd.Series(dtype="int64")})
        return pd.concat(frames, ignore_index=True).sort_values("run_id", kind="stable", ignore_index=True)

    def consolidate(self, runs: pd.DataFrame, part_of: Mapping[int, str], tables: Iterable[str]) -> None:
        """Write ``runs.parquet`` and one ``<table>.parquet`` per kept table (each atomically), then
        ``checksums.json``: the sha256 of each (what :meth:`verify_tables` checks)."""
        sums = {}
        self.root.joinpath(CHECKSUMS).unlink(missing_ok=True)
        for table in tables:
            frame = self.read_table(table, part_of)
            write_atomic(self.root / f"{table}.parquet", lambda tmp, f=frame: f.to_parquet(tmp, index=False))
            sums[f"{table}.parquet"] = sha256_file(self.root / f"{table}.parquet")
        write_atomic(self.root / "runs.parquet", lambda tmp: runs.to_parquet(tmp, index=False))
        sums["runs.parquet"] = sha256_file(self.root / "runs.parquet")
        text = json.dumps(sums, indent=2, sort_keys=True)
        write_atomic(self.root / CHECKSUMS, lambda tmp: tmp.write_text(text))

    def verify_tables(self) -> list[str]:
        """The consolidated tables that exist but do not match ``checksums.json`` (all of them if it is
        missing or unreadable); an empty list when they verify."""
        present = sorted(p.name for p in self.root.glob("*.parquet"))
        try:
            sums = json.loads((self.root / CHECKSUMS).read_text())
        except (OSError, ValueError):
            return present
        if not isinstance(sums, dict):
            return present
        return [name for name in present if sums.get(name) != sha256_file(self.root / name)]


def _read_part(path: Path, first: int, n: int) -> pd.DataFrame | None:
    """The part's rows, or None if it is unreadable or does not match its name."""
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception:  # noqa: BLE001 - any failure to read means a corrupt or half-written file
        return None
    if "run_id" not in frame or len(frame) != n or int(frame["run_id"].min()) != first:
        return None
    return frame
