"""Each process of the model brief does what the brief says, tested in isolation.

Kernel-level tests build a tiny hand-made partnership (named arrays, passed to the kernel by its
parameter names); model-level tests use :class:`PartnershipModel` and its interventions.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from partnerships.model import kernels as k
from partnerships.model.codes import Stage
from partnerships.model.model import PartnershipModel
from partnerships.model.state import combined_trust


def call(kernel, **values: Any):
    """Call a compiled kernel by keyword with those of ``values`` it takes (the others describe the world)."""
    return kernel(**{name: values[name] for name in inspect.signature(kernel.py_func).parameters})


def three_partners(**overrides: Any) -> dict[str, Any]:
    """One project (index 0) of three organisations 0, 1, 2; every pair of them has a relationship."""
    values: dict[str, Any] = dict(
        week=10, stage=np.array([Stage.AGREEING_GOALS], dtype=np.int8), mem_project=np.zeros(3, dtype=np.int32),
        mem_org=np.arange(3, dtype=np.int32), mem_active=np.ones(3, dtype=np.bool_),
        pair_project=np.zeros(3, dtype=np.int32), pair_rel=np.arange(3, dtype=np.int32),
        pair_ma=np.array([0, 0, 1], dtype=np.int32), pair_mb=np.array([1, 2, 2], dtype=np.int32),
        interpersonal=np.full(3, 0.4), rep_skill=np.full(3, 0.5), rep_presence=np.ones(3),
    )
    values.update(overrides)
    return values


# --- meetings ------------------------------------------------------------------------------------
def meeting(u_attend: list[float]) -> dict[str, Any]:
    values = three_partners(meeting_interval=4, meeting_discipline=1.0, trust_gain=0.05, absence_penalty=0.02,
                            coordination_cost=0.04, meeting_days=0.25, u_attend=np.array(u_attend),
                            next_meeting=np.array([10], dtype=np.int32), attended=np.zeros(3, dtype=np.bool_),
                            capacity=np.full(3, 0.6), cap_share=np.ones(3), contribution=np.zeros(3),
                            costs=np.zeros(1), held=np.zeros(1, dtype=np.bool_), quality=np.zeros(1))
    values["n_held"] = call(k.hold_meetings, **values)
    return values


def test_a_meeting_everyone_attends_raises_trust_among_them():
    after = meeting([0.0, 0.0, 0.0])
    assert after["n_held"] == 1 and after["held"][0] and after["attended"].all()
    assert (after["interpersonal"] > 0.4).all()
    assert after["next_meeting"][0] == 10 + 4 and after["quality"][0] > 0


def test_an_absent_member_loses_trust_with_those_present():
    after = meeting([0.0, 0.0, 1.0])  # organisation 2 stays away
    assert after["attended"].tolist() == [True, True, False]
    together, with_absentee = after["interpersonal"][0], after["interpersonal"][1:]
    assert together > 0.4
    np.testing.assert_allclose(with_absentee, 0.4 - 0.02)
    assert after["quality"][0] < meeting([0.0, 0.0, 0.0])["quality"][0]  # fewer in the room, less agreed


def test_a_meeting_costs_the_attendees_officer_time_taken_from_their_partnership_work():
    after = meeting([0.0, 0.0, 1.0])  # capacity 0.6 officer-days against 0.5 asked: a full share before the meeting
    # attendees have 0.6 - 0.25 = 0.35 days left for the 0.5 asked; the absentee keeps its full share
    np.testing.assert_allclose(after["cap_share"], [0.35 / 0.5, 0.35 / 0.5, 1.0])
    np.testing.assert_allclose(after["contribution"], [0.25 * 0.35, 0.25 * 0.35, 0.0])  # costed at 0.35 £k a day
    np.testing.assert_allclose(after["costs"], [2 * 0.25 * 0.35])


# --- turnover ------------------------------------------------------------------------------------
def test_a_champions_departure_removes_the_champion_and_costs_momentum(base_seed):
    model = PartnershipModel(rng=base_seed, champion_share=1.0)
    champion = int(model.projects.champion[0])
    led = np.flatnonzero(model.projects.champion == champion)
    model.projects.momentum[led] = 0.6
    embedded = model._embeddedness()[led]
    assert (embedded > 0).all() and (embedded < 1).all()
    model.intervene("champion_leaves", project=0)
    assert (model.projects.champion[led] == -1).all()
    np.testing.assert_allclose(model.projects.momentum[led], 0.6 - model.params["champion_loss"] * (1 - embedded))
    others = np.setdiff1d(np.arange(len(model.projects)), led)
    assert (model.projects.champion[others] >= 0).all()


def test_a_champions_departure_hurts_a_partnership_with_embedded_ways_of_working_less():
    def momentum_after_losing_the_champion(institutional: float) -> float:
        values = dict(left=np.array([False, True]), champion=np.array([1], dtype=np.int32),
                      stage=np.array([Stage.DELIVERY], dtype=np.int8), momentum=np.full(1, 0.6),
                      champion_loss=0.2, embedded=np.full(1, institutional))
        assert call(k.lose_champions, **values) == 1 and values["champion"][0] == -1
        return float(values["momentum"][0])

    young, mature = momentum_after_losing_the_champion(0.1), momentum_after_losing_the_champion(0.6)
    assert young < mature < 0.6
    np.testing.assert_allclose([young, mature], [0.6 - 0.2 * 0.9, 0.6 - 0.2 * 0.4])


def test_turnover_resets_interpersonal_but_not_institutional_trust(base_seed):
    model = PartnershipModel(rng=base_seed, leader_turnover=0.0)
    model.run_for(20)
    rel = model.relationships
    organisation = int(rel.a[0])
    interpersonal, institutional = rel.interpersonal.copy(), rel.institutional.copy()
    generation = int(model.orgs.rep_generation[organisation])
    model.intervene("representative_leaves", organisation=organisation)
    touched = (rel.a == organisation) | (rel.b == organisation)
    assert touched.any() and (interpersonal[touched] > 0).all()
    # the successor's personal trust starts from what the organisations' institutional relationship holds
    assert (rel.interpersonal[touched] == institutional[touched]).all()
    assert (interpersonal[touched] != institutional[touched]).any()
    np.testing.assert_array_equal(rel.interpersonal[~touched], interpersonal[~touched])
    np.testing.assert_array_equal(rel.institutional, institutional)
    np.testing.assert_allclose(combined_trust(rel.interpersonal, rel.institutional)[touched],
                               institutional[touched] * (2 - institutional[touched]))
    assert model.orgs.rep_generation[organisation] == generation + 1 and model.orgs.rep_tenure[organisation] == 0


# --- external funding ----------------------------------------------------------------------------
def stalled_project_gets_award(base_seed: int, **switches: bool) -> tuple[PartnershipModel, dict[str, Any]]:
    model = PartnershipModel(rng=base_seed, external_funding=0.0, **switches)
    model.run_for(5)
    proj = model.projects
    proj.stage_before_stall[0] = Stage.AGREEING_GOALS
    proj.stage[0] = Stage.STALLED
    proj.stalled_since[0] = model.week
    proj.momentum[0] = 0.1
    before = {name: getattr(proj, name)[0].copy() for name in ("momentum", "external_funds", "external_received",
                                                                 "catalyst_until", "stage")}
    model.intervene("funding_award", project=0, amount=40.0)
    return model, before


def test_funding_without_the_catalytic_effect_adds_money_only(base_seed):
    model, before = stalled_project_gets_award(base_seed, funding_catalytic_effect=False)
    proj = model.projects
    assert proj.external_funds[0] == before["external_funds"] + 40.0
    assert proj.external_received[0] == before["external_received"] + 40.0
    assert proj.momentum[0] == before["momentum"]  # no jump
    assert proj.catalyst_until[0] == model.week + model.params["award_deadline"]  # the award's deadline runs
    assert proj.stage[0] == Stage.STALLED
    model.step()
    assert proj.stage[0] in (Stage.STALLED, Stage.ABANDONED)  # money alone does not restart a stalled project


def test_funding_without_the_resource_effect_adds_no_money(base_seed):
    model, before = stalled_project_gets_award(base_seed, funding_resource_effect=False)
    proj = model.projects
    assert proj.external_funds[0] == before["external_funds"] == 0.0
    assert proj.external_received[0] == before["external_received"] + 40.0  # recorded, but buys nothing
    assert proj.momentum[0] == before["momentum"]  # an award moves nothing by itself
    assert proj.catalyst_until[0] == model.week + model.params["award_deadline"]
    assert proj.stage[0] == Stage.STALLED  # no stage move because an award arrived


def work_week(catalytic_strength: float, funds: float, has_manager: bool) -> dict[str, Any]:
    """One week of work on project 0 (in delivery, an award deadline running to week 30)."""
    values = three_partners(
        meeting_discipline=0.5, work_rate=0.4, momentum_rate=0.05, coordination_cost=0.04, work_cost=100.0,
        manager_cost=52.0, resource_effect=True, catalytic_effect=True, catalytic_strength=catalytic_strength,
        stage=np.array([Stage.DELIVERY], dtype=np.int8), momentum=np.full(1, 0.5), progress=np.zeros(1),
        ambition=np.ones(1), has_manager=np.array([has_manager]), champion=np.full(1, -1, dtype=np.int32),
        embedded=np.full(1, 0.3), obstacle=np.zeros(1), catalyst_until=np.full(1, 30, dtype=np.int32),
        action_quality=np.full(1, 0.6), external_funds=np.full(1, funds), costs=np.zeros(1),
        delivered_week=np.full(1, -1, dtype=np.int32), commitment=np.full(3, 0.4), contribution=np.zeros(3),
        cap_share=np.ones(3), done_out=np.zeros(1))
    call(k.work_between_meetings, **values)
    return values


def test_an_award_deadline_lifts_the_commitment_partners_act_on_and_nothing_else():
    plain, pulled = work_week(0.0, 0.0, True), work_week(1.0, 0.0, True)
    # commitment 0.4 acts as 0.4 + 0.5 * (1 - 0.4) = 0.7 while the deadline runs: more officer time, more done
    np.testing.assert_allclose(pulled["contribution"], plain["contribution"] * 0.7 / 0.4)
    np.testing.assert_allclose(pulled["done_out"], plain["done_out"] * 0.7 / 0.4)
    np.testing.assert_array_equal(pulled["commitment"], plain["commitment"])  # the members' own commitment stays


def test_award_money_pays_a_manager_for_a_project_without_one_and_keeps_it_back_until_the_deadline():
    # 20 weeks of deadline left at £1k a week: £20k kept back, the other £10k buys work
    managed_by_money = work_week(0.5, 30.0, False)
    np.testing.assert_allclose(managed_by_money["external_funds"], [30.0 - 1.0 - (29.0 - 20.0)])
    own_manager = work_week(0.5, 30.0, True)  # nothing kept back: up to work_cost * work_rate = £40k buys work
    assert own_manager["external_funds"][0] == 0.0
    unmanaged = work_week(0.5, 0.0, False)
    assert unmanaged["progress"][0] < managed_by_money["progress"][0]


# --- shocks and brittleness ------------------------------------------------------------------------
def shocked(institutional: float, interpersonal: float, shock: float = 0.4) -> dict[str, Any]:
    values = three_partners(shock=np.full(1, shock), momentum=np.full(1, 0.6), commitment=np.full(3, 0.6),
                            interpersonal=np.full(3, interpersonal), institutional=np.full(3, institutional))
    values["hit"] = call(k.absorb_shocks, **values)
    return values


def test_a_shock_costs_a_brittle_partnership_more_momentum_and_commitment_than_a_trusting_one():
    brittle, resilient = shocked(0.1, 0.1), shocked(0.6, 0.8)
    assert brittle["hit"] == resilient["hit"] == 1
    np.testing.assert_allclose(brittle["momentum"], [0.6 - 0.4 * 0.9])
    np.testing.assert_allclose(resilient["momentum"], [0.6 - 0.4 * 0.3])
    np.testing.assert_allclose(brittle["commitment"], 0.6 - 0.5 * 0.4 * 0.9)
    # institutional trust and personal connections both count: either alone gives half the resilience
    assert shocked(0.8, 0.0)["momentum"][0] == shocked(0.0, 0.8)["momentum"][0] < resilient["momentum"][0]
    assert shocked(0.1, 0.1, shock=0.0)["hit"] == 0


def test_a_policy_shock_hits_open_partnerships_through_their_trust(base_seed):
    model = PartnershipModel(rng=base_seed, reorganisation_rate=0.0)
    model.run_for(10)
    proj = model.projects
    before = proj.momentum.copy()
    model.intervene("policy_shock", amount=0.5)
    open_ = proj.stage <= Stage.REALISING_BENEFITS
    assert (proj.momentum[open_] < before[open_]).all()
    assert model.pressure_shock >= 0.5


def test_health_bodies_and_government_agencies_reorganise_and_nobody_else(base_seed):
    from partnerships.model.codes import OrgKind

    model = PartnershipModel(rng=base_seed, reorganisation_rate=1.0, leader_turnover=0.0)
    generation = model.orgs.rep_generation.copy()
    model.run_for(104)
    changed = model.orgs.rep_generation > generation
    reorganising = np.isin(model.orgs.kind, [OrgKind.HEALTH_BODY, OrgKind.GOVERNMENT_AGENCY])
    assert changed[reorganising].any() and not changed[~reorganising].any()
    off = PartnershipModel(rng=base_seed, reorganisation_rate=0.0, leader_turnover=0.0)
    off.run_for(104)
    assert (off.orgs.rep_generation == generation).all()


def test_intervention_amounts_outside_their_ranges_are_refused_in_one_line(base_seed):
    import pytest

    from partnerships.model.errors import InputError

    model = PartnershipModel(rng=base_seed)
    for action, amount in (("policy_shock", 50.0), ("obstacle", 1e9), ("funding_award", 1001.0), ("obstacle", -1.0)):
        with pytest.raises(InputError, match=rf"^intervention '{action}' amount = .*: allowed") as error:
            model.intervene(action, project=0, amount=amount)
        assert "\n" not in str(error.value)
    model.intervene("policy_shock", amount=1.0)  # the ends of the range are allowed
    model.intervene("obstacle", project=0, amount=52.0)


# --- stage gates ---------------------------------------------------------------------------------
def gate(**overrides: Any) -> dict[str, Any]:
    """Project 0 has finished its stage's work and meets this week; organisation 0 leads."""
    values = three_partners(  # advantage 3: the project's prospects (351 £k against 175 £k of work left) favour it
        collaborative_advantage=3.0, catalytic_effect=False, catalytic_strength=0.5, trust_gain=0.03,
        trust_loss_ratio=3.0, work_cost=100.0, held=np.ones(1, dtype=np.bool_), progress=np.ones(1),
        momentum=np.full(1, 0.5), ambition=np.ones(1), deferred_until=np.full(1, -1, dtype=np.int32),
        catalyst_until=np.full(1, -1, dtype=np.int32), lead=np.zeros(1, dtype=np.int32),
        sponsor=np.full(1, -1, dtype=np.int32),
        lead_decides=np.zeros(1, dtype=np.bool_), equitable=np.ones(1, dtype=np.bool_), external_funds=np.zeros(1),
        pooled_funds=np.full(1, 50.0), gate_refusals=np.zeros(1, dtype=np.int32), commitment=np.full(3, 0.6),
        contribution=np.ones(3), member_trust=np.full(3, 0.6), risk_appetite=np.full(3, 0.5),
        selflessness=np.full(3, 0.3), culture=np.array([0.5, 0.9, 0.1]), rep_autonomy=np.ones(3),
        u_refer=np.full(3, 0.5), consent_noise=np.zeros(3), consent_out=np.zeros(3, dtype=np.bool_),
        trust_delta_out=np.zeros(1), trust_consent_weight=1.0, skill_consent_weight=0.5, misalignment_weight=1.0,
        aim=np.full(3, 0.5), agreed_aim=np.full(1, np.nan),  # no aim agreed yet: every partner's fit is 1
    )
    values.update(overrides)
    values["counts"] = call(k.decide_stage_gates, **values)
    return values


