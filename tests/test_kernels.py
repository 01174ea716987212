"""Every compiled kernel agrees with its plain-Python reference (tests/reference), and so does the model.

Kernels and references get copies of the same random arrays, by keyword (several seeds and sizes,
with edge cases: no memberships, inactive members, every stage, no champion, zero funds); every
return value and every array must agree, exactly for integers and booleans and to 1e-12 for floats.
Each kernel has its twin's signature, compiles one specialisation for every run of the model, and is
tested here with the argument types the model gives it.
"""

from __future__ import annotations

import copy
import inspect
import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pytest
from reference import COMPILED, REFERENCES, reference_kernels
from reference import joiners as joiners_twin

from partnerships.model.codes import Stage
from partnerships.model.kernels import joiners
from partnerships.model.model import PartnershipModel
from partnerships.model.parameters import PARAMETERS

WORLD_SIZES = {  # name: (organisations, projects, most members per project)
    "empty region": (2, 0, 0),
    "no memberships": (6, 8, 0),
    "crowded": (4, 16, 4),  # few organisations: relationships shared by many projects
    "small": (12, 24, 5),
    "medium": (60, 48, 7),
}
SEEDS = (0, 1, 2, 3)
#: compiled functions the model calls outside the kernel namespace (model.joining keeps the joiners' indexes)
INDEXES = {"link_memberships": joiners.link_memberships, "index_relationships": joiners.index_relationships}
PARAMETER_MODES = ("random", "low", "high", "random")  # one per seed: the bounds are edge cases too


def random_parameters(rng: np.random.Generator, mode: str) -> dict[str, Any]:
    """Every model parameter, drawn within its range, or at its low or high bound."""
    values: dict[str, Any] = {}
    for p in PARAMETERS.values():
        if mode == "low":
            value = p.low
        elif mode == "high":
            value = p.high
        elif p.kind == "float":
            value = rng.uniform(p.low, p.high)
        else:
            value = rng.integers(p.low, p.high + 1)
        values[p.name] = bool(value) if p.kind == "bool" else (int(value) if p.kind == "int" else float(value))
    return values


