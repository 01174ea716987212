"""The model's state as a structure of arrays: organisations, projects, memberships, relationships.

Kernels take these arrays; agents are views onto one row. Memberships are stored grouped by project
(``Memberships.start[p]:start[p+1]``), and each project lists the relationship of every pair of its
members (``Pairs``), so a kernel finds a project's members and their trust without a dense matrix.

Each column declares its dtype (:func:`column`), and a table converts what it is given to those
dtypes (refusing a cast across kinds, such as float to int): a compiled kernel is specialised to the
dtypes of its arguments, so a column arriving as int64 instead of int32, or int8 instead of bool,
would silently compile a second version of every kernel that reads it.

Tables grow in amortised constant time per row: each column lives in a buffer of spare capacity that
doubles when full, and the column attribute is a view of the live length (a C-contiguous array of the
column's dtype, as the kernels expect). A view held across an append may be stale: read the column
again from the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike

FLOAT, INDEX, WEEK, COUNT, CODE, FLAG = np.float64, np.int32, np.int32, np.int32, np.int8, np.bool_


def column(dtype: type) -> Any:
    """A column of ``dtype``: float64 amounts and scores, int32 indices, weeks and counts, int8 codes, bool flags."""
    return field(metadata={"dtype": np.dtype(dtype)})


def grown(live: np.ndarray, extra: np.ndarray, buffer: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``live`` with ``extra`` appended, as a view of the live length into ``buffer`` or, when ``live`` is not
    a view of it or it is full, into a new buffer of twice the length; returns the view and its buffer."""
    n = len(live)
    total = n + len(extra)
    buffer = with_room(live, buffer, total)
    buffer[n:total] = extra
    return buffer[:total], buffer


def with_room(live: np.ndarray, buffer: np.ndarray | None, total: int) -> np.ndarray:
    """``buffer`` if ``live`` is a view of its start and it holds ``total`` rows, else a new buffer of
    ``max(total, 2 * len(live))`` rows starting with ``live`` (its room zeroed: a run's buffers are the same bytes)."""
    if buffer is None or live.base is not buffer or len(buffer) < total:
        n = len(live)
        buffer = np.zeros(max(total, 2 * n), dtype=live.dtype)
        buffer[:n] = live
    return buffer


class _Columns:
    """Shared helpers for a set of equally long column arrays."""

    def __post_init__(self) -> None:
        for name, dtype in self._dtypes():
            value = getattr(self, name)
            if type(value) is np.ndarray and value.ndim == 1 and value.dtype == dtype and value.flags.c_contiguous:
                continue  # already stored as it would be (np.ascontiguousarray would return it as it is)
            value = np.asarray(value)
            if not np.can_cast(value.dtype, dtype, "same_kind"):
                raise TypeError(f"{type(self).__name__}.{name}: {value.dtype} cannot be stored as {dtype}")
            setattr(self, name, np.ascontiguousarray(value, dtype=dtype))
        self._buffers: dict[str, np.ndarray] = {}  # column name -> its buffer with spare capacity

    @classmethod
    def _dtypes(cls) -> tuple[tuple[str, np.dtype], ...]:
        """Each column's name and declared dtype, in declaration order (read once per class)."""
        found = cls.__dict__.get("_declared")
        if found is None:
            found = tuple((f.name, f.metadata["dtype"]) for f in fields(cls))  # type: ignore[arg-type]
            cls._declared = found  # type: ignore[attr-defined]
        return found

    @classmethod
    def empty(cls) -> Self:
        """A table with no rows (every column of its declared dtype)."""
        return cls(**{name: np.zeros(0, dtype=dtype) for name, dtype in cls._dtypes()})

    def __len__(self) -> int:  # each table names its first column here: len() is on the hot path
        raise NotImplementedError

    def append(self, **columns: ArrayLike) -> None:
        """Append rows; every column must be given."""
        declared = self._dtypes()
        missing = [name for name, _ in declared if name not in columns]
        if missing:
            raise ValueError(f"append is missing columns {sorted(missing)}")
        for name, _ in declared:
            live = getattr(self, name)
            view, self._buffers[name] = grown(live, np.asarray(columns[name], dtype=live.dtype),
                                              self._buffers.get(name))
            setattr(self, name, view)

    def reserve(self, rows: int) -> None:
        """Room for at least ``rows`` more rows in every column's buffer (a full buffer doubles); the live rows and
        their values are unchanged, but views of them taken before may be stale."""
        total = len(self) + rows
        for name, _ in self._dtypes():
            live = getattr(self, name)
            buffer = self._buffers[name] = with_room(live, self._buffers.get(name), total)
            if live.base is not buffer:
                setattr(self, name, buffer[:len(live)])

    def buffer_rows(self) -> int:
        """Rows every column's buffer holds (call :meth:`reserve` first)."""
        return min(len(self._buffers[name]) for name, _ in self._dtypes())

    def room(self) -> dict[str, np.ndarray]:
        """Each column's buffer, live rows then room, all :meth:`buffer_rows` long: what a kernel that adds rows writes
        into before :meth:`set_length` makes them live."""
        capacity = self.buffer_rows()
        return {name: self._buffers[name][:capacity] for name, _ in self._dtypes()}

    def set_length(self, n: int) -> None:
        """Make the first ``n`` rows of the buffers live (rows a kernel wrote into the room of :meth:`room`)."""
        for name, _ in self._dtypes():
            setattr(self, name, self._buffers[name][:n])


