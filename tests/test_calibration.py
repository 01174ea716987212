"""Calibration to the London snapshot (Young Foundation 2008, §2): the design, the distance and acceptance rule, a tiny run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from partnerships.experiments import calibration as cal
from partnerships.model.parameters import PARAMETERS


def test_uncertain_ranges_lie_within_the_registry() -> None:
    for name, (low, high) in cal.UNCERTAIN.items():
        p = PARAMETERS[name]
        assert p.low <= low < high <= p.high, name


def test_latin_hypercube_puts_one_point_in_every_stratum() -> None:
    settings = cal.CalibrationSettings(points=20, base_seed=11)
    points = cal.design(settings)
    assert len(points) == 20
    for name, (low, high) in cal.UNCERTAIN.items():
        if PARAMETERS[name].kind == "int":
            continue
        strata = np.floor((points[name] - low) / (high - low) * 20).clip(0, 19)
        assert sorted(strata.astype(int)) == list(range(20)), name


def _runs(point: int, ww: float, nw: float, health: float, safety: float, n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(point)
    return pd.DataFrame({"point": point, "working_well_share": ww, "not_working_share": nw,
                         "health_working_well_share": health + 0.01 * rng.standard_normal(n),
                         "community_safety_working_well_share": safety, "delivered_share": 0.3,
                         "abandoned_share": 0.2, **{k: lo for k, (lo, _) in cal.UNCERTAIN.items()}})


def test_distance_and_acceptance_follow_the_documented_rule() -> None:
    runs = pd.concat([_runs(0, 0.38, 0.34, 0.52, 0.72), _runs(1, 0.45, 0.34, 0.6, 0.6), _runs(2, 0.40, 0.30, 0.5, 0.6)])
    table = cal.summarise(runs)
    assert list(table.index) == [0, 2, 1]  # sorted by distance
    assert table.loc[0, "distance"] < 0.1
    assert bool(table.loc[0, "accepted"]) and bool(table.loc[2, "accepted"])
    assert not bool(table.loc[1, "accepted"])  # working well 0.07 off and no health gap
    expected = np.sqrt(((0.40 - 0.38) / 0.05) ** 2 + ((0.30 - 0.34) / 0.05) ** 2 + ((-0.10 + 0.20) / 0.10) ** 2)
    assert abs(table.loc[2, "distance"] - expected) < 0.02


def test_tiny_calibration_chooses_the_nearest_confirmed_point(tmp_path) -> None:
    settings = cal.CalibrationSettings(points=4, screen_replications=3, finalists=2, confirm_replications=4)
    result = cal.calibrate(tmp_path, settings, workers=1)
    assert len(result.screen) == 4 and len(result.confirm) == 2
    assert result.best["distance"] == result.confirm.loc[result.confirm["accepted"] == result.best["accepted"],
                                                         "distance"].min()
    for name, value in result.best["parameters"].items():
        low, high = cal.UNCERTAIN[name]
        assert low <= value <= high
    result.write(tmp_path)
    assert (tmp_path / "calibrated.json").exists()


def test_calibrate_command_refuses_an_unwritable_folder_with_one_line(tmp_path) -> None:
    from typer.testing import CliRunner

    from partnerships.experiments.cli import app

    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(app, ["calibrate", "--out", str(blocker)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error:") and len(result.output.strip().splitlines()) == 1
    assert not (blocker.parent / "calibrated.json").exists()
