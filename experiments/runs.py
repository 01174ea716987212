"""Run many simulations: a local process pool or a Dask cluster, streaming to a results folder.

The one run-execution path of the project, shared by sweeps, sensitivity analysis, validation and
calibration. A study is a list of :class:`~experiments.spec.RunSpec` (see :mod:`experiments.spec` for
how they are numbered and seeded); :func:`execute` runs those not already stored in the results
folder and returns the run table. The results are the same bit for bit with one worker, many workers
or a cluster, because every run's seed is fixed before any run starts and nothing else is shared
between runs.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import hashlib
import itertools
import os
import signal
import socket
import time
import traceback
from collections.abc import Generator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from partnerships.experiments import progress
from partnerships.experiments.errors import SweepInterrupted, UserError
from partnerships.experiments.output import check_writable
from partnerships.experiments.provenance import git_commit, model_fingerprint, versions
from partnerships.experiments.spec import SEED_RULE, TABLES, RunSpec
from partnerships.experiments.store import LOCK, Store
from partnerships.model.outcomes import SUMMARY_FIELDS

if TYPE_CHECKING:
    from partnerships.model.run import Columns

FLUSH_SECONDS = 2.0  # a part file at least this often while runs finish
FLUSH_RUNS = 2048  # ... or once this many runs are waiting (fewer, larger parts: cheaper to write and to read back)
FLUSH_TABLE_ROWS = 262_144  # ... or once their per-run tables hold this many rows (bounds the memory they take)
DASK_RETRIES = 2  # re-runs of a task that raised on a Dask worker


# --- one run, in whichever process executes it ----------------------------------------------------
def run_spec(spec: RunSpec) -> tuple[dict[str, Any], dict[str, Columns]]:
    """Run one spec; return its run-table row and the per-run tables it keeps, each as its columns (NumPy
    arrays, :func:`model.run.run_columns`): a worker sends arrays back, and the driver makes the tables
    (:class:`_Writer`).

    An error inside the model is caught and recorded (status 'failed' and the error) rather than raised.
    """
    from partnerships.model.run import run_columns

    try:
        summary, columns = run_columns(spec.parameters, seed=spec.seed, weeks=spec.weeks, region=spec.region,
                                       interventions=spec.interventions, tables=spec.tables)
    except Exception as err:  # noqa: BLE001 - a failed run is a result, not a crash of the study
        return _failed(spec.row(), err), {}
    return spec.row() | {k: summary[k] for k in SUMMARY_FIELDS} | {"status": "ok", "error": ""}, columns


def _failed(row: dict[str, Any], err: BaseException) -> dict[str, Any]:
    where = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    message = f"{type(err).__name__}: {err}{at}".replace("\n", " ")
    return row | dict.fromkeys(SUMMARY_FIELDS) | {"status": "failed", "error": message}


def run_batch(specs: Sequence[RunSpec]) -> list[tuple[dict, dict]]:
    """Run several specs in turn (one task of the pool or cluster)."""
    return [run_spec(spec) for spec in specs]


#: The pool workers' garbage-collector threshold for the youngest generation (Python's default is 700): a run
#: allocates many short-lived containers, and collecting them less often made the sensitivity study's runs about
#: 7% cheaper (benchmarks/study_runs.py, quoted in benchmarks/README.md). Collections still run, so reference
#: cycles are still freed.
WORKER_GC_THRESHOLD = 50_000


def _worker_start(parent: int | None = None) -> None:
    """Pool worker set-up: leave Ctrl-C to the driver, die with the driver, load the compiled kernels once, and
    collect garbage less often (:data:`WORKER_GC_THRESHOLD`; what the imports made is frozen, never rescanned)."""
    import gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent if parent is not None else os.getppid())
    import partnerships.model.run  # noqa: F401 - compiles or loads the Numba cache

    gc.collect()
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _die_with_parent(parent: int) -> None:
    """End this worker when the driver process ``parent`` ends, even by SIGKILL (which it cannot catch).

    On Linux the kernel sends SIGKILL on the parent's death (``prctl(PR_SET_PDEATHSIG)``); everywhere a
    daemon thread also checks once a second that the parent is still this process's parent.
    """
    import ctypes
    import threading

    if os.getppid() != parent:  # the driver is already gone
        os._exit(1)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


# --- the driver ------------------------------------------------------------------------------------
def execute(specs: Sequence[RunSpec], out: Path, *, workers: int | None = None, scheduler: str | None = None,
            resume: bool = False, manifest: dict, label: str = "runs", retry_failed: bool = False) -> pd.DataFrame:
    """Run every spec not already stored in ``out`` and return the full run table sorted by run_id.

    Args:
        specs: the study's runs (unique run_ids); each keeps the per-run tables it names.
        out: results folder (see :mod:`experiments.store`); created if missing.
        workers: local processes (None: one per core; 1: in this process). Ignored with ``scheduler``.
        scheduler: address of a Dask scheduler (``tcp://127.0.0.1:8786``); runs go to its workers, a
            worker that dies has its runs rescheduled by Dask, a task that raised is retried.
        resume: continue a study already in ``out`` (its manifest hash must match); without it an
            existing study in ``out`` is refused.
        manifest: at least ``text`` (the study file) and ``kind``; ``sha256`` is computed from the text
            if absent. Versions, git commit, start time, host and the seed rule are added.
        label: what the progress display calls the runs (:mod:`experiments.progress`).
        retry_failed: run again the stored runs that failed in the model (their new rows replace the old).

    Returns:
        columns run_id, point, replication, seed, every overridden parameter, every
        :data:`~model.outcomes.SUMMARY_FIELDS` outcome (float; null if undefined or failed), status
        ('ok' or 'failed') and error. ``out/runs.parquet`` and ``out/<table>.parquet`` hold the same.

    Raises:
        UserError: unusable folder, a different study in ``out``, an unreachable scheduler.
        SweepInterrupted: Ctrl-C or a broken pool; finished runs are stored, run again to resume.
    """
    specs = sorted(specs, key=lambda s: s.run_id)
    if len({s.run_id for s in specs}) != len(specs):
        raise ValueError("run_ids must be unique within a study")
    check_specs(specs)
    tables = tuple(t for t in TABLES if any(t in s.tables for s in specs))
    manifest = _full_manifest(manifest, len(specs), tables)
    store = Store(Path(out))
    check_writable(store.root)
    cluster = _dask_executor(scheduler) if scheduler is not None else None  # it answers before anything is written
    try:
        with store.writing():
            return _execute(store, specs, tables, manifest, resume=resume, workers=workers, cluster=cluster,
                            label=label, retry_failed=retry_failed)
    finally:
        if cluster is not None:
            cluster[2]()


def _execute(store: Store, specs: list[RunSpec], tables: tuple[str, ...], manifest: dict, *, resume: bool,
             workers: int | None, cluster, label: str, retry_failed: bool) -> pd.DataFrame:
    """:func:`execute` once the folder's lock is held (and the cluster, if any, has answered)."""
    old = _check_study(store, manifest, resume)
    stored = store.scan(repair=False)
    _check_same_inputs(store, stored.runs, specs)  # refused before anything is written
    if old is None:
        store.write_manifest(manifest)
    else:
        old.setdefault("resumed", []).append(manifest["started"])
        store.write_manifest(old)
    stored = store.scan(repair=True)
    for name in stored.dropped:
        _console().print(f"[yellow]{name}: a part file that does not verify (checksum, unreadable or incomplete) "
                         "set aside as *.corrupt; its runs are redone")
    ok = stored.runs["status"].eq("ok") if "status" in stored.runs else pd.Series(True, index=stored.runs.index)
    done = set(stored.runs["run_id"][ok if retry_failed else slice(None)].tolist())
    todo = [s for s in specs if s.run_id not in done]  # in run-id order: replication-major, so interleaved
    part_of = dict(stored.part_of)
    progress.register(label, len(specs), len(specs) - len(todo))
    if todo:
        writer = _Writer(store, part_of)
        lost: list[tuple[int, str]] = []
        results = _results(todo, workers, cluster, lost)
        with progress.runs(label, len(specs), len(specs) - len(todo)) as advance:
            try:
                for finished in results:
                    writer.add(finished)
                    advance(len(finished))
            except KeyboardInterrupt:
                results.close()
                writer.flush()
                raise SweepInterrupted(_stopped("interrupted", store, part_of, len(specs))) from None
            except cf.process.BrokenProcessPool:
                results.close()
                writer.flush()
                raise SweepInterrupted(_stopped("a worker process died", store, part_of, len(specs))) from None
            writer.flush()
        if lost:
            n_lost = sum(n for n, _ in lost)
            raise SweepInterrupted(_stopped(f"{n_lost} runs were lost with their worker or cluster ({lost[0][1]})", store,
                                            writer.part_of, len(specs)))
    final = store.scan(repair=True)
    runs = _run_table(final.runs, {s.run_id for s in specs})
    store.consolidate(runs, final.part_of, tables)
    for log in _LOGS:
        log.add(store.root, runs)
    return runs


# --- what the runs of a whole study came to ---------------------------------------------------------
class RunLog:
    """The outcome (``run_id``, ``status``, ``error``) of every run table :func:`execute` returned while the log
    was open (see :func:`run_log`): the last table of each results folder, so a folder executed twice counts once."""

    def __init__(self) -> None:
        self.tables: dict[Path, pd.DataFrame] = {}

    def add(self, folder: Path, runs: pd.DataFrame) -> None:
        self.tables[Path(folder).resolve()] = runs[["run_id", "status", "error"]]

    def runs(self) -> pd.DataFrame:
        """Every logged run's status and error (an empty table if none was logged)."""
        frames = list(self.tables.values())
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"status": [], "error": []})