def referral_delay(autonomy: list[float]) -> int:
    after = gate(rep_autonomy=np.array(autonomy))
    assert after["counts"] == (0, 0, 1) and after["stage"][0] == Stage.AGREEING_GOALS
    return int(after["deferred_until"][0]) - after["week"]


def test_an_unempowered_representatives_referral_delays_the_gate_by_the_slowest_partners_culture():
    assert gate()["counts"] == (1, 0, 0)  # everyone empowered: decided in the room
    adaptive_only = referral_delay([1.0, 0.0, 1.0])  # organisation 1's culture is adaptive (0.9)
    hierarchical_only = referral_delay([1.0, 1.0, 0.0])  # organisation 2's is hierarchical (0.1)
    both = referral_delay([1.0, 0.0, 0.0])
    assert 1 <= adaptive_only < hierarchical_only == both
    waiting = gate(rep_autonomy=np.array([1.0, 0.0, 0.0]), deferred_until=np.array([10 + both], dtype=np.int32),
                   week=10 + both - 1)
    assert waiting["counts"] == (0, 0, 0) and waiting["stage"][0] == Stage.AGREEING_GOALS
    decided = gate(rep_autonomy=np.array([1.0, 0.0, 0.0]), deferred_until=np.array([10 + both], dtype=np.int32),
                   week=10 + both)
    assert decided["counts"] == (1, 0, 0) and decided["deferred_until"][0] == -1  # no second referral


