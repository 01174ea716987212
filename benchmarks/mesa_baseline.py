"""The meetings and work processes written the way Mesa users write them, against the compiled kernels and
against the whole fused week, in one run.

    .venv/bin/python benchmarks/mesa_baseline.py            # table on stdout
    .venv/bin/python benchmarks/mesa_baseline.py --json     # the same numbers as JSON
    .venv/bin/python benchmarks/mesa_baseline.py --sizes county,10000   # fewer sizes (default county,10000,100000)

For each size (the county, 20 organisations and 10 projects; ``synthetic_region(n, n // 10)`` for 10,000 and
100,000 organisations) it runs the model 26 weeks (``membership_change_rate = 0``, so the pairs stay grouped
by project) and records the arguments of ``hold_meetings`` and of ``work_between_meetings`` in the first week
from then on in which meetings fall due (the same week, the same state). On those inputs it builds idiomatic
Mesa models: organisations and projects are ``mesa.Agent`` objects with per-agent attributes, memberships and
relationships plain Python objects, and a project's ``hold_meeting`` (or ``work``) method loops over its
members (and pairs). Each Mesa version is checked exactly against its kernel: the meetings (attendance,
meeting quality, next meetings and interpersonal trust bit for bit) with the kernel's pre-drawn uniforms and
projects in index order (``agents.do``); the work (stage, momentum, progress, award money, costs, delivery
weeks, contributions, actions done and the count delivered bit for bit) both in index order and shuffled, as
work draws nothing and a project's work touches only its own state. Both are timed as a Mesa user runs them,
with ``AgentSet.shuffle_do`` (and a ``self.random.random()`` draw per member for attendance). Each is timed on
fresh copies of the week's state (median CPU time of repeated calls; building the Mesa agents is not timed).

The whole fused week: a ``PartnershipModel`` built the same way (same seed, same parameters) run fused
(``run_for``) to the week before the recorded one, then ``run_for(1)`` of the recorded week is timed, on
freshly built models (median); the median of ``run_for(1)`` over the 25 weeks after it; and, for comparison,
a week of one ``run_for(26)`` over the same 26 weeks (the driver's set-up paid once). The Mesa
meetings + work time is a lower bound on a whole idiomatic Mesa model's week (the other processes, the
structure changes and the records are left out), so "Mesa meetings + work over the fused whole week" is a
conservative ratio for the whole model.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import time
from typing import Any

import mesa
import numpy as np

import partnerships.model.kernels as k
from partnerships.model.kernels.funding import deadline_commitment, manager_reserve
from partnerships.model.kernels.meetings import DEMAND_PER_MEMBERSHIP, OFFICER_DAY_COST
from partnerships.model.kernels.stages import DELIVERY, REALISING_BENEFITS, is_open
from partnerships.model.model import PartnershipModel
from partnerships.model.scenarios import synthetic_region

SEED = 20261202
WEEK = 26
SIZES: dict[str, tuple[str, Any]] = {"county": ("county (20 orgs)", "county"), "10000": ("10,000 orgs", (10_000, 1_000)),
                                     "100000": ("100,000 orgs", (100_000, 10_000))}
MODEL_OPTIONS: dict[str, Any] = {"record_series": False, "membership_change_rate": 0.0}


def region_spec(region: Any) -> Any:
    return synthetic_region(*region) if isinstance(region, tuple) else region


def captured_week(spec: Any) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The keyword arguments of ``hold_meetings`` and ``work_between_meetings`` in the first week from ``WEEK``
    on in which meetings fall due in a run of ``spec``, and how many weeks the model had run before it."""
    model = PartnershipModel(spec, rng=SEED, **MODEL_OPTIONS)
    model.run_for(WEEK)
    meeting: dict[str, Any] = {}
    work: dict[str, Any] = {}
    meetings_kernel, work_kernel = k.hold_meetings, k.work_between_meetings

    def record_meeting(**kwargs):
        meeting.clear()
        meeting.update(copy.deepcopy(kwargs))
        result = meetings_kernel(**kwargs)
        meeting["held"] = kwargs["held"].copy()  # what the kernel decided (the inputs are copied before)
        return result

    def record_work(**kwargs):
        work.clear()
        work.update(copy.deepcopy(kwargs))
        return work_kernel(**kwargs)

    k.hold_meetings, k.work_between_meetings = record_meeting, record_work
    weeks_before = WEEK
    try:
        while True:  # the first week from WEEK on in which meetings fall due (they keep the projects' cadence)
            model.step()
            if meeting["held"].any():
                break
            weeks_before += 1
    finally:
        k.hold_meetings, k.work_between_meetings = meetings_kernel, work_kernel
    return meeting, work, weeks_before


