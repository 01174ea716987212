"""Compiled kernels against their plain-Python references, on the model's own arrays.

Run by hand (not part of the tests)::

    .venv/bin/python benchmarks/kernels.py [--json] [--sizes 1000,10000,100000] [--clock cpu|wall]
                                           [--parts kernels,fused,mesa]

For each size n it builds ``synthetic_region(n, n // 10)``, runs it 25 weeks, records the real
arguments of every kernel during the next step (a funding call week, plus an award), then times
each kernel and its reference on copies of those arguments (median of repeats; fewer repeats for a
slow reference), and whole weeks of the model compiled and, on an identical twin stepped in
lockstep, with every kernel swapped for its reference. It also times a year (52 steps) of the
100,000-organisation region after compilation, and the cold compile time of all kernels in a
subprocess with an empty ``NUMBA_CACHE_DIR``.
Each kernel's cost per element (its longest array argument: memberships, pairs, projects or
organisations) is shown beside two minimal compiled loops over as many elements: one that streams
a float64 array (a sum), and one that gathers through a random index (``x[index[i]]``, as a pair
reads its two organisations), the limits of a loop on this machine.

In the same run (issue 11) it also reports the whole model: ``fused.py``'s fused county run against the
Python-glue run and the reference twins, and its per-week times at the sizes of 10,000 organisations and
more (part ``fused``); and ``mesa_model.py``'s whole week written as idiomatic Mesa against the fused week,
at county size and the sizes of 10,000 and 100,000 organisations asked for (part ``mesa``). ``--parts``
picks the parts (all three by default; about five minutes).
Targets: a compiled step at least 50x faster than the reference at 10,000 organisations; a year
at 100,000 organisations under 10 s. Times are this process's CPU time by default, which other
work on a shared machine disturbs far less than wall time (``--clock wall`` for elapsed time);
everything runs on one core.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the references live with the tests

import numba  # noqa: E402
import numpy as np  # noqa: E402

import partnerships.model.kernels as k  # noqa: E402
import fused  # noqa: E402  (benchmarks/ is on the path when this script runs)
import mesa_model  # noqa: E402
from reference import COMPILED, REFERENCES, reference_kernels  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from partnerships.model.model import PartnershipModel  # noqa: E402
from partnerships.model.scenarios import synthetic_region  # noqa: E402

SEED = 20261126
Clock = Callable[[], float]
CLOCKS: dict[str, Clock] = {"cpu": time.process_time, "wall": time.perf_counter}
WARM_UP_WEEKS = 25  # the next step is week 26, which holds a funding call: every kernel runs
STEP_TARGET_SIZE, STEP_TARGET_RATIO = 10_000, 50.0
MESA_TARGET_SIZE, MESA_TARGET_RATIO = 10_000, 30.0  # issue 11: the whole model against idiomatic Mesa
PARTS = ("kernels", "fused", "mesa")
COUNTY_RUNS = 21
YEAR_SIZE, YEAR_WEEKS, YEAR_TARGET_S = 100_000, 52, 10.0


def build(n: int) -> PartnershipModel:
    return PartnershipModel(synthetic_region(n, n // 10), rng=SEED, record_series=False)


@contextmanager
def recording(captured: dict[str, dict[str, Any]]) -> Iterator[None]:
    """Within the block, the model's kernels record (a copy of) the keyword arguments of their first call."""
    def recorder(name: str, kernel: Callable) -> Callable:
        def call(**arguments: Any) -> Any:
            captured.setdefault(name, copy.deepcopy(arguments))
            return kernel(**arguments)
        return call

    try:
        for name, kernel in COMPILED.items():
            setattr(k, name, recorder(name, kernel))
        yield
    finally:
        for name, kernel in COMPILED.items():
            setattr(k, name, kernel)


def capture_arguments(model: PartnershipModel, twin: PartnershipModel) -> dict[str, dict[str, Any]]:
    """Real arguments of every kernel, taken while the model steps (a few extra weeks if nobody left).

    ``twin`` (built with the same seed) is taken through the same weeks, so the two stay identical.
    """
    captured: dict[str, dict[str, Any]] = {}
    with recording(captured):
        for m in (model, twin):
            m.intervene("funding_award", project=0)
            m.intervene("policy_shock")  # so that absorb_shocks runs
        for _ in range(20):
            model.step()
            twin.step()
            if captured.keys() >= COMPILED.keys():
                break
    missing = COMPILED.keys() - captured.keys()
    if missing:
        raise RuntimeError(f"kernels not called during the recorded steps: {sorted(missing)}")
    return captured