def test_consensus_needs_everyone_while_a_lead_who_decides_does_not_and_dissenters_lose_commitment():
    one_dissenter = np.array([3.0, 3.0, -10.0])  # organisation 2 will not consent
    consensus = gate(consent_noise=one_dissenter)
    assert consensus["counts"] == (0, 1, 0) and consensus["consent_out"].tolist() == [True, True, False]
    assert consensus["stage"][0] == Stage.AGREEING_GOALS and consensus["gate_refusals"][0] == 1
    assert consensus["trust_delta_out"][0] < 0
    pragmatic = gate(consent_noise=one_dissenter, lead_decides=np.ones(1, dtype=np.bool_))
    assert pragmatic["counts"] == (1, 0, 0) and pragmatic["stage"][0] == Stage.DESIGN_AND_FEASIBILITY
    assert pragmatic["trust_delta_out"][0] > 0
    assert (pragmatic["commitment"][:2] > 0.6).all() and pragmatic["commitment"][2] < 0.6
    lead_refuses = gate(consent_noise=np.array([-10.0, 3.0, 3.0]), lead_decides=np.ones(1, dtype=np.bool_))
    assert lead_refuses["counts"] == (0, 1, 0)


def test_a_partner_far_from_the_agreed_aim_refuses_a_gate_it_would_pass_aligned():
    """Three partners whose prospects carry the gate (advantage 3): with aims at the agreed 0.5 all consent; the
    third at aim 1 with misalignment weight 2 expects nothing of what it wants and refuses; weight 0 ignores it."""
    agreed = dict(agreed_aim=np.full(1, 0.5), consent_noise=np.zeros(3))
    aligned = gate(**agreed)
    assert aligned["counts"] == (1, 0, 0) and aligned["consent_out"].all()
    misaligned = gate(**agreed, aim=np.array([0.5, 0.5, 1.0]), misalignment_weight=2.0)
    assert misaligned["counts"] == (0, 1, 0)
    assert misaligned["consent_out"].tolist() == [True, True, False]
    assert gate(**agreed, aim=np.array([0.5, 0.5, 1.0]), misalignment_weight=0.0)["counts"] == (1, 0, 0)


