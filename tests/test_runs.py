"""The run-execution API: seeds, identical results with 1 worker, 2 workers and a Dask cluster, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partnerships.experiments import runs as runs_module
from partnerships.experiments.errors import SweepInterrupted, UserError
from partnerships.experiments.provenance import model_fingerprint
from partnerships.experiments.runs import execute
from partnerships.experiments.spec import RunSpec, build_specs, run_seed
from partnerships.model.interventions import Intervention
from partnerships.model.outcomes import SUMMARY_FIELDS
from partnerships.model.scenarios import county_region

WEEKS = 26
DISCIPLINE = (0.2, 0.5, 0.8)


def tiny_specs(base_seed: int, replications: int = 4, weeks: int = WEEKS,
               tables: tuple[str, ...] = ("model_weekly",)) -> list[RunSpec]:
    """Three design points (meeting discipline) x ``replications``, numbered replication-major."""
    return build_specs([{"meeting_discipline": d} for d in DISCIPLINE], replications, base_seed=base_seed,
                       region=county_region(), weeks=weeks, fixed={"meeting_interval": 2}, tables=tables)


MANIFEST = {"text": "tiny test study", "kind": "test"}


def test_run_seed_is_the_seed_sequence_spawn_and_distinct(base_seed):
    state = np.random.SeedSequence(base_seed, spawn_key=(7,)).generate_state(2, np.uint32)
    assert run_seed(base_seed, 7) == int(state[0]) + (int(state[1]) << 32)
    seeds = {run_seed(base_seed, i) for i in range(2000)}
    assert len(seeds) == 2000
    assert run_seed(base_seed + 1, 0) != run_seed(base_seed, 0)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, base_seed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tiny study run in this process: the table every other way of running it must match."""
    out = tmp_path_factory.mktemp("reference") / "out"
    table = execute(tiny_specs(base_seed), out, workers=1, manifest=MANIFEST)
    return table, pd.read_parquet(out / "model_weekly.parquet")


def test_run_table_has_ids_seeds_parameters_outcomes_and_status(reference, base_seed):
    table, weekly = reference
    specs = tiny_specs(base_seed)
    assert table["run_id"].tolist() == list(range(len(specs)))
    assert table["seed"].tolist() == [s.seed for s in specs]
    assert set(SUMMARY_FIELDS) <= set(table) and {"point", "replication", "meeting_discipline", "status"} <= set(table)
    assert (table["status"] == "ok").all()
    # different seeds give different runs (the table is not one run repeated)
    assert table.groupby("point")["mean_momentum"].nunique().min() > 1
    assert sorted(weekly["run_id"].unique()) == table["run_id"].tolist()
    assert (weekly.groupby("run_id")["week"].max() == WEEKS).all()


def test_two_workers_give_the_same_tables(reference, tmp_path, base_seed):
    table = execute(tiny_specs(base_seed), tmp_path / "out", workers=2, manifest=MANIFEST)
    pd.testing.assert_frame_equal(table, reference[0])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "model_weekly.parquet"), reference[1])


def test_a_dask_cluster_gives_the_same_tables(reference, tmp_path, base_seed):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        table = execute(tiny_specs(base_seed), tmp_path / "out", scheduler=cluster.scheduler_address,
                        manifest=MANIFEST)
    pd.testing.assert_frame_equal(table, reference[0])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "model_weekly.parquet"), reference[1])


def _die_once(marker: str) -> None:
    """On a Dask worker: make the next run kill this worker process, once across the cluster."""
    import partnerships.experiments.runs as worker_runs

    real = worker_runs.run_spec

    def run_or_die(spec):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return real(spec)
        os._exit(1)  # the worker dies mid-run, as if the machine had lost it

    worker_runs.run_spec = run_or_die