# --- the idiomatic Mesa version -------------------------------------------------------------------
class Relationship:
    def __init__(self, interpersonal: float) -> None:
        self.interpersonal = interpersonal


class Membership:
    def __init__(self, org: OrgAgent, active: bool, u_attend: float) -> None:
        self.org, self.active, self.u_attend, self.attended = org, active, u_attend, False


class OrgAgent(mesa.Agent):
    def __init__(self, model: MeetingModel, presence: float, skill: float, cap_share: float) -> None:
        super().__init__(model)
        self.presence, self.skill, self.cap_share = presence, skill, cap_share


class ProjectAgent(mesa.Agent):
    def __init__(self, model: MeetingModel, stage: int, next_meeting: int) -> None:
        super().__init__(model)
        self.stage, self.next_meeting = stage, next_meeting
        self.memberships: list[Membership] = []
        self.pairs: list[tuple[Membership, Membership, Relationship]] = []
        self.held, self.quality = False, 0.0

    def hold_meeting(self) -> None:
        m = self.model
        self.quality = 0.0
        self.held = is_open.py_func(self.stage) and m.week >= self.next_meeting
        if not self.held:
            return
        self.next_meeting = m.week + m.meeting_interval
        agenda = 0.5 + 0.5 * m.meeting_discipline
        members = [ms for ms in self.memberships if ms.active]
        for ms in members:
            u = ms.u_attend if m.predrawn else self.random.random()
            ms.attended = u < ms.org.presence * agenda * ms.org.cap_share
        present = sum(ms.attended for ms in members)
        pairs = 0
        for a, b, rel in self.pairs:
            if not (a.active and b.active):
                continue
            pairs += 1
            if a.attended and b.attended:
                skill = 0.5 + 0.5 * (a.org.skill + b.org.skill)
                rel.interpersonal += min(1.0, m.trust_gain * skill) * (1.0 - rel.interpersonal)
            elif a.attended != b.attended:
                rel.interpersonal = max(0.0, rel.interpersonal - m.absence_penalty)
        if members:
            self.quality = (present / len(members)) * agenda / (1.0 + m.coordination_cost * pairs)


class MeetingModel(mesa.Model):
    """Agents made from the kernel's arguments ``a``; ``predrawn`` uses the kernel's uniforms."""

    def __init__(self, a: dict[str, Any], predrawn: bool) -> None:
        super().__init__(rng=SEED)
        self.week, self.predrawn = int(a["week"]), predrawn
        for name in ("meeting_interval", "meeting_discipline", "trust_gain", "absence_penalty", "coordination_cost"):
            setattr(self, name, a[name])
        orgs = [OrgAgent(self, float(p), float(s), float(c))
                for p, s, c in zip(a["rep_presence"], a["rep_skill"], a["cap_share"], strict=True)]
        self.projects = [ProjectAgent(self, int(s), int(n)) for s, n in zip(a["stage"], a["next_meeting"], strict=True)]
        self.memberships = [Membership(orgs[o], bool(act), float(u))
                            for o, act, u in zip(a["mem_org"], a["mem_active"], a["u_attend"], strict=True)]
        for ms, p in zip(self.memberships, a["mem_project"], strict=True):
            self.projects[p].memberships.append(ms)
        self.relationships = [Relationship(float(t)) for t in a["interpersonal"]]
        for p, r, ma, mb in zip(a["pair_project"], a["pair_rel"], a["pair_ma"], a["pair_mb"], strict=True):
            self.projects[p].pairs.append((self.memberships[ma], self.memberships[mb], self.relationships[r]))
        self.project_set = self.agents_by_type[ProjectAgent]

    def step(self) -> None:
        if self.predrawn:
            self.project_set.do("hold_meeting")
        else:
            self.project_set.shuffle_do("hold_meeting")


