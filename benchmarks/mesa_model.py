"""The whole week of the model written the way Mesa users write it, checked against the model's week and timed
against the fused week (issue 11: "the whole model at least 30x faster than the idiomatic Mesa baseline").

    .venv/bin/python benchmarks/mesa_model.py            # table on stdout
    .venv/bin/python benchmarks/mesa_model.py --json     # the same numbers as JSON
    .venv/bin/python benchmarks/mesa_model.py --sizes county,10000   # fewer sizes (default county,10000,100000)

The idiomatic Mesa model (:class:`MesaWeek`): organisations and projects are ``mesa.Agent`` subclasses with
per-agent attributes; memberships, relationships and pairs are plain Python objects the agents hold (an
organisation its memberships and relationships, a project its memberships and pairs, in the model's row
order). Each process is agent methods called through ``AgentSet.shuffle_do`` (or ``do``), in the order of
``tests/reference/week.py::reference_week`` and ``model/kernels/driver.py``: capacity squeeze, embeddedness,
turnover (successors, forgotten trust, lost champions), reorganisations and their shocks, champions, the
funding call, meetings (capacity share, attendance, meeting time, trust among those present, meeting
quality), trust refresh, deliberation of aims, obstacles, work, stage gates and their trust shift, stalls and
theirs, benefits, withdrawal, embedding, trust refresh and the weekly record (a Mesa ``DataCollector`` with
the model's eleven columns, and the closed projects' frozen momentum and trust). Draws are one
``self.random`` call per agent that needs one (``random()``, ``gauss(0, 1)`` for normals); successors'
traits come from the model's own ``new_representatives`` with the Mesa model's NumPy generator.

Left out: interventions (none is scheduled in these runs; checked) and the structure changes, late joiners
(``membership_change_rate = 0``, as in ``mesa_baseline.py``) and follow-ons: the recorded week is the first
from week 26 in which meetings fall due and the model's week changes no structure (the same numbers of
projects and memberships after it; a follow-on draw that starts nothing changes no state).

The check: Mesa agents are built from a ``PartnershipModel``'s state before the recorded week, given the
model's pre-drawn counter-based numbers (:class:`StreamDraws`: entity i gets number i of each stream, and the
successors' traits from the model's keyed ``draw_successors``) and stepped twice, agents in index order (``do``) and
shuffled as below; the model is then stepped the same week (``run_for(1)``) and every state column it
changes (organisations' capacity and representatives, every project column, memberships, relationships,
project and member trust, the pressure shock, the frozen closing values and the week's record row) must be
identical bit for bit (:func:`differences` reports each differing column with its largest difference).

The order of the agents is part of the rule only where two projects share a relationship: meeting trust,
the overruled partners' resentment at a gate, the trust shifts and embedding update a shared relationship in
pair-list order (project order, as the pairs stay grouped by project without late joiners), and a gain and
a loss do not commute. Those four processes (:data:`IN_PAIR_ORDER`) run in project order (``do``); every
other process is ``shuffle_do`` (successors get their traits in organisation order).

The timing: a Mesa user's run, shuffled as above and with ``self.random`` draws, median CPU time
(``time.process_time``) of ``step()`` over fresh Mesa models built from the same state (building is not
timed); also every process in index order (``do``, no shuffling), and the CPU time of each agent method in one
more shuffled week (where a Mesa week's time goes). Against it, the fused week as
``mesa_baseline.fused_week`` measures it: ``run_for(1)`` of the recorded week on freshly built models
(median). Repetitions: 15 Mesa weeks of each kind and 15 fused weeks (3 and 5 at 100,000 organisations).
Typical weeks: the median over the 25 weeks after the recorded one of one Mesa week (shuffled) built from the
model's state at each, against the median ``run_for(1)`` of the fused model over the same weeks."""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mesa_baseline import MODEL_OPTIONS, SEED, SIZES, WEEK, fused_week, median_cpu, region_spec  # noqa: E402

import partnerships.model.kernels as k  # noqa: E402
from partnerships.model.kernels.benefits import BENEFIT_PER_MEMBER_WEEK, BENEFIT_PERIOD  # noqa: E402
from partnerships.model.kernels.decisions import (  # noqa: E402
    LEAD_QUORUM, MAX_REFERRAL_WEEKS, SPONSOR_CONFIDENCE, VALUE_FLOOR,
)
from partnerships.model.kernels.funding import deadline_commitment, manager_reserve  # noqa: E402
from partnerships.model.kernels.meetings import DEMAND_PER_MEMBERSHIP, OFFICER_DAY_COST  # noqa: E402
from partnerships.model.kernels.membership import WITHDRAWAL_COMMITMENT  # noqa: E402
from partnerships.model.kernels.obstacles import OBSTACLE_SPREAD  # noqa: E402
from partnerships.model.kernels.stages import (  # noqa: E402
    ABANDONED, AGREEING_GOALS, DELIVERED, DELIVERY, DESIGN_AND_FEASIBILITY, REALISING_BENEFITS, STALLED,
    UPBEAT_RISK_APPETITE,
)
from partnerships.model.model import REORGANISING_KINDS, SHOCK_DECAY, WEEKS_PER_YEAR, PartnershipModel, Stream  # noqa: E402
from partnerships.model.records import WEEKLY_REPORTERS  # noqa: E402
from partnerships.model.scenarios import new_representatives  # noqa: E402

LATER_WEEKS = 25  # typical weeks timed after the recorded one
LEAVE, REPLACEMENT, CHAMPION, BID, ATTEND = (int(Stream.LEAVE), int(Stream.REPLACEMENT), int(Stream.CHAMPION),
                                             int(Stream.BID), int(Stream.ATTEND))
OBSTACLE_ARRIVAL, OBSTACLE_SIZE, REFERRAL, CONSENT = (int(Stream.OBSTACLE_ARRIVAL), int(Stream.OBSTACLE_SIZE),
                                                      int(Stream.REFERRAL), int(Stream.CONSENT))
REORGANISE, REORGANISED_SUCCESSOR = int(Stream.REORGANISE), int(Stream.REORGANISED_SUCCESSOR)
UNIFORM_STREAMS = {LEAVE: "orgs", REORGANISE: "orgs", CHAMPION: "projects", BID: "projects", ATTEND: "memberships",
                   OBSTACLE_ARRIVAL: "projects", REFERRAL: "memberships"}
NORMAL_STREAMS = {OBSTACLE_SIZE: "projects", CONSENT: "memberships"}
PARAMETERS = ("financial_pressure", "leader_turnover", "reorganisation_rate", "reorganisation_shock", "champion_loss",
              "champion_emergence", "external_funding", "funding_call_interval", "funding_success_chance",
              "funding_resource_effect", "funding_catalytic_effect", "award_deadline", "catalytic_strength",
              "meeting_interval", "meeting_discipline", "trust_gain", "trust_loss_ratio", "absence_penalty",
              "coordination_cost", "meeting_days", "obstacle_rate", "obstacle_severity", "risk_aversion_amplifier",
              "work_rate", "work_cost", "manager_cost", "momentum_rate", "collaborative_advantage", "stall_threshold",
              "patience", "fairness_tolerance", "embedding_rate", "deliberation_rate", "trust_consent_weight",
              "skill_consent_weight", "misalignment_weight", "autonomy_mean")