def test_a_sponsor_in_the_partnership_lowers_perceived_risk_enough_to_win_consent():
    hesitant = np.array([3.0, 3.0, -0.15])  # organisation 2 is close to the line (flips at 0.13 alone, -0.41 with a sponsor)
    risky = dict(member_trust=np.full(3, 0.1), risk_appetite=np.full(3, 0.1), consent_noise=hesitant)
    without = gate(**risky)
    with_sponsor = gate(**risky, sponsor=np.array([1], dtype=np.int32))
    assert without["consent_out"].tolist() == [True, True, False] and without["counts"] == (0, 1, 0)
    assert with_sponsor["consent_out"].all() and with_sponsor["counts"] == (1, 0, 0)
    withdrawn = gate(**risky, sponsor=np.array([1], dtype=np.int32), mem_active=np.array([True, False, True]))
    assert withdrawn["consent_out"].tolist() == [True, False, False]  # a sponsor who left reassures no one


def test_a_lead_who_overrules_a_dissenter_loses_that_partners_trust():
    pragmatic = gate(consent_noise=np.array([3.0, 3.0, -10.0]), lead_decides=np.ones(1, dtype=np.bool_))
    loss = 0.5 * 0.03 * 3.0
    # pairs: (0,1), (0,2), (1,2); organisation 0 leads and overrules organisation 2
    np.testing.assert_allclose(pragmatic["interpersonal"], [0.4, 0.4 - loss, 0.4])