class WorkMembership:
    def __init__(self, org: WorkOrg, active: bool, commitment: float, contribution: float) -> None:
        self.org, self.active, self.commitment, self.contribution = org, active, commitment, contribution


class WorkOrg(mesa.Agent):
    def __init__(self, model: WorkModel, cap_share: float) -> None:
        super().__init__(model)
        self.cap_share = cap_share


class WorkProject(mesa.Agent):
    STATE = ("stage", "momentum", "progress", "ambition", "has_manager", "champion", "embedded", "obstacle",
             "catalyst_until", "action_quality", "external_funds", "costs", "delivered_week")

    def __init__(self, model: WorkModel, **state: Any) -> None:
        super().__init__(model)
        for name in self.STATE:
            setattr(self, name, state[name])
        self.memberships: list[WorkMembership] = []
        self.done = 0.0

    def work(self) -> None:
        """A week of work between meetings on this project (``model/kernels/work.py``, ODD 7.3)."""
        m = self.model
        self.done = 0.0
        if not is_open.py_func(self.stage):
            return
        effort, members = 0.0, 0
        running = m.catalytic_effect and self.catalyst_until >= m.week
        for ms in self.memberships:
            if not ms.active:
                continue
            e = deadline_commitment.py_func(ms.commitment, running, m.catalytic_strength) * ms.org.cap_share
            effort += e
            members += 1
            spend = e * DEMAND_PER_MEMBERSHIP * OFFICER_DAY_COST
            ms.contribution += spend
            self.costs += spend
        done = 0.0
        if members > 0:
            done = (0.4 + 0.6 * m.meeting_discipline) * (effort / members) * (0.4 + 0.6 * self.action_quality)
        manager = self.has_manager
        if not manager and m.resource_effect and self.external_funds > 0.0:
            pay = min(self.external_funds, m.manager_cost / 52.0)
            self.external_funds -= pay
            self.costs += pay
            manager = True
        blocked = self.obstacle > 0.0
        drive = 1.0 if self.champion >= 0 else self.embedded
        target = 0.0 if blocked else min(1.0, 0.2 + 0.6 * done + 0.15 * drive + 0.1 * manager)
        self.momentum += m.momentum_rate * (target - self.momentum)
        if blocked:
            return
        self.done = done
        if self.stage <= DELIVERY:
            pairs = members * (members - 1.0) / 2.0
            rate = m.work_rate * (0.25 + 0.75 * self.momentum) * done / (self.ambition * (1.0 + m.coordination_cost * pairs))
            if manager:
                rate *= 1.3
            free = self.external_funds - manager_reserve.py_func(self.has_manager, m.resource_effect, m.manager_cost, m.week,
                                                                 self.catalyst_until)
            if m.resource_effect and free > 0.0:
                spend = min(free, m.work_cost * m.work_rate)
                self.external_funds -= spend
                self.costs += spend
                rate += spend / (m.work_cost * self.ambition)
            self.progress = min(1.0, self.progress + rate)
            if self.stage == DELIVERY and self.progress >= 1.0:
                self.stage = REALISING_BENEFITS
                self.progress = 0.0
                self.delivered_week = m.week
                self.momentum += 0.1 * (1.0 - self.momentum)
                m.delivered += 1


class WorkModel(mesa.Model):
    """Agents made from the kernel's arguments ``a``; ``ordered`` steps the projects in index order."""

    PARAMETERS = ("meeting_discipline", "work_rate", "momentum_rate", "coordination_cost", "work_cost", "manager_cost",
                  "resource_effect", "catalytic_effect", "catalytic_strength")

    def __init__(self, a: dict[str, Any], ordered: bool) -> None:
        super().__init__(rng=SEED)
        self.week, self.ordered, self.delivered = int(a["week"]), ordered, 0
        for name in self.PARAMETERS:
            value = a[name]
            setattr(self, name, bool(value) if isinstance(value, (bool, np.bool_)) else float(value))
        orgs = [WorkOrg(self, float(c)) for c in a["cap_share"]]
        columns = {name: a[name].tolist() for name in WorkProject.STATE}
        self.projects = [WorkProject(self, **{name: columns[name][p] for name in WorkProject.STATE})
                         for p in range(len(a["stage"]))]
        self.memberships = [WorkMembership(orgs[o], act, c, x) for o, act, c, x in
                            zip(a["mem_org"].tolist(), a["mem_active"].tolist(), a["commitment"].tolist(),
                                a["contribution"].tolist(), strict=True)]
        for ms, p in zip(self.memberships, a["mem_project"].tolist(), strict=True):
            self.projects[p].memberships.append(ms)
        self.project_set = self.agents_by_type[WorkProject]

    def step(self) -> None:
        self.delivered = 0
        if self.ordered:
            self.project_set.do("work")
        else:
            self.project_set.shuffle_do("work")