def added(values: Iterable[float]) -> float:
    """The values added left to right, as the kernels' loops add them (Python's ``sum`` of floats compensates
    rounding since 3.12, so it can differ in the last bits)."""
    total = 0.0
    for value in values:
        total += value
    return total


def is_open(stage: int) -> bool:
    """Working through the stages, realising benefits or stalled (not delivered, not abandoned)."""
    return stage <= REALISING_BENEFITS or stage == STALLED


def is_active_stage(stage: int) -> bool:
    """Stages 0-3: still working towards delivery."""
    return stage <= DELIVERY


# --- draws ---------------------------------------------------------------------------------------------
class MesaDraws:
    """A Mesa user's draws: one ``random()`` (or ``gauss(0, 1)``) of the model's ``random`` per use."""

    def __init__(self, model: mesa.Model) -> None:
        self.random, self.rng = model.random, model.rng

    def uniform(self, stream: int, index: int) -> float:
        return self.random.random()

    def normal(self, stream: int, index: int) -> float:
        return self.random.gauss(0.0, 1.0)

    def successors(self, indices: list[int], culture: list[float], autonomy_mean: float,
                   stream: int) -> Iterable[tuple[float, ...]]:
        """(autonomy, presence, skill) for successors of organisations ``indices`` of these cultures (0-1)."""
        return zip(*(v.tolist() for v in new_representatives(len(culture), np.array(culture), autonomy_mean, self.rng)))


class StreamDraws:
    """The model's draws of ``week``: entity ``index`` gets number ``index`` of each counter-based stream, and
    successors' traits from the model's keyed ``draw_successors``."""

    def __init__(self, source: PartnershipModel, week: int) -> None:
        self.seed, self.week = source.stream_seed, week
        sizes = {"orgs": len(source.orgs), "projects": len(source.projects), "memberships": len(source.memberships)}
        self.uniforms = {s: self._fill(k.fill_uniform, s, sizes[what]) for s, what in UNIFORM_STREAMS.items()}
        self.normals = {s: self._fill(k.fill_normal, s, sizes[what]) for s, what in NORMAL_STREAMS.items()}

    def _fill(self, fill: Callable[..., None], stream: int, n: int) -> list[float]:
        out = np.empty(n)
        fill(seed=self.seed, week=self.week, stream=stream, out=out)
        return out.tolist()

    def uniform(self, stream: int, index: int) -> float:
        return self.uniforms[stream][index]

    def normal(self, stream: int, index: int) -> float:
        return self.normals[stream][index]

    def successors(self, indices: list[int], culture: list[float], autonomy_mean: float,
                   stream: int) -> Iterable[tuple[float, ...]]:
        """The model's keyed successors' traits (``draw_successors``) of organisations ``indices``."""
        n = max(indices) + 1
        u_leave, cultures = np.ones(n), np.zeros(n)
        u_leave[indices], cultures[indices] = 0.0, culture
        traits = [np.zeros(n) for _ in range(3)]
        k.draw_successors(seed=self.seed, week=self.week, stream=stream, autonomy_mean=float(autonomy_mean),
                          culture=cultures, u_leave=u_leave, weekly_hazard=0.5, new_autonomy=traits[0],
                          new_presence=traits[1], new_skill=traits[2])
        return zip(*(t[indices].tolist() for t in traits))


# --- memberships, relationships and pairs: plain objects ------------------------------------------------
class Relationship:
    """Trust (0-1) between two organisations: interpersonal (their representatives) and institutional."""

    def __init__(self, interpersonal: float, institutional: float) -> None:
        self.interpersonal, self.institutional = interpersonal, institutional


class Membership:
    """An organisation's place in a project: commitment (0-1), contribution and benefit (£k), aim (0-1)."""

    def __init__(self, index: int, org: Organisation, project: Project, **state: Any) -> None:
        self.index, self.org, self.project = index, org, project
        self.active: bool = state["active"]
        self.commitment: float = state["commitment"]
        self.contribution: float = state["contribution"]
        self.benefit: float = state["benefit"]
        self.attended: bool = state["attended"]
        self.aim: float = state["aim"]
        self.trust: float = state["trust"]  # mean trust with its co-members
        self.trust_sum, self.trust_count = 0.0, 0


class Pair:
    """Two memberships of one project and the relationship between their organisations."""

    def __init__(self, a: Membership, b: Membership, rel: Relationship) -> None:
        self.a, self.b, self.rel = a, b, rel


# --- the agents ---------------------------------------------------------------------------------------------
class Organisation(mesa.Agent):
    """A public body: capacity (officer-days a week), traits (0-1) and its present representative."""

    model: MesaWeek

    def __init__(self, model: MesaWeek, index: int, **state: Any) -> None:
        super().__init__(model)
        self.index = index
        for name, value in state.items():
            setattr(self, name, value)
        self.memberships: list[Membership] = []
        self.relationships: list[Relationship] = []
        self.cap_share, self.meeting_time = 1.0, 0.0

    def squeeze(self, factor: float) -> None:
        self.capacity = self.base_capacity * factor

    def consider_leaving(self, hazard: float) -> None:
        """The representative leaves with the weekly hazard; one who stays serves another week."""
        if self.model.draws.uniform(LEAVE, self.index) < hazard:
            self.model.leaving.append(self)
        else:
            self.rep_tenure += 1

    def consider_reorganising(self, hazard: float) -> None:
        if self.kind in REORGANISING_KINDS and self.model.draws.uniform(REORGANISE, self.index) < hazard:
            self.model.leaving.append(self)

    def new_representative(self, autonomy: float, presence: float, skill: float) -> None:
        """A successor takes the seat; interpersonal trust with this organisation restarts at the institutional."""
        self.rep_tenure, self.rep_generation = 0, self.rep_generation + 1
        self.rep_autonomy, self.rep_presence, self.rep_skill = autonomy, presence, skill
        for rel in self.relationships:
            rel.interpersonal = rel.institutional

    def asked(self) -> list[Membership]:
        return [ms for ms in self.memberships if ms.active and is_open(ms.project.stage)]

    def share_capacity(self) -> None:
        """The share (0-1) of what its open memberships ask that its capacity covers."""
        demand = DEMAND_PER_MEMBERSHIP * len(self.asked())
        self.cap_share = 1.0 if demand <= self.capacity else self.capacity / demand
        self.meeting_time = 0.0

    def count_meeting_time(self) -> None:
        """Officer-days in meetings come out of the time left for partnership work this week."""
        if self.meeting_time > 0.0:
            asked = 0.0
            for _ in self.asked():
                asked += DEMAND_PER_MEMBERSHIP
            self.cap_share = min(1.0, max(0.0, self.capacity - self.meeting_time) / asked)