# --- obstacles and stalls ------------------------------------------------------------------------
def obstacle_world(**overrides: Any) -> dict[str, Any]:
    """Project 0 of two partners, in delivery; an obstacle arrives unless ``obstacle`` is already positive."""
    values = dict(obstacle_rate=3.0, obstacle_severity=3.0, risk_aversion_amplifier=2.0, catalytic_effect=False,
                  catalytic_strength=0.5, resource_effect=True, work_rate=0.4, work_cost=100.0, manager_cost=52.0,
                  week=10, u_arrive=np.zeros(1), z_size=np.zeros(1), stage=np.array([Stage.DELIVERY], dtype=np.int8),
                  obstacle=np.zeros(1), champion=np.full(1, -1, dtype=np.int32),
                  has_manager=np.zeros(1, dtype=np.bool_), catalyst_until=np.full(1, -1, dtype=np.int32),
                  external_funds=np.zeros(1), costs=np.zeros(1), trust_mean=np.full(1, 0.5),
                  mem_project=np.zeros(2, dtype=np.int32), mem_org=np.arange(2, dtype=np.int32),
                  mem_active=np.ones(2, dtype=np.bool_), commitment=np.full(2, 0.5), cap_share=np.ones(2),
                  risk_appetite=np.full(2, 0.3), selflessness=np.full(2, 0.3), rep_skill=np.full(2, 0.5))
    values.update(overrides)
    return values


def cleared(**overrides: Any) -> float:
    """Weeks of an obstacle of 5 the partners clear in one week."""
    values = obstacle_world(obstacle=np.full(1, 5.0), **overrides)
    call(k.obstacles_arrive_and_resolve, **values)
    return 5.0 - float(values["obstacle"][0])


def test_behaviour_and_trust_clear_obstacles_and_award_money_buys_clearing():
    base = cleared()
    np.testing.assert_allclose(base, 0.5 * (0.2 + 0.6 * 0.5 + 0.4 * 0.5 + 0.4 * 0.3))
    assert cleared(trust_mean=np.full(1, 0.9)) > base
    assert cleared(rep_skill=np.full(2, 0.9)) > base
    assert cleared(selflessness=np.full(2, 0.9)) > base
    assert cleared(champion=np.zeros(1, dtype=np.int32)) > base
    assert cleared(commitment=np.full(2, 0.9)) > base
    # £40k buys one week of clearing on top (work_cost * work_rate), and pays for a manager's share of the effort
    np.testing.assert_allclose(cleared(external_funds=np.full(1, 100.0)), 1.0 + 0.5 * (0.2 + 0.3 + 0.2 + 0.12 + 0.3))
    np.testing.assert_allclose(cleared(external_funds=np.full(1, 100.0), resource_effect=False), base)


