"""The partnership network: organisations as nodes, trust as edges, the selected project picked out.

Nodes are coloured by sector and sized by the officer time each organisation can give this week
(so a policy shock visibly shrinks them). Edges join organisations that share a project, thicker
and darker for more trust (``combined_trust``: institutional plus interpersonal, 0-1). The selected
project's partners get a black ring, its champion a yellow star and, when the project has a
dedicated project manager, its lead organisation a black "PM" badge. The layout is a spring layout
seeded from the scenario's name and fixed for the run, so nodes stay put while the model steps.
"""

from __future__ import annotations

import functools
import weakref
import zlib
from typing import Any

import altair as alt
import networkx as nx
import numpy as np

from partnerships.model.codes import SECTORS, OrgKind
from partnerships.model.model import PartnershipModel
from partnerships.model.state import combined_trust
from partnerships.viz.live_style import OKABE_ITO, SECTOR_COLOURS, STAR
from partnerships.viz.live_vega import ChartData, template

LONER_PULL = 0.15  # weight of the pull between organisations that share no project (1 when they do)
MAX_NODES = 120  # larger regions: draw only the area of the selected project's lead
WIDTH, HEIGHT = 470, 450  # px, plus the legends on the right
MARKERS = ("champion", "project manager")
IN_PROJECT = ("in selected project", "not in it")
_layouts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def short_name(name: str) -> str:
    """'District Council 3' -> 'DC3', 'Police 1' -> 'Pol1': initials of the words (the first three
    letters of a single word, so police is not read as project 'P1') plus the number."""
    words = name.split()
    number = words[-1] if words[-1].isdigit() else ""
    letters = [w for w in words if not w.isdigit()]
    return (letters[0][:3] if len(letters) == 1 else "".join(w[0] for w in letters).upper()) + number


def shown_organisations(model: PartnershipModel, project: int) -> np.ndarray:
    """Indices of the organisations drawn: all, or in a large region the selected project's area."""
    n = len(model.orgs)
    if n <= MAX_NODES:
        return np.arange(n)
    area = model.region.area_of_org[model.projects.lead[project]]
    return np.flatnonzero(model.region.area_of_org == area)


def fixed_layout(model: PartnershipModel, nodes: np.ndarray) -> np.ndarray:
    """Positions (len(nodes) x 2, within [-1, 1]) from a spring layout of the starting relationships,
    seeded from the scenario's name; computed once per model and node set, so nodes never move."""
    cache = _layouts.setdefault(model, {})
    key = (int(nodes[0]), len(nodes))
    if key not in cache:
        rel = model.relationships
        inside = np.zeros(len(model.orgs), dtype=bool)
        inside[nodes] = True
        keep = inside[rel.a] & inside[rel.b]
        graph = nx.complete_graph(nodes.tolist())  # a weak pull between all keeps loners in view
        nx.set_edge_attributes(graph, LONER_PULL, "weight")
        graph.add_edges_from(zip(rel.a[keep].tolist(), rel.b[keep].tolist()), weight=1.0)
        pos = nx.spring_layout(graph, seed=zlib.crc32(model.spec.name.encode()), iterations=200)
        xy = np.array([pos[i] for i in nodes.tolist()])
        xy -= xy.min(axis=0)
        cache[key] = 2.0 * xy / max(float(xy.max()), 1e-9) - 1.0
    return cache[key]


def project_members(model: PartnershipModel, project: int) -> np.ndarray:
    """Organisations actively in ``project``."""
    mem = model.memberships
    return mem.org[(mem.project == project) & mem.active]


@functools.cache
def network_template() -> dict[str, Any]:
    """Layers: trust edges, organisation nodes, labels, and the champion / project-manager markers."""
    scale = alt.Scale(domain=[-1.12, 1.12], nice=False, zero=False)
    x, y = alt.X("x:Q", axis=None, scale=scale), alt.Y("y:Q", axis=None, scale=scale)
    trust_legend = alt.Legend(title="Trust", values=[0.2, 0.5, 0.8], orient="right", direction="vertical",
                              symbolType="stroke", format=".1f")
    edges = alt.Chart(alt.NamedData(name="edges")).mark_rule(strokeCap="round").encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("trust:Q", scale=alt.Scale(domain=[0, 1], range=[0.5, 9]), legend=trust_legend),
        color=alt.Color("trust:Q", scale=alt.Scale(domain=[0, 1], range=["#d0d0d0", "#000000"]), legend=trust_legend),
        opacity=alt.Opacity("fade:Q", scale=None, legend=None),
    )
    nodes = alt.Chart(alt.NamedData(name="nodes")).mark_circle(opacity=1).encode(
        x=x, y=y,
        size=alt.Size("capacity:Q", scale=alt.Scale(domain=[0, 3.5], range=[150, 1800]), legend=None),
        color=alt.Color("sector:N", scale=alt.Scale(domain=list(SECTORS), range=[SECTOR_COLOURS[s] for s in SECTORS]),
                        legend=alt.Legend(title="Sector", orient="right", direction="vertical")),
        stroke=alt.Stroke("member:N", scale=alt.Scale(domain=list(IN_PROJECT), range=["black", "white"]),
                          legend=alt.Legend(title="Ring", orient="right", direction="vertical", symbolStrokeWidth=4)),
        strokeWidth=alt.StrokeWidth("member:O", scale=alt.Scale(domain=list(IN_PROJECT), range=[4.5, 1]), legend=None),
        tooltip=[alt.Tooltip("name:N", title="organisation"), alt.Tooltip("capacity:Q", format=".2f",
                                                                           title="officer-days/week")],
    )
    halo = alt.Chart(alt.NamedData(name="nodes")).mark_text(
        dy=26, fontSize=15, fontWeight="bold", color="white", stroke="white", strokeWidth=5, strokeJoin="round",
        opacity=0.9).encode(x=x, y=y, text="short:N")
    labels = alt.Chart(alt.NamedData(name="nodes")).mark_text(dy=26, fontSize=15, fontWeight="bold").encode(
        x=x, y=y, text="short:N",
        color=alt.Color("member:N", scale=alt.Scale(domain=list(IN_PROJECT), range=["black", "#555555"]), legend=None),
    )
    markers = alt.Chart(alt.NamedData(name="markers")).mark_point(filled=True, opacity=1, strokeWidth=1.5,
                                                                   stroke="black").encode(
        x=x, y=y,
        shape=alt.Shape("marker:N", scale=alt.Scale(domain=list(MARKERS), range=[STAR, "square"]),
                        legend=alt.Legend(title="Selected project", orient="right", direction="vertical")),
        fill=alt.Fill("marker:N", scale=alt.Scale(domain=list(MARKERS), range=[OKABE_ITO["yellow"], "black"]),
                      legend=alt.Legend(title="Selected project", orient="right", direction="vertical")),
        size=alt.Size("marker:O", scale=alt.Scale(domain=list(MARKERS), range=[900, 520]), legend=None),
    )
    pm_text = alt.Chart(alt.NamedData(name="markers")).transform_filter(
        alt.datum.marker == "project manager").mark_text(fontSize=12, fontWeight="bold", color="white").encode(
        x=x, y=y, text=alt.value("PM"))
    chart = alt.layer(edges, nodes, halo, labels, markers, pm_text).resolve_scale(
        color="independent", size="independent", strokeWidth="independent").properties(
        width=WIDTH, height=HEIGHT, title="Who works with whom, and how much they trust each other")
    return template(chart, "Network of the organisations, their trust and the selected project's partners")