class Project(mesa.Agent):
    """A joint project: stage, momentum (0-1), progress (0-1) through the stage, money (£k), its members and pairs."""

    model: MesaWeek

    def __init__(self, model: MesaWeek, index: int, starting: bool, **state: Any) -> None:
        super().__init__(model)
        self.index, self.starting = index, starting
        for name, value in state.items():
            setattr(self, name, value)
        self.memberships: list[Membership] = []
        self.pairs: list[Pair] = []
        self.embedded = self.quality = self.trust_delta = 0.0
        self.held = False

    def members(self) -> list[Membership]:
        return [ms for ms in self.memberships if ms.active]

    def active_pairs(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.a.active and pair.b.active]

    # --- 3. turnover, reorganisations, shocks, champions
    def measure_embeddedness(self) -> None:
        """Mean institutional trust over the active pairs (0 without any)."""
        total, count = 0.0, 0
        for pair in self.active_pairs():
            total += pair.rel.institutional
            count += 1
        self.embedded = total / count if count else 0.0

    def lose_champion(self, gone: set[Organisation]) -> None:
        if self.champion is not None and self.champion in gone:
            self.champion = None
            if is_open(self.stage):
                self.momentum = max(0.0, self.momentum - self.model.params["champion_loss"] * (1.0 - self.embedded))

    def absorb_reorganisation(self, hit: set[Organisation]) -> None:
        reorganised = sum(1 for ms in self.members() if ms.org in hit)
        self.absorb_shock(self.model.params["reorganisation_shock"] * reorganised)

    def absorb_shock(self, shock: float) -> None:
        """Momentum lost where trust is weak; members lose half the loss in commitment."""
        if not (shock > 0.0 and is_open(self.stage)):
            return
        rels = [pair.rel for pair in self.active_pairs()]
        resilience = added((r.institutional + r.interpersonal) / 2.0 for r in rels) / len(rels) if rels else 0.0
        loss = shock * (1.0 - resilience)
        self.momentum = max(0.0, self.momentum - loss)
        if loss > 0.0:
            for ms in self.members():
                ms.commitment = max(0.0, ms.commitment - 0.5 * loss)

    def emerge_champion(self) -> None:
        """The most skilled active member (first of equals) may become champion, with chance rate * skill."""
        members = self.members()
        if self.champion is not None and all(ms.org is not self.champion for ms in members):
            self.champion = None  # its organisation withdrew
        if not members or self.champion is not None or not is_open(self.stage):
            return
        best = max(members, key=lambda ms: ms.org.rep_skill).org
        if self.model.draws.uniform(CHAMPION, self.index) < self.model.params["champion_emergence"] * best.rep_skill:
            self.champion = best

    # --- 4. funding call
    def bid(self) -> None:
        """Active or stalled projects with no live deadline and no unspent award bid; the lucky ones are funded."""
        m, p = self.model, self.model.params
        if not ((is_active_stage(self.stage) or self.stage == STALLED) and self.catalyst_until < m.week
                and self.external_funds <= 0.0):
            return
        if m.draws.uniform(BID, self.index) < p["funding_success_chance"]:
            self.external_received += p["external_funding"]
            if p["funding_resource_effect"]:
                self.external_funds += p["external_funding"]
            self.catalyst_until = m.week + p["award_deadline"]
            m.awards += 1

    # --- 5. meetings and deliberation
    def convene(self) -> None:
        self.quality = 0.0
        self.held = is_open(self.stage) and self.model.week >= self.next_meeting
        if self.held:
            self.next_meeting = self.model.week + self.model.params["meeting_interval"]

    def attend(self) -> None:
        """Each active member attends with its representative's presence, the agenda and its capacity share."""
        if not self.held:
            return
        m = self.model
        days = m.params["meeting_days"]
        for ms in self.members():
            org = ms.org
            ms.attended = m.draws.uniform(ATTEND, ms.index) < org.rep_presence * m.agenda * org.cap_share
            if ms.attended:
                org.meeting_time += days
                ms.contribution += days * OFFICER_DAY_COST
                self.costs += days * OFFICER_DAY_COST

    def meet(self) -> None:
        """Trust among those present grows, absence costs it; the meeting's quality sets the action quality."""
        if not self.held:
            return
        p = self.model.params
        pairs = 0
        for pair in self.active_pairs():
            pairs += 1
            a, b, rel = pair.a, pair.b, pair.rel
            if a.attended and b.attended:
                skill = 0.5 + 0.5 * (a.org.rep_skill + b.org.rep_skill)
                rel.interpersonal += min(1.0, p["trust_gain"] * skill) * (1.0 - rel.interpersonal)
            elif a.attended or b.attended:
                rel.interpersonal = max(0.0, rel.interpersonal - p["absence_penalty"])
        members = self.members()
        if members:
            present = sum(1 for ms in members if ms.attended)
            self.quality = (present / len(members)) * self.model.agenda / (1.0 + p["coordination_cost"] * pairs)
        self.action_quality = self.quality

    def refresh_trust(self) -> None:
        """Mean and minimum trust (0-1) over the active pairs; each member's mean trust with its co-members."""
        for ms in self.memberships:
            ms.trust_sum, ms.trust_count = 0.0, 0
        values = []
        for pair in self.active_pairs():
            rel = pair.rel
            t = rel.institutional + (1.0 - rel.institutional) * rel.interpersonal
            values.append(t)
            pair.a.trust_sum += t
            pair.a.trust_count += 1
            pair.b.trust_sum += t
            pair.b.trust_count += 1
        self.trust_mean = added(values) / len(values) if values else 0.0
        self.trust_min = min(values) if values else 1.0
        for ms in self.memberships:
            ms.trust = ms.trust_sum / ms.trust_count if ms.trust_count > 0 else 0.0

    def deliberate(self) -> None:
        """Agreeing goals: attendees' aims move towards the room's view; the agreed aim is set."""
        members = self.members()
        if not (self.held and self.stage == AGREEING_GOALS and members):
            return
        leads = [ms for ms in members if ms.org is self.lead]
        power = self.lead_decides and bool(leads)
        stake = added(ms.contribution for ms in members)
        if power and stake > 0:
            view = added(ms.contribution * ms.aim for ms in members) / stake
        else:
            view = added(ms.aim for ms in members) / len(members)
        rate = self.model.params["deliberation_rate"]
        for ms in members:
            if ms.attended:
                ms.aim += min(1.0, rate * self.quality * ms.trust) * (view - ms.aim)
        self.agreed_aim = leads[-1].aim if power else added(ms.aim for ms in members) / len(members)

    # --- 6. obstacles
    def face_obstacles(self) -> None:
        """A new obstacle may arrive (log-normal weeks of effort); one there is cleared by behaviour and money."""
        m, p = self.model, self.model.params
        blocked = self.obstacle > 0.0
        if is_active_stage(self.stage) and not blocked and m.draws.uniform(OBSTACLE_ARRIVAL, self.index) < m.obstacle_chance:
            z = m.draws.normal(OBSTACLE_SIZE, self.index)
            size = p["obstacle_severity"] * math.exp(OBSTACLE_SPREAD * z - 0.5 * OBSTACLE_SPREAD ** 2)
            boldest = max((ms.org.risk_appetite for ms in self.members()), default=0.0)
            shortfall = max(0.0, UPBEAT_RISK_APPETITE - boldest) / UPBEAT_RISK_APPETITE
            self.obstacle = size * (1.0 + p["risk_aversion_amplifier"] * shortfall)
        elif blocked and (is_active_stage(self.stage) or self.stage == STALLED):
            self.clear_obstacle()

    def clear_obstacle(self) -> None:
        m, p = self.model, self.model.params
        running = p["funding_catalytic_effect"] and self.catalyst_until >= m.week
        manager = self.has_manager or (p["funding_resource_effect"] and self.external_funds > 0.0)
        cleared = 0.0
        members = self.members()
        if members:
            n = len(members)
            effort = added(deadline_commitment.py_func(ms.commitment, running, p["catalytic_strength"]) * ms.org.cap_share
                         for ms in members) / n
            skill = added(ms.org.rep_skill for ms in members) / n
            selfless = added(ms.org.selflessness for ms in members) / n
            behaviour = (0.2 + 0.6 * self.trust_mean + 0.4 * skill + 0.4 * selfless
                         + (0.3 if self.champion is not None else 0.0) + (0.3 if manager else 0.0))
            cleared = effort * behaviour
        free = self.external_funds - self.manager_reserve()
        if p["funding_resource_effect"] and free > 0.0:
            week_of_clearing = p["work_cost"] * p["work_rate"]
            bought = min(free, min(self.obstacle, 1.0) * week_of_clearing)
            self.external_funds -= bought
            self.costs += bought
            cleared += bought / week_of_clearing
        self.obstacle = max(0.0, self.obstacle - cleared)

    def manager_reserve(self) -> float:
        """£k of award money kept back to pay a manager until the deadline."""
        p = self.model.params
        return manager_reserve.py_func(self.has_manager, p["funding_resource_effect"], p["manager_cost"], self.model.week,
                                       self.catalyst_until)

    # --- 7. work
    def work(self) -> None:
        """A week of work between meetings: effort (costed), momentum, progress, money spent (ODD 7.3)."""
        m, p = self.model, self.model.params
        if not is_open(self.stage):
            return
        members = self.members()
        running = p["funding_catalytic_effect"] and self.catalyst_until >= m.week
        efforts = [deadline_commitment.py_func(ms.commitment, running, p["catalytic_strength"]) * ms.org.cap_share
                   for ms in members]
        for ms, e in zip(members, efforts):
            spend = e * DEMAND_PER_MEMBERSHIP * OFFICER_DAY_COST
            ms.contribution += spend
            self.costs += spend
        done = (0.4 + 0.6 * p["meeting_discipline"]) * (added(efforts) / len(members)) * (0.4 + 0.6 * self.action_quality) \
            if members else 0.0
        manager = self.has_manager
        if not manager and p["funding_resource_effect"] and self.external_funds > 0.0:
            salary = min(self.external_funds, p["manager_cost"] / 52.0)
            self.external_funds -= salary
            self.costs += salary
            manager = True
        blocked = self.obstacle > 0.0
        target = 0.0
        if not blocked:
            drive = 1.0 if self.champion is not None else self.embedded
            target = 0.2 + 0.6 * done + 0.15 * drive + (0.1 if manager else 0.0)
        self.momentum += p["momentum_rate"] * (min(1.0, target) - self.momentum)
        if not blocked and self.stage <= DELIVERY:
            self.progress_work(done, len(members), manager)

    def progress_work(self, done: float, n: int, manager: bool) -> None:
        m, p = self.model, self.model.params
        pairs = n * (n - 1) / 2
        rate = p["work_rate"] * (0.25 + 0.75 * self.momentum) * done / (self.ambition * (1.0 + p["coordination_cost"] * pairs))
        if manager:
            rate *= 1.3
        free = self.external_funds - self.manager_reserve()
        if p["funding_resource_effect"] and free > 0.0:
            bought = min(free, p["work_cost"] * p["work_rate"])
            self.external_funds -= bought
            self.costs += bought
            rate += bought / (p["work_cost"] * self.ambition)
        self.progress = min(1.0, self.progress + rate)
        if self.stage == DELIVERY and self.progress >= 1.0:
            self.stage = REALISING_BENEFITS
            self.progress = 0.0
            self.delivered_week = m.week
            self.momentum += 0.1 * (1.0 - self.momentum)

    # --- 8. stage gates
    def decide_gate(self) -> None:
        """At a gate that met: wait for referrals home, then each member votes; pass or refuse (ODD 7.4)."""
        self.trust_delta = 0.0
        if not (self.held and self.stage <= DESIGN_AND_FEASIBILITY and self.progress >= 1.0):
            return
        m = self.model
        members = self.members()
        if self.deferred_until < 0:
            referrals = [1 + int(MAX_REFERRAL_WEEKS * (1.0 - ms.org.culture)) for ms in members
                         if m.draws.uniform(REFERRAL, ms.index) > ms.org.rep_autonomy]
            if referrals:  # the gate waits for the slowest partner's approval at home
                self.deferred_until = m.week + max(referrals)
                return
        elif m.week < self.deferred_until:
            return
        votes, stake = self.vote(members)
        self.settle_gate(members, votes, stake)

    def vote(self, members: list[Membership]) -> tuple[dict[Membership, bool], dict[Membership, float]]:
        """Each member's consent: the log value ratio of the next stage against risk, trust, skill, commitment."""
        m, p = self.model, self.model.params
        n = len(members)
        total_contribution = added(ms.contribution for ms in members)
        remaining = p["work_cost"] * self.ambition * (DELIVERY - self.stage)
        funded = min(1.0, (self.external_funds + self.pooled_funds) / remaining)
        cost = remaining * (1.0 - 0.5 * funded)
        value = (BENEFIT_PER_MEMBER_WEEK * n * self.ambition * p["collaborative_advantage"] * (0.5 + 0.5 * self.momentum)
                 * BENEFIT_PERIOD)
        deadline_running = p["funding_catalytic_effect"] and self.catalyst_until >= m.week
        sponsor_in_room = any(ms.org is self.sponsor for ms in members)
        votes, stake = {}, {}
        for ms in members:
            o = ms.org
            contribution_share = ms.contribution / total_contribution if total_contribution > 0 else 1.0 / n
            stake[ms] = contribution_share
            benefit_share = contribution_share if self.equitable else 1.0 / n
            others_mean = (1.0 - benefit_share) * value / max(1.0, n - 1.0)
            fit = self.fit(ms)
            ratio = (benefit_share * value * fit + o.selflessness * others_mean) / (cost / n)
            risk = (1.0 - ms.trust) * (1.0 - o.risk_appetite) * (0.6 + 0.2 * self.stage)
            if sponsor_in_room:
                risk *= 1.0 - SPONSOR_CONFIDENCE
            utility = (math.log(max(ratio, VALUE_FLOOR)) - risk + p["trust_consent_weight"] * (ms.trust - 0.5)
                       + p["skill_consent_weight"] * (o.rep_skill - 0.5)
                       + 0.5 * (ms.commitment - 0.5) + 0.3 * m.draws.normal(CONSENT, ms.index))
            if deadline_running:
                utility += 0.5 * p["catalytic_strength"]
            votes[ms] = utility > 0.0
        return votes, stake

    def fit(self, ms: Membership) -> float:
        """How well (0-1) the member's aim fits the agreed aim (1 while none is agreed)."""
        agreed = self.agreed_aim
        return 1.0 if math.isnan(agreed) else max(0.0, 1.0 - self.model.params["misalignment_weight"] * abs(ms.aim - agreed))

    def settle_gate(self, members: list[Membership], votes: dict[Membership, bool], stake: dict[Membership, float]) -> None:
        p = self.model.params
        lead_votes = [votes[ms] for ms in members if ms.org is self.lead]
        pragmatic = self.lead_decides and bool(lead_votes)
        if pragmatic:
            consenting = 0.0
            for ms in members:
                if votes[ms]:
                    consenting += stake[ms]
            passed = lead_votes[-1] and consenting >= LEAD_QUORUM - 1e-12
        else:
            passed = all(votes.values())
        self.deferred_until = -1
        if not passed:
            self.gate_refusals += 1
            self.progress = 0.7
            self.momentum = max(0.0, self.momentum - 0.1)
            self.trust_delta = -0.5 * p["trust_gain"] * p["trust_loss_ratio"]
            return
        self.stage += 1
        self.progress = 0.0
        self.momentum += 0.1 * (1.0 - self.momentum)
        self.trust_delta = p["trust_gain"]
        for ms in members:
            ms.commitment = ms.commitment + 0.05 * (1.0 - ms.commitment) if votes[ms] else max(0.0, ms.commitment - 0.1)
        if pragmatic:
            self.resent_overruling(votes)

    def resent_overruling(self, votes: dict[Membership, bool]) -> None:
        """Partners overruled by the lead trust its representative less (perceived misuse of power)."""
        p = self.model.params
        overruled = {ms.org for ms, vote in votes.items() if not vote}
        for pair in self.pairs:
            if pair.a not in votes or pair.b not in votes:
                continue
            orgs = {pair.a.org, pair.b.org}
            if self.lead in orgs and (orgs - {self.lead}) & overruled:
                pair.rel.interpersonal = max(0.0, pair.rel.interpersonal - 0.5 * p["trust_gain"] * p["trust_loss_ratio"])

    def shift_trust(self) -> None:
        """A small win (delta > 0) closes delta of the gap to 1 in its active pairs' trust; a failure subtracts it."""
        d = self.trust_delta
        if d == 0.0:
            return
        for pair in self.active_pairs():
            rel = pair.rel
            if d > 0.0:
                rel.interpersonal += d * (1.0 - rel.interpersonal)
            else:
                rel.interpersonal = max(0.0, rel.interpersonal + d)

    # --- 9. stalls
    def update_stall(self) -> None:
        """Stall below the threshold, resume at twice it, abandon after ``patience`` weeks stalled."""
        m, p = self.model, self.model.params
        failure = p["trust_gain"] * p["trust_loss_ratio"]
        self.trust_delta = 0.0
        if is_active_stage(self.stage):
            if self.momentum < p["stall_threshold"]:
                self.stage_before_stall, self.stage = self.stage, STALLED
                self.stalls += 1
                self.stalled_since = m.week
                if self.first_stall_week < 0:
                    self.first_stall_week = m.week
                self.trust_delta = -0.5 * failure
        elif self.stage == STALLED:
            if self.momentum >= 2.0 * p["stall_threshold"]:
                self.stage, self.stalled_since = self.stage_before_stall, -1
            elif m.week - self.stalled_since >= p["patience"]:
                self.stage, self.closed_week = ABANDONED, m.week
                self.trust_delta = -failure

    # --- 10. benefits
    def realise_benefits(self) -> None:
        """Benefits (£k) earned in delivery and after it, shared; short-changed partners lose commitment."""
        if self.stage not in (DELIVERY, REALISING_BENEFITS):
            return
        p = self.model.params
        realising = self.stage == REALISING_BENEFITS
        members = self.members()
        full = (BENEFIT_PER_MEMBER_WEEK * len(members) * self.ambition * p["collaborative_advantage"]
                * (0.5 + 0.5 * self.momentum))
        value = full if realising else full * 0.5 * self.progress
        self.benefits += value
        total_contribution = added(ms.contribution for ms in members)
        for ms in members:
            contribution_share = ms.contribution / total_contribution if total_contribution > 0 else 1.0 / len(members)
            ms.benefit += value * (contribution_share if self.equitable else 1.0 / len(members)) * self.fit(ms)
            benefit_share = ms.benefit / self.benefits if self.benefits > 0 else 0.0
            if benefit_share < (1.0 - p["fairness_tolerance"]) * contribution_share:
                ms.commitment = max(0.0, ms.commitment - 0.02 * (1.0 - ms.org.selflessness))
        if realising:
            self.progress += 1.0 / BENEFIT_PERIOD
            if self.progress >= 1.0 - 1e-9:
                self.close_delivered(members)

    def close_delivered(self, members: list[Membership]) -> None:
        """Closed as delivered: the spread of benefit shares against contribution shares among the members."""
        self.stage, self.closed_week = DELIVERED, self.model.week
        total_b = added(ms.benefit for ms in members)
        total_c = added(ms.contribution for ms in members)
        d = [(ms.benefit / total_b if total_b > 0 else 1.0 / len(members))
             - (ms.contribution / total_c if total_c > 0 else 1.0 / len(members)) for ms in members]
        mean = added(d) / len(d) if d else 0.0
        self.net_benefit_spread = math.sqrt(max(0.0, added(x * x for x in d) / len(d) - mean * mean)) if d else 0.0

    # --- 11. withdrawal, 14. embedding, 15. the record
    def withdraw_uncommitted(self) -> None:
        """Partners below the withdrawal commitment leave; a project left with fewer than two closes."""
        if not is_open(self.stage):
            return
        members = self.members()
        leaving = [ms for ms in members if ms.commitment < WITHDRAWAL_COMMITMENT]
        for ms in leaving:
            ms.active = False
        if len(members) - len(leaving) < 2:
            self.closed_week = self.model.week
            self.stage = DELIVERED if self.stage == REALISING_BENEFITS else ABANDONED

    def embed_trust(self) -> None:
        """Institutional trust moves up towards interpersonal trust, faster with governance and in delivery."""
        if not is_open(self.stage):
            return
        rate = self.model.params["embedding_rate"] * self.governance_level / 3.5
        if self.stage in (DELIVERY, REALISING_BENEFITS):
            rate *= 2.0
        for pair in self.active_pairs():
            rel = pair.rel
            if rel.interpersonal > rel.institutional:
                rel.institutional += min(1.0, rate) * (rel.interpersonal - rel.institutional)

    def freeze_if_closed(self) -> None:
        """A starting project keeps its momentum and trust as they were when it closed (for the record)."""
        if not self.starting:
            return
        if self.stage in (DELIVERED, ABANDONED) and math.isnan(self.final_momentum):
            self.final_momentum = 0.0 if self.stage == ABANDONED else self.momentum
            self.final_trust = self.last_open_trust
        self.last_open_trust = self.trust_mean


