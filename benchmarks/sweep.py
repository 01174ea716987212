"""Benchmark of the sweep machinery on a subset of the headline experiment.

Measures, on the first ``--runs`` runs of ``experiments/headline.toml`` (run ids interleave the 27
cells, so any prefix is an even sample):

* ``direct``: calling :func:`model.run.run_one` in a loop (the cost of the simulations alone);
* ``1 worker``: :func:`experiments.runs.execute` in this process (adds the run table, part files,
  the model_weekly series, the manifest and the final consolidation);
* ``2 workers``: the same with a local pool of two processes. Pool start-up (spawning two Python
  processes and loading the compiled kernels) is a fixed cost, measured separately with a
  two-run sweep and reported apart from the steady-state rate.

Targets: scaling efficiency (rate with 2 workers / (2 x rate with 1)) at least 85%; sweep overhead
per run under 5% of a run's time. Usage::

    .venv/bin/python benchmarks/sweep.py [--runs 270] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from experiments.design import load_experiment
from experiments.runs import execute
from model.run import run_one


def _sweep_seconds(specs, workers: int, manifest: dict) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        execute(specs, Path(tmp) / "out", workers=workers, manifest=manifest, keep_series=["model_weekly"],
                label=f"{workers} worker(s)")
        return time.perf_counter() - start


def measure(n_runs: int) -> dict:
    experiment = load_experiment("headline")
    specs = experiment.specs()[:n_runs]
    manifest = experiment.manifest()
    run_one(None, seed=0, weeks=10)  # compile or load the kernels before timing

    start = time.perf_counter()
    for spec in specs:
        run_one(spec.parameters, seed=spec.seed, weeks=spec.weeks, scenario=spec.scenario, series=False)
    direct = time.perf_counter() - start

    one = _sweep_seconds(specs, 1, manifest)
    startup = _sweep_seconds(specs[:2], 2, manifest)
    two = _sweep_seconds(specs, 2, manifest)
    steady_two = max(two - startup, 1e-9) / (n_runs - 2) * n_runs
    return {
        "runs": n_runs,
        "direct_runs_per_s": n_runs / direct,
        "one_worker_runs_per_s": n_runs / one,
        "two_workers_runs_per_s": n_runs / two,
        "two_workers_steady_runs_per_s": n_runs / steady_two,
        "pool_startup_s": startup,
        "scaling_efficiency": (n_runs / two) / (2 * n_runs / one),
        "scaling_efficiency_steady": (n_runs / steady_two) / (2 * n_runs / one),
        "ms_per_run_direct": 1000 * direct / n_runs,
        "overhead_ms_per_run": 1000 * (one - direct) / n_runs,
        "overhead_share": (one - direct) / direct,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=270, help="runs of the headline experiment to time (default 270)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    result = measure(args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    rows = [
        ("direct run_one loop", f"{result['direct_runs_per_s']:.1f} runs/s", f"{result['ms_per_run_direct']:.1f} ms/run"),
        ("sweep, 1 worker (in-process)", f"{result['one_worker_runs_per_s']:.1f} runs/s",
         f"overhead {result['overhead_ms_per_run']:.2f} ms/run = {100 * result['overhead_share']:.1f}% (target < 5%)"),
        ("sweep, 2 workers (incl. start-up)", f"{result['two_workers_runs_per_s']:.1f} runs/s",
         f"efficiency {100 * result['scaling_efficiency']:.0f}%"),
        ("sweep, 2 workers (steady state)", f"{result['two_workers_steady_runs_per_s']:.1f} runs/s",
         f"efficiency {100 * result['scaling_efficiency_steady']:.0f}% (target >= 85%); "
         f"pool start-up {result['pool_startup_s']:.1f} s"),
    ]
    print(f"Sweep benchmark: first {result['runs']} runs of the headline experiment")
    width = max(len(r[0]) for r in rows)
    for name, rate, note in rows:
        print(f"  {name:<{width}}  {rate:>14}  {note}")


if __name__ == "__main__":
    main()
