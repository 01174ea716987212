"""The fused run (whole weeks in one compiled call) against the Python-glue step and the reference twins.

Run by hand (not part of the tests)::

    .venv/bin/python benchmarks/fused.py [--json] [--runs 21] [--sizes 10000,100000] [--clock cpu|wall]

County (20 organisations, 10 projects, 260 weeks): in each round the same seed runs three ways, one after
the other so they share the machine's load: ``PartnershipModel(rng=s).run_for(260)`` (the fused driver,
model/kernels/driver.py), the same model through Mesa's own event loop calling ``step`` every week
(``mesa.Model.run_for``: the Python glue between about 20 kernel calls a week, as before the driver), and
that loop with every kernel swapped for its plain-Python twin (``reference_kernels()``, every third round).
Each run's time excludes building the model (reported apart); the medians over the rounds are compared.
The fused and stepped runs are checked to give the same summary.

Large regions (``synthetic_region(n, n // 10)``, no series kept): three models built with the same seed run
the same warm-up weeks fused, then the next weeks are timed fused, stepped, and with the twins (fewer
weeks); per week, medians.

Times are this process's CPU time (``time.process_time``) unless ``--clock wall``; the load average
(``os.getloadavg``) is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the references live with the tests

import mesa  # noqa: E402
from reference import reference_kernels  # noqa: E402

from partnerships.model.model import PartnershipModel  # noqa: E402
from partnerships.model.outcomes import summary  # noqa: E402
from partnerships.model.scenarios import synthetic_region  # noqa: E402

CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}
COUNTY_WEEKS = 260
TARGET_RATIO = 8.0  # issue 11: a county run at least 8x faster than the Python-glue run
WARM_UP_WEEKS = 25


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(clock: Callable[[], float], function: Callable[..., Any], *arguments: Any) -> float:
    start = clock()
    function(*arguments)
    return clock() - start


def county(runs: int, clock: Callable[[], float]) -> dict[str, Any]:
    PartnershipModel(rng=0).run_for(COUNTY_WEEKS)  # compiled (or loaded from the cache) before timing
    times: dict[str, list[float]] = {"build": [], "fused": [], "python_glue": [], "reference_twins": []}
    for seed in range(runs):
        start = clock()
        fused = PartnershipModel(rng=seed)
        times["build"].append(clock() - start)
        times["fused"].append(timed(clock, fused.run_for, COUNTY_WEEKS))
        stepped = PartnershipModel(rng=seed)
        times["python_glue"].append(timed(clock, mesa.Model.run_for, stepped, COUNTY_WEEKS))
        if summary(fused) != summary(stepped):
            raise RuntimeError(f"seed {seed}: the fused run and the stepped run differ")
        if seed % 3 == 0:
            with reference_kernels():
                twins = PartnershipModel(rng=seed)
                times["reference_twins"].append(timed(clock, twins.run_for, COUNTY_WEEKS))
    ms = {name: 1000.0 * statistics.median(values) for name, values in times.items()}
    return {"runs": {name: len(values) for name, values in times.items()}, "median_ms": ms,
            "glue_over_fused": ms["python_glue"] / ms["fused"], "twins_over_fused": ms["reference_twins"] / ms["fused"],
            "with_build_glue_over_fused": (ms["python_glue"] + ms["build"]) / (ms["fused"] + ms["build"]),
            "range_ms": {name: (1000.0 * min(values), 1000.0 * max(values)) for name, values in times.items()}}


def per_week(n: int, weeks: int, twin_weeks: int, clock: Callable[[], float]) -> dict[str, Any]:
    """Per-week ms at ``n`` organisations: fused, stepped and with the twins, from the same state."""
    out: dict[str, Any] = {"organisations": n}
    spec = synthetic_region(n, n // 10)
    for how in ("fused", "python_glue", "reference_twins"):
        model = PartnershipModel(spec, rng=20261202, record_series=False)
        model.run_for(WARM_UP_WEEKS)
        if how == "fused":
            week_times = [timed(clock, model.run_for, 1) for _ in range(weeks)]
            out["fused_block_ms"] = 1000.0 * timed(clock, model.run_for, weeks) / weeks
        elif how == "python_glue":
            week_times = [timed(clock, model.step) for _ in range(weeks)]
        else:
            with reference_kernels():
                week_times = [timed(clock, model.step) for _ in range(twin_weeks)]
        out[f"{how}_ms"] = 1000.0 * statistics.median(week_times)
        out |= {"projects": len(model.projects), "memberships": len(model.memberships), "pairs": len(model.pairs)}
        del model
    out["glue_over_fused"] = out["python_glue_ms"] / out["fused_ms"]
    out["twins_over_fused"] = out["reference_twins_ms"] / out["fused_ms"]
    return out


def measure(runs: int, sizes: list[int], clock: Callable[[], float]) -> dict[str, Any]:
    """The county runs three ways and, per week, the large regions (fewer weeks at 100,000 organisations)."""
    return {"county": county(runs, clock),
            "sizes": [per_week(n, weeks=9 if n >= 100_000 else 15, twin_weeks=1 if n >= 100_000 else 3, clock=clock)
                      for n in sizes]}


def print_summary(results: dict[str, Any], clock: str) -> None:
    """The county medians and the per-week times as lines of text."""
    c = results["county"]
    ms = c["median_ms"]
    print(f"county, {COUNTY_WEEKS} weeks, median of {c['runs']['fused']} runs ({clock} time):")
    print(f"  fused run           {ms['fused']:8.2f} ms")
    print(f"  Python-glue run     {ms['python_glue']:8.2f} ms   {c['glue_over_fused']:5.1f}x the fused "
          f"(target {TARGET_RATIO:g}x: {'met' if c['glue_over_fused'] >= TARGET_RATIO else 'NOT met'})")
    print(f"  reference twins     {ms['reference_twins']:8.2f} ms   {c['twins_over_fused']:5.1f}x the fused "
          f"({c['runs']['reference_twins']} runs)")
    print(f"  building the model  {ms['build']:8.2f} ms   (with it: glue {c['with_build_glue_over_fused']:.1f}x the fused)")
    for s in results["sizes"]:
        print(f"{s['organisations']:,} organisations ({s['projects']:,} projects, {s['memberships']:,} memberships, "
              f"{s['pairs']:,} pairs), per week: fused {s['fused_ms']:.2f} ms (in a block: {s['fused_block_ms']:.2f}), "
              f"Python glue {s['python_glue_ms']:.2f} ms ({s['glue_over_fused']:.1f}x), twins "
              f"{s['reference_twins_ms']:.1f} ms ({s['twins_over_fused']:.0f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--runs", type=int, default=21, help="county rounds (default 21)")
    parser.add_argument("--sizes", default="10000,100000", help="organisations of the large regions ('' for none)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    args = parser.parse_args()
    clock = CLOCKS[args.clock]
    results: dict[str, Any] = {"clock": args.clock, "load_before": load()}
    results |= measure(args.runs, [int(n) for n in args.sizes.split(",") if n], clock)
    results["load_after"] = load()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{results['load_before']} (before)")
    print_summary(results, args.clock)
    print(f"{results['load_after']} (after)")


if __name__ == "__main__":
    main()
