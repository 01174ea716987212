"""The partnership model: a Mesa model whose weekly step runs the compiled kernels over its arrays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario

from partnerships.agents.project import PartnershipProject
from partnerships.agents.organisation import kind_classes
from partnerships.model import kernels as k
from partnerships.model.codes import Stage
from partnerships.model.interventions import ACTIONS, CONDITIONS, DEFAULT_AWARD, DEFAULT_SHOCK, Intervention
from partnerships.model.mesa_scenario import settle
from partnerships.model.parameters import ParameterError, lookup
from partnerships.model.records import weekly_collector
from partnerships.model.scenarios import RegionSpec, add_members, build_region, load_region, new_representatives, start_project

WEEKS_PER_YEAR = 52
DEFAULT_WEEKS = 260  # five years (model brief)
SHOCK_DECAY = 0.98  # a policy shock's extra pressure fades by 2% a week (assumption)


class Stream(IntEnum):
    """One random stream per process (see :mod:`model.kernels.draws`): common random numbers."""

    LEAVE = 1
    REPLACEMENT = 2
    CHAMPION = 3
    BID = 4
    ATTEND = 5
    OBSTACLE_ARRIVAL = 6
    OBSTACLE_SIZE = 7
    REFERRAL = 8
    CONSENT = 9
    JOIN = 10
    JOINER = 11
    FOLLOW_ON = 12
    INTERVENTION = 13  # + the number of events so far: each intervention has its own


@dataclass(frozen=True)
class Event:
    """Something that happened at a week and is worth marking on a plot (an intervention, mostly)."""

    week: int
    action: str
    project: int | None
    organisation: int | None
    description: str


class PartnershipModel(mesa.Model):
    """Organisations working on joint projects, one step a week.

    Args:
        region: a region name (``"county"``), a region TOML file, or a :class:`RegionSpec`.
        rng: seed or generator; the same seed gives the same run bit for bit.
        scenario: a Mesa ``Scenario`` of parameter values, usually a
            :class:`~partnerships.model.mesa_scenario.PartnershipScenario`; its ``rng`` may stand for
            ``rng``. Without one the model makes one from ``rng`` and ``parameters``.
        interventions: extra scheduled interventions, on top of the region file's.
        record_series: keep each project's weekly momentum, trust and stage (off for huge regions).
        **parameters: overrides of the parameters in :mod:`model.parameters` (checked; unknown names
            and out-of-range values raise :class:`ParameterError`).

    Parameter values in force (``params``, and the fields of ``scenario``): the registry's defaults,
    then the region file's ``[parameters]``, then the scenario's and the keywords' values. The weekly
    record is ``datacollector`` (:mod:`model.records`).
    """

    def __init__(self, region: str | Path | RegionSpec = "county", *, rng: Any = None,
                 scenario: Scenario | None = None, interventions: Iterable[Intervention] = (),
                 record_series: bool = True, **parameters: Any) -> None:
        spec = region if isinstance(region, RegionSpec) else load_region(region)
        scenario, params = settle(spec.parameters, rng, scenario, parameters)
        super().__init__(scenario=scenario)
        self.stream_seed = int(self.rng.integers(2**63))  # keys every weekly stream (model.kernels.draws)
        self.spec = spec
        self.params: dict[str, Any] = params
        self.region = build_region(self.spec, self.params, self.rng)
        self.n_initial_projects = len(self.projects)
        self.pending: list[Intervention] = [check_intervention(i, self) for i in (*self.spec.interventions, *interventions)]
        self.events: list[Event] = []
        self.pressure_shock = 0.0
        self.record_series = record_series
        self.project_trust_mean = np.zeros(len(self.projects))
        self.project_trust_min = np.zeros(len(self.projects))
        self.member_trust = np.zeros(len(self.memberships))
        self.series: dict[str, list[np.ndarray]] = {"momentum": [], "trust_mean": [], "stage": []}
        self.left_this_week = 0  # representatives who left, and funding awards made, in the week just stepped
        self.awards_this_week = 0
        for cls in set(kind_classes(self.orgs.kind)):
            indices = np.flatnonzero(self.orgs.kind == cls.kind)
            cls.create_agents(self, len(indices), indices.tolist())
        self._add_project_agents(0)
        self.datacollector = weekly_collector()
        self._refresh_trust()
        self._record(left=0, awards=0)

    # --- views onto the state -------------------------------------------------------------------
    @property
    def orgs(self):
        return self.region.orgs

    @property
    def projects(self):
        return self.region.projects

    @property
    def memberships(self):
        return self.region.memberships

    @property
    def relationships(self):
        return self.region.relationships

    @property
    def pairs(self):
        return self.region.pairs

    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first step)."""
        return int(self.time)

    def project_agent(self, index: int) -> PartnershipProject:
        return self._project_agents[index]

    def _add_project_agents(self, first: int) -> None:
        if first == 0:
            self._project_agents: list[PartnershipProject] = []
        for index in range(first, len(self.projects)):
            self._project_agents.append(PartnershipProject(self, index))

    # --- one week ---------------------------------------------------------------------------------
    def step(self) -> None:
        """One week: interventions, pressure, turnover, funding, meetings, obstacles, work, gates,
        stalls, benefits, membership, follow-ons, trust embedding (docs/ODD.md, 'Process overview')."""
        week = self.week
        p = self.params
        orgs, proj, mem, rel, pairs = self.orgs, self.projects, self.memberships, self.relationships, self.pairs
        draw = self._draw
        self._apply_due_interventions(week)

        self.pressure_shock *= SHOCK_DECAY
        np.multiply(orgs.base_capacity, 1.0 - min(0.95, p["financial_pressure"] + self.pressure_shock), out=orgs.capacity)

        embedded = self._embeddedness()  # institutional trust changes only at the end of the step
        left = self._turnover(draw(Stream.LEAVE, len(orgs)), 1.0 - (1.0 - p["leader_turnover"]) ** (1.0 / WEEKS_PER_YEAR),
                              Stream.REPLACEMENT, embedded)
        k.champions_emerge(draw(Stream.CHAMPION, len(proj)), p["champion_emergence"], proj.stage, proj.champion, mem.project,
                           mem.org, mem.active, orgs.rep_skill)

        awards = 0
        if p["external_funding"] > 0 and week % p["funding_call_interval"] == 0:
            awards = k.funding_call(week, p["funding_success_chance"], p["external_funding"], p["funding_resource_effect"],
                                    p["funding_catalytic_effect"], p["catalytic_strength"], p["award_deadline"],
                                    draw(Stream.BID, len(proj)), proj.stage, proj.stage_before_stall, proj.stalled_since,
                                    proj.momentum, proj.external_funds, proj.external_received, proj.catalyst_until)

        cap_share = np.empty(len(orgs))
        k.capacity_share(orgs.capacity, proj.stage, mem.project, mem.org, mem.active, cap_share)
        held = np.zeros(len(proj), dtype=np.bool_)
        quality = np.zeros(len(proj))
        k.hold_meetings(week, p["meeting_interval"], p["meeting_discipline"], p["trust_gain"], p["absence_penalty"],
                        p["coordination_cost"], draw(Stream.ATTEND, len(mem)), proj.stage, proj.next_meeting, mem.project,
                        mem.org, mem.active, mem.attended, orgs.rep_presence, orgs.rep_skill, cap_share,
                        pairs.project, pairs.rel, pairs.ma, pairs.mb, rel.interpersonal, held, quality)
        proj.action_quality[held] = quality[held]
        self._refresh_trust()

        k.obstacles_arrive_and_resolve(p["obstacle_rate"], p["obstacle_severity"], p["risk_aversion_amplifier"],
                                       p["funding_catalytic_effect"], p["catalytic_strength"], week,
                                       draw(Stream.OBSTACLE_ARRIVAL, len(proj)),
                                       draw(Stream.OBSTACLE_SIZE, len(proj), normal=True), proj.stage,
                                       proj.obstacle, proj.momentum, proj.champion, proj.has_manager,
                                       proj.catalyst_until, self.project_trust_mean, mem.project, mem.org,
                                       mem.active, orgs.risk_appetite)
        done = np.zeros(len(proj))
        k.work_between_meetings(week, p["meeting_discipline"], p["work_rate"], p["momentum_rate"],
                                p["coordination_cost"], p["work_cost"], p["funding_resource_effect"],
                                p["funding_catalytic_effect"], p["catalytic_strength"], proj.stage, proj.momentum,
                                proj.progress, proj.ambition, proj.has_manager, proj.champion, embedded,
                                proj.obstacle,
                                proj.catalyst_until, proj.action_quality, proj.external_funds, proj.costs,
                                proj.delivered_week, mem.project, mem.org, mem.active, mem.commitment,
                                mem.contribution, cap_share, done)

        consent = np.zeros(len(mem), dtype=np.bool_)
        trust_delta = np.zeros(len(proj))
        k.decide_stage_gates(week, p["collaborative_advantage"], p["funding_catalytic_effect"], p["catalytic_strength"],
                             p["trust_gain"], p["trust_loss_ratio"], p["work_cost"], held, proj.stage, proj.progress,
                             proj.momentum, proj.ambition, proj.deferred_until, proj.catalyst_until, proj.lead,
                             proj.sponsor, proj.lead_decides, proj.equitable, proj.external_funds, proj.pooled_funds,
                             proj.gate_refusals, mem.project, mem.org, mem.active, mem.commitment, mem.contribution,
                             self.member_trust, orgs.risk_appetite, orgs.selflessness, orgs.culture,
                             orgs.rep_autonomy, pairs.project, pairs.rel, pairs.ma, pairs.mb, rel.interpersonal,
                             draw(Stream.REFERRAL, len(mem)), draw(Stream.CONSENT, len(mem), normal=True), consent,
                             trust_delta)
        k.shift_project_trust(trust_delta, pairs.project, pairs.rel, pairs.ma, pairs.mb, mem.active, rel.interpersonal)
        k.update_stalls(week, p["stall_threshold"], p["patience"], p["trust_gain"], p["trust_loss_ratio"], proj.stage,
                        proj.stage_before_stall, proj.momentum, proj.stalls, proj.stalled_since, proj.first_stall_week,
                        proj.closed_week, trust_delta)
        k.shift_project_trust(trust_delta, pairs.project, pairs.rel, pairs.ma, pairs.mb, mem.active, rel.interpersonal)
        k.realise_benefits(week, p["collaborative_advantage"], p["fairness_tolerance"], proj.stage, proj.progress,
                           proj.momentum, proj.ambition, proj.equitable, proj.benefits, proj.closed_week, mem.project,
                           mem.org, mem.active, mem.commitment, mem.contribution, mem.benefit, orgs.selflessness)
        k.withdraw_uncommitted(week, proj.stage, proj.closed_week, mem.project, mem.active, mem.commitment)
        self._late_joiners(week, draw(Stream.JOIN, len(proj)))
        self._follow_ons(week)
        k.embed_institutional_trust(p["embedding_rate"], self.projects.stage, self.projects.governance_level,
                                    self.pairs.project, self.pairs.rel, self.pairs.ma, self.pairs.mb,
                                    self.memberships.active, self.relationships.interpersonal,
                                    self.relationships.institutional)
        self._refresh_trust()
        self._record(left=int(left.sum()), awards=awards)

    # --- processes that change the structure (rare, in Python) -----------------------------------
    def _draw(self, stream: Stream, n: int, normal: bool = False) -> np.ndarray:
        """This week's ``n`` draws of ``stream``: uniforms in [0, 1), or standard normals."""
        out = np.empty(n)
        (k.fill_normal if normal else k.fill_uniform)(self.stream_seed, self.week, int(stream), out)
        return out

    def _weekly_rng(self, stream: int) -> np.random.Generator:
        """A generator for this week's draws of a process whose number of draws varies (keyed like :meth:`_draw`)."""
        return np.random.default_rng([self.stream_seed, self.week, int(stream)])

    def _turnover(self, u_leave: np.ndarray, weekly_hazard: float, stream: int, embedded: np.ndarray) -> np.ndarray:
        """Representatives leave with ``u_leave < weekly_hazard``; successors are drawn from ``stream``.

        ``embedded`` is :meth:`_embeddedness` now. Returns the mask of who left.
        """
        orgs, proj, rel = self.orgs, self.projects, self.relationships
        n = len(orgs)
        leaving = np.flatnonzero(u_leave < weekly_hazard)
        new = [np.zeros(n) for _ in range(3)]
        if len(leaving):
            for column, values in zip(new, new_representatives(len(leaving), orgs.culture[leaving],
                                                               self.params["autonomy_mean"],
                                                               self._weekly_rng(stream))):
                column[leaving] = values
        left = np.zeros(n, dtype=np.bool_)
        k.replace_representatives(u_leave, weekly_hazard, new[0], new[1], new[2], orgs.rep_tenure, orgs.rep_autonomy,
                                  orgs.rep_presence, orgs.rep_skill, orgs.rep_generation, left)
        if len(leaving):
            k.forget_interpersonal_trust(left, rel.a, rel.b, rel.interpersonal)
            k.lose_champions(left, proj.champion, proj.stage, proj.momentum, self.params["champion_loss"], embedded)
        return left

    def _late_joiners(self, week: int, u_join: np.ndarray) -> None:
        """Open pre-delivery projects gain a partner from their area at ``membership_change_rate`` a year."""
        proj, mem, region = self.projects, self.memberships, self.region
        chance = self.params["membership_change_rate"] / WEEKS_PER_YEAR
        joining = np.flatnonzero((u_join < chance) & (proj.stage <= Stage.DESIGN_AND_FEASIBILITY))
        if not len(joining):
            return
        rng = self._weekly_rng(Stream.JOINER)
        joiners = []
        for p in joining:
            past_and_present = mem.org[mem.project == p]  # a partner that withdrew does not rejoin
            candidates = np.setdiff1d(region.orgs_in_area(region.area_of_org[proj.lead[p]]), past_and_present)
            if len(candidates):
                joiners.append((int(p), int(rng.choice(candidates))))
        if joiners:
            add_members(region, joiners, week, self.params, rng)
            self._resize_membership_scratch()

    def _follow_ons(self, week: int) -> None:
        """A project closed as delivered this week leads to a follow-on among the same partners (PAS 2007,
        'success breeds success', p. 27),
        bolder by the trust they built."""
        proj, mem = self.projects, self.memberships
        closing = np.flatnonzero((proj.closed_week == week) & (proj.stage == Stage.DELIVERED))
        if not len(closing):
            return
        first_new = len(proj)
        rng = self._weekly_rng(Stream.FOLLOW_ON)
        for p in closing:
            if rng.random() >= self.params["follow_on_chance"]:
                continue
            members = mem.org[(mem.project == p) & mem.active]
            if len(members) < 2:  # closed early because partners left: nobody to follow on
                continue
            lead = int(proj.lead[p]) if proj.lead[p] in members else int(members[0])
            start_project(self.region, self.params, rng, theme=int(proj.theme[p]), lead=lead, members=members,
                          week=week, parent=int(p),
                          ambition=float(proj.ambition[p] * (1.0 + 0.5 * self.project_trust_mean[p])))
        if len(self.projects) > first_new:
            self._add_project_agents(first_new)
            grow = len(self.projects) - len(self.project_trust_mean)
            self.project_trust_mean = np.concatenate([self.project_trust_mean, np.zeros(grow)])
            self.project_trust_min = np.concatenate([self.project_trust_min, np.zeros(grow)])
            self._resize_membership_scratch()

    def _embeddedness(self) -> np.ndarray:
        """Mean institutional trust (0-1) among each project's active members: how embedded its ways of working are."""
        pairs, mem = self.pairs, self.memberships
        live = mem.active[pairs.ma] & mem.active[pairs.mb]
        n = len(self.projects)
        total = np.bincount(pairs.project[live], weights=self.relationships.institutional[pairs.rel[live]], minlength=n)
        count = np.bincount(pairs.project[live], minlength=n)
        return np.divide(total, count, out=np.zeros(n), where=count > 0)

    def _resize_membership_scratch(self) -> None:
        if len(self.member_trust) != len(self.memberships):
            self.member_trust = np.zeros(len(self.memberships))

    def _refresh_trust(self) -> None:
        member_sum = np.zeros(len(self.memberships))
        member_count = np.zeros(len(self.memberships))
        k.project_trust(len(self.projects), self.pairs.project, self.pairs.rel, self.pairs.ma, self.pairs.mb,
                        self.memberships.active, self.relationships.interpersonal, self.relationships.institutional,
                        self.project_trust_mean, self.project_trust_min, member_sum, member_count)
        np.divide(member_sum, member_count, out=self.member_trust, where=member_count > 0)
        self.member_trust[member_count == 0] = 0.0

    # --- interventions --------------------------------------------------------------------------
    def intervene(self, action: str, project: int | None = None, organisation: int | None = None,
                  amount: float | None = None) -> Event:
        """Apply an intervention now (the live view's buttons); returns the recorded event."""
        i = check_intervention(Intervention(action, week=self.week, project=project, organisation=organisation,
                                            amount=amount), self)
        return self._apply(i)

    def _apply_due_interventions(self, week: int) -> None:
        still_pending = []
        for i in self.pending:
            if i.week is not None and i.week <= week:
                self._apply(i)
            elif i.when == "first_stall":
                stalled = self.projects.first_stall_week
                watched = stalled if i.project is None else stalled[[i.project]]
                hits = np.flatnonzero((watched >= 0) & (watched < week))
                if len(hits):
                    project = int(hits[0]) if i.project is None else i.project
                    self._apply(Intervention(i.action, week=week, project=project, organisation=i.organisation,
                                             amount=i.amount))
                else:
                    still_pending.append(i)
            else:
                still_pending.append(i)
        self.pending = still_pending

    def _apply(self, i: Intervention) -> Event:
        p, proj, mem = self.params, self.projects, self.memberships
        week = self.week
        project = 0 if i.project is None else i.project
        organisation = i.organisation
        if i.action == "funding_award":
            amount = i.amount if i.amount is not None else (p["external_funding"] or DEFAULT_AWARD)
            k.award_funding(project, week, amount, p["funding_resource_effect"], p["funding_catalytic_effect"],
                            p["catalytic_strength"], p["award_deadline"], proj.stage, proj.stage_before_stall,
                            proj.stalled_since, proj.momentum, proj.external_funds, proj.external_received,
                            proj.catalyst_until)
            text = f"£{amount:g}k award to project {project}"
        elif i.action in ("champion_leaves", "representative_leaves"):
            if i.action == "champion_leaves":
                organisation = int(proj.champion[project])
            if organisation is None or organisation < 0:
                text = f"project {project} has no champion to lose"
            else:
                u = np.ones(len(self.orgs))
                u[organisation] = 0.0
                stayed = ~self._turnover(u, 0.5, Stream.INTERVENTION + len(self.events), self._embeddedness())
                self.orgs.rep_tenure[stayed] -= 1  # the kernel counted a week for those who stayed
                self._refresh_trust()
                text = f"{self.region.org_names[organisation]}'s representative left"
        elif i.action == "partner_withdraws":
            members = np.flatnonzero((mem.project == project) & mem.active)
            if organisation is None:
                m = int(members[np.argmin(mem.commitment[members])]) if len(members) else -1
            else:
                hit = members[mem.org[members] == organisation]
                m = int(hit[0]) if len(hit) else -1
            if m < 0:
                text = f"no such active partner in project {project}"
            else:
                organisation = int(mem.org[m])
                mem.active[m] = False
                k.withdraw_uncommitted(week, proj.stage, proj.closed_week, mem.project, mem.active, mem.commitment)
                self._refresh_trust()
                text = f"{self.region.org_names[organisation]} withdrew from project {project}"
        elif i.action == "obstacle":
            size = i.amount if i.amount is not None else 3.0 * p["obstacle_severity"]
            proj.obstacle[project] += size
            text = f"obstacle of {size:g} weeks' effort hits project {project}"
        else:  # policy_shock
            size = i.amount if i.amount is not None else DEFAULT_SHOCK
            self.pressure_shock += size
            text = f"policy shock: {size:.0%} more capacity squeezed"
        event = Event(week, i.action, None if i.action == "policy_shock" else project, organisation, text)
        self.events.append(event)
        return event

    # --- records ----------------------------------------------------------------------------------
    def _record(self, left: int, awards: int) -> None:
        """The week's row of the weekly record (``left`` representatives left, ``awards`` awards made
        this week) and, if kept, each project's momentum, trust and stage."""
        self.left_this_week, self.awards_this_week = left, awards
        self.datacollector.collect(self)
        if self.record_series:
            proj = self.projects
            self.series["momentum"].append(proj.momentum.copy())
            self.series["trust_mean"].append(self.project_trust_mean.copy())
            self.series["stage"].append(proj.stage.copy())


def check_intervention(i: Intervention, model: PartnershipModel) -> Intervention:
    """Raise :class:`ParameterError` (one line) for an intervention the model cannot apply."""
    lookup(i.action, ACTIONS, "intervention action")
    if i.when is not None:
        lookup(i.when, CONDITIONS, "intervention condition")
    if i.project is not None and not 0 <= i.project < len(model.projects):
        raise ParameterError(f"intervention project = {i.project}: allowed 0 to {len(model.projects) - 1}")
    if i.organisation is not None and not 0 <= i.organisation < len(model.orgs):
        raise ParameterError(f"intervention organisation = {i.organisation}: allowed 0 to {len(model.orgs) - 1}")
    if i.action == "representative_leaves" and i.organisation is None:
        raise ParameterError("intervention 'representative_leaves' needs field 'organisation'")
    return i
