"""The one rule that numbers and seeds every study's runs, and the one builder every study uses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partnerships.experiments import calibration, sensitivity, validation
from partnerships.experiments.abc_study import load_study
from partnerships.experiments.design import load_experiment
from partnerships.experiments.spec import build_specs, digest, run_seed
from partnerships.model.interventions import Intervention
from partnerships.model.scenarios import county_region, load_region

POINTS = [{"meeting_discipline": 0.2}, {"meeting_discipline": 0.5}, {"meeting_discipline": 0.8}]


def specs(**kw):
    return build_specs(POINTS, kw.pop("replications", 3), base_seed=kw.pop("base_seed", 11), region=county_region(),
                       weeks=10, **kw)


def test_run_ids_are_replication_major_and_each_run_has_its_own_seed():
    runs = specs()
    assert [s.run_id for s in runs] == list(range(9))
    assert [(s.replication, s.point) for s in runs[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert all(s.run_id == s.replication * len(POINTS) + s.point for s in runs)
    for s in runs:
        state = np.random.SeedSequence(11, spawn_key=(s.run_id,)).generate_state(2, np.uint32)
        assert s.seed == int(state[0]) | (int(state[1]) << 32)
    assert len({s.seed for s in runs}) == len(runs)


def test_common_seeds_share_a_seed_within_a_replication_and_differ_between_replications():
    runs = specs(common_seeds=True)
    by_replication = pd.DataFrame([(s.replication, s.seed) for s in runs], columns=["r", "seed"]).groupby("r")["seed"]
    assert (by_replication.nunique() == 1).all() and by_replication.first().nunique() == 3
    assert all(s.seed == run_seed(11, s.replication) for s in runs)


def test_uneven_replications_leave_points_out_but_keep_every_run_id_in_place():
    runs = specs(replications=[2, 0, 3])
    assert [(s.point, s.replication) for s in runs] == [(0, 0), (2, 0), (0, 1), (2, 1), (2, 2)]
    whole = {s.run_id: s for s in specs()}
    assert all(whole[s.run_id] == s for s in runs)  # a study grown point by point renumbers nothing
    with pytest.raises(ValueError, match="2 replication counts for 3 points"):
        specs(replications=[1, 1])


def test_points_override_the_fixed_values_and_carry_their_own_interventions():
    leave = (Intervention("champion_leaves", week=5, project=0),)
    runs = specs(replications=1, fixed={"meeting_discipline": 0.9, "meeting_interval": 2},
                 interventions=[(), leave, ()], tables=["model_weekly"])
    assert [s.parameters for s in runs] == [{"meeting_discipline": d, "meeting_interval": 2} for d in (0.2, 0.5, 0.8)]
    assert [s.interventions for s in runs] == [(), leave, ()]
    assert all(s.tables == ("model_weekly",) for s in runs)
    with pytest.raises(ValueError, match="unknown table 'weekly'"):
        specs(tables=["weekly"])


def test_digest_follows_what_the_runs_depend_on_and_nothing_else():
    runs = specs()
    assert digest(runs) == digest(list(reversed(runs))) == digest(specs())
    two_areas = load_region("county_two_areas")
    changed = {
        "region": [replace(s, region=two_areas) for s in runs],
        "region parameters": [replace(s, region=replace(s.region, parameters={"meeting_interval": 3})) for s in runs],
        "seed": specs(base_seed=12),
        "weeks": [replace(s, weeks=11) for s in runs],
        "interventions": specs(interventions=[(Intervention("obstacle", week=2, project=1),), (), ()]),
        "tables": specs(tables=["projects"]),
    }
    for what, other in changed.items():
        assert digest(other) != digest(runs), what


def test_the_headline_experiment_keeps_the_sweep_rule():
    experiment = load_experiment("headline")
    runs = experiment.specs()
    assert len(runs) == 27 * experiment.replications
    assert all(s.seed == run_seed(experiment.base_seed, s.run_id) for s in runs[:100] + runs[-100:])
    assert [s.point for s in runs[:28]] == [*range(27), 0]
    assert all(s.tables == ("model_weekly", "projects") and s.region == county_region() for s in runs[:5])


def test_validation_conditions_share_seeds_by_replication_and_take_interventions_directly():
    settings = validation.Settings(pilot=2, base_seed=5)
    conditions = validation.CONDITIONS
    runs = validation.specs_for(conditions, {c.key: 2 for c in conditions}, settings)
    assert len(runs) == 2 * len(conditions)
    assert all(s.seed == run_seed(5, s.replication) for s in runs)
    by_key = {conditions[s.point].key: s for s in runs if s.replication == 0}
    assert by_key["champions_leave"].interventions == tuple(
        Intervention("champion_leaves", week=validation.LOSS_WEEK, project=p) for p in range(10))
    assert by_key["default"].interventions == () and by_key["default"].region == county_region()


def test_calibration_candidates_seed_their_runs_from_their_own_seed():
    study = load_study(Path(__file__).resolve().parent.parent / "experiments" / "calibration.toml", probe=False)
    simulator = calibration.ModelSimulator(study, Path("unused"))
    middle = {p.name: sum(p.bounds) / 2 for p in study.priors}
    runs = simulator.specs(3, {5: middle, 9: middle})
    r = study.runs_per_particle
    assert [s.run_id for s in runs] == [5 * r + i for i in range(r)] + [9 * r + i for i in range(r)]
    assert all(s.seed == run_seed(calibration.run_seed_of(study.base_seed, 3, s.point), s.replication) for s in runs)
    assert len({s.seed for s in runs}) == len(runs) and runs[0].region == study.region
    assert all(s.parameters["external_funding"] == 0 for s in runs)


def test_sensitivity_phases_seed_from_their_own_phase_seed():
    study = sensitivity.load_study(Path(__file__).resolve().parent.parent / "experiments" / "sensitivity.toml")
    runs = sensitivity.point_specs(study, [{"meeting_interval": 2}, {"meeting_interval": 4}], "curves", 2)
    assert all(s.seed == run_seed(study.phase_seed("curves"), s.run_id) for s in runs)
    assert all(s.parameters["meeting_interval"] in (2, 4) for s in runs) and runs[0].region == study.region
