"""Benchmark of the sweep machinery on a subset of the headline experiment.

Measures, on the first ``--runs`` runs of ``experiments/headline.toml`` (run ids interleave the 27
cells, so any prefix is an even sample):

* ``direct``: calling :func:`model.run.run_one` in a loop (the cost of the simulations alone);
* ``1 worker``: :func:`experiments.runs.execute` in this process (adds the run table, part files,
  the model_weekly series, the manifest, the progress bar and the final consolidation). Its
  overhead is split into a fixed cost per sweep (manifest, git and version look-ups, consolidation:
  measured with a two-run sweep) and the cost per run;
* ``2 workers``: the same with a local pool of two processes. Pool start-up (spawning two Python
  processes and loading the compiled kernels) is a fixed cost, measured with a two-run sweep and
  reported apart from the steady-state rate.

Both wall-clock and CPU time are recorded (CPU time of this process plus its reaped worker
processes). Wall-clock rates are only meaningful on an otherwise idle machine: the load average
is printed with them. CPU time is robust to other load: the CPU overhead is the sweep's extra CPU
per run, and the CPU efficiency (CPU per run in-process / CPU per run with the pool) bounds the
scaling efficiency an idle machine would show.

Targets: scaling efficiency (rate with 2 workers / (2 x rate with 1)) at least 85%; sweep overhead
per run under 5% of a run's time. Usage::

    .venv/bin/python benchmarks/sweep.py [--runs 270] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from partnerships.experiments.design import load_experiment
from partnerships.experiments.runs import execute
from partnerships.model.run import run_one


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``work()``."""
    wall, cpu = time.perf_counter(), _cpu()
    work()
    return time.perf_counter() - wall, _cpu() - cpu


def _sweep(specs, workers: int, manifest: dict) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return _timed(lambda: execute(specs, Path(tmp) / "out", workers=workers, manifest=manifest,
                                      label=f"{workers} worker(s)"))


def measure(n_runs: int) -> dict:
    experiment = load_experiment("headline")
    specs = experiment.specs()[:n_runs]
    manifest = experiment.manifest()
    run_one(None, seed=0, weeks=10)  # compile or load the kernels before timing
    load_before = os.getloadavg()[0]

    def direct_loop():
        for spec in specs:
            run_one(spec.parameters, seed=spec.seed, weeks=spec.weeks, region=spec.region,
                    interventions=spec.interventions, series=False)

    direct, direct_cpu = _timed(direct_loop)
    one, one_cpu = _sweep(specs, 1, manifest)
    fixed, fixed_cpu = _sweep(specs[:2], 1, manifest)
    fixed, fixed_cpu = fixed - 2 * direct / n_runs, fixed_cpu - 2 * direct_cpu / n_runs
    startup, startup_cpu = _sweep(specs[:2], 2, manifest)
    two, two_cpu = _sweep(specs, 2, manifest)
    steady_two = max(two - startup, 1e-9) * n_runs / (n_runs - 2)
    steady_two_cpu = (two_cpu - startup_cpu) * n_runs / (n_runs - 2)
    return {
        "runs": n_runs,
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "ms_per_run_direct": 1000 * direct / n_runs,
        "cpu_ms_per_run_direct": 1000 * direct_cpu / n_runs,
        "direct_runs_per_s": n_runs / direct,
        "one_worker_runs_per_s": n_runs / one,
        "two_workers_runs_per_s": n_runs / two,
        "two_workers_steady_runs_per_s": n_runs / steady_two,
        "pool_startup_s": startup,
        "scaling_efficiency": one / (2 * two),
        "scaling_efficiency_steady": one / (2 * steady_two),
        "cpu_efficiency_two_workers": one_cpu / steady_two_cpu,
        "sweep_fixed_cost_s": fixed,
        "overhead_share": (one - fixed - direct) / direct,
        "cpu_overhead_share": (one_cpu - fixed_cpu - direct_cpu) / direct_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=270, help="runs of the headline experiment to time (default 270)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    r = measure(args.runs)
    if args.json:
        print(json.dumps(r, indent=2))
        return
    rows = [
        ("direct run_one loop", f"{r['direct_runs_per_s']:.1f} runs/s",
         f"{r['ms_per_run_direct']:.1f} ms/run wall, {r['cpu_ms_per_run_direct']:.1f} ms/run CPU"),
        ("sweep, 1 worker (in-process)", f"{r['one_worker_runs_per_s']:.1f} runs/s",
         f"overhead per run {100 * r['overhead_share']:.1f}% wall, {100 * r['cpu_overhead_share']:.1f}% CPU "
         f"(target < 5%); fixed {r['sweep_fixed_cost_s']:.2f} s per sweep"),
        ("sweep, 2 workers (incl. start-up)", f"{r['two_workers_runs_per_s']:.1f} runs/s",
         f"efficiency {100 * r['scaling_efficiency']:.0f}%; pool start-up {r['pool_startup_s']:.1f} s"),
        ("sweep, 2 workers (steady state)", f"{r['two_workers_steady_runs_per_s']:.1f} runs/s",
         f"efficiency {100 * r['scaling_efficiency_steady']:.0f}% wall (target >= 85%), "
         f"{100 * r['cpu_efficiency_two_workers']:.0f}% CPU"),
    ]
    print(f"Sweep benchmark: first {r['runs']} runs of the headline experiment "
          f"(load average {r['load_average_1min'][0]:.1f} before, {r['load_average_1min'][1]:.1f} after; "
          "wall-clock rates need an idle machine)")
    width = max(len(row[0]) for row in rows)
    for name, rate, note in rows:
        print(f"  {name:<{width}}  {rate:>14}  {note}")


if __name__ == "__main__":
    main()