# --- the model --------------------------------------------------------------------------------------------
def open_mean(model: MesaWeek, attribute: str) -> float:
    values = [getattr(x, attribute) for x in model.projects if is_open(x.stage)]
    return float(np.mean(values)) if values else math.nan


def starting_mean(model: MesaWeek, attribute: str, final: str, abandoned_at: float | None) -> float:
    values = []
    for x in model.projects:
        if not x.starting:
            break
        frozen = getattr(x, final)
        value = getattr(x, attribute) if math.isnan(frozen) else frozen
        values.append(abandoned_at if abandoned_at is not None and x.stage == ABANDONED else value)
    return float(np.mean(values)) if values else math.nan


REPORTERS: dict[str, Callable[[MesaWeek], float | int]] = {
    "week": lambda m: m.week,
    "mean_momentum": lambda m: open_mean(m, "momentum"),
    "mean_trust": lambda m: open_mean(m, "trust_mean"),
    "mean_momentum_all": lambda m: starting_mean(m, "momentum", "final_momentum", 0.0),
    "mean_trust_all": lambda m: starting_mean(m, "trust_mean", "final_trust", None),
    "open_projects": lambda m: sum(1 for x in m.projects if is_open(x.stage)),
    "stalled_projects": lambda m: sum(1 for x in m.projects if x.stage == STALLED),
    "delivered_projects": lambda m: sum(1 for x in m.projects if x.delivered_week >= 0),
    "abandoned_projects": lambda m: sum(1 for x in m.projects if x.stage == ABANDONED),
    "representatives_left": lambda m: m.left,
    "awards": lambda m: m.awards,
}
assert list(REPORTERS) == list(WEEKLY_REPORTERS)

