"""The DataCollector is the one weekly record: each column computed from the model's state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partnerships import PartnershipModel, run_one
from partnerships.model.codes import Stage
from partnerships.model.outcomes import model_series
from partnerships.model.records import WEEKLY_REPORTERS

COLUMNS = ["week", "mean_momentum", "mean_trust", "mean_momentum_all", "mean_trust_all", "open_projects",
           "stalled_projects", "delivered_projects",
           "abandoned_projects", "representatives_left", "awards"]
WEEKS = 156
BUSY = dict(leader_turnover=0.6, funding_call_interval=4, work_rate=1.0, follow_on_chance=1.0)  # delivers, follows on


@pytest.fixture(scope="module")
def busy(base_seed) -> PartnershipModel:
    model = PartnershipModel(rng=base_seed, **BUSY)
    model.run_for(WEEKS)
    return model


def test_one_row_a_week_with_the_columns_and_types_of_the_record(busy):
    table = model_series(busy)
    assert list(table.columns) == COLUMNS == list(WEEKLY_REPORTERS)
    assert table["week"].tolist() == list(range(WEEKS + 1))
    assert dict(table.dtypes.astype(str)) == {name: "float64" if name.startswith("mean_") else "int64"
                                                for name in COLUMNS}
    pd.testing.assert_frame_equal(table, busy.datacollector.get_model_vars_dataframe())
    assert not hasattr(busy, "weekly")  # no second store beside the collector


def test_the_last_row_is_the_state_at_the_end(busy):
    last = model_series(busy).iloc[-1]
    stage = busy.projects.stage
    open_ = (stage != Stage.DELIVERED) & (stage != Stage.ABANDONED)
    assert 0 < open_.sum() < len(stage) and len(stage) > busy.n_initial_projects  # closed projects, follow-ons
    assert last["mean_momentum"] == np.mean(busy.projects.momentum[open_])  # bit for bit, as ndarray.mean
    assert last["mean_trust"] == np.mean(busy.project_trust_mean[open_])
    assert last["open_projects"] == open_.sum()
    assert last["stalled_projects"] == (stage == Stage.STALLED).sum()
    assert last["abandoned_projects"] == (stage == Stage.ABANDONED).sum()
    assert last["delivered_projects"] == (busy.projects.delivered_week >= 0).sum() > 0


def test_the_weekly_flows_add_up_to_the_state(busy):
    table = model_series(busy)
    left, awards = table["representatives_left"], table["awards"]
    assert left.sum() == (busy.orgs.rep_generation - 1).sum() > 0  # every departure seated a successor
    assert busy.projects.external_received.sum() == pytest.approx(awards.sum() * busy.params["external_funding"])
    assert awards.sum() > 0
    call_weeks = table["week"] % busy.params["funding_call_interval"] == 0
    assert (awards[~call_weeks] == 0).all()
    assert left.iloc[0] == awards.iloc[0] == 0  # the start row has no flows


def test_no_open_project_gives_nan_means():
    model = PartnershipModel(rng=1)
    model.projects.stage[:] = Stage.ABANDONED
    model.datacollector.collect(model)
    last = model_series(model).iloc[-1]
    assert np.isnan(last["mean_momentum"]) and np.isnan(last["mean_trust"]) and last["open_projects"] == 0
    assert last["mean_momentum_all"] == 0.0  # over all starting projects: abandoned ones count at zero
    assert last["mean_trust_all"] == pytest.approx(model.project_trust_mean.mean())


def test_all_projects_means_keep_closed_projects_at_their_closing_values(base_seed):
    """mean_momentum_all / mean_trust_all average every starting project every week: open ones now, delivered
    ones at their value in the week they closed (read back from the per-project series), abandoned ones at 0."""
    busy = PartnershipModel(rng=base_seed)  # the default county: some deliver, some are abandoned, some open
    busy.run_for(260)
    table = model_series(busy)
    n = busy.n_initial_projects
    proj = busy.projects
    stage = proj.stage[:n]
    delivered = stage == Stage.DELIVERED
    assert delivered.any() and (stage == Stage.ABANDONED).any() and (~delivered & (stage != Stage.ABANDONED)).any()
    series = np.array([m[:n] for m in busy.series["momentum"]])  # row w: the record at the end of week w
    trust = np.array([t[:n] for t in busy.series["trust_mean"]])
    closed_row = proj.closed_week[:n]
    momentum = np.where(delivered, series[closed_row, np.arange(n)], proj.momentum[:n])
    momentum[stage == Stage.ABANDONED] = 0.0
    shut = (stage == Stage.DELIVERED) | (stage == Stage.ABANDONED)
    trusts = np.where(shut, trust[closed_row - 1, np.arange(n)], busy.project_trust_mean[:n])  # last week open
    assert (trust[closed_row[shut], np.flatnonzero(shut)] >= 0).all()
    last = table.iloc[-1]
    assert last["mean_momentum_all"] == pytest.approx(momentum.mean(), rel=1e-12)
    assert last["mean_trust_all"] == pytest.approx(trusts.mean(), rel=1e-12)
    # the open-projects mean is a different, shrinking set: the two differ once projects have closed
    assert last["mean_momentum_all"] != pytest.approx(last["mean_momentum"])
    assert table["mean_momentum_all"].notna().all() and table["mean_momentum_all"].between(0, 1).all()


def test_the_summary_reads_the_record(base_seed):
    result = run_one(BUSY, seed=base_seed, weeks=WEEKS)
    weekly = result.model_weekly
    assert result.summary["representatives_left"] == weekly["representatives_left"].sum()
    assert result.summary["awards"] == weekly["awards"].sum()
    assert result.summary["mean_momentum"] == pytest.approx(weekly["mean_momentum"].iloc[1:].mean(), rel=1e-12)
    assert result.summary["mean_momentum_all"] == pytest.approx(weekly["mean_momentum_all"].iloc[1:].mean(), rel=1e-12)