_LOGS: list[RunLog] = []


@contextlib.contextmanager
def run_log() -> Iterator[RunLog]:
    """Log the run tables of every :func:`execute` in this process inside the ``with`` block, for a study made of
    several executions (sensitivity phases, validation folders, calibration batches) to say what failed."""
    log = RunLog()
    _LOGS.append(log)
    try:
        yield log
    finally:
        _LOGS.remove(log)


def failure_summary(runs: pd.DataFrame, where: str = "runs.parquet") -> str | None:
    """One line saying how many runs failed and the commonest error, or None if every run is 'ok'.

    ``runs`` holds at least ``status`` and ``error``; ``where`` says where the failed runs are stored.
    """
    failed = runs[runs["status"] != "ok"]
    if failed.empty:
        return None
    counts = failed["error"].fillna("").value_counts()
    top, n = str(counts.index[0]), int(counts.iloc[0])
    if len(top) > 160:
        top = top[:157] + "..."
    others = f"; {len(counts) - 1} other errors" if len(counts) > 1 else ""
    return (f"{len(failed)} of {len(runs)} runs failed in the model ({n} with {top}{others}); they are stored with "
            f"their error in {where}: fix the cause, then run again with --retry-failed")


def check_specs(specs: Sequence[RunSpec]) -> None:
    """Refuse, before anything runs or is written, a spec that ``partnerships run`` would refuse: an
    intervention naming a project or organisation the region does not have, an unknown action or
    condition, an amount outside the action's range, a week after the run's last (each distinct region,
    interventions and weeks once)."""
    from partnerships.model.interventions import ACTIONS, CONDITIONS, amount_allowed, week_allowed

    seen: set[tuple[int, tuple, int]] = set()
    for spec in specs:
        key = (id(spec.region), spec.interventions, spec.weeks)
        if key in seen:
            continue
        seen.add(key)
        region = spec.region
        for i in (*region.interventions, *spec.interventions):
            where = f"run {spec.run_id} (scenario {region.name!r}): intervention {i.action!r}"
            if i.action not in ACTIONS:
                raise UserError(f"{where}: unknown action: allowed one of {', '.join(ACTIONS)}")
            if i.when is not None and i.when not in CONDITIONS:
                raise UserError(f"{where}: when = {i.when!r}: allowed one of {', '.join(CONDITIONS)}")
            if i.project is not None and not 0 <= i.project < region.n_projects:
                raise UserError(f"{where}: project = {i.project}: allowed 0 to {region.n_projects - 1}")
            if i.organisation is not None and not 0 <= i.organisation < region.n_organisations:
                raise UserError(f"{where}: organisation = {i.organisation}: allowed 0 to {region.n_organisations - 1}")
            allowed = amount_allowed(i.action, i.amount)
            if allowed is not None:
                raise UserError(f"{where}: amount = {i.amount}: allowed {allowed}")
            allowed = week_allowed(i.week, spec.weeks)
            if allowed is not None:
                raise UserError(f"{where}: week = {i.week}: allowed {allowed}")


def _check_same_inputs(store: Store, runs: pd.DataFrame, specs: Sequence[RunSpec]) -> None:
    """Refuse to resume if a stored run was made from other inputs than the spec of the same run_id now.

    Every run row records ``spec_sha256``: the hash of everything the run depends on (the resolved
    scenario, parameters, interventions, weeks, seed), so a scenario, posterior or data file changed
    since the first start is caught even though the study file's text is the same. A study may grow
    (new run ids); a stored run id that the study no longer has is left out of its tables.
    """
    if runs.empty:
        return
    now = {s.run_id: s for s in specs}
    have = runs[runs["run_id"].isin(now)]
    stored = have["spec_sha256"] if "spec_sha256" in have else pd.Series([""] * len(have), index=have.index)
    for run_id, old in zip(have["run_id"].tolist(), stored.tolist()):
        new = now[run_id].digest()
        if old != new:
            raise UserError(f"'{store.root}' holds run {run_id} made from other inputs (spec sha256 {str(old)[:12]}, "
                            f"now {new[:12]}): a scenario, posterior or data file the study names has changed since "
                            "it started; restore it, or choose a new --out folder")


def _stopped(why: str, store: Store, part_of: dict, total: int) -> str:
    return (f"{why}: {len(part_of)} of {total} runs are stored in {store.root}; "
            "run the same command again (or add --resume) to finish the rest")


def _check_study(store: Store, manifest: dict, resume: bool) -> dict | None:
    """The folder's manifest if it holds this study on this model code (resume), None if it is new or empty."""
    if store.has_study():
        old = store.read_manifest()
        if not isinstance(old, dict):
            raise UserError(f"'{store.manifest_path}' is not a JSON object: allowed a results folder made by "
                            "'partnerships sweep' (or an empty folder)")
        if not resume:
            raise UserError(f"'{store.root}' already holds a study: resume it, or choose a new --out folder")
        if old.get("sha256") != manifest["sha256"]:
            raise UserError(f"'{store.root}' holds results of a different {old.get('kind', 'study')} file "
                            f"(sha256 {str(old.get('sha256'))[:12]}, now {manifest['sha256'][:12]}): resume with the "
                            "unchanged file, or choose a new --out folder")
        if old.get("model_sha256") != manifest["model_sha256"]:
            raise UserError(f"'{store.root}' holds results of different model code (model sha256 "
                            f"{str(old.get('model_sha256'))[:12]}, now {manifest['model_sha256'][:12]}): resuming "
                            "would mix model versions; choose a new --out folder")
        return old
    if any(p.name != LOCK for p in store.root.iterdir()):
        raise UserError(f"'{store.root}' is not empty and holds no study: allowed a new or empty --out folder")
    return None


def _full_manifest(manifest: dict, n_runs: int, tables: tuple[str, ...]) -> dict:
    text = manifest.get("text", "")
    return {"kind": "study", **manifest, "sha256": manifest.get("sha256") or hashlib.sha256(text.encode()).hexdigest(),
            "runs": n_runs, "tables": ["runs", *tables], "seed_rule": SEED_RULE, "versions": versions(),
            "git_commit": git_commit(), "model_sha256": model_fingerprint(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": socket.gethostname()}


def _chunks(specs: list[RunSpec], workers: int) -> Iterator[list[RunSpec]]:
    """Tasks of a few runs each: enough tasks to balance the load, few enough to keep overhead small."""
    size = max(1, min(8, len(specs) // (workers * 16)))
    for start in range(0, len(specs), size):
        yield specs[start:start + size]


#: Errors that mean the place a run executes went away (a worker, the pool, the cluster, the connection to
#: it), not that the model failed: such runs are not stored, so a resume redoes them. Matched by class name
#: along the error's class hierarchy, so Dask need not be imported to recognise its errors.
LOST = frozenset({"CancelledError", "FutureCancelledError", "BrokenProcessPool", "BrokenExecutor", "KilledWorker",
                  "CommClosedError", "StreamClosedError", "ConnectionError", "TimeoutError", "FutureLostError",
                  "WorkerDied", "SchedulerDied"})


def is_lost(err: BaseException) -> bool:
    """Whether ``err`` says the worker, pool or cluster went away (see :data:`LOST`)."""
    return any(cls.__name__ in LOST for cls in type(err).__mro__)


def _describe(err: BaseException) -> str:
    """``Type: message`` on one line, short (an error whose ``str`` itself fails is named by its type)."""
    try:
        text = str(err)
    except Exception:  # noqa: BLE001 - e.g. a KilledWorker built without a worker
        text = ""
    return (f"{type(err).__name__}: {text}" if text.strip() else type(err).__name__).replace("\n", " ")[:200]


def _results(todo: list[RunSpec], workers: int | None, cluster,
             lost: list[tuple[int, str]] | None = None) -> Generator[list[tuple[dict, dict]], None, None]:
    """Yield finished batches as they complete, from this process, a process pool or a Dask cluster.

    A batch whose worker, pool or cluster went away (:func:`is_lost`) is not yielded: ``(runs, error)``
    is appended to ``lost`` instead, so its runs stay undone and a resume redoes them.
    """
    if cluster is None and (workers or os.cpu_count() or 1) <= 1:
        for chunk in _chunks(todo, 1):
            yield run_batch(chunk)
        return
    if cluster is not None:
        executor, n_workers, _ = cluster
        close = _cancel_all
    else:
        import multiprocessing

        n_workers = workers or os.cpu_count() or 1
        executor = cf.ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"),
                                          initializer=_worker_start, initargs=(os.getpid(),))
        close = functools.partial(executor.shutdown, wait=True, cancel_futures=True)
    # batches are submitted a window at a time, topped up as they finish: cf.wait's cost grows with the futures it
    # watches (it locks each of them, twice), and watching a study's thousands at every finished batch cost this
    # process a core's share (issue 11: a third of the CPU of the sensitivity study on 2 cores)
    chunks = _chunks(todo, n_workers)
    futures: dict[Any, list[RunSpec]] = {}
    pending: set[Any] = set()

    def submit_more() -> None:
        for chunk in itertools.islice(chunks, max(0, IN_FLIGHT_PER_WORKER * n_workers - len(pending))):
            future = executor.submit(run_batch, chunk)
            futures[future] = chunk
            pending.add(future)

    try:
        submit_more()
        while pending:
            done, pending = cf.wait(pending, timeout=POLL_SECONDS, return_when=cf.FIRST_COMPLETED)
            if not done and _client_closed(executor):
                # the client gave up on its scheduler: futures it had not settled would wait for ever
                if lost is not None:
                    lost.append((sum(len(futures[f]) for f in pending) + sum(len(chunk) for chunk in chunks),
                                 "the Dask client lost its scheduler"))
                return
            for future in done:
                chunk = futures.pop(future)  # (a finished batch's results are not kept here once handed on)
                try:
                    yield future.result()
                except (cf.process.BrokenProcessPool, KeyboardInterrupt, SystemExit, GeneratorExit):
                    raise
                except BaseException as err:  # noqa: BLE001 - asyncio's CancelledError is a BaseException
                    if is_lost(err):
                        if lost is not None:
                            lost.append((len(chunk), _describe(err)))
                        continue
                    yield [(_failed(s.row(), err), {}) for s in chunk]
            submit_more()
    finally:
        for future in futures:
            future.cancel()
        close()


#: Seconds between checks, while no batch finishes, that a Dask client still has its scheduler.
POLL_SECONDS = 2.0
#: Batches submitted ahead per worker (enough to keep a worker busy between two looks at the finished ones).
IN_FLIGHT_PER_WORKER = 8


def _client_closed(executor) -> bool:
    """Whether ``executor`` is a Dask client's executor whose client has closed (it closes after failing to
    reconnect to a lost scheduler, and may leave futures it had not settled pending)."""
    client = getattr(executor, "_client", None)
    return client is not None and getattr(client, "status", "running") in ("closing", "closed")


def _cancel_all() -> None:
    """Closing a cluster's executor is left to :func:`execute` (which made it); its futures are cancelled."""


QUIET_DASK_LOGS = ("distributed.client", "distributed.batched", "distributed.core", "distributed.comm",
                   "tornado.application")
"""Loggers that log a lost scheduler with tracebacks in the Dask client's process (``distributed.batched`` at INFO
level, Tornado's event loop, on which the client runs, at ERROR level, each with the CommClosedError's traceback);
they are silenced while a sweep's client is open."""


def _dask_executor(address: str):
    """(executor, workers, close) of the Dask scheduler at ``address``. While it is open, the Dask client's own
    logs are quiet: a cluster that goes away is told in one line by :func:`execute` (its runs were lost),
    not by the tracebacks that the client and its batched connection log when the connection closes."""
    import logging

    from dask.distributed import Client

    logs = [logging.getLogger(name) for name in QUIET_DASK_LOGS]
    levels = [log.level for log in logs]

    def restore() -> None:
        for log, level in zip(logs, levels):
            log.setLevel(level)

    for log in logs:
        log.setLevel(logging.CRITICAL)
    try:
        client = Client(address, timeout="10s")
    except Exception as err:  # noqa: BLE001 - OSError, TimeoutError, ValueError, or a malformed address's own error
        restore()
        raise UserError(f"--scheduler '{address}' cannot be reached ({_describe(err)}): allowed the address of a running "
                        "Dask scheduler, such as tcp://127.0.0.1:8786") from None
    n_workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))

    def close() -> None:
        try:
            client.close()
        finally:
            restore()

    return client.get_executor(pure=False, retries=DASK_RETRIES), n_workers, close


class _Writer:
    """Collects finished runs and writes them as part files every few seconds.

    A run's per-run tables arrive as columns (:func:`run_spec`); a part's tables are made from the runs'
    columns concatenated, with the run id in front (``model.run.TABLE_FRAMES``), the same tables as the
    runs' own tables concatenated."""

    def __init__(self, store: Store, part_of: dict[int, str]) -> None:
        self.store, self.part_of = store, part_of
        self.rows: list[dict] = []
        self.columns: dict[str, list[tuple[int, Columns]]] = {}  # table -> (run id, its columns) of each run
        self.table_rows = 0  # rows of the per-run tables waiting
        self.last = time.monotonic()

    def add(self, finished: list[tuple[dict, dict]]) -> None:
        if not self.rows:
            self.last = time.monotonic()
        for row, tables in finished:
            self.rows.append(row)
            for table, columns in tables.items():
                self.columns.setdefault(table, []).append((row["run_id"], columns))
                self.table_rows += len(next(iter(columns.values()), ()))
        if (len(self.rows) >= FLUSH_RUNS or self.table_rows >= FLUSH_TABLE_ROWS
                or time.monotonic() - self.last >= FLUSH_SECONDS):
            self.flush()

    def flush(self) -> None:
        if self.rows:
            runs = _typed(pd.DataFrame(self.rows))
            tables = {t: _table(t, runs_columns) for t, runs_columns in self.columns.items()}
            name = self.store.write_part(runs, tables)
            self.part_of.update(dict.fromkeys(runs["run_id"].tolist(), name))
        self.rows, self.columns, self.table_rows, self.last = [], {}, 0, time.monotonic()


def _table(name: str, runs_columns: list[tuple[int, Columns]]) -> pd.DataFrame:
    """Per-run table ``name`` of several runs from their columns, with the run id as its first column."""
    from partnerships.model.run import TABLE_FRAMES

    first = runs_columns[0][1]
    rows = [len(next(iter(columns.values()))) if columns else 0 for _, columns in runs_columns]
    frame = TABLE_FRAMES[name]({c: np.concatenate([columns[c] for _, columns in runs_columns]) for c in first})
    frame.insert(0, "run_id", np.repeat(np.array([run_id for run_id, _ in runs_columns], dtype=np.int64), rows))
    return frame


def _typed(runs: pd.DataFrame) -> pd.DataFrame:
    """Fixed column types, so parts and the consolidated table agree whatever the batch held."""
    for name in SUMMARY_FIELDS:
        runs[name] = pd.to_numeric(runs[name], errors="coerce").astype("float64")
    for name in ("run_id", "point", "replication"):
        runs[name] = runs[name].astype("int64")
    runs["seed"] = runs["seed"].astype("uint64")
    return runs


def _run_table(runs: pd.DataFrame, ids: set[int]) -> pd.DataFrame:
    """The study's rows in a fixed column order: ids and seed, parameters, outcomes, status."""
    runs = runs[runs["run_id"].isin(ids)]
    fixed = ["run_id", "point", "replication", "seed",
             *(c for c in ("scenario", "scenario_sha256", "spec_sha256") if c in runs)]
    tail = [*SUMMARY_FIELDS, "status", "error"]
    middle = [c for c in runs.columns if c not in fixed and c not in tail]
    return runs[fixed + middle + tail].sort_values("run_id", ignore_index=True)


def _console():
    from rich.console import Console

    return Console(stderr=True)