def random_world(rng: np.random.Generator, n_orgs: int, n_projects: int, most_members: int) -> dict[str, Any]:
    """State arrays shaped and typed like the model's, with every stage and plenty of edge cases."""
    week = int(rng.integers(10, 100))
    w: dict[str, Any] = {"week": week, "n_orgs": n_orgs, "n_projects": n_projects}

    def pick(options, size, dtype=None):
        return np.asarray(options)[rng.integers(0, len(options), size)].astype(dtype or np.float64)

    w.update(
        capacity=rng.lognormal(0.0, 0.8, n_orgs), risk_appetite=rng.random(n_orgs), selflessness=rng.random(n_orgs),
        culture=rng.random(n_orgs), rep_tenure=rng.integers(0, 300, n_orgs).astype(np.int32),
        rep_autonomy=rng.random(n_orgs), rep_presence=rng.random(n_orgs), rep_skill=rng.random(n_orgs),
        rep_generation=rng.integers(1, 4, n_orgs).astype(np.int32),
    )
    stage = rng.permutation(np.arange(n_projects) % 8).astype(np.int8)  # every stage once there are 8 projects
    stalled = stage == Stage.STALLED
    w.update(
        stage=stage, stage_before_stall=rng.integers(0, 4, n_projects).astype(np.int8),
        momentum=np.where(stalled & (rng.random(n_projects) < 0.5), rng.uniform(0.0, 0.03, n_projects),  # below any
                          np.where(rng.random(n_projects) < 0.3, rng.uniform(0.0, 0.2, n_projects),  # resume line
                                   rng.random(n_projects))),
        ambition=rng.uniform(0.3, 3.0, n_projects),
        progress=np.where(rng.random(n_projects) < 0.5, 1.0, rng.random(n_projects)),
        has_manager=rng.random(n_projects) < 0.5, lead_decides=rng.random(n_projects) < 0.5,
        equitable=rng.random(n_projects) < 0.5, governance_level=rng.integers(1, 7, n_projects).astype(np.int8),
        next_meeting=(week + rng.integers(-2, 3, n_projects)).astype(np.int32),
        deferred_until=pick([-1, -1, week - 1, week, week + 3], n_projects, np.int32),
        obstacle=np.where(rng.random(n_projects) < 0.5, 0.0, rng.uniform(0.0, 3.0, n_projects)),
        catalyst_until=pick([-1, week - 1, week, week + 10], n_projects, np.int32),
        external_funds=np.where(rng.random(n_projects) < 0.5, 0.0, rng.uniform(0.0, 150.0, n_projects)),
        external_received=rng.uniform(0.0, 200.0, n_projects),
        pooled_funds=np.where(rng.random(n_projects) < 0.3, 0.0, rng.uniform(0.0, 80.0, n_projects)),
        action_quality=rng.random(n_projects), costs=rng.uniform(0.0, 50.0, n_projects),
        benefits=np.where(rng.random(n_projects) < 0.3, 0.0, rng.uniform(0.0, 50.0, n_projects)),
        stalls=rng.integers(0, 3, n_projects).astype(np.int32),
        stalled_since=np.where(stalled, week - rng.integers(0, 80, n_projects), -1).astype(np.int32),
        gate_refusals=rng.integers(0, 3, n_projects).astype(np.int32),
        delivered_week=np.full(n_projects, -1, dtype=np.int32), closed_week=np.full(n_projects, -1, dtype=np.int32),
        net_benefit_spread=np.where(rng.random(n_projects) < 0.5, np.nan, rng.random(n_projects)),
        first_stall_week=np.where(stalled | (rng.random(n_projects) < 0.2), week - 5, -1).astype(np.int32),
        trust_mean=rng.random(n_projects),
    )
    # memberships grouped by project, then some late joiners appended at the end (as the model does)
    members_of: list[list[int]] = []
    mem_project: list[int] = []
    mem_org: list[int] = []
    for p in range(n_projects):
        chosen = rng.choice(n_orgs, size=min(n_orgs, int(rng.integers(0, most_members + 1))), replace=False)
        members_of.append([])
        for o in chosen:
            members_of[p].append(len(mem_org))
            mem_project.append(p)
            mem_org.append(int(o))
    late: list[tuple[int, int]] = []
    if most_members:
        for p in rng.integers(0, n_projects, n_projects // 3):
            outsiders = sorted(set(range(n_orgs)) - {mem_org[m] for m in members_of[p]})
            if outsiders:
                late.append((int(p), int(rng.choice(outsiders))))
    grouped_pairs = [(p, ma, mb) for p in range(n_projects)
                     for j, mb in enumerate(members_of[p]) for ma in members_of[p][:j]]
    late_pairs = []
    for p, o in late:
        m = len(mem_org)
        late_pairs += [(p, ma, m) for ma in members_of[p]]
        members_of[p].append(m)
        mem_project.append(p)
        mem_org.append(o)
    n_mem = len(mem_org)
    champion = np.full(n_projects, -1, dtype=np.int32)
    lead = np.zeros(n_projects, dtype=np.int32)
    sponsor = np.zeros(n_projects, dtype=np.int32)
    for p in range(n_projects):
        if members_of[p]:
            lead[p] = mem_org[members_of[p][int(rng.integers(len(members_of[p])))]]
            sponsor[p] = mem_org[members_of[p][int(rng.integers(len(members_of[p])))]]
            if rng.random() < 0.5:
                champion[p] = mem_org[members_of[p][int(rng.integers(len(members_of[p])))]]
        else:
            lead[p] = rng.integers(n_orgs)
            sponsor[p] = rng.integers(n_orgs)
    w.update(lead=lead, sponsor=sponsor, champion=champion,
             mem_project=np.array(mem_project, dtype=np.int32), mem_org=np.array(mem_org, dtype=np.int32),
             mem_active=rng.random(n_mem) < 0.8, commitment=rng.random(n_mem),
             contribution=np.where(rng.random(n_mem) < 0.2, 0.0, rng.uniform(0.0, 5.0, n_mem)),
             benefit=rng.uniform(0.0, 5.0, n_mem), attended=rng.random(n_mem) < 0.5, member_trust=rng.random(n_mem))
    relationships: dict[tuple[int, int], int] = {}
    pair_rows = []
    for p, ma, mb in grouped_pairs + late_pairs:
        key = tuple(sorted((mem_org[ma], mem_org[mb])))
        pair_rows.append((p, relationships.setdefault(key, len(relationships)), ma, mb))
    n_rel = len(relationships)
    keys = sorted(relationships, key=relationships.get)
    pairs = np.array(pair_rows, dtype=np.int32).reshape(-1, 4)
    w.update(rel_a=np.array([a for a, _ in keys], dtype=np.int32), rel_b=np.array([b for _, b in keys], dtype=np.int32),
             interpersonal=np.where(rng.random(n_rel) < 0.1, 0.0, rng.random(n_rel)),
             institutional=rng.random(n_rel) * 0.6,
             pair_project=pairs[:, 0].copy(), pair_rel=pairs[:, 1].copy(), pair_ma=pairs[:, 2].copy(),
             pair_mb=pairs[:, 3].copy())
    # drawn last, so the arrays above are what they were before aims existed
    w.update(aim=rng.random(n_mem), agreed_aim=np.where(rng.random(n_projects) < 0.3, np.nan,  # NaN: none agreed yet
                                                         rng.random(n_projects)))
    return w


def kernel_arguments(name: str, w: dict[str, Any], P: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Arguments for kernel ``name``, by parameter name: the world's arrays, parameters and fresh random draws."""
    n_orgs, n_projects, n_mem = w["n_orgs"], w["n_projects"], len(w["mem_project"])
    week = w["week"]
    world = {name: w[name] for name in (
        "stage", "stage_before_stall", "momentum", "progress", "ambition", "has_manager", "lead_decides", "equitable",
        "governance_level", "next_meeting", "deferred_until", "obstacle", "catalyst_until", "external_funds",
        "external_received", "pooled_funds", "action_quality", "costs", "benefits", "stalls", "stalled_since",
        "gate_refusals", "delivered_week", "closed_week", "first_stall_week", "net_benefit_spread", "lead", "sponsor", "champion",
        "mem_project", "mem_org", "mem_active", "commitment", "contribution", "benefit", "attended", "member_trust",
        "capacity", "risk_appetite", "selflessness", "culture", "rep_tenure", "rep_autonomy", "rep_presence",
        "rep_skill", "rep_generation", "rel_a", "rel_b", "interpersonal", "institutional", "pair_project",
        "pair_rel", "pair_ma", "pair_mb", "trust_mean", "aim", "agreed_aim")}
    award = dict(resource_effect=P["funding_resource_effect"], catalytic_effect=P["funding_catalytic_effect"],
                 catalytic_strength=P["catalytic_strength"], award_deadline=P["award_deadline"])
    cap_share = rng.uniform(0.2, 1.0, n_orgs)
    if name == "replace_representatives":
        extra = dict(u_leave=rng.random(n_orgs), weekly_hazard=rng.uniform(0.0, 0.6), new_autonomy=rng.random(n_orgs),
                     new_presence=rng.random(n_orgs), new_skill=rng.random(n_orgs),
                     left=np.zeros(n_orgs, dtype=np.bool_))
    elif name == "draw_successors":  # the traits' starting values are what stays where nobody left
        extra = dict(seed=int(rng.integers(2**62)), week=week, stream=int(rng.integers(1, 2000)),
                     autonomy_mean=rng.uniform(0.0, 1.0), u_leave=rng.random(n_orgs), weekly_hazard=rng.uniform(0.0, 0.6),
                     new_autonomy=rng.random(n_orgs), new_presence=rng.random(n_orgs), new_skill=rng.random(n_orgs))
    elif name == "forget_interpersonal_trust":
        extra = dict(left=rng.random(n_orgs) < 0.3)
    elif name == "lose_champions":
        extra = dict(left=rng.random(n_orgs) < 0.4, champion_loss=P["champion_loss"], embedded=rng.random(n_projects))
    elif name == "champions_emerge":
        extra = dict(u_emerge=rng.random(n_projects), emergence_rate=rng.uniform(0.0, 1.0))
    elif name == "capacity_share":
        extra = dict(out=np.zeros(n_orgs))
    elif name == "hold_meetings":
        extra = dict(week=week, meeting_interval=P["meeting_interval"], meeting_discipline=P["meeting_discipline"],
                     trust_gain=P["trust_gain"], absence_penalty=P["absence_penalty"],
                     coordination_cost=P["coordination_cost"], meeting_days=P["meeting_days"],
                     u_attend=rng.random(n_mem), cap_share=cap_share,
                     held=np.zeros(n_projects, dtype=np.bool_), quality=np.full(n_projects, -1.0))
    elif name == "work_between_meetings":
        extra = dict(week=week, meeting_discipline=P["meeting_discipline"], work_rate=P["work_rate"],
                     momentum_rate=P["momentum_rate"], coordination_cost=P["coordination_cost"],
                     work_cost=P["work_cost"], manager_cost=P["manager_cost"],
                     resource_effect=P["funding_resource_effect"],
                     catalytic_effect=P["funding_catalytic_effect"], catalytic_strength=P["catalytic_strength"],
                     embedded=rng.random(n_projects), cap_share=cap_share, done_out=np.full(n_projects, -1.0))
    elif name == "decide_stage_gates":
        extra = dict(week=week, collaborative_advantage=P["collaborative_advantage"],
                     catalytic_effect=P["funding_catalytic_effect"], catalytic_strength=P["catalytic_strength"],
                     trust_gain=P["trust_gain"], trust_loss_ratio=P["trust_loss_ratio"], work_cost=P["work_cost"],
                     held=rng.random(n_projects) < 0.7, u_refer=rng.random(n_mem),
                     consent_noise=rng.standard_normal(n_mem), consent_out=np.ones(n_mem, dtype=np.bool_),
                     trust_delta_out=np.full(n_projects, 9.0), trust_consent_weight=P["trust_consent_weight"],
                     skill_consent_weight=P["skill_consent_weight"], misalignment_weight=P["misalignment_weight"])
    elif name == "obstacles_arrive_and_resolve":
        extra = dict(obstacle_rate=rng.uniform(0.0, 26.0), obstacle_severity=P["obstacle_severity"],
                     risk_aversion_amplifier=P["risk_aversion_amplifier"],
                     catalytic_effect=P["funding_catalytic_effect"], catalytic_strength=P["catalytic_strength"],
                     resource_effect=P["funding_resource_effect"], work_rate=P["work_rate"], work_cost=P["work_cost"],
                     manager_cost=P["manager_cost"], week=week, u_arrive=rng.random(n_projects),
                     z_size=rng.standard_normal(n_projects), cap_share=cap_share)
    elif name == "update_stalls":
        extra = dict(week=week, stall_threshold=P["stall_threshold"], patience=P["patience"],
                     trust_gain=P["trust_gain"], trust_loss_ratio=P["trust_loss_ratio"],
                     trust_delta_out=np.full(n_projects, 9.0))
    elif name == "absorb_shocks":
        extra = dict(shock=rng.choice([0.0, 0.2, 0.5, 1.0], n_projects))
    elif name == "award_funding":
        extra = dict(project=int(rng.integers(n_projects)), week=week,
                     amount=float(rng.choice([0.0, P["external_funding"]])), **award)
    elif name == "funding_call":
        extra = dict(week=week, success_chance=P["funding_success_chance"], amount=P["external_funding"], **award,
                     u_bid=rng.random(n_projects))
    elif name == "project_trust":
        extra = dict(n_projects=n_projects, mean_out=np.full(n_projects, -1.0), min_out=np.full(n_projects, -1.0),
                     member_sum=np.full(n_mem, -1.0), member_count=np.full(n_mem, -1.0))
    elif name == "shift_project_trust":
        extra = dict(delta=rng.choice([0.0, 0.05, -0.1, 0.3, -0.6], n_projects))
    elif name == "embed_institutional_trust":
        extra = dict(embedding_rate=rng.choice([P["embedding_rate"], 0.5, 2.0]))
    elif name == "realise_benefits":
        extra = dict(week=week, collaborative_advantage=P["collaborative_advantage"],
                     fairness_tolerance=P["fairness_tolerance"], misalignment_weight=P["misalignment_weight"],
                     progress=np.where(rng.random(n_projects) < 0.3, 1.0 - 1.0 / 52, rng.random(n_projects)))
    elif name == "deliberate_aims":
        extra = dict(deliberation_rate=P["deliberation_rate"], held=rng.random(n_projects) < 0.7,
                     quality=rng.random(n_projects))
    elif name == "withdraw_uncommitted":
        extra = dict(week=week)
    elif name in ("add_late_joiners", "link_memberships", "index_relationships"):  # the last two: the model's indexes
        extra = joiner_arguments(name, w, rng)
    elif name in ("fill_uniform", "fill_normal"):
        extra = dict(seed=int(rng.integers(2**63)), week=week, stream=int(rng.integers(1, 20)),
                     out=np.full(n_mem + n_projects, -1.0))
    else:
        raise KeyError(name)
    available = {**world, **extra}
    function = INDEXES[name] if name in INDEXES else COMPILED[name]
    return {parameter: available[parameter] for parameter in inspect.signature(function.py_func).parameters}


def joiner_arguments(name: str, w: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The late joiners' tables as buffers with room (none, a little or plenty: the kernel refuses when too little),
    their indexes over the first rows (all of them, or some still to add), areas of 1-6 organisations."""
    n_orgs, n_projects, week = w["n_orgs"], w["n_projects"], w["week"]
    room = int(rng.choice([0, 1, 4, 200]))

    def with_room(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values, np.zeros(room, dtype=values.dtype)])

    mem = {name: with_room(w[key]) for name, key in (
        ("mem_project", "mem_project"), ("mem_org", "mem_org"), ("mem_active", "mem_active"),
        ("commitment", "commitment"), ("contribution", "contribution"), ("benefit", "benefit"),
        ("attended", "attended"), ("aim", "aim"))}
    n_mem, n_rel = len(w["mem_project"]), len(w["rel_a"])
    mem["joined"] = with_room(rng.integers(0, week, n_mem).astype(np.int32))
    tables = {name: with_room(w[name]) for name in ("rel_a", "rel_b", "interpersonal", "institutional", "pair_project",
                                                     "pair_rel", "pair_ma", "pair_mb")}
    linked, indexed = int(rng.integers(0, n_mem + 1)), int(rng.integers(0, n_rel + 1))
    mem_next = np.full(n_mem + room, -1, dtype=np.int64)
    proj_first = np.full(n_projects, -1, dtype=np.int64)
    proj_last = np.full(n_projects, -1, dtype=np.int64)
    joiners_twin.link_memberships(first=0, mem_project=w["mem_project"][:linked], mem_next=mem_next,
                                   proj_first=proj_first, proj_last=proj_last)
    keys = np.full(1 << int(2 * (n_rel + room)).bit_length(), -1, dtype=np.int64)
    values = np.zeros(len(keys), dtype=np.int64)
    joiners_twin.index_relationships(first=0, rel_a=w["rel_a"][:indexed], rel_b=w["rel_b"][:indexed], n_orgs=n_orgs,
                                      keys=keys, values=values)
    cuts = np.cumsum(rng.integers(1, 7, n_orgs))
    area = np.searchsorted(cuts[cuts < n_orgs], np.arange(n_orgs), side="right")
    baseline_trust = rng.uniform(0.1, 0.6, (6, 6))
    baseline_trust.flags.writeable = False  # as the model's (scenarios.baseline_trust_table, cached)
    args = dict(
        seed=int(rng.integers(2**63)), week=week, join_chance=float(rng.choice([0.0, 0.3, 1.0])),
        u_join=rng.random(n_projects), choice_stream=11, trust_stream=1004, commitment_stream=1005,
        aim_seed=int(rng.integers(2**63)), aim_stream=1003, pooled_share=0.02, sponsor_stake=10.0,
        started=np.where(rng.random(n_projects) < 0.2, week, 0).astype(np.int32),
        area_first=np.searchsorted(area, area, side="left"), area_stop=np.searchsorted(area, area, side="right"),
        kind=rng.integers(0, 6, n_orgs).astype(np.int8), resources=rng.uniform(0.0, 500.0, n_orgs),
        baseline_trust=baseline_trust, sizes=np.array([n_mem, n_rel, len(w["pair_project"])]),
        mem_next=mem_next, proj_first=proj_first, proj_last=proj_last, keys=keys, values=values,
        is_member=np.zeros(n_orgs, dtype=np.bool_), **mem, **tables)
    if name == "link_memberships":  # the rows not yet linked
        return args | dict(first=linked, mem_project=w["mem_project"])
    if name == "index_relationships":  # the rows not yet entered
        return args | dict(first=indexed, rel_a=w["rel_a"], rel_b=w["rel_b"], n_orgs=n_orgs)
    if linked < n_mem or indexed < n_rel:  # the joiners' kernel is given complete indexes
        joiners_twin.link_memberships(first=linked, mem_project=w["mem_project"], mem_next=mem_next,
                                       proj_first=proj_first, proj_last=proj_last)
        joiners_twin.index_relationships(first=indexed, rel_a=w["rel_a"], rel_b=w["rel_b"], n_orgs=n_orgs, keys=keys,
                                          values=values)
    return args


def assert_same(label: str, got: Any, expected: Any) -> None:
    """Integers and booleans exactly; floats to 1e-12."""
    if isinstance(got, tuple):
        assert isinstance(expected, tuple) and len(got) == len(expected), label
        for i, (a, b) in enumerate(zip(got, expected)):
            assert_same(f"{label}[{i}]", a, b)
        return
    if isinstance(got, np.ndarray):
        assert got.dtype == expected.dtype and got.shape == expected.shape, label
        if got.dtype.kind == "f":
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=label)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=label)
        return
    if isinstance(got, (float, np.floating)):
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), label
    else:
        assert got == expected, label


def run_both(name: str, args: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Run the kernel and its reference, by keyword, on copies of ``args``; assert they agree; return the
    kernel's results."""
    kernel_args = copy.deepcopy(args)
    reference_args = copy.deepcopy(args)
    got = COMPILED[name](**kernel_args)
    expected = REFERENCES[name](**reference_args)
    assert_same(f"{name} returned", got, expected)
    for argument in args:
        assert_same(f"{name} argument {argument}", kernel_args[argument], reference_args[argument])
    return got, kernel_args


@pytest.mark.parametrize("name", sorted(COMPILED))
def test_each_kernel_has_its_twins_signature(name: str) -> None:
    """Same parameters in the same order (and kinds and defaults), so a call by keyword means the same to both."""
    kernel, twin = inspect.signature(COMPILED[name].py_func), inspect.signature(REFERENCES[name])
    assert twin == kernel, f"{name}: kernel {list(kernel.parameters)} != twin {list(twin.parameters)}"


AGREEMENT_CASES = [(name, seed, size) for name in sorted(REFERENCES) for seed in SEEDS for size in WORLD_SIZES
                   if not (name == "award_funding" and WORLD_SIZES[size][1] == 0)]  # an award needs a project


@pytest.mark.parametrize(("name", "seed", "size"), AGREEMENT_CASES)
def test_kernel_agrees_with_its_reference(name: str, seed: int, size: str, base_seed: int) -> None:
    rng = np.random.default_rng([base_seed, seed, list(WORLD_SIZES).index(size), sorted(REFERENCES).index(name)])
    world = random_world(rng, *WORLD_SIZES[size])
    parameters = random_parameters(rng, PARAMETER_MODES[seed])
    run_both(name, kernel_arguments(name, world, parameters, rng))


def test_the_random_worlds_reach_the_branches(base_seed: int) -> None:
    """The agreement tests above are only as good as their inputs: check the inputs make things happen."""
    happened: dict[str, set] = {}
    for seed in SEEDS:
        for size in ("small", "medium"):
            rng = np.random.default_rng([base_seed, seed, 99])
            world = random_world(rng, *WORLD_SIZES[size])
            parameters = random_parameters(rng, PARAMETER_MODES[seed])
            for name in ("decide_stage_gates", "update_stalls", "withdraw_uncommitted", "hold_meetings",
                         "obstacles_arrive_and_resolve", "work_between_meetings", "realise_benefits", "absorb_shocks"):
                got, _ = run_both(name, kernel_arguments(name, copy.deepcopy(world), parameters, rng))
                counts = got if isinstance(got, tuple) else (got,)
                happened.setdefault(name, set()).update(i for i, c in enumerate(counts) if c > 0)
    assert happened["decide_stage_gates"] == {0, 1, 2}  # passed, refused and deferred gates all occur
    assert happened["update_stalls"] == {0, 1, 2}  # stalls, resumptions and abandonments
    assert happened["withdraw_uncommitted"] == {0, 1}
    for name in ("hold_meetings", "obstacles_arrive_and_resolve", "work_between_meetings", "realise_benefits",
                 "absorb_shocks"):
        assert happened[name] == {0}, name


SIGNATURE_PROBE = """
import json, sys
import numpy as np
sys.path.insert(0, "tests")
from reference.cases import CASES
import partnerships
import partnerships.model.kernels as k
for seed in (1, 2):
    for case in CASES.values():
        model = case.build(seed)
        model.run_for(60)
        model.intervene("funding_award", project=np.int32(1), amount=np.int64(20))
        model.intervene("representative_leaves", organisation=np.int64(3))
        model.intervene("partner_withdraws", project=np.int32(2))
        model.run_for(60)
partnerships.run_one(parameters={"meeting_interval": np.float64(3.0), "external_funding": np.int64(80),
                                 "trust_gain": np.float32(0.05), "funding_catalytic_effect": np.bool_(False)},
                     seed=3, weeks=60)
print(json.dumps({name: [repr(tuple(s)) for s in getattr(k, name).signatures] for name in k.__all__}))
"""


@pytest.fixture(scope="module")
def model_signatures() -> dict[str, list[str]]:
    """The signatures each kernel compiled for, in a fresh process that ran every whole-model case."""
    out = subprocess.run([sys.executable, "-c", SIGNATURE_PROBE], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_each_kernel_compiles_one_signature_whatever_the_region_parameters_and_interventions(model_signatures):
    """A dtype or scalar type that varies (int32 or int64 indices, bool or int8 flags, an int where a float is
    meant) would compile a second, silent specialisation; the state's columns and the parameter registry pin them."""
    several = {name: signatures for name, signatures in model_signatures.items() if len(signatures) != 1}
    assert not several, f"kernels not compiled exactly once: {several}"


@pytest.mark.parametrize("name", sorted(COMPILED))
def test_the_agreement_tests_give_each_kernel_the_models_argument_types(name, model_signatures, base_seed):
    rng = np.random.default_rng([base_seed, 7])
    args = kernel_arguments(name, random_world(rng, *WORLD_SIZES["small"]), random_parameters(rng, "random"), rng)
    assert [repr(tuple(numba.typeof(value) for value in args.values()))] == model_signatures[name]


def model_state(model: PartnershipModel) -> dict[str, Any]:
    """Every array of the model's state, its weekly records and events."""
    state: dict[str, Any] = {}
    for table in ("orgs", "projects", "memberships", "relationships", "pairs"):
        columns = getattr(model, table)
        for f in fields(columns):
            state[f"{table}.{f.name}"] = getattr(columns, f.name)
    state["project_trust_mean"] = model.project_trust_mean
    state["member_trust"] = model.member_trust
    for key, values in model.datacollector.model_vars.items():
        state[f"weekly.{key}"] = np.asarray(values, dtype=float)
    state["events"] = [e.description for e in model.events]
    return state


WHOLE_MODEL_CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "busy": dict(leader_turnover=0.6, obstacle_rate=6.0, obstacle_severity=1.0, work_rate=1.0, funding_call_interval=4,
                 membership_change_rate=2.0, follow_on_chance=1.0, champion_emergence=0.2, lead_decides_share=0.7,
                 selflessness_mean=0.8, collaborative_advantage=3.0),  # gates that pass: deliveries within 160 weeks
}


@pytest.mark.parametrize("case", WHOLE_MODEL_CASES)
def test_the_models_call_sites_give_the_same_run_with_the_twins_swapped_in(case: str, base_seed: int) -> None:
    """Kernels and twins agree on the model's own trajectories. The same call sites run both, so this
    cannot see a wrong argument at a call (tests/test_reference_week.py does); it tells a kernel that
    differs from its twin on real states apart from such a call-site error."""
    weeks = 30 if case == "defaults" else 160
    compiled = PartnershipModel(rng=base_seed, **WHOLE_MODEL_CASES[case])
    compiled.intervene("funding_award", project=1)
    compiled.run_for(weeks)
    with reference_kernels():
        reference = PartnershipModel(rng=base_seed, **WHOLE_MODEL_CASES[case])
        reference.intervene("funding_award", project=1)
        reference.run_for(weeks)
    a, b = model_state(compiled), model_state(reference)
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert a[key] == b[key], key
    if case == "busy":  # the long busy run goes through gates, deliveries and follow-ons
        assert (compiled.projects.stage >= Stage.DELIVERY).any()
        assert len(compiled.projects) > compiled.n_initial_projects


@pytest.mark.parametrize("kernel", ["compiled", "reference"])
def test_deliberation_aligns_aims_towards_the_room_and_sets_the_agreed_aim(kernel: str) -> None:
    """Two projects agreeing goals with the same three partners' aims 0, 0.5 and 1, contributions 1, 1 and 8:
    by consensus the view is the plain mean 0.5 and the agreed aim the mean after the moves; under a lead who
    decides (organisation 0, aim 0) the view is the contribution-weighted mean 0.85 and the agreed aim the lead's.
    An absent partner does not move; a project past agreeing goals, or that did not meet, keeps its aims."""
    deliberate = (COMPILED if kernel == "compiled" else REFERENCES)["deliberate_aims"]
    n = 4  # projects: consensus, lead decides, design stage, did not meet
    aims = np.tile([0.0, 0.5, 1.0], n)
    args = dict(deliberation_rate=0.5, held=np.array([True, True, True, False]), quality=np.full(n, 0.8),
                stage=np.array([1, 1, 2, 1], dtype=np.int8), lead=np.zeros(n, dtype=np.int32),
                lead_decides=np.array([False, True, True, True]),
                mem_project=np.repeat(np.arange(n, dtype=np.int32), 3), mem_org=np.tile(np.arange(3, dtype=np.int32), n),
                mem_active=np.ones(3 * n, dtype=np.bool_), attended=np.tile([True, True, False], n),
                contribution=np.tile([1.0, 1.0, 8.0], n), member_trust=np.full(3 * n, 0.5), aim=aims.copy(),
                agreed_aim=np.full(n, np.nan))
    assert deliberate(**args) == 2
    step = 0.5 * 0.8 * 0.5
    consensus = [0.0 + step * 0.5, 0.5, 1.0]  # the partner at 0.5 is already at the view; the third was absent
    np.testing.assert_allclose(args["aim"][:3], consensus)
    assert args["agreed_aim"][0] == pytest.approx(np.mean(consensus))
    view = (0.0 * 1 + 0.5 * 1 + 1.0 * 8) / 10
    led = [step * view, 0.5 + step * (view - 0.5), 1.0]
    np.testing.assert_allclose(args["aim"][3:6], led)
    assert args["agreed_aim"][1] == pytest.approx(led[0])  # the lead's aim, not the mean
    np.testing.assert_array_equal(args["aim"][6:], aims[6:])
    assert np.isnan(args["agreed_aim"][2:]).all()
    spread_before, spread_after = np.std(aims[:3]), np.std(args["aim"][:3])
    assert spread_after < spread_before


def test_reference_kernels_are_restored_afterwards() -> None:
    import partnerships.model.kernels as k

    with reference_kernels():
        assert k.hold_meetings is REFERENCES["hold_meetings"]
    assert all(getattr(k, name) is COMPILED[name] for name in COMPILED)


def test_counter_based_draws_are_uniform_and_normal_and_keyed_by_stream(base_seed: int) -> None:
    """Statistical checks on 200,000 draws (tolerances are several standard errors wide)."""
    u = np.empty(200_000)
    COMPILED["fill_uniform"](base_seed, 3, 1, u)
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    chi2 = ((counts - 10_000) ** 2 / 10_000).sum()
    assert chi2 < 43.8  # 99.9% point of chi-squared with 19 degrees of freedom
    z = np.empty(200_000)
    COMPILED["fill_normal"](base_seed, 3, 1, z)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01 and abs((z > 1.96).mean() - 0.025) < 0.002
    other_stream, other_week = np.empty(1000), np.empty(1000)
    COMPILED["fill_uniform"](base_seed, 3, 2, other_stream)
    COMPILED["fill_uniform"](base_seed, 4, 1, other_week)
    for other in (other_stream, other_week):
        assert abs(np.corrcoef(u[:1000], other)[0, 1]) < 0.1
    prefix = np.empty(10)
    COMPILED["fill_uniform"](base_seed, 3, 1, prefix)
    np.testing.assert_array_equal(prefix, u[:10])  # entity i gets the same number whatever the array's length


def test_a_single_keyed_draw_is_that_element_of_the_stream(base_seed: int) -> None:
    """``uniform_at`` and ``normal_at`` (the late joiners' draws, one at a time) give element i of ``fill_uniform`` and
    ``fill_normal``, compiled and in the plain-Python twins."""
    from reference import draws as reference_draws

    from partnerships.model.kernels.draws import normal_at, uniform_at

    u, z = np.empty(500), np.empty(500)
    COMPILED["fill_uniform"](base_seed, 7, 1004, u)
    COMPILED["fill_normal"](base_seed, 7, 1005, z)
    for i in (0, 1, 17, 499):
        assert uniform_at(base_seed, 7, 1004, i) == u[i] == reference_draws.uniform_at(base_seed, 7, 1004, i)
        assert normal_at(base_seed, 7, 1005, i) == z[i]
        assert reference_draws.normal_at(base_seed, 7, 1005, i) == pytest.approx(z[i], rel=1e-12, abs=1e-12)


def test_successors_traits_follow_the_first_representatives_distributions(base_seed: int) -> None:
    """``draw_successors``'s order statistics and normal give the distributions ``new_representatives`` draws a first
    representative from (presence Beta(8, 2), skill Beta(2, 2), autonomy's normal around its culture's mean):
    Kolmogorov-Smirnov at the 0.1% level on 20,000 successors. A successor's traits are its own keyed numbers, the
    same whoever else leaves."""
    from scipy import stats

    n, mean = 20_000, 0.5
    culture = np.full(n, 0.5)
    traits = [np.zeros(n) for _ in range(3)]
    drawn = COMPILED["draw_successors"](seed=base_seed, week=11, stream=2, autonomy_mean=mean, culture=culture,
                                        u_leave=np.zeros(n), weekly_hazard=0.5, new_autonomy=traits[0],
                                        new_presence=traits[1], new_skill=traits[2])
    assert drawn == n
    autonomy, presence, skill = traits
    assert stats.kstest(presence, stats.beta(8, 2).cdf).pvalue > 1e-3
    assert stats.kstest(skill, stats.beta(2, 2).cdf).pvalue > 1e-3
    inside = (autonomy > 0.0) & (autonomy < 1.0)  # clipped at 0 and 1; N(0.5, 0.15) is inside but for 0.09%
    assert stats.kstest(autonomy[inside], stats.truncnorm(-mean / 0.15, (1 - mean) / 0.15, mean, 0.15).cdf).pvalue > 1e-3
    assert stats.kstest(presence, stats.beta(2, 2).cdf).pvalue < 1e-6  # the test tells the two apart
    alone = [np.zeros(n) for _ in range(3)]
    one_leaves = np.ones(n)
    one_leaves[123] = 0.0
    assert COMPILED["draw_successors"](seed=base_seed, week=11, stream=2, autonomy_mean=mean, culture=culture,
                                       u_leave=one_leaves, weekly_hazard=0.5, new_autonomy=alone[0],
                                       new_presence=alone[1], new_skill=alone[2]) == 1
    assert [a[123] for a in alone] == [t[123] for t in traits] and not alone[1][:123].any()


def test_the_random_worlds_give_late_joiners_every_outcome(base_seed: int) -> None:
    """The joiners' agreement inputs reach each branch: no joiner, too little room (-1, nothing written), joiners with
    new relationships and joiners whose relationship already exists."""
    outcomes, new_relationships, reused = set(), 0, 0
    for seed in range(12):
        for size in ("crowded", "small", "medium"):
            rng = np.random.default_rng([base_seed, seed, 98])
            args = kernel_arguments("add_late_joiners", random_world(rng, *WORLD_SIZES[size]), random_parameters(rng, "random"),
                                    rng)
            before = args["sizes"].copy()
            got, after = run_both("add_late_joiners", args)
            outcomes.add(int(np.sign(got)))
            if got < 0:
                np.testing.assert_array_equal(after["sizes"], before)
            pairs, rels = after["sizes"][2] - before[2], after["sizes"][1] - before[1]
            new_relationships += rels
            reused += pairs - rels
    assert outcomes == {-1, 0, 1}
    assert new_relationships > 0 and reused > 0


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_the_joiners_indexes_agree_with_their_twins(name: str, base_seed: int) -> None:
    """The membership chains and the relationship hash table, extended from a random row, as their twins extend them."""
    assert inspect.signature(INDEXES[name].py_func) == inspect.signature(getattr(joiners_twin, name))
    for seed in SEEDS:
        for size in WORLD_SIZES:
            rng = np.random.default_rng([base_seed, seed, list(WORLD_SIZES).index(size), 97])
            args = kernel_arguments(name, random_world(rng, *WORLD_SIZES[size]), random_parameters(rng, "random"), rng)
            kernel_args, reference_args = copy.deepcopy(args), copy.deepcopy(args)
            assert_same(f"{name} returned", INDEXES[name](**kernel_args), getattr(joiners_twin, name)(**reference_args))
            for argument in args:
                assert_same(f"{name} argument {argument}", kernel_args[argument], reference_args[argument])