def test_an_obstacle_looks_bigger_without_an_upbeat_risk_taker():
    def obstacle_size(appetites: list[float], amplifier: float = 2.0) -> float:
        values = obstacle_world(risk_aversion_amplifier=amplifier, risk_appetite=np.array(appetites))
        assert call(k.obstacles_arrive_and_resolve, **values) == 1
        return float(values["obstacle"][0])

    upbeat = obstacle_size([0.8, 0.1])
    cautious = obstacle_size([0.3, 0.1])
    very_cautious = obstacle_size([0.1, 0.1])
    assert upbeat < cautious < very_cautious
    assert obstacle_size([0.3, 0.1], amplifier=0.0) == upbeat  # no amplifier: risk appetite does not matter


def test_a_project_stalls_below_the_threshold_resumes_at_twice_it_and_is_abandoned_after_patience():
    threshold, patience = 0.15, 6
    values = dict(stall_threshold=threshold, patience=patience, trust_gain=0.03, trust_loss_ratio=3.0,
                  stage=np.array([Stage.DESIGN_AND_FEASIBILITY], dtype=np.int8),
                  stage_before_stall=np.zeros(1, dtype=np.int8), momentum=np.zeros(1),
                  stalls=np.zeros(1, dtype=np.int32), stalled_since=np.full(1, -1, dtype=np.int32),
                  first_stall_week=np.full(1, -1, dtype=np.int32), closed_week=np.full(1, -1, dtype=np.int32),
                  trust_delta_out=np.zeros(1))

    def week(w: int, momentum: float):
        values["momentum"][0] = momentum
        return call(k.update_stalls, week=w, **values)

    assert week(1, threshold + 0.01) == (0, 0, 0)
    assert week(2, threshold - 0.01) == (1, 0, 0) and values["stage"][0] == Stage.STALLED
    assert values["trust_delta_out"][0] < 0 and values["first_stall_week"][0] == 2
    assert week(3, 2 * threshold - 0.01) == (0, 0, 0) and values["stage"][0] == Stage.STALLED
    assert week(4, 2 * threshold) == (0, 1, 0) and values["stage"][0] == Stage.DESIGN_AND_FEASIBILITY
    assert week(5, 0.0) == (1, 0, 0) and values["stalls"][0] == 2 and values["first_stall_week"][0] == 2
    for w in range(6, 5 + patience):
        assert week(w, 0.0) == (0, 0, 0)
    assert week(5 + patience, 0.0) == (0, 0, 1) and values["stage"][0] == Stage.ABANDONED
    assert values["closed_week"][0] == 5 + patience


# --- benefits and membership ---------------------------------------------------------------------
def commitment_after_a_year_of_benefits(equitable: bool, selflessness: float = 0.0) -> np.ndarray:
    values = dict(week=100, collaborative_advantage=1.5, fairness_tolerance=0.3,
                  stage=np.array([Stage.REALISING_BENEFITS], dtype=np.int8), progress=np.zeros(1),
                  momentum=np.full(1, 0.5), ambition=np.ones(1), equitable=np.array([equitable]), benefits=np.zeros(1),
                  closed_week=np.full(1, -1, dtype=np.int32), mem_project=np.zeros(2, dtype=np.int32),
                  mem_org=np.arange(2, dtype=np.int32), mem_active=np.ones(2, dtype=np.bool_),
                  commitment=np.full(2, 0.8), contribution=np.array([9.0, 1.0]), benefit=np.zeros(2),
                  selflessness=np.array([selflessness, 0.0]), net_benefit_spread=np.full(1, np.nan),
                  misalignment_weight=1.0, aim=np.full(2, 0.5),
                  agreed_aim=np.full(1, np.nan))
    for _ in range(40):
        call(k.realise_benefits, **values)
    return values["commitment"]


def test_equal_sharing_lowers_a_high_contributors_commitment_while_equitable_sharing_does_not():
    equal = commitment_after_a_year_of_benefits(equitable=False)
    assert equal[0] < 0.8 and equal[1] == 0.8  # the partner who gave 90% gets half and feels short-changed
    np.testing.assert_array_equal(commitment_after_a_year_of_benefits(equitable=True), [0.8, 0.8])
    assert commitment_after_a_year_of_benefits(equitable=False, selflessness=1.0)[0] == 0.8  # unless selfless


def test_benefits_start_to_flow_during_delivery_in_proportion_to_progress():
    def first_week_value(stage: Stage, progress: float) -> float:
        values = dict(week=100, collaborative_advantage=1.5, fairness_tolerance=0.3,
                      stage=np.array([stage], dtype=np.int8), progress=np.array([progress]), momentum=np.ones(1),
                      ambition=np.ones(1), equitable=np.ones(1, dtype=np.bool_), benefits=np.zeros(1),
                      closed_week=np.full(1, -1, dtype=np.int32), mem_project=np.zeros(2, dtype=np.int32),
                      mem_org=np.arange(2, dtype=np.int32), mem_active=np.ones(2, dtype=np.bool_),
                      commitment=np.full(2, 0.8), contribution=np.ones(2), benefit=np.zeros(2),
                      selflessness=np.zeros(2), net_benefit_spread=np.full(1, np.nan),
                      misalignment_weight=1.0, aim=np.full(2, 0.5),
                      agreed_aim=np.full(1, np.nan))
        call(k.realise_benefits, **values)
        return float(values["benefits"][0])

    realising = first_week_value(Stage.REALISING_BENEFITS, 0.0)
    assert realising > 0 and first_week_value(Stage.DESIGN_AND_FEASIBILITY, 0.9) == 0.0
    assert first_week_value(Stage.DELIVERY, 0.0) == 0.0
    assert abs(first_week_value(Stage.DELIVERY, 0.8) - 0.4 * realising) < 1e-12


