"""What a run is, and how a study numbers and seeds its runs.

Every study (a sweep, each phase of a sensitivity study, the validation, the calibration) is a list
of :class:`RunSpec` made by :func:`build_specs` from design points and replications, with one rule::

    run_id = replication * n_points + point      (replication-major: every point's first replication,
                                                  then every point's second, ... so a study stopped
                                                  early is still an even sample of its design)
    seed   = SeedSequence(base_seed, spawn_key=(run_id,))        independent runs (the default)
    seed   = SeedSequence(base_seed, spawn_key=(replication,))   common random numbers: the points of
                                                                 one replication share a seed, so
                                                                 their difference is a paired one

Seeds are fixed before any run starts, so where a run executes never changes its result. A spec
holds everything its run depends on (the region itself, not the name of a file that may change), so
:func:`digest` of the specs identifies a study's runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from partnerships.model.interventions import Intervention
from partnerships.model.scenarios import RegionSpec

#: Per-run tables a study can keep beside the run table: the whole-model weekly series, the
#: per-project weekly series, and the per-project end-of-run table.
TABLES = ("model_weekly", "project_weekly", "projects")
#: The most runs one study may hold (its design is refused before anything runs or is written).
MAX_RUNS = 1_000_000
SEED_RULE = ("seed = SeedSequence(base_seed, spawn_key=(run_id,)).generate_state(2, uint32) as one 64-bit integer "
             "(spawn_key=(replication,) where a study uses common random numbers)")


@dataclass(frozen=True)
class RunSpec:
    """One run of a study: what :func:`model.run.run_one` needs, and where the run sits in its study.

    Attributes:
        run_id: unique within the study (``replication * n_points + point``); the resume key.
        point: the design point (0..n_points-1).
        replication: the replication of its point (0, 1, ...).
        seed: the run's seed (see the module docstring).
        region: the region simulated (its own parameters and interventions apply beneath the next two).
        parameters: parameter overrides (checked against the registry).
        weeks: weeks to simulate.
        interventions: scheduled interventions on top of the region's.
        tables: per-run tables to keep beside the run-table row (a subset of :data:`TABLES`).
    """

    run_id: int
    point: int
    replication: int
    seed: int
    region: RegionSpec
    parameters: Mapping[str, Any]
    weeks: int
    interventions: tuple[Intervention, ...] = ()
    tables: tuple[str, ...] = ()

    def row(self) -> dict[str, Any]:
        """The run's identity in the run table: ids, seed and every overridden parameter."""
        return {"run_id": self.run_id, "point": self.point, "replication": self.replication, "seed": self.seed,
                "scenario": self.region.name, "scenario_sha256": region_digest(self.region),
                "spec_sha256": self.digest(), **self.parameters}

    def digest(self) -> str:
        """sha256 (16 hex digits) of :meth:`record` with the region as its digest: a stored run whose digest differs
        was made from other inputs."""
        record = self._record(region_digest(self.region))
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def record(self) -> dict[str, Any]:
        """Everything the run depends on, as plain data (what :func:`digest` hashes)."""
        return self._record(region_record(self.region))

    def _record(self, region: Any) -> dict[str, Any]:
        return {"run_id": self.run_id, "point": self.point, "replication": self.replication, "seed": self.seed,
                "region": region, "parameters": dict(self.parameters), "weeks": self.weeks,
                "interventions": [asdict(i) for i in self.interventions], "tables": list(self.tables)}


def region_record(region: RegionSpec) -> dict[str, Any]:
    """A region spec as plain data (organisation kinds by name); the same dict for the same region object (a
    study's specs share one), not to be changed by the caller."""
    return _encoded(region)[1]


def region_digest(region: RegionSpec) -> str:
    """sha256 (first 16 hex digits) of everything a region spec holds: its areas, composition, projects,
    parameters and interventions. The run table records it beside the scenario's name."""
    return _encoded(region)[3]