def median_ms(function: Callable, arguments: dict[str, Any], budget_s: float, most: int, clock: Clock) -> float:
    """Median time (ms) of ``function`` on fresh copies of the keyword ``arguments``; repeats fit ``budget_s``."""
    times: list[float] = []
    while True:
        fresh = copy.deepcopy(arguments)
        start = clock()
        function(**fresh)
        times.append(clock() - start)
        if len(times) >= most or sum(times) + times[-1] > budget_s:
            return 1000.0 * statistics.median(times)


def timed_step(model: PartnershipModel, clock: Clock) -> float:
    start = clock()
    model.step()
    return clock() - start


def median_step_ms(model: PartnershipModel, twin: PartnershipModel, budget_s: float,
                   clock: Clock) -> tuple[float, float]:
    """Median time (ms) of a week compiled (``model``) and with reference kernels (``twin``).

    The two identical models step in lockstep, so both are timed on the same weeks and the same state
    (the tests check that the reference kernels give the same state bit for bit). At least 3 weeks,
    at most 15, as many as the reference fits in ``budget_s``.
    """
    compiled: list[float] = []
    reference: list[float] = []
    while len(reference) < 3 or (len(reference) < 15 and sum(reference) + reference[-1] < budget_s):
        compiled.append(timed_step(model, clock))
        with reference_kernels():
            reference.append(timed_step(twin, clock))
    return 1000.0 * statistics.median(compiled), 1000.0 * statistics.median(reference)


@numba.njit(cache=True)
def streamed_sum(x: np.ndarray) -> float:
    """The minimal streaming loop: one float64 read per element."""
    total = 0.0
    for i in range(x.size):
        total += x[i]
    return total


@numba.njit(cache=True)
def gathered_sum(x: np.ndarray, index: np.ndarray) -> float:
    """The minimal gathering loop: one read through a random index per element (an edge reading a node)."""
    total = 0.0
    for i in range(index.size):
        total += x[index[i]]
    return total


def elements(arguments: dict[str, Any]) -> int:
    """A kernel's elements: the length of its longest array argument (its loop's length)."""
    return max((a.shape[0] for a in arguments.values() if isinstance(a, np.ndarray) and a.ndim >= 1), default=1)


def floor_ns(length: int, nodes: int, clock: Clock) -> dict[str, float]:
    """ns per element of the two minimal loops over ``length`` elements (gathering from ``nodes`` values)."""
    rng = np.random.default_rng(SEED)
    x, index = rng.random(max(length, nodes)), rng.integers(0, nodes, length)
    streamed = median_ms(streamed_sum, {"x": x[:length]}, budget_s=0.2, most=200, clock=clock)
    gathered = median_ms(gathered_sum, {"x": x[:nodes], "index": index}, budget_s=0.2, most=200, clock=clock)
    return {"streamed_ns": 1e6 * streamed / length, "gathered_ns": 1e6 * gathered / length}


def bench_size(n: int, clock: Clock) -> dict[str, Any]:
    model, twin = build(n), build(n)
    model.run_for(WARM_UP_WEEKS)
    twin.run_for(WARM_UP_WEEKS)
    captured = capture_arguments(model, twin)
    kernels = {}
    for name in sorted(captured):
        compiled_ms = median_ms(COMPILED[name], captured[name], budget_s=0.5, most=50, clock=clock)
        reference_ms = median_ms(REFERENCES[name], captured[name], budget_s=2.0, most=10, clock=clock)
        length = elements(captured[name])
        kernels[name] = {"compiled_ms": compiled_ms, "reference_ms": reference_ms, "ratio": reference_ms / compiled_ms,
                         "elements": length, "ns_per_element": 1e6 * compiled_ms / length,
                         **floor_ns(length, len(model.orgs), clock)}
    compiled_step, reference_step = median_step_ms(model, twin, budget_s=10.0, clock=clock)
    return {"organisations": len(model.orgs), "projects": len(model.projects), "memberships": len(model.memberships),
            "pairs": len(model.pairs),
            "step": {"compiled_ms": compiled_step, "reference_ms": reference_step,
                     "ratio": reference_step / compiled_step},
            "kernels": kernels}