def test_runs_of_a_dask_worker_that_dies_are_rescheduled_with_the_same_results(reference, tmp_path, base_seed):
    distributed = pytest.importorskip("dask.distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import the test module
    marker = tmp_path / "died"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        client.run(_die_once, str(marker))
        table = execute(tiny_specs(base_seed), tmp_path / "out", scheduler=cluster.scheduler_address,
                        manifest=MANIFEST)
    assert marker.exists()  # a worker did die
    pd.testing.assert_frame_equal(table, reference[0])


def test_interrupted_sweep_keeps_an_even_sample_and_resumes_to_the_same_table(reference, tmp_path, base_seed,
                                                                              monkeypatch):
    real = runs_module.run_spec
    calls = []

    def interrupt_after_seven(spec):
        if len(calls) == 7:
            raise KeyboardInterrupt
        calls.append(spec.run_id)
        return real(spec)

    monkeypatch.setattr(runs_module, "FLUSH_RUNS", 2)  # a part file every two runs
    monkeypatch.setattr(runs_module, "FLUSH_SECONDS", 1e9)
    monkeypatch.setattr(runs_module, "run_spec", interrupt_after_seven)
    out = tmp_path / "out"
    with pytest.raises(SweepInterrupted, match="7 of 12 runs are stored.*run the same command again"):
        execute(tiny_specs(base_seed), out, workers=1, manifest=MANIFEST)
    stored = pd.concat(pd.read_parquet(p) for p in (out / "runs").glob("part-*.parquet"))
    assert sorted(stored["run_id"]) == list(range(7))
    assert stored["point"].value_counts().min() >= 2  # interleaved: every point has runs already
    monkeypatch.setattr(runs_module, "run_spec", real)
    table = execute(tiny_specs(base_seed), out, workers=1, resume=True, manifest=MANIFEST)
    pd.testing.assert_frame_equal(table, reference[0])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "model_weekly.parquet"), reference[1])


def test_sweep_killed_with_sigkill_resumes_without_duplicates_or_gaps(tmp_path, base_seed):
    specs = tiny_specs(base_seed, replications=12, weeks=156)
    out = tmp_path / "out"
    script = (
        "import sys, pickle; import partnerships.experiments.runs as r; r.FLUSH_RUNS = 2\n"
        "specs = pickle.loads(bytes.fromhex(sys.argv[1]))\n"
        "r.execute(specs, sys.argv[2], workers=1, manifest={'text': 'killed', 'kind': 'test'})\n")
    import pickle

    child = subprocess.Popen([sys.executable, "-c", script, pickle.dumps(specs).hex(), str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list((out / "runs").glob("part-*.parquet"))) < 3 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    parts = list((out / "runs").glob("part-*.parquet"))
    assert 3 <= len(parts) and not (out / "runs.parquet").exists(), "the sweep finished before it could be killed"
    manifest = {"text": "killed", "kind": "test"}
    resumed = execute(specs, out, workers=1, resume=True, manifest=manifest)
    whole = execute(specs, tmp_path / "whole", workers=1, manifest=manifest)
    assert resumed["run_id"].tolist() == list(range(len(specs)))
    pd.testing.assert_frame_equal(resumed, whole)
    weekly = pd.read_parquet(out / "model_weekly.parquet")
    assert not weekly.duplicated(["run_id", "week"]).any()
    pd.testing.assert_frame_equal(weekly, pd.read_parquet(tmp_path / "whole" / "model_weekly.parquet"))


def test_corrupt_and_half_written_parts_are_detected_and_their_runs_redone(reference, tmp_path, base_seed,
                                                                           monkeypatch):
    monkeypatch.setattr(runs_module, "FLUSH_RUNS", 3)
    monkeypatch.setattr(runs_module, "FLUSH_SECONDS", 1e9)
    out = tmp_path / "out"
    execute(tiny_specs(base_seed), out, workers=1, manifest=MANIFEST)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) == 4
    half = parts[1].read_bytes()
    parts[1].write_bytes(half[: len(half) // 2])  # half-written
    parts[2].write_bytes(b"not parquet at all")  # corrupt
    (out / "runs" / ".part-9-1-leftover.parquet.tmp-1").write_bytes(b"temp")  # a killed writer's temp file
    lost = set(pd.read_parquet(parts[0])["run_id"]) | set(pd.read_parquet(parts[3])["run_id"])
    redone = []
    real = runs_module.run_spec
    monkeypatch.setattr(runs_module, "run_spec", lambda spec: redone.append(spec.run_id) or real(spec))
    table = execute(tiny_specs(base_seed), out, workers=1, resume=True, manifest=MANIFEST)
    assert sorted(redone) == sorted(set(range(12)) - lost)
    assert len(redone) == 6
    pd.testing.assert_frame_equal(table, reference[0])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "model_weekly.parquet"), reference[1])
    assert len(list((out / "runs").glob("*.parquet.corrupt"))) == 2 and not list((out / "runs").glob(".*"))


def test_a_different_study_is_refused_on_resume_and_an_existing_one_without_resume(reference, tmp_path, base_seed):
    out = tmp_path / "out"
    execute(tiny_specs(base_seed, replications=1), out, workers=1, manifest=MANIFEST)
    with pytest.raises(UserError, match="different test file"):
        execute(tiny_specs(base_seed, replications=1), out, workers=1, resume=True,
                manifest={"text": "another study", "kind": "test"})
    with pytest.raises(UserError, match="already holds a study"):
        execute(tiny_specs(base_seed, replications=1), out, workers=1, manifest=MANIFEST)


