"""What one run of the sensitivity study costs a worker, and what the workers' garbage-collector setting saves.

Run by hand (not part of the tests)::

    .venv/bin/python benchmarks/study_runs.py [--runs 400] [--rounds 5] [--json]

The runs are the first ``--runs`` of the Morris phase of ``experiments/sensitivity.toml`` (every number
parameter varying over its registry range, county, 260 weeks), run as a pool worker runs them
(``experiments.runs.run_batch``, batches of 8). In each round they run twice in this process, one after the
other so they share the machine's load: with Python's default collector thresholds, and as a pool worker
sets them (``experiments.runs.WORKER_GC_THRESHOLD``, after ``gc.freeze()``). Times are this process's CPU
time (``time.process_time``) per run; the medians over the rounds are compared. The load average
(``os.getloadavg``) is printed before and after.

The whole study's time is measured by running it (``/usr/bin/time -v partnerships sensitivity
experiments/sensitivity.toml --out DIR --workers 2``); benchmarks/README.md quotes both.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

from partnerships.experiments.runs import WORKER_GC_THRESHOLD, run_batch  # noqa: E402
from partnerships.experiments.sensitivity import design_specs, load_study, morris_design  # noqa: E402

BATCH = 8  # runs per task, as experiments.runs._chunks makes them for a study of this size


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def per_run(batches: list, worker_gc: bool) -> float:
    """CPU ms per run of ``batches``, with the workers' collector setting or Python's default."""
    default = gc.get_threshold()
    if worker_gc:
        gc.collect()
        gc.freeze()
        gc.set_threshold(WORKER_GC_THRESHOLD, *default[1:])
    try:
        start = time.process_time()
        for batch in batches:
            run_batch(batch)
        spent = time.process_time() - start
    finally:
        gc.set_threshold(*default)
        gc.unfreeze()
    return spent / sum(len(b) for b in batches) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    study = load_study(REPO / "experiments" / "sensitivity.toml")
    names = [f.name for f in study.factors]
    specs = design_specs(study, morris_design(study), names, "morris")[:args.runs]
    batches = [specs[i:i + BATCH] for i in range(0, len(specs), BATCH)]
    run_batch(batches[0])  # compiled (or loaded from the cache) before timing
    before = load()
    rounds = [(per_run(batches, False), per_run(batches, True)) for _ in range(args.rounds)]
    default, worker = (statistics.median(r[i] for r in rounds) for i in (0, 1))
    results = {"runs": len(specs), "rounds": args.rounds, "load_before": before, "load_after": load(),
               "default_gc_ms_per_run": default, "worker_gc_ms_per_run": worker, "saving": 1 - worker / default,
               "each_round": rounds}
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return
    print(f"{results['load_before']} (before)")
    print(f"{len(specs)} Morris runs of experiments/sensitivity.toml, {args.rounds} rounds, CPU ms per run (median)")
    print(f"  Python's default collector:      {default:.2f}")
    print(f"  the pool workers' setting:       {worker:.2f}  ({results['saving']:.1%} less)")
    print(f"{results['load_after']} (after)")


if __name__ == "__main__":
    main()