def time_year(clock: Clock, n: int = YEAR_SIZE) -> float:
    """Seconds for 52 weeks (``run_for``, so the fused driver) of a freshly built region (compiled already)."""
    model = build(n)
    start = clock()
    model.run_for(YEAR_WEEKS)
    return clock() - start


COMPILE_PROBE = """
import json, sys, time
clock = time.process_time if sys.argv[1] == "cpu" else time.perf_counter
start = clock()
from partnerships.model.model import PartnershipModel
imported = clock()
def run(fused):
    model = PartnershipModel(rng=1, leader_turnover=0.6, funding_call_interval=4)
    model.intervene("funding_award", project=0)
    model.intervene("champion_leaves", project=0)
    model.intervene("partner_withdraws", project=1)
    model.intervene("policy_shock")  # absorb_shocks
    if fused:
        model.run_for(30)  # the fused driver (model/kernels/driver.py)
    else:
        for _ in range(30):
            model.step()  # each kernel from Python
first = clock(); run(False); first = clock() - first
again = clock(); run(False); again = clock() - again
fused_first = clock(); run(True); fused_first = clock() - fused_first
fused_again = clock(); run(True); fused_again = clock() - fused_again
import partnerships.model.kernels as k
print(json.dumps({"import_s": imported - start, "first_run_s": first, "second_run_s": again,
                  "fused_first_run_s": fused_first, "fused_second_run_s": fused_again,
                  "uncompiled": [name for name in k.__all__ if not getattr(k, name).signatures]}))
"""