@dataclass
class Organisations(_Columns):
    """One row per organisation. Capacity is in officer-days per week; scores are in [0, 1]."""

    kind: np.ndarray = column(CODE)  # OrgKind
    base_capacity: np.ndarray = column(FLOAT)  # officer-days/week available for partnership work before pressure
    capacity: np.ndarray = column(FLOAT)  # officer-days/week after the day job and financial pressure
    resources: np.ndarray = column(FLOAT)  # £k it can commit
    risk_appetite: np.ndarray = column(FLOAT)  # 0-1; above 0.7 is an 'upbeat' view of risk (INLOGOV 2015, §3, figure one)
    selflessness: np.ndarray = column(FLOAT)  # 0-1 (INLOGOV 2015, §3 'Selflessness')
    # 0 hierarchical .. 1 adaptive (INLOGOV 2015, §3 'Attitudes to risk': "50 page business cases" ... now half a page)
    culture: np.ndarray = column(FLOAT)
    rep_tenure: np.ndarray = column(COUNT)  # weeks the present representative has been in post
    # 0-1 empowered to decide in the room (PAS 2007, 'empowering representatives', p. 15)
    rep_autonomy: np.ndarray = column(FLOAT)
    rep_presence: np.ndarray = column(FLOAT)  # 0-1 attends and is really there (PAS 2007, 'be present!', p. 24)
    # 0-1 boundary-spanning / championing skill (INLOGOV 2015, §5 'Who makes a good boundary spanner?')
    rep_skill: np.ndarray = column(FLOAT)
    rep_generation: np.ndarray = column(COUNT)  # how many representatives have held the seat

    def __len__(self) -> int:
        return len(self.kind)


@dataclass
class Projects(_Columns):
    """One row per partnership project; weeks are model weeks, -1 meaning 'not yet'."""

    theme: np.ndarray = column(CODE)  # Theme
    stage: np.ndarray = column(CODE)  # Stage
    stage_before_stall: np.ndarray = column(CODE)  # stage to resume when a stall ends
    momentum: np.ndarray = column(FLOAT)  # 0-1
    ambition: np.ndarray = column(FLOAT)  # stages of work per stage (1 = standard)
    progress: np.ndarray = column(FLOAT)  # 0-1 through the current stage's work
    lead: np.ndarray = column(INDEX)  # organisation index
    sponsor: np.ndarray = column(INDEX)  # organisation index whose chief officer sponsors the project
    champion: np.ndarray = column(INDEX)  # organisation index, -1 for none
    has_manager: np.ndarray = column(FLAG)  # a dedicated project manager (PAS 2007, 'managing time', p. 16)
    # governance by a lead rather than consensus (PAS 2007, 'exercising leadership', p. 18)
    lead_decides: np.ndarray = column(FLAG)
    # benefits shared by contribution rather than equally (PAS 2007, 'realising benefits', p. 27)
    equitable: np.ndarray = column(FLAG)
    # 1-6 on the continuum of INLOGOV 2015, §4 'How important are organisational structures?'
    governance_level: np.ndarray = column(CODE)
    next_meeting: np.ndarray = column(WEEK)  # week of the next meeting
    deferred_until: np.ndarray = column(WEEK)  # week until which a gate waits for referral back home
    obstacle: np.ndarray = column(FLOAT)  # weeks of full effort still needed to clear the current obstacle (0: none)
    catalyst_until: np.ndarray = column(WEEK)  # week an award's deadline runs to (-1: none)
    external_funds: np.ndarray = column(FLOAT)  # £k of award money not yet spent
    external_received: np.ndarray = column(FLOAT)  # £k of awards received in all
    pooled_funds: np.ndarray = column(FLOAT)  # £k the partners pooled at the start (a share of their resources)
    action_quality: np.ndarray = column(FLOAT)  # 0-1 quality of the last meeting: how well actions were agreed
    costs: np.ndarray = column(FLOAT)  # £k spent (officer time and award money)
    benefits: np.ndarray = column(FLOAT)  # £k of benefits realised
    stalls: np.ndarray = column(COUNT)  # number of times the project stalled
    stalled_since: np.ndarray = column(WEEK)  # week the current stall began (-1: not stalled)
    gate_refusals: np.ndarray = column(COUNT)  # stage-gate decisions refused
    started: np.ndarray = column(WEEK)  # week the project started
    delivered_week: np.ndarray = column(WEEK)  # week the delivery stage finished (-1: not delivered)
    closed_week: np.ndarray = column(WEEK)  # week the project closed (delivered or abandoned), -1 while open
    parent: np.ndarray = column(INDEX)  # project this one follows on from, -1 for none
    first_stall_week: np.ndarray = column(WEEK)  # week of first stall, -1 if never
    # std over active members of (benefit share - contribution share) when closed as delivered (NaN until then)
    net_benefit_spread: np.ndarray = column(FLOAT)
    # 0-1 aim the partners agreed in the agreeing-goals stage (NaN until then; ODD 7.16, Choi and Robertson 2014)
    agreed_aim: np.ndarray = column(FLOAT)

    def __len__(self) -> int:
        return len(self.theme)