def check_exact(a: dict[str, Any]) -> bool:
    """The Mesa version with the kernel's draws, projects in order, gives the kernel's result bit for bit."""
    ours = copy.deepcopy(a)
    k.hold_meetings(**ours)
    mesa_model = MeetingModel(a, predrawn=True)
    mesa_model.step()
    p, ms, rel = mesa_model.projects, mesa_model.memberships, mesa_model.relationships
    held = np.array([x.held for x in p])
    active_in_held = held[a["mem_project"]] & a["mem_active"]
    return (np.array_equal(held, ours["held"])
            and np.array_equal(np.array([x.quality for x in p]), ours["quality"])
            and np.array_equal(np.array([x.next_meeting for x in p]), ours["next_meeting"])
            and np.array_equal(np.array([x.attended for x in ms])[active_in_held], ours["attended"][active_in_held])
            and np.array_equal(np.array([r.interpersonal for r in rel]), ours["interpersonal"]))


def check_work_exact(a: dict[str, Any], ordered: bool) -> bool:
    """The Mesa work gives the kernel's result bit for bit (it draws nothing; ``ordered``: projects in index order)."""
    ours = copy.deepcopy(a)
    n_delivered = k.work_between_meetings(**ours)
    mesa_model = WorkModel(a, ordered=ordered)
    mesa_model.step()
    p = mesa_model.projects
    same = all(np.array_equal(np.array([getattr(x, name) for x in p], dtype=ours[name].dtype), ours[name])
               for name in ("stage", "momentum", "progress", "external_funds", "costs", "delivered_week"))
    return (same and mesa_model.delivered == n_delivered
            and np.array_equal(np.array([x.done for x in p]), ours["done_out"])
            and np.array_equal(np.array([ms.contribution for ms in mesa_model.memberships]), ours["contribution"]))


def median_cpu(call, fresh, repeats: int) -> float:
    """Median CPU seconds of ``call(state)`` over ``repeats`` fresh states (made outside the timing)."""
    times = []
    for _ in range(repeats):
        state = fresh()
        start = time.process_time()
        call(state)
        times.append(time.process_time() - start)
    return statistics.median(times)


def fused_week(spec: Any, weeks_before: int, repeats: int, later_weeks: int) -> tuple[float, float, float]:
    """CPU seconds of ``run_for(1)`` of the recorded week (median over ``repeats`` freshly built models), the
    median of ``run_for(1)`` over the ``later_weeks`` weeks after it (of the last model), and a week of one
    ``run_for(1 + later_weeks)`` over the same weeks (a fresh model)."""
    times = []
    for _ in range(repeats):
        model = PartnershipModel(spec, rng=SEED, **MODEL_OPTIONS)
        model.run_for(weeks_before)
        start = time.process_time()
        model.run_for(1)
        times.append(time.process_time() - start)
    later = []
    for _ in range(later_weeks):
        start = time.process_time()
        model.run_for(1)
        later.append(time.process_time() - start)
    model = PartnershipModel(spec, rng=SEED, **MODEL_OPTIONS)
    model.run_for(weeks_before)
    start = time.process_time()
    model.run_for(1 + later_weeks)
    block = (time.process_time() - start) / (1 + later_weeks)
    return statistics.median(times), statistics.median(later), block