def time_compilation(clock_name: str) -> dict[str, float]:
    """Compile time with a cold cache (fresh ``NUMBA_CACHE_DIR``) and load time with this repo's warm cache.

    Each is the first 30-week county run in a new process minus the second identical run.
    """
    result = {}
    with tempfile.TemporaryDirectory() as cache:
        for label, env in (("cold", {"NUMBA_CACHE_DIR": cache}), ("warm", {})):
            out = subprocess.run([sys.executable, "-c", COMPILE_PROBE, clock_name], capture_output=True, text=True,
                                 check=True,
                                 cwd=REPO, env={**os.environ, **env}).stdout
            probe = json.loads(out.strip().splitlines()[-1])
            if probe["uncompiled"]:
                raise RuntimeError(f"the compile probe did not reach {probe['uncompiled']}")
            result[f"{label}_compile_s"] = probe["first_run_s"] - probe["second_run_s"]
            result[f"{label}_driver_compile_s"] = probe["fused_first_run_s"] - probe["fused_second_run_s"]
            result[f"{label}_import_s"] = probe["import_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated numbers of organisations")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: this process's CPU time (steady on a shared machine); wall: elapsed time")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated, of: " + ", ".join(PARTS))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if unknown := sorted(set(parts) - set(PARTS)):
        parser.error(f"--parts: unknown {', '.join(unknown)}; allowed: {', '.join(PARTS)}")
    console = Console(stderr=args.json, width=150)

    clock = CLOCKS[args.clock]
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu_count": os.cpu_count(),
                               "clock": args.clock, "load_average": os.getloadavg()[0], "targets": {}}
    if "kernels" in parts:
        results |= kernels_part(sizes, clock, console)
    if "fused" in parts:
        console.log("the fused run against the Python glue and the twins")
        results["fused"] = fused.measure(COUNTY_RUNS, [n for n in sizes if n >= STEP_TARGET_SIZE], clock)
        results["targets"][f"county_run_at_least_{fused.TARGET_RATIO:g}x_the_python_glue_run"] = (
            results["fused"]["county"]["glue_over_fused"] >= fused.TARGET_RATIO)
    if "mesa" in parts:
        console.log("the whole week as idiomatic Mesa against the fused week")
        results["mesa"] = mesa_part(sizes)
        results["targets"][f"whole_week_at_{MESA_TARGET_SIZE}_at_least_{MESA_TARGET_RATIO:g}x_idiomatic_mesa"] = (
            mesa_target(results["mesa"]))
    results["load_average_after"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    if "kernels" in parts:
        print_kernels(results, console)
    if "fused" in parts:
        fused.print_summary(results["fused"], args.clock)
    if "mesa" in parts:
        mesa_model.print_table(results["mesa"])
    for target, met in results["targets"].items():
        console.print(f"target {target}: {'not measured' if met is None else 'met' if met else '[red]MISSED[/red]'}")


def kernels_part(sizes: list[int], clock: Clock, console: Console) -> dict[str, Any]:
    """Compilation, each kernel and the stepped week against the twins per size, and a year at 100,000."""
    results: dict[str, Any] = {"compilation": time_compilation("cpu" if clock is time.process_time else "wall"),
                               "sizes": {}}
    for n in sizes:
        console.log(f"benchmarking {n:,} organisations")
        results["sizes"][str(n)] = bench_size(n, clock)
    console.log(f"timing a year of {YEAR_SIZE:,} organisations")
    results["year"] = {"organisations": YEAR_SIZE, "weeks": YEAR_WEEKS, "seconds": time_year(clock)}
    step_ratio = results["sizes"].get(str(STEP_TARGET_SIZE), {}).get("step", {}).get("ratio")
    results["targets"] = {
        f"step_ratio_at_{STEP_TARGET_SIZE}_at_least_{STEP_TARGET_RATIO:g}":
            None if step_ratio is None else step_ratio >= STEP_TARGET_RATIO,
        f"year_at_{YEAR_SIZE}_under_{YEAR_TARGET_S:g}_s": results["year"]["seconds"] < YEAR_TARGET_S,
    }
    return results


def mesa_part(sizes: list[int]) -> dict[str, Any]:
    """``mesa_model.py``'s rows (CPU time, its own clock): county and the asked-for sizes it knows."""
    load_before = os.getloadavg()
    keys = ["county"] + [str(n) for n in sizes if str(n) in mesa_model.SIZES]
    rows = [mesa_model.measure(*mesa_model.SIZES[key], large=key == "100000") for key in keys]
    return {"load_average_before": load_before, "load_average_after": os.getloadavg(), "rows": rows}


def mesa_target(results: dict[str, Any]) -> bool | None:
    """Whole fused week at least 30x faster than the idiomatic Mesa week (in index order, the slower ratio)."""
    row = next((r for r in results["rows"] if r["organisations"] == MESA_TARGET_SIZE), None)
    return None if row is None else row["mesa_in_order_over_fused_week"] >= MESA_TARGET_RATIO


def print_kernels(results: dict[str, Any], console: Console) -> None:
    """The kernels' table, the year and the compile times."""
    compilation = results["compilation"]
    table = Table(title=f"Compiled kernels vs plain-Python references ({results['date']}, {results['clock']} time, "
                        f"load average {results['load_average']:.1f} on {results['cpu_count']} cores)")
    for column in ("organisations", "kernel", "compiled ms", "reference ms", "ratio", "elements", "ns/element",
                   "loop floor ns: streamed / gathered"):
        table.add_column(column, justify="left" if column == "kernel" else "right")
    for n, result in results["sizes"].items():
        rows = [("whole step", result["step"])] + sorted(result["kernels"].items())
        for i, (name, t) in enumerate(rows):
            per_element = ((f"{t['elements']:,}", f"{t['ns_per_element']:.1f}",
                            f"{t['streamed_ns']:.2f} / {t['gathered_ns']:.2f}") if "elements" in t else ("", "", ""))
            table.add_row(f"{int(n):,}" if i == 0 else "", f"[bold]{name}[/bold]" if i == 0 else name,
                          f"{t['compiled_ms']:.3f}", f"{t['reference_ms']:.2f}", f"{t['ratio']:,.0f}x", *per_element)
        table.add_section()
    console.print(table)
    console.print(f"A year ({YEAR_WEEKS} steps) of {YEAR_SIZE:,} organisations, compiled: "
                  f"[bold]{results['year']['seconds']:.2f} s[/bold] (target < {YEAR_TARGET_S:g} s)")
    console.print(f"Compilation of all kernels, cold cache: [bold]{compilation['cold_compile_s']:.1f} s[/bold]; "
                  f"loading them from the warm cache: {compilation['warm_compile_s']:.2f} s")
    console.print(f"Compilation of the fused driver (after the kernels), cold cache: "
                  f"[bold]{compilation['cold_driver_compile_s']:.1f} s[/bold]; from the warm cache: "
                  f"{compilation['warm_driver_compile_s']:.2f} s")

if __name__ == "__main__":
    main()