def test_resuming_after_the_model_code_changed_is_refused(tmp_path, base_seed):
    out = tmp_path / "out"
    execute(tiny_specs(base_seed, replications=1), out, workers=1, manifest=MANIFEST)
    stored = json.loads((out / "manifest.json").read_text())
    assert stored["model_sha256"] == model_fingerprint()
    stored["model_sha256"] = "0" * 64  # as if the study had started on other model code
    (out / "manifest.json").write_text(json.dumps(stored))
    with pytest.raises(UserError, match="different model code"):
        execute(tiny_specs(base_seed, replications=1), out, workers=1, resume=True, manifest=MANIFEST)


def test_a_failed_run_is_recorded_not_raised(tmp_path, base_seed, monkeypatch):
    import partnerships.model.run as model_run

    good, bad = tiny_specs(base_seed, replications=1)[:2]
    real = model_run.run_columns  # what a worker calls

    def fails_on(parameters, **kwargs):
        if parameters["meeting_discipline"] == bad.parameters["meeting_discipline"]:
            raise ValueError("intervention project = 999: allowed 0 to 9")
        return real(parameters, **kwargs)

    monkeypatch.setattr(model_run, "run_columns", fails_on)
    table = execute([good, bad], tmp_path / "out", workers=1, manifest=MANIFEST)
    assert table["status"].tolist() == ["ok", "failed"]
    assert "project = 999" in table.loc[1, "error"] and table.loc[1, list(SUMMARY_FIELDS)].isna().all()
    assert table.loc[0, "error"] == ""


def test_a_spec_that_run_refuses_is_refused_before_anything_is_written(tmp_path, base_seed):
    good, bad = tiny_specs(base_seed, replications=1)[:2]
    for intervention, message in ((Intervention("obstacle", week=3, project=999), "project = 999: allowed 0 to 9"),
                                  (Intervention("obstacle", week=3, organisation=10**6), "organisation = 1000000"),
                                  (Intervention("funding_award", week=3, project=0, amount=float("nan")), "amount = nan"),
                                  (Intervention("no_such_action", week=3), "unknown action")):
        with pytest.raises(UserError, match=message):
            execute([good, replace(bad, interventions=(intervention,))], tmp_path / "out", workers=1, manifest=MANIFEST)
        assert not (tmp_path / "out").exists()


def test_manifest_records_provenance(reference, tmp_path, base_seed):
    import json

    out = tmp_path / "out"
    execute(tiny_specs(base_seed, replications=1), out, workers=1, manifest={**MANIFEST, "base_seed": base_seed})
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["base_seed"] == base_seed and manifest["text"] == MANIFEST["text"]
    assert len(manifest["sha256"]) == 64 and "SeedSequence" in manifest["seed_rule"]
    assert {"numpy", "numba", "mesa", "dask"} <= set(manifest["versions"])
    assert {"started", "host", "git_commit"} <= set(manifest)


def test_results_do_not_depend_on_where_runs_execute(tmp_path, base_seed):
    """Each run's outcome is a function of its spec alone: a run repeated alone matches the study's row."""
    specs = tiny_specs(base_seed, replications=2)
    table = execute(specs, tmp_path / "all", workers=1, manifest=MANIFEST)
    alone = execute([specs[4]], tmp_path / "one", workers=1, manifest=MANIFEST)
    pd.testing.assert_frame_equal(alone.drop(columns="run_id"),
                                  table.iloc[[4]].reset_index(drop=True).drop(columns="run_id"))
    assert Path(tmp_path / "one" / "runs.parquet").is_file()


def test_per_project_tables_are_kept_when_asked(tmp_path, base_seed):
    specs = tiny_specs(base_seed, replications=1, weeks=8, tables=("project_weekly", "projects"))
    execute(specs, tmp_path / "out", workers=1, manifest=MANIFEST)
    weekly = pd.read_parquet(tmp_path / "out" / "project_weekly.parquet")
    projects = pd.read_parquet(tmp_path / "out" / "projects.parquet")
    assert sorted(weekly["run_id"].unique()) == sorted(projects["run_id"].unique()) == [0, 1, 2]
    assert {"week", "project", "momentum", "trust_mean", "stage"} <= set(weekly)
    assert (weekly.groupby("run_id")["week"].max() == 8).all()
    assert not (tmp_path / "out" / "model_weekly.parquet").exists()
    with pytest.raises(ValueError, match="unknown table 'weekly'"):
        tiny_specs(base_seed, tables=("weekly",))