def network_chart(model: PartnershipModel, project: int) -> ChartData:
    """The network chart at the current week, with ``project``'s partners, champion and manager marked."""
    data = network_data(model, project)
    return ChartData(network_template(), data, f"Network, week {model.week}: {slice_text(model, project)} "
                     f"{describe_project(model, project)}", "network", "network")


def slice_text(model: PartnershipModel, project: int) -> str:
    """Which organisations the network draws, in words (all, or the selected project's area)."""
    shown, n = len(shown_organisations(model, project)), len(model.orgs)
    if shown == n:
        return f"all {n} organisations."
    area = int(model.region.area_of_org[model.projects.lead[project]])
    areas = int(model.region.area_of_org[-1]) + 1
    return (f"the {shown} organisations of area {area + 1} of {areas:,} (the selected project's lead's), out of "
            f"{n:,}.")


def network_data(model: PartnershipModel, project: int) -> dict[str, list[dict[str, Any]]]:
    """The network chart's datasets: ``edges``, ``nodes`` and ``markers`` (champion, project manager)."""
    orgs, rel, proj = model.orgs, model.relationships, model.projects
    nodes = shown_organisations(model, project)
    xy = fixed_layout(model, nodes)
    where = np.full(len(orgs), -1)
    where[nodes] = np.arange(len(nodes))
    member = np.zeros(len(orgs), dtype=bool)
    member[project_members(model, project)] = True

    keep = np.flatnonzero((where[rel.a] >= 0) & (where[rel.b] >= 0))
    trust = combined_trust(rel.interpersonal[keep], rel.institutional[keep])
    a, b = where[rel.a[keep]], where[rel.b[keep]]
    inside = member[rel.a[keep]] & member[rel.b[keep]]
    order = np.argsort(inside, kind="stable")  # the selected project's edges on top
    edges = [{"x": xy[a[i], 0], "y": xy[a[i], 1], "x2": xy[b[i], 0], "y2": xy[b[i], 1],
              "trust": round(float(trust[i]), 3), "fade": 1.0 if inside[i] else 0.4} for i in order.tolist()]
    names = model.region.org_names
    node_rows = [{"x": xy[j, 0], "y": xy[j, 1], "name": names[i], "short": short_name(names[i]),
                  "sector": OrgKind(int(orgs.kind[i])).sector, "capacity": round(float(orgs.capacity[i]), 3),
                  "member": IN_PROJECT[0] if member[i] else IN_PROJECT[1]} for j, i in enumerate(nodes.tolist())]
    markers = []
    champion, lead = int(proj.champion[project]), int(proj.lead[project])
    if champion >= 0 and where[champion] >= 0:
        markers.append({"x": xy[where[champion], 0] + 0.07, "y": xy[where[champion], 1] + 0.08, "marker": MARKERS[0]})
    if proj.has_manager[project] and where[lead] >= 0:
        markers.append({"x": xy[where[lead], 0] - 0.08, "y": xy[where[lead], 1] + 0.08, "marker": MARKERS[1]})
    return {"edges": _floats(edges), "nodes": _floats(node_rows), "markers": _floats(markers)}


def _floats(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plain Python floats (NumPy scalars are not JSON)."""
    return [{k: float(v) if isinstance(v, np.floating) else v for k, v in row.items()} for row in rows]


def describe_project(model: PartnershipModel, project: int) -> str:
    """One plain-English line about the selected project's people."""
    proj, names = model.projects, model.region.org_names
    agent = model.project_agent(project)
    champion = int(proj.champion[project])
    return (f"{agent.name} ({agent.stage.label}): led by {names[int(proj.lead[project])]}; "
            f"champion: {names[champion] if champion >= 0 else 'none'}; "
            f"dedicated project manager: {'yes' if proj.has_manager[project] else 'no'}; "
            f"{len(project_members(model, project))} partners.")
