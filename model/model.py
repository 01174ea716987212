"""The partnership model: a Mesa model whose weekly step runs the compiled kernels over its arrays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, cast

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario

from partnerships.agents.project import PartnershipProject
from partnerships.agents.organisation import kind_classes
from partnerships.model import kernels as k
from partnerships.model.kernels import driver
from partnerships.model.codes import Stage
from partnerships.model.codes import OrgKind
from partnerships.model.interventions import ACTIONS, CONDITIONS, DEFAULT_AWARD, DEFAULT_SHOCK, Intervention, amount_allowed
from partnerships.model.mesa_scenario import settle
from partnerships.model.parameters import ParameterError, lookup
from partnerships.model.records import WEEKLY_REPORTERS, weekly_collector
from partnerships.model.joining import JoinerRoom
from partnerships.model.scenarios import (
    POOLED_SHARE, SPONSOR_STAKE, RegionSpec, build_region, load_region, start_project,
)
from partnerships.model.state import grown

WEEKS_PER_YEAR = 52
DEFAULT_WEEKS = 260  # five years (model brief)
SHOCK_DECAY = 0.98  # a policy shock's extra pressure fades by 2% a week (assumption)
# kinds whose structures change often (INLOGOV 2015, §2: health administration "seems to change with every incoming
# Secretary of State", Whitehall's "executive agencies come and go")
REORGANISING_KINDS = (int(OrgKind.HEALTH_BODY), int(OrgKind.GOVERNMENT_AGENCY))


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
    JOINER = 11  # which organisation joins (uniform p for project p)
    FOLLOW_ON = 12
    INTERVENTION = 13  # + the number of events so far: each intervention has its own
    REORGANISE = 1001  # far above INTERVENTION + any number of events
    REORGANISED_SUCCESSOR = 1002
    AIM = 1003  # each membership's aim, drawn when it is created (at week 0 of the stream, by membership row)
    JOINER_TRUST = 1004  # a late joiner's new relationship's starting trust (by relationship row)
    JOINER_COMMITMENT = 1005  # a late joiner's commitment (a normal, by membership row)


#: the compiled kernels, taken at import: a model whose kernel namespace holds anything else (the reference
#: twins swapped in, a recorder) steps in Python even in :meth:`PartnershipModel.run_for`
_COMPILED_KERNELS = {name: getattr(k, name) for name in k.__all__}
_DRIVER_STREAMS = np.array([int(Stream[name]) for name in driver.STREAM_NAMES], dtype=np.int64)
if driver.RECORD_COLUMNS != tuple(WEEKLY_REPORTERS):
    raise ImportError("model.kernels.driver.RECORD_COLUMNS must list model.records.WEEKLY_REPORTERS in order")
#: columns whose reporters return an int (the others return floats): the record array holds them as floats
_INT_RECORD_COLUMNS = tuple(i for i, reporter in enumerate(WEEKLY_REPORTERS.values())
                            if reporter.__annotations__["return"] in ("int", int))
# methods the fused run stands for: a subclass that overrides one steps in Python
_FUSED_METHODS = ("step", "_draw", "_weekly_rng", "_turnover", "_reorganise", "_shock", "_embeddedness",
                  "_refresh_trust", "_record", "_freeze_closed", "_apply_due_interventions")
_driver_cache_checked = False
_SERIES_BUFFER_VALUES = 2**20  # at most about this many values of one series in one buffer of the fused run


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

    ``run_for`` and ``run_until`` run whole weeks in the compiled driver (:mod:`model.kernels.driver`),
    bit for bit the same run as stepping; set ``fused_run = False`` (on the model or a subclass) to have
    them step week by week through Mesa's event loop instead.
    """

    fused_run: bool = True

    def __init__(self, region: str | Path | RegionSpec = "county", *, rng: Any = None,
                 scenario: Scenario | None = None, interventions: Iterable[Intervention] = (),
                 record_series: bool = True, **parameters: Any) -> None:
        spec = region if isinstance(region, RegionSpec) else load_region(region)
        scenario, params = settle(spec.parameters, rng, scenario, parameters)
        super().__init__(scenario=scenario)
        self.stream_seed = int(self.rng.integers(2**63))  # keys every weekly stream (model.kernels.draws)
        self.spec = spec
        self.params: dict[str, Any] = params
        self.region = build_region(self.spec, self.params, self.rng, aim_stream=(self.stream_seed, int(Stream.AIM)))
        self.n_initial_projects = len(self.projects)
        self.pending: list[Intervention] = [check_intervention(i, self) for i in (*self.spec.interventions, *interventions)]
        self.events: list[Event] = []
        self.pressure_shock = 0.0
        self.record_series = record_series
        self.project_trust_mean = np.zeros(len(self.projects))
        self.project_trust_min = np.zeros(len(self.projects))
        self.member_trust = np.zeros(len(self.memberships))
        self._buffers: dict[str, np.ndarray] = {}  # spare capacity of the arrays above (state.grown)
        self.series: dict[str, list[np.ndarray]] = {"momentum": [], "trust_mean": [], "stage": []}
        self.left_this_week = 0  # representatives who left, and funding awards made, in the week just stepped
        self.awards_this_week = 0
        self._project_agents: list[PartnershipProject] | None = None  # agents are made when first asked for
        self.datacollector = weekly_collector()
        self._refresh_trust()
        n = self.n_initial_projects  # each starting project's momentum and trust when it closed (_freeze_closed)
        self.final_momentum = np.full(n, np.nan)
        self.final_trust = np.full(n, np.nan)
        self._last_open_trust = self.project_trust_mean[:n].copy()
        self._fused_records: dict[str, Any] | None = None  # the fused run's record buffers (_flush_fused_records)
        self._reorganisable: np.ndarray | None = None  # organisations of a kind that is reorganised (fused run)
        self._joiner_room: JoinerRoom | None = None  # where late joiners are written (made when first needed)
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

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Mesa's set of every agent: the organisations, then the projects (made on first access: a large
        region that is only run never pays for them)."""
        self._make_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        self._make_agents()
        return super().agents_by_type

    def project_agent(self, index: int) -> PartnershipProject:
        return self._make_agents()[index]

    def _make_agents(self) -> list[PartnershipProject]:
        """Create the agents (views onto the arrays) if not yet made; returns the project agents."""
        if self._project_agents is None:
            self._project_agents = []
            kinds = self.orgs.kind
            for cls in kind_classes(np.unique(kinds)):
                indices = np.flatnonzero(kinds == cls.kind)
                cls.create_agents(self, len(indices), indices.tolist())
            self._add_project_agents(0)
        return self._project_agents

    def _add_project_agents(self, first: int) -> None:
        if self._project_agents is None:  # not made yet: they will be made with the rest
            return
        for index in range(first, len(self.projects)):
            self._project_agents.append(PartnershipProject(self, index))

    # --- one week ---------------------------------------------------------------------------------
    def step(self) -> None:
        """One week: interventions, pressure, turnover, funding, meetings (and deliberation on aims), obstacles, work, gates,
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
        reorganised = self._reorganise(embedded)  # their representatives are replaced too
        k.champions_emerge(u_emerge=draw(Stream.CHAMPION, len(proj)), emergence_rate=p["champion_emergence"],
                           stage=proj.stage, champion=proj.champion, mem_project=mem.project, mem_org=mem.org,
                           mem_active=mem.active, rep_skill=orgs.rep_skill)

        awards = 0
        if p["external_funding"] > 0 and week % p["funding_call_interval"] == 0:
            awards = k.funding_call(
                week=week, success_chance=p["funding_success_chance"], amount=p["external_funding"],
                resource_effect=p["funding_resource_effect"], award_deadline=p["award_deadline"],
                u_bid=draw(Stream.BID, len(proj)), stage=proj.stage, external_funds=proj.external_funds,
                external_received=proj.external_received, catalyst_until=proj.catalyst_until)

        cap_share = np.empty(len(orgs))
        k.capacity_share(capacity=orgs.capacity, stage=proj.stage, mem_project=mem.project, mem_org=mem.org,
                         mem_active=mem.active, out=cap_share)
        held = np.zeros(len(proj), dtype=np.bool_)
        quality = np.zeros(len(proj))
        k.hold_meetings(
            week=week, meeting_interval=p["meeting_interval"], meeting_discipline=p["meeting_discipline"],
            trust_gain=p["trust_gain"], absence_penalty=p["absence_penalty"], coordination_cost=p["coordination_cost"],
            meeting_days=p["meeting_days"], u_attend=draw(Stream.ATTEND, len(mem)), stage=proj.stage,
            next_meeting=proj.next_meeting, mem_project=mem.project, mem_org=mem.org, mem_active=mem.active,
            attended=mem.attended, rep_presence=orgs.rep_presence, rep_skill=orgs.rep_skill, capacity=orgs.capacity,
            cap_share=cap_share, contribution=mem.contribution, costs=proj.costs,
            pair_project=pairs.project, pair_rel=pairs.rel, pair_ma=pairs.ma, pair_mb=pairs.mb,
            interpersonal=rel.interpersonal, held=held, quality=quality)
        proj.action_quality[held] = quality[held]
        self._refresh_trust()
        k.deliberate_aims(deliberation_rate=p["deliberation_rate"], held=held, quality=quality, stage=proj.stage,
                          lead=proj.lead, lead_decides=proj.lead_decides, mem_project=mem.project, mem_org=mem.org,
                          mem_active=mem.active, attended=mem.attended, contribution=mem.contribution,
                          member_trust=self.member_trust, aim=mem.aim, agreed_aim=proj.agreed_aim)

        k.obstacles_arrive_and_resolve(
            obstacle_rate=p["obstacle_rate"], obstacle_severity=p["obstacle_severity"],
            risk_aversion_amplifier=p["risk_aversion_amplifier"], catalytic_effect=p["funding_catalytic_effect"],
            catalytic_strength=p["catalytic_strength"], resource_effect=p["funding_resource_effect"],
            work_rate=p["work_rate"], work_cost=p["work_cost"], manager_cost=p["manager_cost"], week=week,
            u_arrive=draw(Stream.OBSTACLE_ARRIVAL, len(proj)), z_size=draw(Stream.OBSTACLE_SIZE, len(proj), normal=True),
            stage=proj.stage, obstacle=proj.obstacle, champion=proj.champion, has_manager=proj.has_manager,
            catalyst_until=proj.catalyst_until, external_funds=proj.external_funds, costs=proj.costs,
            trust_mean=self.project_trust_mean, mem_project=mem.project, mem_org=mem.org, mem_active=mem.active,
            commitment=mem.commitment, cap_share=cap_share, risk_appetite=orgs.risk_appetite,
            selflessness=orgs.selflessness, rep_skill=orgs.rep_skill)
        done = np.zeros(len(proj))
        k.work_between_meetings(
            week=week, meeting_discipline=p["meeting_discipline"], work_rate=p["work_rate"],
            momentum_rate=p["momentum_rate"], coordination_cost=p["coordination_cost"], work_cost=p["work_cost"],
            manager_cost=p["manager_cost"], resource_effect=p["funding_resource_effect"],
            catalytic_effect=p["funding_catalytic_effect"], catalytic_strength=p["catalytic_strength"],
            stage=proj.stage, momentum=proj.momentum, progress=proj.progress, ambition=proj.ambition,
            has_manager=proj.has_manager, champion=proj.champion, embedded=embedded, obstacle=proj.obstacle,
            catalyst_until=proj.catalyst_until,
            action_quality=proj.action_quality, external_funds=proj.external_funds, costs=proj.costs,
            delivered_week=proj.delivered_week, mem_project=mem.project, mem_org=mem.org, mem_active=mem.active,
            commitment=mem.commitment, contribution=mem.contribution, cap_share=cap_share, done_out=done)

        consent = np.zeros(len(mem), dtype=np.bool_)
        trust_delta = np.zeros(len(proj))
        k.decide_stage_gates(
            week=week, collaborative_advantage=p["collaborative_advantage"],
            catalytic_effect=p["funding_catalytic_effect"], catalytic_strength=p["catalytic_strength"],
            trust_gain=p["trust_gain"], trust_loss_ratio=p["trust_loss_ratio"], work_cost=p["work_cost"], held=held,
            stage=proj.stage, progress=proj.progress, momentum=proj.momentum, ambition=proj.ambition,
            deferred_until=proj.deferred_until, catalyst_until=proj.catalyst_until, lead=proj.lead,
            sponsor=proj.sponsor, lead_decides=proj.lead_decides, equitable=proj.equitable,
            external_funds=proj.external_funds, pooled_funds=proj.pooled_funds, gate_refusals=proj.gate_refusals,
            mem_project=mem.project, mem_org=mem.org, mem_active=mem.active, commitment=mem.commitment,
            contribution=mem.contribution, member_trust=self.member_trust, risk_appetite=orgs.risk_appetite,
            selflessness=orgs.selflessness, culture=orgs.culture, rep_autonomy=orgs.rep_autonomy,
            rep_skill=orgs.rep_skill, pair_project=pairs.project, pair_rel=pairs.rel, pair_ma=pairs.ma, pair_mb=pairs.mb,
            interpersonal=rel.interpersonal, u_refer=draw(Stream.REFERRAL, len(mem)),
            consent_noise=draw(Stream.CONSENT, len(mem), normal=True), consent_out=consent,
            trust_delta_out=trust_delta, trust_consent_weight=p["trust_consent_weight"],
            skill_consent_weight=p["skill_consent_weight"], misalignment_weight=p["misalignment_weight"], aim=mem.aim,
            agreed_aim=proj.agreed_aim)
        k.shift_project_trust(delta=trust_delta, pair_project=pairs.project, pair_rel=pairs.rel, pair_ma=pairs.ma,
                              pair_mb=pairs.mb, mem_active=mem.active, interpersonal=rel.interpersonal)
        k.update_stalls(
            week=week, stall_threshold=p["stall_threshold"], patience=p["patience"], trust_gain=p["trust_gain"],
            trust_loss_ratio=p["trust_loss_ratio"], stage=proj.stage, stage_before_stall=proj.stage_before_stall,
            momentum=proj.momentum, stalls=proj.stalls, stalled_since=proj.stalled_since,
            first_stall_week=proj.first_stall_week, closed_week=proj.closed_week, trust_delta_out=trust_delta)
        k.shift_project_trust(delta=trust_delta, pair_project=pairs.project, pair_rel=pairs.rel, pair_ma=pairs.ma,
                              pair_mb=pairs.mb, mem_active=mem.active, interpersonal=rel.interpersonal)
        k.realise_benefits(
            week=week, collaborative_advantage=p["collaborative_advantage"],
            fairness_tolerance=p["fairness_tolerance"], stage=proj.stage, progress=proj.progress,
            momentum=proj.momentum, ambition=proj.ambition, equitable=proj.equitable, benefits=proj.benefits,
            closed_week=proj.closed_week, mem_project=mem.project, mem_org=mem.org, mem_active=mem.active,
            commitment=mem.commitment, contribution=mem.contribution, benefit=mem.benefit,
            selflessness=orgs.selflessness, net_benefit_spread=proj.net_benefit_spread,
            misalignment_weight=p["misalignment_weight"], aim=mem.aim, agreed_aim=proj.agreed_aim)
        k.withdraw_uncommitted(week=week, stage=proj.stage, closed_week=proj.closed_week, mem_project=mem.project,
                               mem_active=mem.active, commitment=mem.commitment)
        self._late_joiners(week, draw(Stream.JOIN, len(proj)))
        self._follow_ons(week)
        k.embed_institutional_trust(embedding_rate=p["embedding_rate"], stage=proj.stage,
                                    governance_level=proj.governance_level, pair_project=pairs.project,
                                    pair_rel=pairs.rel, pair_ma=pairs.ma, pair_mb=pairs.mb, mem_active=mem.active,
                                    interpersonal=rel.interpersonal, institutional=rel.institutional)
        self._refresh_trust()
        self._record(left=int(left.sum()) + reorganised, awards=awards)

    # --- the fused run: whole weeks in one compiled call ---------------------------------------------
    def run_for(self, duration: float | int) -> None:
        """Run ``duration`` weeks (Mesa's ``run_for``). Whole weeks run in the compiled driver
        (:mod:`model.kernels.driver`), with Python only where the structure changes (late joiners, follow-ons)
        and in weeks with an intervention due; the run, the records and Mesa's clock are the same, bit for
        bit, as stepping (``tests/test_fused_driver.py``). Falls back to Mesa's stepping when the kernels are
        not the compiled ones (the reference twins swapped in), a subclass overrides a step method, other
        Mesa events are scheduled, or the datacollector is not the model's own."""
        if self._fused_ready(duration):
            self._run_fused(int(duration), self.time + duration)
        else:
            super().run_for(duration)

    def run_until(self, end_time: float | int) -> None:
        """Run until ``end_time`` (Mesa's ``run_until``), in the fused driver as :meth:`run_for` does."""
        if end_time > self.time and self._fused_ready(end_time - self.time):
            self._run_fused(int(end_time - self.time), end_time)
        else:
            super().run_until(end_time)

    def _fused_ready(self, duration: float | int) -> bool:
        if not self.fused_run or isinstance(duration, bool) or not isinstance(duration, (int, float, np.integer, np.floating)):
            return False
        if not (float(duration).is_integer() and duration >= 1 and float(self.time).is_integer()):
            return False
        if any(getattr(k, name) is not kernel for name, kernel in _COMPILED_KERNELS.items()):
            return False
        cls = type(self)
        if any(getattr(cls, name) is not getattr(PartnershipModel, name) for name in _FUSED_METHODS):
            return False
        if getattr(getattr(self, "_user_step", None), "__func__", None) is not PartnershipModel.step:
            return False
        collector = self.datacollector
        if (not isinstance(collector, mesa.DataCollector) or collector.model_reporters != WEEKLY_REPORTERS
                or collector.agent_reporters or collector.agenttype_reporters or collector.tables):
            return False
        generator = getattr(self, "_default_schedule", None)
        events = getattr(getattr(self, "_event_list", None), "_events", None)
        if generator is None or events is None:
            return False
        live = [e for e in events if not e.CANCELED]
        schedule = generator.schedule
        return (len(live) == 1 and live[0] is generator._current_event and live[0].time == self.time + 1
                and generator.is_active and not generator._paused and not callable(schedule.interval)
                and schedule.interval == 1 and schedule.count is None and schedule.end is None)

    def _run_fused(self, weeks: int, until: float | int) -> None:
        """Weeks ``week + 1 .. week + weeks`` through the driver, then Mesa's clock moved on to ``until`` as its
        event loop would have."""
        global _driver_cache_checked
        if not _driver_cache_checked:
            driver.refresh_cache()
            _driver_cache_checked = True
        first, end = self.week + 1, self.week + weeks
        p = self.params
        reorganise = p["reorganisation_rate"] > 0
        if self._reorganisable is None or len(self._reorganisable) != len(self.orgs):  # kinds never change
            self._reorganisable = np.isin(self.orgs.kind, REORGANISING_KINDS)
        scalars = (
            float(p["financial_pressure"]), 1.0 - (1.0 - p["leader_turnover"]) ** (1.0 / WEEKS_PER_YEAR), reorganise,
            1.0 - (1.0 - p["reorganisation_rate"]) ** (1.0 / WEEKS_PER_YEAR), float(p["reorganisation_shock"]),
            float(p["champion_loss"]), float(p["champion_emergence"]), float(p["external_funding"]),
            int(p["funding_call_interval"]), float(p["funding_success_chance"]), bool(p["funding_resource_effect"]),
            bool(p["funding_catalytic_effect"]), int(p["award_deadline"]), float(p["catalytic_strength"]),
            int(p["meeting_interval"]), float(p["meeting_discipline"]), float(p["trust_gain"]),
            float(p["trust_loss_ratio"]), float(p["absence_penalty"]), float(p["coordination_cost"]),
            float(p["meeting_days"]), float(p["obstacle_rate"]), float(p["obstacle_severity"]),
            float(p["risk_aversion_amplifier"]), float(p["work_rate"]), float(p["work_cost"]),
            float(p["manager_cost"]), float(p["momentum_rate"]), float(p["collaborative_advantage"]),
            float(p["stall_threshold"]), int(p["patience"]), float(p["fairness_tolerance"]),
            p["membership_change_rate"] / WEEKS_PER_YEAR, float(p["embedding_rate"]), float(p["deliberation_rate"]),
            float(p["trust_consent_weight"]), float(p["skill_consent_weight"]), float(p["misalignment_weight"]),
            float(p["autonomy_mean"]), self._reorganisable)
        carry = np.zeros(4, dtype=np.int64)  # the week's departures and awards; joiners, follow-ons due
        week, phase = first, 0
        try:
            while week <= end:
                due = min((max(i.week, week) for i in self.pending if i.week is not None), default=end + 1)
                if phase == 0 and due == week:
                    self._python_week(week)
                    week += 1
                    continue
                last = min(end, due - 1)  # after a mid-week stop the week resumes: nothing is due in it
                week, status, phase = self._drive(week, last, phase, scalars, carry)
                if status == driver.STOP_MIDWEEK:
                    self.time = float(week)
                    if carry[2]:  # joiners the driver had no room for
                        self._late_joiners(week, self._draw(Stream.JOIN, len(self.projects)))
                    if carry[3]:
                        self._follow_ons(week)
                    phase = 1
                elif status == driver.STOP_INTERVENTION:
                    self._python_week(week)
                    week += 1
        finally:
            self._flush_fused_records()
        self.time = until
        self.steps += weeks
        generator = self._default_schedule
        self._event_list.pop_event()  # the step due at the first week, already run
        generator._execution_count += weeks
        generator._schedule_next(self.time + generator._get_interval())

    def _python_week(self, week: int) -> None:
        """Week ``week`` stepped in Python (an intervention is due), as Mesa's clock would step it."""
        self._flush_fused_records()
        self.time = float(week)
        PartnershipModel.step(self)

    def _drive(self, week: int, last: int, phase: int, scalars: tuple[Any, ...], carry: np.ndarray) -> tuple[int, int, int]:
        """One call of the driver from ``week`` (``phase`` 1: resumed after the structure changed) to at most
        ``last``; returns ``(week, status, phase)`` where it stopped."""
        orgs, proj, mem, rel, pairs = self.orgs, self.projects, self.memberships, self.relationships, self.pairs
        buffers = self._fused_buffers(len(proj), last - week + 1)
        last = min(last, week + len(buffers["record"]) - buffers["row"] - 1)  # as far as the buffers have room
        watch_any = False
        watched = []
        for i in self.pending:
            if i.when == "first_stall":
                if i.project is None:
                    watch_any = True
                else:
                    watched.append(i.project)
        shock_box = np.array([self.pressure_shock])
        room = self._joiner_room_synced()
        mem_room, rel_room, pair_room = mem.room(), rel.room(), pairs.room()
        aim_seed, aim_stream = self.region.aim_stream
        stopped, status, row = cast(Any, driver.run_weeks)(
            week, last, phase, self.stream_seed, _DRIVER_STREAMS, SHOCK_DECAY, shock_box, carry, *scalars,
            int(Stream.JOINER), int(Stream.JOINER_TRUST), int(Stream.JOINER_COMMITMENT), aim_seed, aim_stream,
            POOLED_SHARE, SPONSOR_STAKE, proj.started, room.area_first, room.area_stop, orgs.kind, orgs.resources,
            room.baseline_trust,
            watch_any, np.array(watched, dtype=np.int64),
            orgs.base_capacity, orgs.capacity, orgs.risk_appetite, orgs.selflessness, orgs.culture, orgs.rep_tenure,
            orgs.rep_autonomy, orgs.rep_presence, orgs.rep_skill, orgs.rep_generation,
            proj.stage, proj.stage_before_stall, proj.momentum, proj.ambition, proj.progress, proj.lead, proj.sponsor,
            proj.champion, proj.has_manager, proj.lead_decides, proj.equitable, proj.governance_level,
            proj.next_meeting, proj.deferred_until, proj.obstacle, proj.catalyst_until, proj.external_funds,
            proj.external_received, proj.pooled_funds, proj.action_quality, proj.costs, proj.benefits, proj.stalls,
            proj.stalled_since, proj.gate_refusals, proj.delivered_week, proj.closed_week, proj.first_stall_week,
            proj.net_benefit_spread, proj.agreed_aim,
            mem_room["project"], mem_room["org"], mem_room["active"], mem_room["commitment"], mem_room["contribution"],
            mem_room["benefit"], mem_room["attended"], mem_room["joined"], mem_room["aim"],
            rel_room["a"], rel_room["b"], rel_room["interpersonal"], rel_room["institutional"],
            pair_room["project"], pair_room["rel"], pair_room["ma"], pair_room["mb"],
            room.sizes, room.mem_next, room.proj_first, room.proj_last, room.keys, room.values, room.is_member,
            self.project_trust_mean, self.project_trust_min, self._buffers["member_trust"], self.n_initial_projects,
            self.final_momentum, self.final_trust, self._last_open_trust,
            buffers["record"], buffers["row"], self.record_series, buffers["momentum"], buffers["trust_mean"],
            buffers["stage"])
        room.settle(self)
        self.pressure_shock = float(shock_box[0])
        buffers["row"] = row
        return stopped, status, 0

    def _fused_buffers(self, width: int, rows: int) -> dict[str, Any]:
        """The fused run's record buffers for weeks of ``width`` projects, with room for ``rows`` more weeks or
        at least one (new ones when the number of projects changed or room ran out; rows already written stay
        until flushed). A buffer holds at most about ``_SERIES_BUFFER_VALUES`` series values, so the views the series keep of it
        pin little memory when the projects change every week (a large region's follow-ons)."""
        buffers = self._fused_records
        if buffers is not None and buffers["width"] == width and len(buffers["record"]) > buffers["row"]:
            return buffers
        self._flush_fused_records()
        rows = max(1, min(rows, _SERIES_BUFFER_VALUES // max(1, width))) if self.record_series else rows
        series = (rows, width) if self.record_series else (0, 0)
        buffers = {"width": width, "row": 0, "flushed": 0, "record": np.empty((rows, len(driver.RECORD_COLUMNS))),
                   "momentum": np.empty(series), "trust_mean": np.empty(series),
                   "stage": np.empty(series, dtype=self.projects.stage.dtype)}
        self._fused_records = buffers
        return buffers

    def _flush_fused_records(self) -> None:
        """Move the weeks the driver recorded into the datacollector and ``series`` (as ``_record`` keeps them)."""
        buffers = self._fused_records
        if buffers is None or buffers["row"] == buffers["flushed"]:
            return
        rows = slice(buffers["flushed"], buffers["row"])
        record = buffers["record"][rows]
        collector = self.datacollector
        for j, name in enumerate(driver.RECORD_COLUMNS):
            column = record[:, j]
            collector.model_vars[name].extend((column.astype(np.int64) if j in _INT_RECORD_COLUMNS else column).tolist())
        if hasattr(collector, "_collection_steps"):
            collector._collection_steps.extend(record[:, 0].tolist())
        if self.record_series:
            for name in ("momentum", "trust_mean", "stage"):
                self.series[name].extend(buffers[name][rows])
        self.left_this_week, self.awards_this_week = int(record[-1, 9]), int(record[-1, 10])
        buffers["flushed"] = buffers["row"]

    # --- processes that change the structure (rare, in Python) -----------------------------------
    def _draw(self, stream: Stream, n: int, normal: bool = False) -> np.ndarray:
        """This week's ``n`` draws of ``stream``: uniforms in [0, 1), or standard normals."""
        out = np.empty(n)
        fill = k.fill_normal if normal else k.fill_uniform
        fill(seed=self.stream_seed, week=self.week, stream=int(stream), out=out)
        return out

    def _weekly_rng(self, stream: int) -> np.random.Generator:
        """A generator for this week's draws of a process whose number of draws varies (keyed like :meth:`_draw`)."""
        return np.random.default_rng([self.stream_seed, self.week, int(stream)])

    def _turnover(self, u_leave: np.ndarray, weekly_hazard: float, stream: int, embedded: np.ndarray) -> np.ndarray:
        """Representatives leave with ``u_leave < weekly_hazard``; successors' traits are this week's draws of
        ``stream`` (:func:`model.kernels.draw_successors`).

        ``embedded`` is :meth:`_embeddedness` now. Returns the mask of who left.
        """
        orgs, proj, rel = self.orgs, self.projects, self.relationships
        n = len(orgs)
        new = [np.zeros(n) for _ in range(3)]
        n_leaving = k.draw_successors(seed=self.stream_seed, week=self.week, stream=int(stream),
                                      autonomy_mean=float(self.params["autonomy_mean"]), culture=orgs.culture,
                                      u_leave=u_leave, weekly_hazard=weekly_hazard, new_autonomy=new[0],
                                      new_presence=new[1], new_skill=new[2])
        left = np.zeros(n, dtype=np.bool_)
        k.replace_representatives(u_leave=u_leave, weekly_hazard=weekly_hazard, new_autonomy=new[0],
                                  new_presence=new[1], new_skill=new[2], rep_tenure=orgs.rep_tenure,
                                  rep_autonomy=orgs.rep_autonomy, rep_presence=orgs.rep_presence,
                                  rep_skill=orgs.rep_skill, rep_generation=orgs.rep_generation, left=left)
        if n_leaving:
            k.forget_interpersonal_trust(left=left, rel_a=rel.a, rel_b=rel.b, interpersonal=rel.interpersonal,
                                         institutional=rel.institutional)
            k.lose_champions(left=left, champion=proj.champion, stage=proj.stage, momentum=proj.momentum,
                             champion_loss=self.params["champion_loss"], embedded=embedded)
        return left

    def _reorganise(self, embedded: np.ndarray) -> int:
        """Health bodies and government agencies are reorganised at ``reorganisation_rate`` a year (stream
        ``REORGANISE``): the representative is replaced as if it had left (successor from stream
        ``REORGANISED_SUCCESSOR``; trust with it restarts from the institutional level; a champion is
        lost), and every open project it is an active member of absorbs a ``reorganisation_shock``
        (:func:`absorb_shocks`, once per reorganised member). Returns how many were reorganised."""
        p, orgs, mem = self.params, self.orgs, self.memberships
        if p["reorganisation_rate"] <= 0:
            return 0
        hazard = 1.0 - (1.0 - p["reorganisation_rate"]) ** (1.0 / WEEKS_PER_YEAR)
        hit = (self._draw(Stream.REORGANISE, len(orgs)) < hazard) & np.isin(orgs.kind, REORGANISING_KINDS)
        if not hit.any():
            return 0
        tenure = orgs.rep_tenure.copy()
        self._turnover(np.where(hit, 0.0, 1.0), 0.5, Stream.REORGANISED_SUCCESSOR, embedded)
        orgs.rep_tenure[~hit] = tenure[~hit]  # the kernel counted a week for those who stayed
        self._shock(p["reorganisation_shock"] * np.bincount(mem.project[mem.active & hit[mem.org]],
                                                            minlength=len(self.projects)))
        return int(hit.sum())

    def _shock(self, shock: np.ndarray) -> None:
        """Open projects absorb ``shock[p]`` (:func:`absorb_shocks`)."""
        proj, mem, pairs, rel = self.projects, self.memberships, self.pairs, self.relationships
        k.absorb_shocks(shock=shock.astype(np.float64), stage=proj.stage, momentum=proj.momentum,
                        mem_project=mem.project, mem_active=mem.active, commitment=mem.commitment,
                        pair_project=pairs.project, pair_rel=pairs.rel, pair_ma=pairs.ma, pair_mb=pairs.mb,
                        interpersonal=rel.interpersonal, institutional=rel.institutional)

    def _late_joiners(self, week: int, u_join: np.ndarray) -> None:
        """Open pre-delivery projects gain a partner from their area at ``membership_change_rate`` a year
        (:func:`model.kernels.joiners.add_late_joiners`, its draws keyed by project and row)."""
        chance = self.params["membership_change_rate"] / WEEKS_PER_YEAR
        if not np.any((u_join < chance) & (self.projects.stage <= Stage.DESIGN_AND_FEASIBILITY)):
            return  # most weeks: nobody may join, and the room need not be made ready
        room = self._joiner_room_synced()
        while k.add_late_joiners(seed=self.stream_seed, week=week,
                                 join_chance=chance, u_join=u_join,
                                 choice_stream=int(Stream.JOINER), trust_stream=int(Stream.JOINER_TRUST),
                                 commitment_stream=int(Stream.JOINER_COMMITMENT), **room.arguments(self)) < 0:
            room.grow(self)  # too little room: nothing was written
        room.settle(self)

    def _joiner_room_synced(self) -> JoinerRoom:
        """The model's :class:`model.joining.JoinerRoom`, with room and indexes for the tables as they are now."""
        if self._joiner_room is None:
            self._joiner_room = JoinerRoom(self)
        self._joiner_room.sync(self)
        return self._joiner_room

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
            rows = mem.of_project(p)
            members = mem.org[rows[mem.active[rows]]]
            if len(members) < 2:  # closed early because partners left: nobody to follow on
                continue
            lead = int(proj.lead[p]) if proj.lead[p] in members else int(members[0])
            start_project(self.region, self.params, rng, theme=int(proj.theme[p]), lead=lead, members=members,
                          week=week, parent=int(p),
                          ambition=float(proj.ambition[p] * (1.0 + 0.5 * self.project_trust_mean[p])))
        if len(self.projects) > first_new:
            self._add_project_agents(first_new)
            new = np.zeros(len(self.projects) - len(self.project_trust_mean))
            self.project_trust_mean, self._buffers["trust_mean"] = grown(self.project_trust_mean, new,
                                                                         self._buffers.get("trust_mean"))
            self.project_trust_min, self._buffers["trust_min"] = grown(self.project_trust_min, new,
                                                                       self._buffers.get("trust_min"))
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
        """Room in ``member_trust`` for new memberships (its values are refreshed before they are read)."""
        new = np.zeros(len(self.memberships) - len(self.member_trust))
        self.member_trust, self._buffers["member_trust"] = grown(self.member_trust, new,
                                                                 self._buffers.get("member_trust"))

    def _refresh_trust(self) -> None:
        member_sum = np.zeros(len(self.memberships))
        member_count = np.zeros(len(self.memberships))
        pairs, rel = self.pairs, self.relationships
        k.project_trust(n_projects=len(self.projects), pair_project=pairs.project, pair_rel=pairs.rel,
                        pair_ma=pairs.ma, pair_mb=pairs.mb, mem_active=self.memberships.active,
                        interpersonal=rel.interpersonal, institutional=rel.institutional,
                        mean_out=self.project_trust_mean, min_out=self.project_trust_min, member_sum=member_sum,
                        member_count=member_count)
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
        project = 0 if i.project is None else int(i.project)
        organisation = i.organisation
        if i.action == "funding_award":
            amount = i.amount if i.amount is not None else (p["external_funding"] or DEFAULT_AWARD)
            k.award_funding(project=project, week=week, amount=float(amount),  # an int amount would recompile
                            resource_effect=p["funding_resource_effect"], award_deadline=p["award_deadline"],
                            external_funds=proj.external_funds, external_received=proj.external_received,
                            catalyst_until=proj.catalyst_until)
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
                k.withdraw_uncommitted(week=week, stage=proj.stage, closed_week=proj.closed_week,
                                       mem_project=mem.project, mem_active=mem.active, commitment=mem.commitment)
                self._refresh_trust()
                text = f"{self.region.org_names[organisation]} withdrew from project {project}"
        elif i.action == "obstacle":
            size = i.amount if i.amount is not None else 3.0 * p["obstacle_severity"]
            proj.obstacle[project] += size
            text = f"obstacle of {size:g} weeks' effort hits project {project}"
        else:  # policy_shock
            size = i.amount if i.amount is not None else DEFAULT_SHOCK
            self.pressure_shock += size
            self._shock(np.full(len(proj), float(size)))
            text = f"policy shock of size {size:g}: {size:.0%} more capacity squeezed"
        event = Event(week, i.action, None if i.action == "policy_shock" else project, organisation, text)
        self.events.append(event)
        return event

    # --- records ----------------------------------------------------------------------------------
    def _record(self, left: int, awards: int) -> None:
        """The week's row of the weekly record (``left`` representatives left, ``awards`` awards made
        this week) and, if kept, each project's momentum, trust and stage."""
        self.left_this_week, self.awards_this_week = left, awards
        self._freeze_closed()
        self.datacollector.collect(self)
        if self.record_series:
            proj = self.projects
            self.series["momentum"].append(proj.momentum.copy())
            self.series["trust_mean"].append(self.project_trust_mean.copy())
            self.series["stage"].append(proj.stage.copy())

    def _freeze_closed(self) -> None:
        """Keep each starting project's momentum and trust as they were when it closed.

        ``final_momentum``/``final_trust`` (one entry per starting project, NaN while open) feed the weekly
        means over all starting projects (:func:`model.records.mean_momentum_all`): a project closed as
        delivered counts at its momentum in the week it closed; an abandoned one at momentum 0 (it has none
        left); either counts at the trust among its members in its last week open (an abandoned project's
        members are gone in the week it closes, which would read as trust 0).
        """
        n = self.n_initial_projects
        trust = self.project_trust_mean[:n]
        stage = self.projects.stage[:n]
        closing = ((stage == Stage.DELIVERED) | (stage == Stage.ABANDONED)) & np.isnan(self.final_momentum)
        if closing.any():
            self.final_momentum[closing] = np.where(stage[closing] == Stage.ABANDONED, 0.0,
                                                    self.projects.momentum[:n][closing])
            self.final_trust[closing] = self._last_open_trust[closing]
        self._last_open_trust = trust.copy()


def check_intervention(i: Intervention, model: PartnershipModel) -> Intervention:
    """Raise :class:`ParameterError` (one line) for an intervention the model cannot apply."""
    lookup(i.action, ACTIONS, "intervention action")
    if i.when is not None:
        lookup(i.when, CONDITIONS, "intervention condition")
    if i.project is not None and not 0 <= i.project < len(model.projects):
        raise ParameterError(f"intervention project = {i.project}: allowed 0 to {len(model.projects) - 1}")
    if i.organisation is not None and not 0 <= i.organisation < len(model.orgs):
        raise ParameterError(f"intervention organisation = {i.organisation}: allowed 0 to {len(model.orgs) - 1}")
    allowed = amount_allowed(i.action, i.amount)
    if allowed is not None:
        raise ParameterError(f"intervention '{i.action}' amount = {i.amount!r}: allowed {allowed}")
    if i.action == "representative_leaves" and i.organisation is None:
        raise ParameterError("intervention 'representative_leaves' needs field 'organisation'")
    return i