def _encoded(region: RegionSpec) -> tuple[RegionSpec, dict[str, Any], str, str]:
    """(region, its record, the record as sorted JSON, its digest), made once per region object."""
    cached = _ENCODED.get(id(region))
    if cached is not None and cached[0] is region:
        return cached
    record = asdict(region) | {"composition": {kind.name: n for kind, n in region.composition.items()}}
    text = json.dumps(record, sort_keys=True, default=str)
    if len(_ENCODED) > 64:
        _ENCODED.clear()
    encoded = _ENCODED[id(region)] = (region, record, text, hashlib.sha256(text.encode()).hexdigest()[:16])
    return encoded


_ENCODED: dict[int, tuple[RegionSpec, dict[str, Any], str, str]] = {}  # by id; the region kept so the id stays its


def run_seed(base_seed: int, key: int) -> int:
    """``SeedSequence(base_seed, spawn_key=(key,))`` as one 64-bit integer: an independent stream per key."""
    low, high = np.random.SeedSequence(base_seed, spawn_key=(key,)).generate_state(2, np.uint32)
    return int(low) | (int(high) << 32)


def build_specs(points: Sequence[Mapping[str, Any]], replications: int | Sequence[int], *, base_seed: int,
                region: RegionSpec, weeks: int, fixed: Mapping[str, Any] | None = None,
                interventions: Sequence[tuple[Intervention, ...]] | None = None, common_seeds: bool = False,
                tables: Iterable[str] = ()) -> list[RunSpec]:
    """Every run of a design, numbered and seeded by the one rule (module docstring).

    Args:
        points: each point's parameter values (a point may be empty: the region's defaults).
        replications: runs per point, or one count per point (0 leaves a point out; run ids keep
            their places, so a study can grow point by point without renumbering).
        base_seed: the study's base seed.
        region, weeks: the region simulated and the weeks of every run.
        fixed: overrides held at every point (a point's own values take precedence).
        interventions: one tuple of scheduled interventions per point (default: none).
        common_seeds: seed by replication instead of by run (paired comparisons between points).
        tables: per-run tables every run keeps (from :data:`TABLES`).

    Raises:
        ValueError: a table not in :data:`TABLES`, or a count per point of the wrong length.
    """
    tables = tuple(tables)
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise ValueError(f"unknown table '{unknown[0]}': allowed {', '.join(TABLES)}")
    counts = [replications] * len(points) if isinstance(replications, int) else list(replications)
    if len(counts) != len(points):
        raise ValueError(f"{len(counts)} replication counts for {len(points)} points")
    per_point = list(interventions) if interventions is not None else [()] * len(points)
    specs = []
    for replication in range(max(counts, default=0)):
        for point, values in enumerate(points):
            if replication >= counts[point]:
                continue
            run_id = replication * len(points) + point
            seed = run_seed(base_seed, replication if common_seeds else run_id)
            specs.append(RunSpec(run_id=run_id, point=point, replication=replication, seed=seed, region=region,
                                 parameters={**(fixed or {}), **values}, interventions=tuple(per_point[point]),
                                 weeks=weeks, tables=tables))
    return specs


def digest(specs: Iterable[RunSpec]) -> str:
    """sha256 of everything the runs depend on, in run-id order: equal digests mean the same runs.

    Each line is ``json.dumps(spec.record(), sort_keys=True, default=str)``; the region's part of it, the same
    in every spec of a study, is encoded once and put in its place."""
    hasher = hashlib.sha256()
    for spec in sorted(specs, key=lambda s: s.run_id):
        line = json.dumps(spec._record(_REGION_SLOT), sort_keys=True, default=str)
        hasher.update(line.replace(_REGION_SLOT_TEXT, _encoded(spec.region)[2], 1).encode() + b"\n")
    return hasher.hexdigest()


_REGION_SLOT = "\x00region\x00"  # no parameter, intervention or table name holds a NUL
_REGION_SLOT_TEXT = json.dumps(_REGION_SLOT)