@dataclass
class Memberships(_Columns):
    """One row per (project, organisation) membership, grouped by project."""

    project: np.ndarray = column(INDEX)  # project index
    org: np.ndarray = column(INDEX)  # organisation index
    active: np.ndarray = column(FLAG)  # False once withdrawn
    commitment: np.ndarray = column(FLOAT)  # 0-1 willingness to put effort in
    contribution: np.ndarray = column(FLOAT)  # £k of officer time given so far
    benefit: np.ndarray = column(FLOAT)  # £k of benefit received so far
    attended: np.ndarray = column(FLAG)  # at the last meeting
    joined: np.ndarray = column(WEEK)  # week joined
    aim: np.ndarray = column(FLOAT)  # 0-1 what the partner wants the project to be (ODD 7.16, Choi and Robertson 2014)

    def __len__(self) -> int:
        return len(self.project)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._rows_of: list[list[int]] | None = None  # membership rows by project, built when first asked

    def of_project(self, project: int) -> np.ndarray:
        """Rows of ``project``'s memberships, active or withdrawn, in row order (an index kept up to date
        by :meth:`append`; a membership's project never changes)."""
        if self._rows_of is None:
            self._rows_of = []
            self._index_rows(0)
        rows = self._rows_of[project] if project < len(self._rows_of) else []
        return np.array(rows, dtype=np.int64)

    def append(self, **columns: ArrayLike) -> None:
        first = len(self)
        super().append(**columns)
        if self._rows_of is not None:
            self._index_rows(first)

    def set_length(self, n: int) -> None:
        first = len(self)
        super().set_length(n)
        if self._rows_of is not None:
            self._index_rows(first)

    def _index_rows(self, first: int) -> None:
        rows_of = self._rows_of
        assert rows_of is not None
        projects = self.project[first:].tolist()
        if projects and max(projects) >= len(rows_of):
            rows_of.extend([] for _ in range(max(projects) + 1 - len(rows_of)))
        for row, project in enumerate(projects, start=first):
            rows_of[project].append(row)


@dataclass
class Relationships(_Columns):
    """One row per pair of organisations that share a project (a < b)."""

    a: np.ndarray = column(INDEX)  # organisation index
    b: np.ndarray = column(INDEX)  # organisation index, > a
    interpersonal: np.ndarray = column(FLOAT)  # 0-1 trust held by the present representatives
    institutional: np.ndarray = column(FLOAT)  # 0-1 trust embedded in the organisations; survives turnover

    def __len__(self) -> int:
        return len(self.a)


@dataclass
class Pairs(_Columns):
    """One row per pair of memberships in the same project, grouped by project."""

    project: np.ndarray = column(INDEX)  # project index
    rel: np.ndarray = column(INDEX)  # index into Relationships
    ma: np.ndarray = column(INDEX)  # membership index of the first member
    mb: np.ndarray = column(INDEX)  # membership index of the second member

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