def test_a_project_realising_benefits_left_with_one_member_closes_as_delivered_not_abandoned():
    values = dict(week=40, stage=np.array([Stage.REALISING_BENEFITS], dtype=np.int8),
                  closed_week=np.full(1, -1, dtype=np.int32), mem_project=np.zeros(2, dtype=np.int32),
                  mem_active=np.ones(2, dtype=np.bool_), commitment=np.array([0.1, 0.9]))
    assert call(k.withdraw_uncommitted, **values) == (1, 0)
    assert values["stage"][0] == Stage.DELIVERED and values["closed_week"][0] == 40


def test_a_champion_whose_organisation_withdrew_is_no_longer_the_champion():
    values = dict(u_emerge=np.ones(1), emergence_rate=0.0, stage=np.array([Stage.DELIVERY], dtype=np.int8),
                  champion=np.array([2], dtype=np.int32), mem_project=np.zeros(3, dtype=np.int32),
                  mem_org=np.arange(3, dtype=np.int32), mem_active=np.array([True, True, False]),
                  rep_skill=np.full(3, 0.5))
    assert call(k.champions_emerge, **values) == 0 and values["champion"][0] == -1
    values["mem_active"][:] = True
    values["champion"][0] = 2
    call(k.champions_emerge, **values)
    assert values["champion"][0] == 2


def test_uncommitted_partners_withdraw_and_a_project_left_with_one_member_is_abandoned():
    values = dict(week=30, stage=np.array([Stage.INITIATING, Stage.DELIVERY], dtype=np.int8),
                  closed_week=np.full(2, -1, dtype=np.int32), mem_project=np.array([0, 0, 0, 1, 1], dtype=np.int32),
                  mem_active=np.ones(5, dtype=np.bool_), commitment=np.array([0.1, 0.5, 0.6, 0.1, 0.9]))
    assert call(k.withdraw_uncommitted, **values) == (2, 1)
    assert values["mem_active"].tolist() == [False, True, True, False, True]
    assert values["stage"].tolist() == [Stage.INITIATING, Stage.ABANDONED] and values["closed_week"][1] == 30


def test_a_partner_withdrawing_from_a_pair_ends_the_project(base_seed):
    model = PartnershipModel(rng=base_seed)
    mem = model.memberships
    sizes = np.bincount(mem.project[mem.active], minlength=len(model.projects))
    project = int(np.argmin(sizes))
    for _ in range(sizes[project] - 1):
        model.intervene("partner_withdraws", project=project)
    assert model.projects.stage[project] == Stage.ABANDONED
    assert ((mem.project == project) & mem.active).sum() == 1


# --- trust embedding and follow-ons --------------------------------------------------------------
def test_joint_working_embeds_institutional_trust(base_seed):
    def institutional_after_a_year(embedding_rate: float) -> tuple[np.ndarray, np.ndarray]:
        model = PartnershipModel(rng=base_seed, embedding_rate=embedding_rate, leader_turnover=0.0)
        start = model.relationships.institutional.copy()
        model.run_for(52)
        return start, model.relationships.institutional[: len(start)]  # late joiners add relationships

    start, embedded = institutional_after_a_year(0.05)
    assert (embedded >= start).all() and (embedded > start).mean() > 0.5
    start, unchanged = institutional_after_a_year(0.0)
    np.testing.assert_array_equal(unchanged, start)


def test_a_delivered_project_may_spawn_a_follow_on_among_the_same_members(base_seed):
    fast = dict(work_rate=1.0, obstacle_rate=0.0, autonomy_mean=1.0, collaborative_advantage=3.0, meeting_interval=1,
                leader_turnover=0.0, membership_change_rate=0.0)
    model = PartnershipModel(rng=base_seed, follow_on_chance=1.0, **fast)
    model.run_for(150)
    proj, mem = model.projects, model.memberships
    closed = np.flatnonzero(proj.stage[: model.n_initial_projects] == Stage.DELIVERED)
    assert len(closed) > 0
    for parent in closed:
        children = np.flatnonzero(proj.parent == parent)
        assert len(children) == 1
        child = children[0]
        assert proj.started[child] == proj.closed_week[parent]
        parent_members = set(mem.org[(mem.project == parent) & mem.active].tolist())
        assert set(mem.org[(mem.project == child) & (mem.joined == proj.started[child])].tolist()) == parent_members
    never = PartnershipModel(rng=base_seed, follow_on_chance=0.0, **fast)
    never.run_for(150)
    assert (never.projects.stage == Stage.DELIVERED).any() and (never.projects.parent == -1).all()


