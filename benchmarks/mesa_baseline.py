"""The meetings process written the way Mesa users write it, against the compiled kernel, in one run.

    .venv/bin/python benchmarks/mesa_baseline.py            # table on stdout
    .venv/bin/python benchmarks/mesa_baseline.py --json     # the same numbers as JSON

For each size (the county, 20 organisations and 10 projects; 10,000 organisations and 1,000 projects)
it runs the model 26 weeks (``membership_change_rate = 0``, so the pairs stay grouped by project) and
records the arguments of ``hold_meetings`` in the first week from then on in which meetings fall due.
On those inputs it builds an idiomatic Mesa
model: organisations and projects are ``mesa.Agent`` objects with per-agent attributes, memberships
and relationships plain Python objects, and a project's ``hold_meeting`` method loops over its
members and pairs. The Mesa version is checked exactly against the kernel (same attendance, meeting
quality, next meetings and interpersonal trust bit for bit) with the kernel's pre-drawn uniforms and
projects in index order (``agents.do``); it is timed as a Mesa user runs it, with
``AgentSet.shuffle_do`` and a ``self.random.random()`` draw per member. Each is timed on fresh copies
of the week's state (median CPU time of repeated calls); the ratio is Mesa time over kernel time.
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
from partnerships.model.kernels.stages import is_open
from partnerships.model.model import PartnershipModel
from partnerships.model.scenarios import synthetic_region

SEED = 20261202
WEEK = 26
SIZES = {"county (20 orgs)": "county", "10,000 orgs": (10_000, 1_000)}


def captured_meeting(region: Any) -> dict[str, Any]:
    """The keyword arguments of ``hold_meetings`` in week ``WEEK`` of a run of ``region``."""
    spec = synthetic_region(*region) if isinstance(region, tuple) else region
    model = PartnershipModel(spec, rng=SEED, record_series=False, membership_change_rate=0.0)
    model.run_for(WEEK)
    captured: dict[str, Any] = {}
    kernel = k.hold_meetings

    def record(**kwargs):
        captured.clear()
        captured.update(copy.deepcopy(kwargs))
        result = kernel(**kwargs)
        captured["held"] = kwargs["held"].copy()  # what the kernel decided (the inputs are copied before)
        return result

    k.hold_meetings = record
    try:
        while True:  # the first week from WEEK on in which meetings fall due (they keep the projects' cadence)
            model.step()
            if captured["held"].any():
                break
    finally:
        k.hold_meetings = kernel
    return captured


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


def median_cpu(call, fresh, repeats: int) -> float:
    """Median CPU seconds of ``call(state)`` over ``repeats`` fresh states (made outside the timing)."""
    times = []
    for _ in range(repeats):
        state = fresh()
        start = time.process_time()
        call(state)
        times.append(time.process_time() - start)
    return statistics.median(times)


def measure(label: str, region: Any) -> dict[str, Any]:
    a = captured_meeting(region)
    kernel_s = median_cpu(lambda s: k.hold_meetings(**s), lambda: copy.deepcopy(a), 200)
    mesa_s = median_cpu(lambda m: m.step(), lambda: MeetingModel(a, predrawn=False), 15)
    return {"size": label, "organisations": len(a["rep_presence"]), "projects": len(a["stage"]),
            "memberships": len(a["mem_project"]), "pairs": len(a["pair_project"]),
            "meetings_held": int(k.hold_meetings(**copy.deepcopy(a))),
            "exact": check_exact(a), "kernel_ms": kernel_s * 1e3, "mesa_ms": mesa_s * 1e3, "ratio": mesa_s / kernel_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = [measure(label, region) for label, region in SIZES.items()]
    out = {"load_average": [load_before, os.getloadavg()[0]], "rows": rows}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}")
    for r in rows:
        print(f"{r['size']:>18}: {r['memberships']:,} memberships, {r['pairs']:,} pairs, {r['meetings_held']} meetings; "
              f"exact {r['exact']}; "
              f"kernel {r['kernel_ms']:.4f} ms, Mesa {r['mesa_ms']:.3f} ms: {r['ratio']:.0f}x")


if __name__ == "__main__":
    main()