ORG_STATE = ("kind", "base_capacity", "capacity", "risk_appetite", "selflessness", "culture", "rep_tenure",
             "rep_autonomy", "rep_presence", "rep_skill", "rep_generation")
PROJECT_STATE = ("stage", "stage_before_stall", "momentum", "ambition", "progress", "has_manager", "lead_decides",
                 "equitable", "governance_level", "next_meeting", "deferred_until", "obstacle", "catalyst_until",
                 "external_funds", "external_received", "pooled_funds", "action_quality", "costs", "benefits", "stalls",
                 "stalled_since", "gate_refusals", "delivered_week", "closed_week", "first_stall_week",
                 "net_benefit_spread", "agreed_aim")
PROJECT_ORGS = ("lead", "sponsor", "champion")  # organisation indices (-1: none) held as Organisation agents
MEMBERSHIP_STATE = ("active", "commitment", "contribution", "benefit", "attended", "aim")
#: project processes that change relationships two projects may share: the model's rule updates a shared
#: relationship in pair-list order (project order here), and a gain and a loss do not commute, so a Mesa
#: user must not shuffle them (shuffled, one week at county size differs by up to 3e-4 in interpersonal trust)
IN_PAIR_ORDER = frozenset({"meet", "decide_gate", "shift_trust", "embed_trust"})


