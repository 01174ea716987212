"""The model's state as a structure of arrays: organisations, projects, memberships, relationships.

Kernels take these arrays; agents are views onto one row. Memberships are stored grouped by project
(``Memberships.start[p]:start[p+1]``), and each project lists the relationship of every pair of its
members (``Pairs``), so a kernel finds a project's members and their trust without a dense matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


def _grow(arr: np.ndarray, extra: np.ndarray) -> np.ndarray:
    return np.concatenate([arr, np.asarray(extra, dtype=arr.dtype)])


class _Columns:
    """Shared helpers for a set of equally long column arrays."""

    def __len__(self) -> int:  # each table names its first column here: len() is on the hot path
        raise NotImplementedError

    def append(self, **columns: np.ndarray) -> None:
        """Append rows; every column must be given."""
        names = [f.name for f in fields(self)]  # type: ignore[arg-type]
        missing = set(names) - set(columns)
        if missing:
            raise ValueError(f"append is missing columns {sorted(missing)}")
        for name in names:
            setattr(self, name, _grow(getattr(self, name), columns[name]))


@dataclass
class Organisations(_Columns):
    """One row per organisation. Capacity is in officer-days per week; scores are in [0, 1]."""

    kind: np.ndarray  # int8, OrgKind
    base_capacity: np.ndarray  # officer-days/week available for partnership work before pressure
    capacity: np.ndarray  # officer-days/week after the day job and financial pressure
    resources: np.ndarray  # £k it can commit
    risk_appetite: np.ndarray  # 0-1; above 0.7 is an 'upbeat' view of risk (INLOGOV 2015, §3, figure one)
    selflessness: np.ndarray  # 0-1 (INLOGOV 2015, §3 'Selflessness')
    culture: np.ndarray  # 0 hierarchical .. 1 adaptive (INLOGOV 2015, §3 'Attitudes to risk': "50 page business cases" ... now half a page)
    rep_tenure: np.ndarray  # int32 weeks the present representative has been in post
    rep_autonomy: np.ndarray  # 0-1 empowered to decide in the room (PAS 2007, 'empowering representatives', p. 15)
    rep_presence: np.ndarray  # 0-1 attends and is really there (PAS 2007, 'be present!', p. 24)
    rep_skill: np.ndarray  # 0-1 boundary-spanning / championing skill (INLOGOV 2015, §5 'Who makes a good boundary spanner?')
    rep_generation: np.ndarray  # int32 how many representatives have held the seat

    def __len__(self) -> int:
        return len(self.kind)


@dataclass
class Projects(_Columns):
    """One row per partnership project; weeks are model weeks, -1 meaning 'not yet'."""

    theme: np.ndarray  # int8, Theme
    stage: np.ndarray  # int8, Stage
    stage_before_stall: np.ndarray  # int8, stage to resume when a stall ends
    momentum: np.ndarray  # 0-1
    ambition: np.ndarray  # stages of work per stage (1 = standard)
    progress: np.ndarray  # 0-1 through the current stage's work
    lead: np.ndarray  # int32 organisation index
    sponsor: np.ndarray  # int32 organisation index whose chief officer sponsors the project
    champion: np.ndarray  # int32 organisation index, -1 for none
    has_manager: np.ndarray  # bool: a dedicated project manager (PAS 2007, 'managing time', p. 16)
    lead_decides: np.ndarray  # bool: governance by a lead rather than consensus (PAS 2007, 'exercising leadership', p. 18)
    equitable: np.ndarray  # bool: benefits shared by contribution rather than equally (PAS 2007, 'realising benefits', p. 27)
    governance_level: np.ndarray  # int8 1-6 on the continuum of INLOGOV 2015, §4 'How important are organisational structures?'
    next_meeting: np.ndarray  # int32 week of the next meeting
    deferred_until: np.ndarray  # int32 week until which a gate waits for referral back home
    obstacle: np.ndarray  # weeks of full effort still needed to clear the current obstacle (0: none)
    catalyst_until: np.ndarray  # int32 week an award's deadline runs to (-1: none)
    external_funds: np.ndarray  # £k of award money not yet spent
    external_received: np.ndarray  # £k of awards received in all
    pooled_funds: np.ndarray  # £k the partners pooled at the start (a share of their resources)
    action_quality: np.ndarray  # 0-1 quality of the last meeting: how well actions were agreed
    costs: np.ndarray  # £k spent (officer time and award money)
    benefits: np.ndarray  # £k of benefits realised
    stalls: np.ndarray  # int32 number of times the project stalled
    stalled_since: np.ndarray  # int32 week the current stall began (-1: not stalled)
    gate_refusals: np.ndarray  # int32 stage-gate decisions refused
    started: np.ndarray  # int32 week the project started
    delivered_week: np.ndarray  # int32 week the delivery stage finished (-1: not delivered)
    closed_week: np.ndarray  # int32 week the project closed (delivered or abandoned), -1 while open
    parent: np.ndarray  # int32 project this one follows on from, -1 for none
    first_stall_week: np.ndarray  # int32 week of first stall, -1 if never

    def __len__(self) -> int:
        return len(self.theme)


@dataclass
class Memberships(_Columns):
    """One row per (project, organisation) membership, grouped by project."""

    project: np.ndarray  # int32
    org: np.ndarray  # int32
    active: np.ndarray  # bool; False once withdrawn
    commitment: np.ndarray  # 0-1 willingness to put effort in
    contribution: np.ndarray  # £k of officer time given so far
    benefit: np.ndarray  # £k of benefit received so far
    attended: np.ndarray  # bool: at the last meeting
    joined: np.ndarray  # int32 week joined

    def __len__(self) -> int:
        return len(self.project)


@dataclass
class Relationships(_Columns):
    """One row per pair of organisations that share a project (a < b)."""

    a: np.ndarray  # int32
    b: np.ndarray  # int32
    interpersonal: np.ndarray  # 0-1 trust held by the present representatives
    institutional: np.ndarray  # 0-1 trust embedded in the organisations; survives turnover

    def __len__(self) -> int:
        return len(self.a)


@dataclass
class Pairs(_Columns):
    """One row per pair of memberships in the same project, grouped by project."""

    project: np.ndarray  # int32
    rel: np.ndarray  # int32 index into Relationships
    ma: np.ndarray  # int32 membership index of the first member
    mb: np.ndarray  # int32 membership index of the second member

    def __len__(self) -> int:
        return len(self.project)


def combined_trust(interpersonal: np.ndarray | float, institutional: np.ndarray | float):
    """Trust between two organisations: institutional trust is a floor the representatives build on.

    ``T = I + (1 - I) * P`` with I institutional and P interpersonal trust, both in [0, 1]. When a
    representative leaves, P goes to 0 and T falls to I: mature partnerships lose less (INLOGOV 2015,
    §3 'Leadership', Thames Gateway Kent).
    """
    return institutional + (1.0 - institutional) * interpersonal


def group_starts(keys: np.ndarray, n_groups: int) -> np.ndarray:
    """CSR offsets: rows of group g are ``starts[g]:starts[g+1]`` in an array sorted by ``keys``."""
    counts = np.bincount(keys, minlength=n_groups)
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts
