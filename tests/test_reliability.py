"""Reliability of studies (issue 15): what guards a resume, failures, checksums, the folder lock, bad input."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.experiments.provenance import PACKAGE_ROOT, model_fingerprint
from partnerships.experiments.spec import build_specs, region_digest
from partnerships.model.scenarios import RegionSpec

runner = CliRunner()

SCENARIO = """
[scenario]
name = "mine"
areas = 1
projects_per_area = 4

[parameters]
meeting_interval = 4
"""

EXPERIMENT = """
[experiment]
name = "tiny"
weeks = 12
replications = 2
base_seed = 5
scenario = "mine.toml"

[vary.meeting_discipline]
levels = [0.2, 0.8]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def sweep(*args: str):
    return runner.invoke(app, ["sweep", *args])


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- 1. what guards a resume ------------------------------------------------------------------------
def test_a_changed_scenario_file_is_refused_on_resume_with_one_line(tmp_path):
    write(tmp_path, "mine.toml", SCENARIO)
    experiment = write(tmp_path, "exp.toml", EXPERIMENT)
    out = tmp_path / "out"
    first = sweep(str(experiment), "--out", str(out), "--workers", "1")
    assert first.exit_code == 0, first.output
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs["scenario"]) == {"mine"} and runs["scenario_sha256"].nunique() == 1
    before = (out / "runs.parquet").read_bytes()
    (out / "runs.parquet").unlink()  # as if the first sweep had been stopped before it ended
    write(tmp_path, "mine.toml", SCENARIO.replace("meeting_interval = 4", "meeting_interval = 13"))
    again = sweep(str(experiment), "--out", str(out), "--workers", "1")
    assert again.exit_code == 2
    line = one_line(again)
    assert "made from other inputs" in line and "scenario" in line
    assert not (out / "runs.parquet").exists()
    write(tmp_path, "mine.toml", SCENARIO)  # restored: resumes to the same table
    restored = sweep(str(experiment), "--out", str(out), "--workers", "1")
    assert restored.exit_code == 0, restored.output
    assert (out / "runs.parquet").read_bytes() == before


def test_different_inputs_give_different_spec_and_region_digests():
    base = RegionSpec()
    variants = [base, RegionSpec(areas=2), RegionSpec(projects_per_area=9), RegionSpec(parameters={"meeting_interval": 4}),
                RegionSpec(parameters={"meeting_interval": 13}), RegionSpec(name="other")]
    assert len({region_digest(r) for r in variants}) == len(variants)
    specs = [build_specs([{"meeting_discipline": d}], 1, base_seed=s, region=r, weeks=w)[0]
             for d in (0.2, 0.8) for s in (1, 2) for r in variants[:3] for w in (10, 11)]
    assert len({s.digest() for s in specs}) == len(specs)


def test_the_model_fingerprint_changes_with_any_byte_of_the_code_it_covers(tmp_path):
    root = tmp_path / "pkg"
    for folder in ("model", "agents"):
        if (PACKAGE_ROOT / folder).is_dir():
            shutil.copytree(PACKAGE_ROOT / folder, root / folder)
    (root / "experiments").mkdir()
    for name in ("spec.py", "runs.py", "store.py"):
        shutil.copy(PACKAGE_ROOT / "experiments" / name, root / "experiments" / name)
    original = model_fingerprint(root)
    assert original == model_fingerprint()  # the copy is the installed code
    seen = {original}
    for relative in ("model/parameters.py", "model/kernels/meetings.py", "experiments/runs.py", "experiments/spec.py"):
        path = root / relative
        data = path.read_bytes()
        path.write_bytes(data + b"\n")
        seen.add(model_fingerprint(root))
        path.write_bytes(data)
        assert model_fingerprint(root) == original
    (root / "model" / "new_module.py").write_text("x = 1\n")
    seen.add(model_fingerprint(root))
    assert len(seen) == 6
    (root / "experiments" / "report_only.py").write_text("x = 1\n")  # not a run's code: no change
    (root / "model" / "new_module.py").unlink()
    assert model_fingerprint(root) == original


# --- 2. failures classified -------------------------------------------------------------------------
from partnerships.experiments import runs as runs_module  # noqa: E402
from partnerships.experiments.errors import SweepInterrupted  # noqa: E402
from partnerships.experiments.runs import execute, is_lost  # noqa: E402
from partnerships.model.scenarios import county_region  # noqa: E402

MANIFEST = {"text": "reliability test study", "kind": "test"}


def tiny_specs(replications: int = 3, weeks: int = 12):
    return build_specs([{"meeting_discipline": d} for d in (0.2, 0.8)], replications, base_seed=11,
                       region=county_region(), weeks=weeks, tables=("model_weekly",))


class _Lost(Exception):
    pass


def _errors():
    import asyncio
    import concurrent.futures as cf

    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    return [cf.CancelledError(), asyncio.CancelledError(), KilledWorker("task", type("W", (), {"address": "tcp://w:1"})(), 2),
            CommClosedError("scheduler went away"), cf.process.BrokenProcessPool("pool died")]


def test_errors_of_a_lost_worker_or_cluster_are_told_apart_from_model_errors():
    assert all(is_lost(err) for err in _errors())
    assert not any(is_lost(err) for err in (ValueError("x"), KeyError("x"), ZeroDivisionError(), MemoryError()))


class _FlakyCluster:
    """A stand-in for a Dask executor whose tasks after the first ``ok`` are lost with ``error``."""

    def __init__(self, ok: int, error: BaseException) -> None:
        import concurrent.futures as cf

        self.cf, self.ok, self.error, self.n = cf, ok, error, 0

    def submit(self, fn, chunk):
        future = self.cf.Future()
        self.n += 1
        if self.n <= self.ok:
            future.set_result(fn(chunk))
        else:
            future.set_exception(self.error)
        return future


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "out"
    table = execute(tiny_specs(), out, workers=1, manifest=MANIFEST)
    return table, pd.read_parquet(out / "model_weekly.parquet")


@pytest.mark.parametrize("which", range(5))
def test_runs_lost_with_the_cluster_are_not_stored_and_are_redone_on_resume(clean, tmp_path, monkeypatch, which):
    error = _errors()[which]
    out = tmp_path / "out"
    monkeypatch.setattr(runs_module, "_dask_executor", lambda address: (_FlakyCluster(2, error), 1, lambda: None))
    monkeypatch.setattr(runs_module, "_chunks", lambda specs, workers: ([s] for s in specs))
    expected = "a worker process died" if which == 4 else "4 runs were lost with their worker or cluster"
    with pytest.raises(SweepInterrupted, match=expected):
        execute(tiny_specs(), out, scheduler="tcp://fake:1", manifest=MANIFEST, resume=True)
    stored = runs_module.Store(out).scan().runs
    assert len(stored) <= 2 and (stored.get("status", pd.Series(dtype=str)) == "ok").all()  # nothing stored as 'failed'
    monkeypatch.undo()
    table = execute(tiny_specs(), out, workers=1, manifest=MANIFEST, resume=True)
    pd.testing.assert_frame_equal(table, clean[0])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "model_weekly.parquet"), clean[1])


class _SilentCluster(_FlakyCluster):
    """A Dask executor stand-in whose client closed (its scheduler lost) leaving the tasks after the first ``ok``
    pending for ever, as a real client sometimes does."""

    def __init__(self, ok: int) -> None:
        super().__init__(ok, RuntimeError("never raised"))
        self._client = type("Client", (), {"status": "closed"})()

    def submit(self, fn, chunk):
        self.n += 1
        future = self.cf.Future()
        if self.n <= self.ok:
            future.set_result(fn(chunk))
        return future


def test_runs_pending_when_the_client_closes_are_lost_not_waited_for(clean, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(runs_module, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(runs_module, "_dask_executor", lambda address: (_SilentCluster(2), 1, lambda: None))
    monkeypatch.setattr(runs_module, "_chunks", lambda specs, workers: ([s] for s in specs))
    with pytest.raises(SweepInterrupted, match="4 runs were lost with their worker or cluster .the Dask client lost"):
        execute(tiny_specs(), out, scheduler="tcp://fake:1", manifest=MANIFEST, resume=True)
    assert len(runs_module.Store(out).scan().runs) == 2
    monkeypatch.undo()
    table = execute(tiny_specs(), out, workers=1, manifest=MANIFEST, resume=True)
    pd.testing.assert_frame_equal(table, clean[0])


def test_model_failures_are_stored_exit_1_and_are_redone_with_retry_failed(tmp_path, monkeypatch):
    import partnerships.model.run as model_run

    write(tmp_path, "mine.toml", SCENARIO)
    experiment = write(tmp_path, "exp.toml", EXPERIMENT)
    out, reference = tmp_path / "out", tmp_path / "reference"
    clean_run = sweep(str(experiment), "--out", str(reference), "--workers", "1")
    assert clean_run.exit_code == 0, clean_run.output
    real = model_run.run_columns  # what a worker calls

    def broken(parameters, **kwargs):
        if parameters.get("meeting_discipline") == 0.8:
            raise ZeroDivisionError("a bug in the model")
        return real(parameters, **kwargs)

    monkeypatch.setattr(model_run, "run_columns", broken)
    first = sweep(str(experiment), "--out", str(out), "--workers", "1")
    assert first.exit_code == 1
    errors = [x for x in first.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in first.stderr
    line = errors[0]
    assert line.startswith("error: 2 of 4 runs failed in the model (2 with ZeroDivisionError: a bug in the model")
    assert "--retry-failed" in line
    monkeypatch.setattr(model_run, "run_columns", real)  # the cause fixed
    again = sweep(str(experiment), "--out", str(out), "--workers", "1")
    assert again.exit_code == 1  # failed runs are not redone unless asked
    retried = sweep(str(experiment), "--out", str(out), "--workers", "1", "--retry-failed")
    assert retried.exit_code == 0, retried.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), pd.read_parquet(reference / "runs.parquet"))


# --- 3. checksums -----------------------------------------------------------------------------------
from partnerships.experiments.report import load_results  # noqa: E402
from partnerships.experiments.store import Store  # noqa: E402
from partnerships.model.errors import InputError  # noqa: E402


@pytest.fixture()
def swept(tmp_path, monkeypatch):
    """A finished tiny sweep (4 runs, one batch per run) and a copy of its folder."""
    monkeypatch.setattr(runs_module, "FLUSH_RUNS", 1)
    write(tmp_path, "mine.toml", SCENARIO)
    experiment = write(tmp_path, "exp.toml", EXPERIMENT.replace('scenario = "mine.toml"', 'scenario = "mine.toml"\n'
                                                                'outputs = ["runs", "model_weekly"]'))
    out = tmp_path / "out"
    result = sweep(str(experiment), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    shutil.copytree(out, tmp_path / "pristine")
    return experiment, out, tmp_path / "pristine"


def _flip(path: Path, position: int) -> bytes:
    data = path.read_bytes()
    flipped = bytearray(data)
    flipped[position % len(data)] ^= 1 << (position % 8)
    path.write_bytes(bytes(flipped))
    return data


def _positions(size: int, n: int = 24) -> list[int]:
    return sorted({0, 1, 4, size // 2, size - 9, size - 5, size - 1, *range(7, size, max(1, size // n))})


def test_a_bit_flipped_anywhere_in_a_run_or_series_part_is_detected_by_a_reader_that_changes_nothing(swept):
    _, out, _ = swept
    store = Store(out)
    clean = store.scan()
    assert clean.dropped == [] and len(clean.runs) == 4
    victims = [sorted((out / "runs").glob("part-*.parquet"))[1],
               sorted((out / "series" / "model_weekly").glob("part-*.parquet"))[2]]
    tried = 0
    for victim in victims:
        batch = victim.name
        for position in _positions(victim.stat().st_size):
            before = sorted(p.name for p in out.rglob("*"))
            original = _flip(victim, position)
            stored = store.scan()
            assert stored.dropped == [batch], (victim, position)
            assert len(stored.runs) == 3 and batch not in stored.part_of.values()
            assert sorted(p.name for p in out.rglob("*")) == before  # a reader renames and removes nothing
            with pytest.raises(InputError, match="part files do not verify"):
                load_results(out)
            victim.write_bytes(original)
            tried += 1
    assert tried >= 40
    assert store.scan().dropped == []


def test_a_flipped_part_is_redone_on_resume_to_the_identical_table(swept):
    experiment, out, pristine = swept
    runs_part = sorted((out / "runs").glob("part-*.parquet"))[0]
    series_part = sorted((out / "series" / "model_weekly").glob("part-*.parquet"))[3]
    _flip(runs_part, runs_part.stat().st_size // 3)
    _flip(series_part, 100)
    report = runner.invoke(app, ["report", str(out), "--no-pdf"])
    assert report.exit_code == 2 and "do not verify" in one_line(report)
    again = sweep(str(experiment), "--out", str(out), "--workers", "1")
    assert again.exit_code == 0, again.output
    for name in ("runs.parquet", "model_weekly.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(pristine / name))
    assert len(list((out / "runs").glob("*.parquet.corrupt"))) == 2
    assert Store(out).scan().dropped == []


def test_a_flipped_consolidated_table_makes_the_report_refuse_the_folder(swept):
    _, out, _ = swept
    for position in (10, 2000, -20):
        path = out / "model_weekly.parquet"
        original = _flip(path, position if position >= 0 else path.stat().st_size + position)
        with pytest.raises(InputError, match=r"model_weekly.parquet do not match checksums.json"):
            load_results(out)
        path.write_bytes(original)
    assert len(load_results(out).runs) == 4


# --- 4. one writer; readers disturb nothing ---------------------------------------------------------
def test_a_second_writer_is_refused_with_one_line_and_writes_nothing(tmp_path):
    write(tmp_path, "mine.toml", SCENARIO)
    experiment = write(tmp_path, "exp.toml", EXPERIMENT)
    out = tmp_path / "out"
    with Store(out).writing():
        result = sweep(str(experiment), "--out", str(out), "--workers", "1")
        assert result.exit_code == 2
        assert "is being written by another process" in one_line(result)
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # no manifest, no parts
    assert not out.exists()  # the first writer wrote nothing either: its folder is gone
    assert sweep(str(experiment), "--out", str(out), "--workers", "1").exit_code == 0


def test_readers_during_a_sweep_neither_disturb_it_nor_see_incomplete_parts(tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(runs_module, "FLUSH_RUNS", 1)
    specs = tiny_specs(replications=6)
    reference = execute(specs, tmp_path / "reference", workers=1, manifest=MANIFEST)
    out = tmp_path / "out"
    done = threading.Event()
    seen: list[int] = []
    problems: list[BaseException] = []
    foreign = [out / "runs" / ".part-0-1-someone-else.parquet.tmp-0", out / "series" / "model_weekly" / ".x.tmp-1"]

    def read_constantly():
        store = Store(out)
        while not done.is_set():
            try:
                stored = store.scan()
                assert stored.dropped == []
                if len(stored.runs):
                    assert set(stored.part_of) == set(stored.runs["run_id"])
                    weekly = store.read_table("model_weekly", stored.part_of)
                    assert set(weekly["run_id"]) == set(stored.runs["run_id"])  # every listed run has its series
                seen.append(len(stored.runs))
            except FileNotFoundError:
                pass  # a part renamed into place between listing and reading: read again
            except BaseException as err:  # noqa: BLE001
                problems.append(err)
                return

    reader = threading.Thread(target=read_constantly)
    reader.start()
    try:
        table = execute(specs, out, workers=1, manifest=MANIFEST)
    finally:
        done.set()
        reader.join()
    assert not problems, problems
    assert len(seen) > 3 and max(seen) <= 12
    pd.testing.assert_frame_equal(table, reference)
    for path in foreign:  # a writer's temporary files, as a reader finds them mid-write
        path.write_bytes(b"another process's temporary file")
    (out / "runs" / "part-0-1-0123456789abcdef0123456789abcdef.parquet").write_bytes(b"being renamed")
    assert Store(out).scan().dropped == ["part-0-1-0123456789abcdef0123456789abcdef.parquet"]
    assert all(path.exists() for path in foreign)  # a reader removes nothing of anyone's
    assert (out / "runs" / "part-0-1-0123456789abcdef0123456789abcdef.parquet").exists()


# --- 8. cleanup -------------------------------------------------------------------------------------
def test_a_bad_scheduler_address_is_one_line_and_writes_nothing(tmp_path):
    write(tmp_path, "mine.toml", SCENARIO)
    experiment = write(tmp_path, "exp.toml", EXPERIMENT)
    for address in ("tcp://127.0.0.1:1", "not an address"):
        out = tmp_path / "out"
        result = sweep(str(experiment), "--out", str(out), "--scheduler", address)
        assert result.exit_code == 2, result.output
        assert f"--scheduler '{address}' cannot be reached" in one_line(result)
        assert not out.exists()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_killing_the_sweep_parent_takes_its_pool_workers_with_it(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    write(tmp_path, "mine.toml", SCENARIO)
    experiment = write(tmp_path, "exp.toml", EXPERIMENT.replace("weeks = 12", "weeks = 2000")
                       .replace("replications = 2", "replications = 20"))
    script = "import sys; from partnerships.experiments.cli import app; sys.argv[0] = 'partnerships'; app()"
    parent = subprocess.Popen([sys.executable, "-c", script, "sweep", str(experiment), "--out",
                               str(tmp_path / "out"), "--workers", "2"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.5)
            workers = [p for p in _children(parent.pid)
                       if "spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
        assert len(workers) >= 2, "the pool's workers never started"
        time.sleep(2)  # the workers are running (importing the model, or running)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.2)
        assert not any(_alive(p) for p in workers), "pool workers outlived the killed sweep"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:  # only the workers this test started, by their ids
            if _alive(pid):
                with __import__("contextlib").suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


# --- 5. failures in sensitivity, validate and calibrate (as in sweep) ---------------------------------
SENSITIVITY = """method = "sobol"
weeks = 10
parameters = ["meeting_discipline", "leader_turnover"]
outcomes = ["delivered_share"]
[sobol]
n = 4
"""


def _breaking(monkeypatch, fails):
    """Make the model raise for the runs ``fails(parameters, seed)`` picks; return the undo."""
    import partnerships.model.run as model_run

    real = model_run.run_columns  # what a worker calls

    def broken(parameters, **kwargs):
        if kwargs.get("weeks", 260) > 1 and fails(parameters, kwargs.get("seed", 0)):  # not a study's 1-week probe
            raise ZeroDivisionError("a bug in the model")
        return real(parameters, **kwargs)

    monkeypatch.setattr(model_run, "run_columns", broken)
    return lambda: monkeypatch.setattr(model_run, "run_columns", real)


def _failure_line(result) -> str:
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # exit 1 said, not a crash
    errors = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


def test_sensitivity_with_failed_runs_exits_1_in_one_line_and_retry_failed_redoes_them(tmp_path, monkeypatch):
    study = write(tmp_path, "study.toml", SENSITIVITY)
    args = ["sensitivity", str(study), "--workers", "1", "--no-pdf"]
    reference = runner.invoke(app, [*args, "--out", str(tmp_path / "reference")])
    assert reference.exit_code == 0, reference.output
    fix = _breaking(monkeypatch, lambda parameters, seed: parameters.get("meeting_discipline", 0) > 0.5)
    out = str(tmp_path / "out")
    first = runner.invoke(app, [*args, "--out", out])
    assert first.exit_code == 1, first.output
    line = _failure_line(first)
    assert " of 96 runs failed in the model (" in line and "ZeroDivisionError: a bug in the model" in line
    assert "--retry-failed" in line and "sobol" not in line.split("(")[0]
    assert (tmp_path / "out" / "report.html").exists()  # the report is written (its warnings say so), then exit 1
    fix()
    assert runner.invoke(app, [*args, "--out", out]).exit_code == 1  # not redone unless asked
    retried = runner.invoke(app, [*args, "--out", out, "--retry-failed"])
    assert retried.exit_code == 0, retried.output
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "sobol" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "reference" / "sobol" / "runs.parquet"))
    assert (tmp_path / "out" / "sobol_indices.csv").read_bytes() == \
        (tmp_path / "reference" / "sobol_indices.csv").read_bytes()


def test_sensitivity_runs_lost_with_the_cluster_exit_130_and_are_redone_on_resume(tmp_path, monkeypatch):
    study = write(tmp_path, "study.toml", SENSITIVITY)
    args = ["sensitivity", str(study), "--no-pdf"]
    reference = runner.invoke(app, [*args, "--workers", "1", "--out", str(tmp_path / "reference")])
    assert reference.exit_code == 0, reference.output
    error = _errors()[1]  # asyncio.CancelledError, what a lost Dask client raises
    monkeypatch.setattr(runs_module, "_dask_executor", lambda address: (_FlakyCluster(10, error), 1, lambda: None))
    monkeypatch.setattr(runs_module, "_chunks", lambda specs, workers: ([s] for s in specs))
    out = str(tmp_path / "out")
    lost = runner.invoke(app, [*args, "--scheduler", "tcp://fake:1", "--out", out])
    assert lost.exit_code == 130, lost.output
    assert "86 runs were lost with their worker or cluster" in lost.stderr
    stored = Store(tmp_path / "out" / "sobol").scan().runs
    assert len(stored) == 10 and stored["status"].eq("ok").all()
    monkeypatch.undo()
    again = runner.invoke(app, [*args, "--workers", "1", "--out", out])
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "sobol" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "reference" / "sobol" / "runs.parquet"))


def _tiny_validation(monkeypatch):
    import functools

    from partnerships.experiments import validation as v

    monkeypatch.setattr(v.Settings, "for_mode", classmethod(
        lambda cls, quick, base_seed=20261126, posterior_draws=None: cls(pilot=3, max_replications=3, quick=True, weeks=12)))
    monkeypatch.setattr(v, "validate_patterns", functools.partial(v.validate_patterns, checks=v.CHECKS[:1]))
    return v


def test_validate_with_failed_runs_exits_1_in_one_line_and_retry_failed_redoes_them(tmp_path, monkeypatch):
    v = _tiny_validation(monkeypatch)
    args = ["validate", "--quick", "--no-curves", "--no-pdf", "--workers", "1"]
    reference = runner.invoke(app, [*args, "--out", str(tmp_path / "reference")])
    assert "failed in the model" not in reference.output, reference.output
    fix = _breaking(monkeypatch, lambda parameters, seed: parameters.get("champion_share") == 0.0)
    out = tmp_path / "out"
    first = runner.invoke(app, [*args, "--out", str(out)])
    assert first.exit_code == 1, first.output
    line = _failure_line(first)
    assert line.startswith("error: 3 of 6 runs failed in the model (3 with ZeroDivisionError: a bug in the model")
    assert "--retry-failed" in line
    fix()
    retried = runner.invoke(app, [*args, "--out", str(out), "--retry-failed"])
    assert "failed in the model" not in retried.output, retried.output
    assert retried.exit_code == reference.exit_code
    mine, theirs = (v.runs_folder(folder, True) / "summary" / "runs.parquet" for folder in (out, tmp_path / "reference"))
    pd.testing.assert_frame_equal(pd.read_parquet(mine), pd.read_parquet(theirs))


def test_calibrate_with_failed_runs_exits_1_in_one_line_and_retry_failed_gives_the_clean_posterior(tmp_path,
                                                                                                   monkeypatch):
    from test_calibration import tiny_study

    study = tiny_study(tmp_path, max_runs=60)
    args = ["calibrate", str(study), "--workers", "1"]
    reference = runner.invoke(app, [*args, "--out", str(tmp_path / "reference")])
    assert reference.exit_code == 0, reference.output
    fix = _breaking(monkeypatch, lambda parameters, seed: seed % 4 == 0)
    out = tmp_path / "out"
    first = runner.invoke(app, [*args, "--out", str(out)])
    assert first.exit_code == 1, first.output
    line = _failure_line(first)
    assert " runs failed in the model (" in line and "ZeroDivisionError: a bug in the model" in line
    assert "simulations" in line and "--retry-failed" in line
    broken = pd.read_parquet(out / "posterior.parquet")
    assert not broken.equals(pd.read_parquet(tmp_path / "reference" / "posterior.parquet"))  # the failures mattered
    fix()
    assert runner.invoke(app, [*args, "--out", str(out)]).exit_code == 1  # not redone unless asked
    retried = runner.invoke(app, [*args, "--out", str(out), "--retry-failed"])
    assert retried.exit_code == 0, retried.output
    for table in ("posterior.parquet", "predictive.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / table), pd.read_parquet(tmp_path / "reference" / table))


# --- 6. an intervention after the run's last week ------------------------------------------------------
def test_an_intervention_in_the_last_week_acts_and_one_after_it_never_does():
    from partnerships.model.interventions import Intervention, week_allowed
    from partnerships.model.model import PartnershipModel

    for week, acts in ((0, True), (12, True), (13, False)):
        model = PartnershipModel("county", rng=1, interventions=(Intervention("obstacle", week=week, project=0),))
        model.run_for(12)
        assert bool(model.events) == acts and (week_allowed(week, 12) is None) == acts


LATE = SCENARIO + """
[[interventions]]
action = "obstacle"
project = 0
week = 300
"""


@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity", "calibrate"])
def test_an_intervention_after_the_last_week_is_refused_up_front_in_one_line(tmp_path, command):
    from test_calibration import tiny_study

    scenario = write(tmp_path, "mine.toml", LATE)
    out = tmp_path / "out"
    if command == "run":
        args = ["run", "--scenario", str(scenario), "--weeks", "260", "--out", str(out)]
    elif command == "sweep":
        args = ["sweep", str(write(tmp_path, "exp.toml", EXPERIMENT.replace("weeks = 12", "weeks = 260"))),
                "--out", str(out), "--workers", "1"]
    elif command == "sensitivity":
        study = write(tmp_path, "study.toml", SENSITIVITY.replace("weeks = 10", 'weeks = 260\nscenario = "mine.toml"'))
        args = ["sensitivity", str(study), "--out", str(out), "--workers", "1", "--no-pdf"]
    else:
        study = tiny_study(tmp_path)
        text = study.read_text()
        start = text.index("scenario = ") + len("scenario = ")
        study.write_text(text[:start] + f'"{scenario}"' + text[text.index("\n", start):])
        study.write_text(study.read_text().replace("weeks = 26", "weeks = 260"))
        args = ["calibrate", str(study), "--out", str(out), "--workers", "1"]
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    line = one_line(result)
    assert "300" in line and ("week = 300: allowed 0 to 260" in line or "calibration.weeks = 260: allowed at least 300"
                              in line), line
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == before


# --- 7. size limits: stated once in the code, quoted by the README ------------------------------------
def test_the_readme_quotes_the_size_limits_of_the_code():
    import re

    from partnerships.model.scenarios import MAX_ORGANISATIONS, MAX_PROJECTS, synthetic_region

    readme = " ".join((PACKAGE_ROOT / "README.md").read_text().split())
    quoted = re.findall(r"up to ([\d,]+) organisations and ([\d,]+) projects", readme)
    assert quoted == [(f"{MAX_ORGANISATIONS:,}", f"{MAX_PROJECTS:,}")]
    assert synthetic_region(MAX_ORGANISATIONS, MAX_PROJECTS).n_organisations == MAX_ORGANISATIONS
    for organisations, projects in ((MAX_ORGANISATIONS + 1, 10), (20, MAX_PROJECTS + 1)):
        with pytest.raises(InputError, match="allowed a whole number from"):
            synthetic_region(organisations, projects)


# --- 8. a real Dask scheduler killed mid-sweep ---------------------------------------------------------
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

CLUSTER = """
import sys, time
from distributed import LocalCluster
cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                       dashboard_address=None)
print(cluster.scheduler_address, flush=True)
time.sleep(600)
"""


PARTNERSHIPS = str(Path(sys.executable).with_name("partnerships"))  # the command line, installed beside Python


def _start_cluster() -> tuple[subprocess.Popen, str]:
    """A LocalCluster (scheduler in the child's main process, one worker process) in its own session."""
    child = subprocess.Popen([sys.executable, "-c", CLUSTER], stdout=subprocess.PIPE, text=True, start_new_session=True)
    address = child.stdout.readline().strip()
    assert address.startswith("tcp://127.0.0.1:"), address
    return child, address


def _end(child: subprocess.Popen) -> None:
    """SIGKILL the cluster's whole session (its scheduler and worker processes), ours alone."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait(timeout=10)


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([PARTNERSHIPS, *args], capture_output=True,
                          text=True, timeout=timeout)


def test_a_sweep_on_a_dask_scheduler_killed_partway_resumes_on_a_fresh_cluster_to_the_identical_table(tmp_path):
    """Real processes: the scheduler is SIGKILLed once the sweep has stored a part; its lost runs are not stored
    as failed, the sweep stops with 130, and a fresh cluster finishes it to the table of an uninterrupted run."""
    write(tmp_path, "mine.toml", SCENARIO)
    experiment = write(tmp_path, "exp.toml", EXPERIMENT.replace("weeks = 12", "weeks = 5200")
                       .replace("replications = 2", "replications = 60").replace(
                           'scenario = "mine.toml"', 'scenario = "mine.toml"\noutputs = ["runs", "model_weekly"]'))
    reference = _cli("sweep", str(experiment), "--out", str(tmp_path / "reference"), "--workers", "1")
    assert reference.returncode == 0, reference.stderr
    out = tmp_path / "out"
    first, address = _start_cluster()
    try:
        sweep = subprocess.Popen([PARTNERSHIPS, "sweep", str(experiment),
                                  "--out", str(out), "--scheduler", address], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not list((out / "runs").glob("*.parquet")) and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)  # the scheduler (the cluster's main process) only
        killed = time.monotonic()
        try:  # the client sees the lost connection at once; closing it can take tens of seconds on a loaded machine
            _, stderr = sweep.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            sweep.kill()
            _, stderr = sweep.communicate()
            pytest.fail(f"the sweep did not stop within {time.monotonic() - killed:.0f} s of losing its scheduler: "
                        f"{stderr[-2000:]}")
    finally:
        _end(first)
    assert sweep.returncode == 130, stderr
    assert "were lost with their worker or cluster" in stderr and "Traceback" not in stderr, stderr
    stored = Store(out).scan().runs
    assert 0 < len(stored) < 120 and stored["status"].eq("ok").all()  # partway, nothing stored as 'failed'
    second, address = _start_cluster()
    try:
        resumed = _cli("sweep", str(experiment), "--out", str(out), "--scheduler", address)
    finally:
        _end(second)
    assert resumed.returncode == 0, resumed.stderr
    assert (out / "runs.parquet").read_bytes() == (tmp_path / "reference" / "runs.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "model_weekly.parquet"),
                                  pd.read_parquet(tmp_path / "reference" / "model_weekly.parquet"))