def measure(label: str, region: Any, large: bool) -> dict[str, Any]:
    spec = region_spec(region)
    meeting, work, weeks_before = captured_week(spec)
    kernel_repeats, mesa_repeats, fused_repeats = (50, 5, 5) if large else (200, 15, 15)
    meetings_kernel_s = median_cpu(lambda s: k.hold_meetings(**s), lambda: copy.deepcopy(meeting), kernel_repeats)
    meetings_mesa_s = median_cpu(lambda m: m.step(), lambda: MeetingModel(meeting, predrawn=False), mesa_repeats)
    work_kernel_s = median_cpu(lambda s: k.work_between_meetings(**s), lambda: copy.deepcopy(work), kernel_repeats)
    work_mesa_s = median_cpu(lambda m: m.step(), lambda: WorkModel(work, ordered=False), mesa_repeats)
    week_s, later_s, block_s = fused_week(spec, weeks_before, fused_repeats, 25)
    mesa_s = meetings_mesa_s + work_mesa_s
    return {"size": label, "organisations": len(meeting["rep_presence"]), "projects": len(meeting["stage"]),
            "memberships": len(meeting["mem_project"]), "pairs": len(meeting["pair_project"]), "week": int(meeting["week"]),
            "meetings_held": int(k.hold_meetings(**copy.deepcopy(meeting))),
            "open_projects": int(sum(is_open.py_func(int(s)) for s in work["stage"])),
            "repeats": {"kernel": kernel_repeats, "mesa": mesa_repeats, "fused_week": fused_repeats, "later_weeks": 25},
            "meetings_exact": check_exact(meeting),
            "work_exact": check_work_exact(work, ordered=True), "work_exact_shuffled": check_work_exact(work, ordered=False),
            "meetings_kernel_ms": meetings_kernel_s * 1e3, "meetings_mesa_ms": meetings_mesa_s * 1e3,
            "meetings_ratio": meetings_mesa_s / meetings_kernel_s,
            "work_kernel_ms": work_kernel_s * 1e3, "work_mesa_ms": work_mesa_s * 1e3, "work_ratio": work_mesa_s / work_kernel_s,
            "mesa_meetings_plus_work_ms": mesa_s * 1e3, "fused_week_ms": week_s * 1e3, "fused_later_weeks_ms": later_s * 1e3,
            "fused_block_week_ms": block_s * 1e3,
            "mesa_over_fused_week": mesa_s / week_s, "mesa_over_fused_later_weeks": mesa_s / later_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--sizes", default="county,10000,100000", help="comma-separated: " + ", ".join(SIZES))
    args = parser.parse_args()
    load_before = os.getloadavg()
    PartnershipModel(rng=0).run_for(30)  # the kernels and the driver compiled (or loaded from the cache) before timing
    rows = []
    for key in args.sizes.split(","):
        label, region = SIZES[key]
        rows.append(measure(label, region, large=key == "100000"))
    out = {"load_average_before": load_before, "load_average_after": os.getloadavg(), "rows": rows}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print("load average before " + " ".join(f"{x:.2f}" for x in load_before)
          + ", after " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for r in rows:
        print(f"{r['size']:>18} (week {r['week']}): {r['memberships']:,} memberships, {r['pairs']:,} pairs, "
              f"{r['meetings_held']} meetings, {r['open_projects']} open projects; exact: meetings {r['meetings_exact']}, "
              f"work {r['work_exact']} (shuffled {r['work_exact_shuffled']})")
        print(f"{'':>18}  meetings: kernel {r['meetings_kernel_ms']:.4f} ms, Mesa {r['meetings_mesa_ms']:.3f} ms: "
              f"{r['meetings_ratio']:.0f}x; work: kernel {r['work_kernel_ms']:.4f} ms, Mesa {r['work_mesa_ms']:.3f} ms: "
              f"{r['work_ratio']:.0f}x")
        print(f"{'':>18}  Mesa meetings + work {r['mesa_meetings_plus_work_ms']:.3f} ms; fused whole week "
              f"{r['fused_week_ms']:.3f} ms ({r['mesa_over_fused_week']:.1f}x), later weeks {r['fused_later_weeks_ms']:.3f} ms "
              f"({r['mesa_over_fused_later_weeks']:.1f}x), a week of one 26-week run_for {r['fused_block_week_ms']:.3f} ms")


if __name__ == "__main__":
    main()