class MesaWeek(mesa.Model):
    """One week of a :class:`PartnershipModel`'s state as idiomatic Mesa: ``source`` gives the state before its
    next week; ``predrawn``: the model's own draws of that week (else ``self.random``); ``shuffled``: agents
    called through ``shuffle_do`` (else ``do``, in index order)."""

    def __init__(self, source: PartnershipModel, predrawn: bool = False, shuffled: bool = True) -> None:
        super().__init__(rng=SEED)
        if source.pending:
            raise ValueError("the Mesa week has no interventions")
        self.week = source.week + 1
        self.params = {name: source.params[name] for name in PARAMETERS}
        self.pressure_shock = source.pressure_shock
        self.agenda = 0.5 + 0.5 * self.params["meeting_discipline"]
        self.obstacle_chance = self.params["obstacle_rate"] / 52.0
        self.draws: MesaDraws | StreamDraws = StreamDraws(source, self.week) if predrawn else MesaDraws(self)
        self.shuffled = shuffled
        self.process_seconds: dict[str, float] | None = None  # CPU seconds per agent method, when asked for
        self.leaving: list[Organisation] = []
        self.left = self.awards = 0
        self.orgs = self.build_orgs(source)
        self.projects = self.build_projects(source)
        self.memberships = self.build_memberships(source)
        self.relationships = self.build_relationships(source)
        self.org_set, self.project_set = self.agents_by_type[Organisation], self.agents_by_type[Project]
        self.datacollector = mesa.DataCollector(model_reporters=dict(REPORTERS))

    def build_orgs(self, source: PartnershipModel) -> list[Organisation]:
        columns = {name: getattr(source.orgs, name).tolist() for name in ORG_STATE}
        return [Organisation(self, o, **{name: columns[name][o] for name in ORG_STATE}) for o in range(len(source.orgs))]

    def build_projects(self, source: PartnershipModel) -> list[Project]:
        proj = source.projects
        columns = {name: getattr(proj, name).tolist() for name in PROJECT_STATE}
        columns |= {name: [self.orgs[o] if o >= 0 else None for o in getattr(proj, name).tolist()] for name in PROJECT_ORGS}
        n_initial = source.n_initial_projects
        frozen = {"trust_mean": source.project_trust_mean.tolist(), "trust_min": source.project_trust_min.tolist(),
                  "final_momentum": source.final_momentum.tolist(), "final_trust": source.final_trust.tolist(),
                  "last_open_trust": source._last_open_trust.tolist()}
        projects = []
        for x in range(len(proj)):
            state = {name: values[x] for name, values in columns.items()}
            state |= {name: values[x] if x < len(values) else math.nan for name, values in frozen.items()}
            projects.append(Project(self, x, x < n_initial, **state))
        return projects

    def build_memberships(self, source: PartnershipModel) -> list[Membership]:
        mem = source.memberships
        columns = {name: getattr(mem, name).tolist() for name in MEMBERSHIP_STATE}
        columns["trust"] = source.member_trust.tolist()
        memberships = []
        for i, (o, x) in enumerate(zip(mem.org.tolist(), mem.project.tolist(), strict=True)):
            ms = Membership(i, self.orgs[o], self.projects[x], **{name: values[i] for name, values in columns.items()})
            self.orgs[o].memberships.append(ms)
            self.projects[x].memberships.append(ms)
            memberships.append(ms)
        return memberships

    def build_relationships(self, source: PartnershipModel) -> list[Relationship]:
        rel, pairs = source.relationships, source.pairs
        relationships = [Relationship(a, b) for a, b in zip(rel.interpersonal.tolist(), rel.institutional.tolist(), strict=True)]
        for r, a, b in zip(relationships, rel.a.tolist(), rel.b.tolist(), strict=True):
            self.orgs[a].relationships.append(r)
            self.orgs[b].relationships.append(r)
        for x, r, ma, mb in zip(pairs.project.tolist(), pairs.rel.tolist(), pairs.ma.tolist(), pairs.mb.tolist(), strict=True):
            self.projects[x].pairs.append(Pair(self.memberships[ma], self.memberships[mb], relationships[r]))
        return relationships

    def run(self, agents: mesa.agent.AgentSet, method: str, *args: Any) -> None:
        """Call ``method`` on every agent: shuffled as a Mesa user would, except where the order is part of the
        rule (:data:`IN_PAIR_ORDER`), or in index order throughout."""
        start = time.process_time() if self.process_seconds is not None else 0.0
        if self.shuffled and method not in IN_PAIR_ORDER:
            agents.shuffle_do(method, *args)
        else:
            agents.do(method, *args)
        if self.process_seconds is not None:
            self.process_seconds[method] = self.process_seconds.get(method, 0.0) + time.process_time() - start

    def step(self) -> None:
        """One week, in the order of ODD section 3 (interventions and structure changes left out)."""
        p = self.params
        self.pressure_shock *= SHOCK_DECAY
        self.org_set.do("squeeze", 1.0 - min(0.95, p["financial_pressure"] + self.pressure_shock))
        self.run(self.project_set, "measure_embeddedness")
        self.left = self.turnover() + self.reorganise()
        self.run(self.project_set, "emerge_champion")
        self.awards = 0
        if p["external_funding"] > 0 and self.week % p["funding_call_interval"] == 0:
            self.run(self.project_set, "bid")
        self.meetings()
        self.run(self.project_set, "refresh_trust")
        self.run(self.project_set, "deliberate")
        self.run(self.project_set, "face_obstacles")
        self.run(self.project_set, "work")
        self.run(self.project_set, "decide_gate")
        self.run(self.project_set, "shift_trust")
        self.run(self.project_set, "update_stall")
        self.run(self.project_set, "shift_trust")
        self.run(self.project_set, "realise_benefits")
        self.run(self.project_set, "withdraw_uncommitted")
        self.run(self.project_set, "embed_trust")
        self.run(self.project_set, "refresh_trust")
        self.project_set.do("freeze_if_closed")
        self.datacollector.collect(self)

    def turnover(self) -> int:
        """Representatives leave at ``leader_turnover`` a year; returns how many left."""
        hazard = 1.0 - (1.0 - self.params["leader_turnover"]) ** (1.0 / WEEKS_PER_YEAR)
        self.leaving = []
        self.run(self.org_set, "consider_leaving", hazard)
        return self.replace(REPLACEMENT)

    def reorganise(self) -> int:
        """Health bodies and agencies reorganise: their representative goes, their projects absorb a shock."""
        if self.params["reorganisation_rate"] <= 0:
            return 0
        hazard = 1.0 - (1.0 - self.params["reorganisation_rate"]) ** (1.0 / WEEKS_PER_YEAR)
        self.leaving = []
        self.run(self.org_set, "consider_reorganising", hazard)
        hit = set(self.leaving)
        n = self.replace(REORGANISED_SUCCESSOR)
        if n:
            self.run(self.project_set, "absorb_reorganisation", hit)
        return n

    def replace(self, stream: int) -> int:
        """Successors for ``self.leaving`` (traits from ``stream``, in organisation order); champions who left go."""
        leaving = sorted(self.leaving, key=lambda o: o.index)
        if not leaving:
            return 0
        traits = self.draws.successors([o.index for o in leaving], [o.culture for o in leaving],
                                       self.params["autonomy_mean"], stream)
        for org, (autonomy, presence, skill) in zip(leaving, traits, strict=True):
            org.new_representative(autonomy, presence, skill)
        self.run(self.project_set, "lose_champion", set(leaving))
        return len(leaving)

    def meetings(self) -> None:
        """Capacity shares, the meetings due, attendance and its time, then trust and quality in each meeting."""
        self.run(self.org_set, "share_capacity")
        self.run(self.project_set, "convene")
        self.run(self.project_set, "attend")
        self.run(self.org_set, "count_meeting_time")
        self.run(self.project_set, "meet")


