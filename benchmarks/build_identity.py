"""Bit-for-bit check of the region build against an earlier revision of the code.

    .venv/bin/python benchmarks/build_identity.py                 # against 20118c9 (before the build was sped up)
    .venv/bin/python benchmarks/build_identity.py --base REV      # against any revision
    .venv/bin/python benchmarks/build_identity.py --save FILE     # write this tree's snapshots (used by the above)

The base revision's ``partnerships`` package (its ``partnerships/``, ``model/``, ``agents/``, ``experiments/``
and ``viz/`` folders, from ``git archive``) is unpacked into a temporary folder and imported there by a
subprocess, which builds every case and pickles its snapshot; this process then builds the same cases with
the working tree and asserts that every state column (``orgs``, ``projects``, ``memberships``,
``relationships``, ``pairs``) has the same dtype and values (NaN equal to NaN), and that the organisations'
names, areas and the relationship index are equal. The cases: 300 seeds of the county, 20 seeds each of
parameter overrides at the ends of their ranges, the scenario files of ``experiments/scenarios/``, regions
lacking kinds (the build's fill-in path), and synthetic regions up to 10,000 organisations and 5,000 projects.
Exits non-zero on the first difference.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BASE = "20118c9"  # the last commit before the build was sped up
TABLES = ("orgs", "projects", "memberships", "relationships", "pairs")
SUBPACKAGES = ("model", "agents", "experiments", "viz")  # folders installed as partnerships.<folder>

#: Parameter overrides at the ends of their ranges (model/parameters.py), each built for 20 seeds.
OVERRIDES: list[dict[str, Any]] = [
    {"ambition": 0.3}, {"ambition": 3.0},
    {"champion_share": 0.0}, {"champion_share": 1.0},
    {"project_manager_share": 0.0}, {"project_manager_share": 1.0},
    {"lead_decides_share": 0.0}, {"lead_decides_share": 1.0},
    {"equitable_share": 0.0}, {"equitable_share": 1.0},
    {"sector_trust_gap": 0.0}, {"sector_trust_gap": 0.4},
    {"financial_pressure": 0.9, "autonomy_mean": 1.0, "selflessness_mean": 0.0, "risk_appetite_mean": 1.0},
    {"ambition": 3.0, "champion_share": 1.0, "project_manager_share": 1.0, "lead_decides_share": 1.0,
     "equitable_share": 1.0, "sector_trust_gap": 0.4},
]


def cases() -> list[tuple[str, Any, int, dict[str, Any]]]:
    """Every case as (label, region: a name, a scenario file or a RegionSpec, seed, parameter overrides)."""
    from partnerships.model.codes import OrgKind
    from partnerships.model.scenarios import SCENARIO_DIR, RegionSpec, synthetic_region

    out: list[tuple[str, Any, int, dict[str, Any]]] = [("county", "county", seed, {}) for seed in range(300)]
    out += [(f"county {o}", "county", seed, o) for o in OVERRIDES for seed in range(1000, 1020)]
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        out += [(path.name, str(path), seed, {}) for seed in range(2 if "100k" in path.name else 10)]
    lacking = [{OrgKind.VOLUNTARY_GROUP: 3}, {OrgKind.POLICE: 1, OrgKind.HEALTH_BODY: 1},
               {OrgKind.DISTRICT_COUNCIL: 2, OrgKind.BUSINESS_PARTNERSHIP: 1}]
    for composition in lacking:
        spec = RegionSpec(name="lacking", areas=2, composition=composition, projects_per_area=6, extra_projects=1)
        out += [(f"lacking {composition}", spec, seed, {}) for seed in range(10)]
    for orgs, projects in [(50, 7), (1000, 300), (10_000, 5_000)]:
        out += [(f"synthetic {orgs} {projects}", synthetic_region(orgs, projects), seed, {}) for seed in range(3)]
    return out


def snapshot(region: Any, seed: int, overrides: dict[str, Any]) -> dict[str, Any]:
    """The built model's state: every column of every table, names, areas and the relationship index."""
    from partnerships.model.model import PartnershipModel

    model = PartnershipModel(region, rng=seed, record_series=False, **overrides)
    snap: dict[str, Any] = {f"{t}.{f.name}": getattr(getattr(model, t), f.name)
                            for t in TABLES for f in fields(getattr(model, t))}
    snap["org_names"] = model.region.org_names
    snap["area_of_org"] = model.region.area_of_org
    snap["relationship_index"] = model.region.relationship_index
    snap["aim_stream"] = model.region.aim_stream
    return snap


def save(path: Path) -> None:
    import partnerships

    print(f"snapshots from {Path(partnerships.__file__).parent.parent}", file=sys.stderr)
    with path.open("wb") as out:
        pickle.dump([snapshot(region, seed, o) for _, region, seed, o in cases()], out)


def base_snapshots(rev: str) -> list[dict[str, Any]]:
    """The snapshots of revision ``rev``, built in a subprocess importing that revision's package."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "partnerships", *SUBPACKAGES],
                             check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(Path(tmp) / "src", filter="data")
        package = Path(tmp) / "partnerships"
        package.mkdir()
        (package / "__init__.py").write_bytes((Path(tmp) / "src" / "partnerships" / "__init__.py").read_bytes())
        for folder in SUBPACKAGES:
            (Path(tmp) / "src" / folder).rename(package / folder)
        out = Path(tmp) / "base.pkl"
        script = (f"import sys; sys.path.insert(0, {tmp!r}); import partnerships; "
                  f"assert partnerships.__file__.startswith({tmp!r}), partnerships.__file__; "
                  f"sys.path.insert(1, {str(REPO / 'benchmarks')!r}); import build_identity; "
                  f"build_identity.save(__import__('pathlib').Path({str(out)!r}))")
        subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp,
                       env={**os.environ, "PYTHONPATH": tmp, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")})
        with out.open("rb") as f:
            return pickle.load(f)


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
            a, b, equal_nan=a.dtype.kind in "fc")
    return type(a) is type(b) and a == b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default=BASE, help="revision to compare against (default: %(default)s)")
    parser.add_argument("--save", type=Path, help="only write this tree's snapshots to SAVE")
    args = parser.parse_args()
    if args.save:
        save(args.save)
        return
    base = base_snapshots(args.base)
    all_cases = cases()
    assert len(base) == len(all_cases)
    for (label, region, seed, o), old in zip(all_cases, base):
        new = snapshot(region, seed, o)
        assert old.keys() == new.keys(), (label, seed, old.keys() ^ new.keys())
        for key in old:
            assert equal(old[key], new[key]), f"{label} seed {seed}: {key} differs"
    print(f"{len(all_cases)} builds identical to {args.base} (every column, dtype, name and the relationship index)")


if __name__ == "__main__":
    main()
