"""The room and the indexes that late joiners are written into (:mod:`model.kernels.joiners`).

One :class:`JoinerRoom` per model. Before late joiners may arrive (in the Python step or in the fused
driver), :meth:`JoinerRoom.sync` makes sure the memberships, relationships and pairs tables have spare
room in their buffers and that the two indexes (each project's chain of memberships, the hash table of
relationships) cover every row, including rows Python added since (the build, follow-ons). After the
kernel has run, :meth:`JoinerRoom.settle` makes its rows live in the tables and in the region's own
relationship index. Both cost time in proportion to the rows added, not to the tables' size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from partnerships.model.kernels.joiners import EMPTY, index_relationships, link_memberships
from partnerships.model.scenarios import POOLED_SHARE, SPONSOR_STAKE, baseline_trust_table
from partnerships.model.state import with_room

if TYPE_CHECKING:
    from partnerships.model.model import PartnershipModel


class JoinerRoom:
    """What :func:`model.kernels.joiners.add_late_joiners` needs beyond the model's state arrays."""

    def __init__(self, model: PartnershipModel) -> None:
        area = model.region.area_of_org  # areas are contiguous blocks of organisations
        self.area_first = np.searchsorted(area, area, side="left").astype(np.int64)
        self.area_stop = np.searchsorted(area, area, side="right").astype(np.int64)
        self.baseline_trust = baseline_trust_table(model.params["sector_trust_gap"])
        self.is_member = np.zeros(len(model.orgs), dtype=np.bool_)
        self.sizes = np.zeros(3, dtype=np.int64)  # live memberships, relationships, pairs
        self.mem_next = np.empty(0, dtype=np.int64)
        self.proj_first = np.empty(0, dtype=np.int64)
        self.proj_last = np.empty(0, dtype=np.int64)
        self.keys = np.empty(0, dtype=np.int64)
        self.values = np.empty(0, dtype=np.int64)
        self.linked = 0  # memberships in the chains
        self.indexed = 0  # relationships in the hash table

    def sync(self, model: PartnershipModel) -> None:
        """Room in every table, and indexes over every row (cheap when nothing changed)."""
        mem, rel, pairs = model.memberships, model.relationships, model.pairs
        for table in (mem, rel, pairs):
            table.reserve(1)  # a full buffer doubles
        capacity = mem.buffer_rows()
        if len(self.mem_next) < capacity:
            self.mem_next = np.concatenate([self.mem_next, np.full(capacity - len(self.mem_next), EMPTY)])
        n_proj = len(model.projects)
        if len(self.proj_first) < n_proj:
            extra = np.full(max(n_proj, 2 * len(self.proj_first)) - len(self.proj_first), EMPTY)
            self.proj_first = np.concatenate([self.proj_first, extra])
            self.proj_last = np.concatenate([self.proj_last, extra])
        if self.linked < len(mem):
            link_memberships(first=self.linked, mem_project=mem.project, mem_next=self.mem_next,
                             proj_first=self.proj_first, proj_last=self.proj_last)
            self.linked = len(mem)
        slots = 2 * rel.buffer_rows()
        if len(self.keys) < slots:  # a new table, a power of 2 long, at most half full
            size = 1 << (slots - 1).bit_length()
            self.keys, self.values, self.indexed = np.full(size, EMPTY), np.zeros(size, dtype=np.int64), 0
        if self.indexed < len(rel):
            index_relationships(first=self.indexed, rel_a=rel.a, rel_b=rel.b, n_orgs=len(model.orgs), keys=self.keys,
                                values=self.values)
            self.indexed = len(rel)
        member_trust = with_room(model.member_trust, model._buffers.get("member_trust"), capacity)
        model._buffers["member_trust"], model.member_trust = member_trust, member_trust[:len(mem)]
        self.sizes[:] = len(mem), len(rel), len(pairs)

    def grow(self, model: PartnershipModel) -> None:
        """Twice the room (when the kernel said it had too little), then :meth:`sync`."""
        for table in (model.memberships, model.relationships, model.pairs):
            table.reserve(max(16, len(table)))
        self.sync(model)

    def settle(self, model: PartnershipModel) -> None:
        """Make the rows the kernel wrote live: in the tables, the model's membership scratch and the region's
        relationship index."""
        mem, rel, pairs = model.memberships, model.relationships, model.pairs
        n_mem, n_rel, n_pairs = (int(n) for n in self.sizes)
        if n_rel != len(rel):
            first = len(rel)
            rel.set_length(n_rel)
            index = model.region.relationship_index
            for r, (a, b) in enumerate(zip(rel.a[first:].tolist(), rel.b[first:].tolist()), start=first):
                index[(a, b)] = r
        if n_pairs != len(pairs):
            pairs.set_length(n_pairs)
        if n_mem != len(mem):
            mem.set_length(n_mem)
            model.member_trust = model._buffers["member_trust"][:n_mem]
        self.linked, self.indexed = n_mem, n_rel

    def arguments(self, model: PartnershipModel) -> dict[str, Any]:
        """The kernel's arguments other than the week's draws and the join chance (by the kernel's names)."""
        orgs, proj = model.orgs, model.projects
        mem, rel, pairs = model.memberships.room(), model.relationships.room(), model.pairs.room()
        seed, stream = model.region.aim_stream
        return dict(
            aim_seed=seed, aim_stream=stream, pooled_share=POOLED_SHARE, sponsor_stake=SPONSOR_STAKE,
            stage=proj.stage, lead=proj.lead, sponsor=proj.sponsor, started=proj.started, area_first=self.area_first,
            area_stop=self.area_stop, kind=orgs.kind, selflessness=orgs.selflessness, resources=orgs.resources,
            baseline_trust=self.baseline_trust,
            mem_project=mem["project"], mem_org=mem["org"], mem_active=mem["active"], commitment=mem["commitment"],
            contribution=mem["contribution"], benefit=mem["benefit"], attended=mem["attended"], joined=mem["joined"],
            aim=mem["aim"], rel_a=rel["a"], rel_b=rel["b"], interpersonal=rel["interpersonal"],
            institutional=rel["institutional"], pair_project=pairs["project"], pair_rel=pairs["rel"],
            pair_ma=pairs["ma"], pair_mb=pairs["mb"], sizes=self.sizes, mem_next=self.mem_next,
            proj_first=self.proj_first, proj_last=self.proj_last, keys=self.keys, values=self.values,
            is_member=self.is_member)