def test_more_selfless_partners_refuse_fewer_gates():
    """Selflessness weighs the others' net benefit into consent: on the same noise, a project's members at
    selflessness 0.9 consent at least as often as at 0, and strictly more often over many draws."""
    rng = np.random.default_rng(7)
    consents = {0.0: 0, 0.9: 0}
    for _ in range(200):
        noise = rng.standard_normal(3) * 1.5
        for s in consents:
            after = gate(selflessness=np.full(3, s), consent_noise=noise.copy(), collaborative_advantage=1.0)
            consents[s] += int(after["consent_out"].sum())
    assert consents[0.9] > consents[0.0] + 20


def test_a_lead_who_decides_still_needs_partners_holding_half_the_stake():
    """Lead decides: the lead's consent passes the gate only if the consenting members hold LEAD_QUORUM of the
    contributions (money and sponsorship count); consensus would need everyone."""
    dissent = np.array([3.0, -10.0, 3.0])
    lead = np.ones(1, dtype=np.bool_)
    small_dissenter = gate(consent_noise=dissent, lead_decides=lead, contribution=np.array([1.0, 1.0, 1.0]))
    assert small_dissenter["counts"] == (1, 0, 0)
    big_dissenter = gate(consent_noise=dissent, lead_decides=lead, contribution=np.array([1.0, 5.0, 1.0]))
    assert big_dissenter["counts"] == (0, 1, 0)


def test_a_partner_values_the_delivered_benefit_by_its_fit_with_the_agreed_aim():
    """Two equal partners in a week of benefits: one at the agreed aim gets its full half, one 0.25 away (weight 1)
    three quarters of it; the project's own benefits are unchanged."""
    values = dict(week=100, collaborative_advantage=1.5, fairness_tolerance=0.3,
                  stage=np.array([Stage.REALISING_BENEFITS], dtype=np.int8), progress=np.zeros(1),
                  momentum=np.ones(1), ambition=np.ones(1), equitable=np.zeros(1, dtype=np.bool_), benefits=np.zeros(1),
                  closed_week=np.full(1, -1, dtype=np.int32), mem_project=np.zeros(2, dtype=np.int32),
                  mem_org=np.arange(2, dtype=np.int32), mem_active=np.ones(2, dtype=np.bool_),
                  commitment=np.full(2, 0.8), contribution=np.ones(2), benefit=np.zeros(2), selflessness=np.zeros(2),
                  net_benefit_spread=np.full(1, np.nan), misalignment_weight=1.0, aim=np.array([0.4, 0.65]),
                  agreed_aim=np.full(1, 0.4))
    call(k.realise_benefits, **values)
    week_value = 1.0 * 2 * 1.0 * 1.5 * 1.0  # BENEFIT_PER_MEMBER_WEEK x members x ambition x advantage x momentum term
    assert values["benefits"][0] == pytest.approx(week_value)
    np.testing.assert_allclose(values["benefit"], [week_value / 2, 0.75 * week_value / 2])


def closing_spread(equitable: bool, benefit: list[float]) -> float:
    values = dict(week=100, collaborative_advantage=1.5, fairness_tolerance=0.3,
                  stage=np.array([Stage.REALISING_BENEFITS], dtype=np.int8), progress=np.full(1, 1.0 - 1.0 / 52),
                  momentum=np.full(1, 0.5), ambition=np.ones(1), equitable=np.array([equitable]),
                  benefits=np.full(1, sum(benefit)), closed_week=np.full(1, -1, dtype=np.int32),
                  mem_project=np.zeros(2, dtype=np.int32), mem_org=np.arange(2, dtype=np.int32),
                  mem_active=np.ones(2, dtype=np.bool_), commitment=np.full(2, 0.8),
                  contribution=np.array([9.0, 1.0]), benefit=np.array(benefit), selflessness=np.zeros(2),
                  net_benefit_spread=np.full(1, np.nan), misalignment_weight=1.0, aim=np.full(2, 0.5),
                  agreed_aim=np.full(1, np.nan))
    assert call(k.realise_benefits, **values) == 1
    return float(values["net_benefit_spread"][0])


def test_net_benefit_spread_is_set_at_close_and_measures_benefit_against_contribution():
    """Equal shares against contributions of 9 and 1: shares 0.5 - 0.9 and 0.5 - 0.1, spread 0.4; shares by
    contribution: spread 0."""
    assert closing_spread(equitable=False, benefit=[50.0, 50.0]) == pytest.approx(0.4, abs=1e-9)
    assert closing_spread(equitable=True, benefit=[90.0, 10.0]) == pytest.approx(0.0, abs=1e-9)