# --- the check ---------------------------------------------------------------------------------------------
def mesa_state(m: MesaWeek) -> dict[str, list[Any]]:
    """Every column the week changes, read off the Mesa agents (organisations as indices, -1 for none)."""
    state: dict[str, list[Any]] = {f"orgs.{name}": [getattr(o, name) for o in m.orgs] for name in ORG_STATE}
    for name in PROJECT_STATE:
        state[f"projects.{name}"] = [getattr(x, name) for x in m.projects]
    for name in PROJECT_ORGS:
        state[f"projects.{name}"] = [-1 if getattr(x, name) is None else getattr(x, name).index for x in m.projects]
    for name in MEMBERSHIP_STATE:
        state[f"memberships.{name}"] = [getattr(ms, name) for ms in m.memberships]
    for name in ("interpersonal", "institutional"):
        state[f"relationships.{name}"] = [getattr(r, name) for r in m.relationships]
    state["project_trust_mean"] = [x.trust_mean for x in m.projects]
    state["project_trust_min"] = [x.trust_min for x in m.projects]
    state["member_trust"] = [ms.trust for ms in m.memberships]
    starting = [x for x in m.projects if x.starting]
    for name in ("final_momentum", "final_trust", "last_open_trust"):
        state[name] = [getattr(x, name) for x in starting]
    state["pressure_shock"] = [m.pressure_shock]
    state["record"] = [m.datacollector.model_vars[name][-1] for name in REPORTERS]
    return state


def model_state(model: PartnershipModel) -> dict[str, np.ndarray]:
    """The same columns of the model (``record``: the last row of its weekly record)."""
    state: dict[str, np.ndarray] = {}
    for table, names in (("orgs", ORG_STATE), ("projects", PROJECT_STATE + PROJECT_ORGS), ("memberships", MEMBERSHIP_STATE),
                         ("relationships", ("interpersonal", "institutional"))):
        for name in names:
            state[f"{table}.{name}"] = getattr(getattr(model, table), name)
    state |= {"project_trust_mean": model.project_trust_mean, "project_trust_min": model.project_trust_min,
              "member_trust": model.member_trust, "final_momentum": model.final_momentum,
              "final_trust": model.final_trust, "last_open_trust": model._last_open_trust,
              "pressure_shock": np.array([model.pressure_shock])}
    vars_ = model.datacollector.model_vars
    state["record"] = np.array([float(vars_[name][-1]) for name in REPORTERS])
    return state


def differences(model: PartnershipModel, mesa_weeks: list[MesaWeek]) -> list[dict[str, float]]:
    """For each Mesa week, the columns whose values differ from the model's in any bit (NaN where NaN is
    equal; 0.0 and -0.0 differ), each with the largest absolute difference (inf for a difference in kind)."""
    expected = model_state(model)
    found = []
    for got in map(mesa_state, mesa_weeks):
        out = {}
        for name, want in expected.items():
            have = np.array(got[name], dtype=np.float64 if name == "record" else want.dtype)
            if have.shape != want.shape:
                out[name] = math.inf
            elif have.tobytes() != want.tobytes() and not (np.isnan(have) & np.isnan(want)).all():
                same_nan = np.isnan(have) == np.isnan(want) if have.dtype.kind == "f" else True
                gap = np.abs(np.nan_to_num(have.astype(np.float64)) - np.nan_to_num(want.astype(np.float64)))
                out[name] = float(gap.max()) if np.all(same_nan) else math.inf
        found.append(out)
    return found


class StructureChanged(ValueError):
    """The model's week added projects or memberships (a follow-on, a late joiner): no Mesa week to compare."""


