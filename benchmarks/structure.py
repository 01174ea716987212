"""Structure costs at 100,000 organisations: building the region, the model's memory, a week and its joiners.

    .venv/bin/python benchmarks/structure.py            # table on stdout
    .venv/bin/python benchmarks/structure.py --json     # the same numbers as JSON

Measures, on ``experiments/scenarios/region_100k.toml`` (100,000 organisations, 10,000 projects):

- ``build_region`` alone: median CPU and wall seconds of 3 builds;
- in a fresh subprocess: peak resident memory (``VmHWM``) after the imports, after building the
  model, and after ``run_one`` of 52 weeks (with all its tables), beside the bytes of the state arrays; and
  in another, the peak of ``partnerships run --json --scenario region_100k --weeks 52`` (the command's own
  code, called in that process);
- weeks 6 to 30 of one model: median CPU ms of a week, and of its late joiners and follow-ons
  (``_late_joiners``, ``_follow_ons``) measured inside the same weeks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SCENARIO = "region_100k"

#: The peak resident memory of this process in MB: ``VmHWM`` (Linux), which starts afresh at ``exec``;
#: ``ru_maxrss`` does not (a child forked from this benchmark would count the benchmark's own memory).
_RSS = """
import resource
def rss():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

_CHILD = _RSS + """
import json, sys
from dataclasses import fields
from partnerships.model.model import PartnershipModel
from partnerships.model.run import run_one
out = {"imports_mb": rss()}
model = PartnershipModel(sys.argv[1], rng=1)
out["model_mb"] = rss()
out["state_mb"] = sum(getattr(t, f.name).nbytes for t in (model.orgs, model.projects, model.memberships,
                      model.relationships, model.pairs) for f in fields(t)) / 2**20
del model
run_one(seed=1, weeks=52, region=sys.argv[1])
out["run_52_weeks_mb"] = rss()
print(json.dumps(out))
"""

#: ``partnerships run --json --scenario region_100k --weeks 52`` in this process, then its peak (to stderr).
_CLI_CHILD = _RSS + """
import json, sys
from partnerships.experiments.cli import app
sys.argv = ["partnerships", "run", "--json", "--scenario", sys.argv[1], "--weeks", "52"]
try:
    app()
finally:
    print(json.dumps({"cli_run_json_52_weeks_mb": rss()}), file=sys.stderr)
"""


def build_times(repeats: int = 3) -> dict[str, float]:
    import numpy as np

    from partnerships.model.mesa_scenario import settle
    from partnerships.model.scenarios import build_region, load_region

    spec = load_region(SCENARIO)
    _, params = settle(spec.parameters, 1, None, {})
    cpu, wall = [], []
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        build_region(spec, params, np.random.default_rng(1))
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {"build_cpu_s": statistics.median(cpu), "build_wall_s": statistics.median(wall)}


def memory() -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _CHILD, SCENARIO], capture_output=True, text=True, check=True)
    cli = subprocess.run([sys.executable, "-c", _CLI_CHILD, SCENARIO], capture_output=True, text=True)
    return json.loads(done.stdout) | json.loads(cli.stderr.strip().splitlines()[-1])


def week_times(first: int = 6, weeks: int = 25) -> dict[str, float]:
    from partnerships.model.model import PartnershipModel

    model = PartnershipModel(SCENARIO, rng=1, record_series=False)
    spent = {"_late_joiners": 0.0, "_follow_ons": 0.0}

    def timed(name):
        method = getattr(model, name)

        def call(*args):
            start = time.process_time()
            method(*args)
            spent[name] += time.process_time() - start

        return call

    for name in spent:
        setattr(model, name, timed(name))
    model.run_for(first - 1)
    week, joiners, follow_ons = [], [], []
    for _ in range(weeks):
        before = dict(spent)
        start = time.process_time()
        model.step()
        week.append(time.process_time() - start)
        joiners.append(spent["_late_joiners"] - before["_late_joiners"])
        follow_ons.append(spent["_follow_ons"] - before["_follow_ons"])
    ms = 1000.0
    return {"week_ms": statistics.median(week) * ms, "late_joiners_ms": statistics.median(joiners) * ms,
            "follow_ons_ms": statistics.median(follow_ons) * ms, "memberships": len(model.memberships),
            "projects": len(model.projects)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    result = {"load_average": os.getloadavg()[0], **build_times(), **memory(), **week_times()}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>20}: {value:.3f}" if isinstance(value, float) else f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