def check(source: PartnershipModel, perturb: Callable[[MesaWeek], None] | None = None) -> tuple[dict[str, float], ...]:
    """Mesa weeks built from ``source`` with the model's draws, in index order and shuffled (``perturb``
    applied to them first, to show the check can fail), and the model stepped the same week (``source`` is
    stepped, ``run_for(1)``): the differing columns of each (:func:`differences`; empty: bit for bit)."""
    if np.any(np.diff(source.pairs.project) < 0):  # a late joiner's pairs come last
        raise ValueError("the pairs are not in project order: the Mesa week updates shared relationships in another order")
    mesa_weeks = [MesaWeek(source, predrawn=True, shuffled=False), MesaWeek(source, predrawn=True, shuffled=True)]
    n_projects, n_memberships = len(source.projects), len(source.memberships)
    for mesa_week in mesa_weeks:
        if perturb is not None:
            perturb(mesa_week)
        mesa_week.step()
    source.run_for(1)
    if (len(source.projects), len(source.memberships)) != (n_projects, n_memberships):
        raise StructureChanged(f"week {source.week} changed the structure, which the Mesa week leaves out")
    ordered, shuffled = differences(source, mesa_weeks)
    return ordered, shuffled


# --- the benchmark -----------------------------------------------------------------------------------------
def meetings_due(model: PartnershipModel) -> bool:
    """Whether a meeting falls due in the model's next week."""
    proj = model.projects
    return bool(((proj.next_meeting <= model.week + 1) & np.isin(proj.stage, (DELIVERED, ABANDONED), invert=True)).any())


def recorded_week(spec: Any) -> int:
    """Weeks run before the recorded week: the first from ``WEEK`` on with meetings due and no structure change."""
    model = PartnershipModel(spec, rng=SEED, **MODEL_OPTIONS)
    model.run_for(WEEK)
    while True:
        due, before = meetings_due(model), (len(model.projects), len(model.memberships))
        model.run_for(1)
        if due and (len(model.projects), len(model.memberships)) == before:
            return model.week - 1


def warmed_model(spec: Any, weeks: int) -> PartnershipModel:
    model = PartnershipModel(spec, rng=SEED, **MODEL_OPTIONS)
    model.run_for(weeks)
    return model


def later_mesa_weeks(source: PartnershipModel, weeks: int) -> float:
    """Median CPU seconds of a Mesa week (shuffled, Mesa draws) built from each of ``source``'s next ``weeks``
    weeks (``source`` is run on; a week's structure changes are left out of its Mesa week, not of the run)."""
    times = []
    for _ in range(weeks):
        mesa_week = MesaWeek(source)
        start = time.process_time()
        mesa_week.step()
        times.append(time.process_time() - start)
        source.run_for(1)
    return statistics.median(times)


def measure(label: str, region: Any, large: bool) -> dict[str, Any]:
    """Check and time one size: the Mesa week (Mesa draws; shuffled, and in index order) against the fused week."""
    spec = region_spec(region)
    weeks_before = recorded_week(spec)
    source = warmed_model(spec, weeks_before)
    mesa_repeats, fused_repeats = (3, 5) if large else (15, 15)
    mesa_s = median_cpu(lambda m: m.step(), lambda: MesaWeek(source), mesa_repeats)
    mesa_ordered_s = median_cpu(lambda m: m.step(), lambda: MesaWeek(source, shuffled=False), mesa_repeats)
    mesa_week = MesaWeek(source)
    mesa_week.process_seconds = {}
    mesa_week.step()
    row = {"size": label, "organisations": len(source.orgs), "projects": len(source.projects),
           "memberships": len(source.memberships), "relationships": len(source.relationships), "pairs": len(source.pairs),
           "week": weeks_before + 1, "meetings_held": sum(x.held for x in mesa_week.projects),
           "representatives_left": mesa_week.left,
           "mesa_process_ms": {name: t * 1e3 for name, t in sorted(mesa_week.process_seconds.items(), key=lambda kv: -kv[1])}}
    ordered, shuffled = check(source)
    mesa_later_s = later_mesa_weeks(source, LATER_WEEKS)
    week_s, later_s, _ = fused_week(spec, weeks_before, fused_repeats, LATER_WEEKS)
    return row | {"repeats": {"mesa": mesa_repeats, "fused_week": fused_repeats, "later_weeks": LATER_WEEKS},
                  "identical": not ordered, "differing": ordered, "shuffled_differing": shuffled,
                  "mesa_week_ms": mesa_s * 1e3, "mesa_week_in_order_ms": mesa_ordered_s * 1e3,
                  "fused_week_ms": week_s * 1e3, "fused_later_weeks_ms": later_s * 1e3,
                  "mesa_later_weeks_ms": mesa_later_s * 1e3, "mesa_over_fused_week": mesa_s / week_s,
                  "mesa_over_fused_later_weeks": mesa_later_s / later_s,
                  "mesa_in_order_over_fused_week": mesa_ordered_s / week_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--sizes", default="county,10000,100000", help="comma-separated: " + ", ".join(SIZES))
    args = parser.parse_args()
    load_before = os.getloadavg()
    PartnershipModel(rng=0).run_for(30)  # the kernels and the driver compiled (or loaded from the cache) before timing
    rows = [measure(*SIZES[key], large=key == "100000") for key in args.sizes.split(",")]
    out = {"load_average_before": load_before, "load_average_after": os.getloadavg(), "rows": rows}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print_table(out)


def print_table(out: dict[str, Any]) -> None:
    """The measured rows as a rich table, with the check's result and where a Mesa week's time goes."""
    console = Console(width=200)
    load = " ".join(f"{x:.2f}" for x in out["load_average_before"])
    table = Table(title=f"The whole week: idiomatic Mesa against the fused week (CPU time; load average before {load})")
    for column in ("size", "week", "identical: in order / shuffled", "Mesa week", "in index order", "fused week",
                   "ratio", "in index order", "Mesa later weeks", "fused later weeks", "ratio"):
        table.add_column(column, justify="left" if column.startswith(("size", "identical")) else "right")
    for r in out["rows"]:
        table.add_row(r["size"], str(r["week"]), f"{'yes' if r['identical'] else r['differing']} / "
                      f"{'yes' if not r['shuffled_differing'] else r['shuffled_differing']}",
                      f"{r['mesa_week_ms']:.2f} ms", f"{r['mesa_week_in_order_ms']:.2f} ms", f"{r['fused_week_ms']:.3f} ms",
                      f"{r['mesa_over_fused_week']:.1f}x", f"{r['mesa_in_order_over_fused_week']:.1f}x",
                      f"{r['mesa_later_weeks_ms']:.2f} ms", f"{r['fused_later_weeks_ms']:.3f} ms",
                      f"{r['mesa_over_fused_later_weeks']:.1f}x")
    console.print(table)
    for r in out["rows"]:
        top = ", ".join(f"{name} {ms:.2f}" for name, ms in list(r["mesa_process_ms"].items())[:6])
        console.print(f"{r['size']}: {r['projects']:,} projects, {r['memberships']:,} memberships, {r['pairs']:,} pairs, "
                      f"{r['meetings_held']} meetings, {r['representatives_left']} representatives left; "
                      f"slowest Mesa processes (ms, one week): {top}")


if __name__ == "__main__":
    main()
