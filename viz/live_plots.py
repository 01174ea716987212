"""The live view's charts over weeks: each project's stage, momentum and trust, and the side-by-side.

Built from the model's records: ``model.series['stage' | 'momentum' | 'trust_mean']`` (one array a
week, one entry per project; follow-on projects join later) and ``model.datacollector.model_vars``. Interventions
(``model.events``) are marked where they happened: a dashed vertical line at the event's week with
a short label, so a trainer can point at the moment.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np

from partnerships.model.codes import Stage, Theme
from partnerships.model.model import Event, PartnershipModel
from partnerships.viz.live_style import (
    ACTION_LABELS,
    EVENT_COLOUR,
    OKABE_ITO,
    SELECTED_COLOUR,
    STAGE_COLOURS,
    WITH_COLOUR,
    WITHOUT_COLOUR,
)
from partnerships.viz.live_vega import ChartData, template

MAX_PROJECT_ROWS = 30  # stage rows and per-project lines drawn in a big region (the selected one always)
MIN_WEEKS_SHOWN = 52  # the week axis starts a year wide and grows with the run
ROW_HEIGHT = 30  # px per project in the stage chart
WIDTH, HEIGHT = 560, 300  # px of one chart
THEME_SHORT = {Theme.COMMUNITY_SAFETY: "safety", Theme.HEALTH_AND_CARE: "health", Theme.ECONOMIC_GROWTH: "growth",
               Theme.HOUSING_AND_PLANNING: "housing", Theme.ENVIRONMENT_AND_WASTE: "waste",
               Theme.SHARED_SERVICES: "shared services"}
LINE_SERIES = ("each project", "average of open projects", "selected project", "stalls below this")
RUNS = ("without your interventions", "with your interventions")


def project_label(model: PartnershipModel, p: int) -> str:
    """'P3 housing': the project's number and theme."""
    return f"P{p} {THEME_SHORT[Theme(int(model.projects.theme[p]))]}"


def shown_projects(model: PartnershipModel, project: int) -> np.ndarray:
    """Projects drawn one by one: all of them, or in a big region the first ones plus the selected one."""
    n = len(model.projects)
    if n <= MAX_PROJECT_ROWS:
        return np.arange(n)
    return np.union1d(np.arange(MAX_PROJECT_ROWS - 1), [project])


def series_matrix(series: Sequence[np.ndarray], rows: np.ndarray, fill: float) -> np.ndarray:
    """Weeks x ``rows`` matrix of a recorded series, ``fill`` before a project existed."""
    out = np.full((len(series), len(rows)), fill, dtype=float)
    for week, values in enumerate(series):
        present = rows < len(values)
        out[week, present] = values[rows[present]]
    return out


def event_rows(events: Sequence[Event]) -> list[dict[str, Any]]:
    """One row per week with events: the week and what happened (short words, joined)."""
    by_week: dict[int, list[str]] = {}
    for e in events:
        words = ACTION_LABELS.get(e.action, e.action)
        if words not in by_week.setdefault(e.week, []):
            by_week[e.week].append(words)
    return [{"week": week, "label": " + ".join(words)} for week, words in sorted(by_week.items())]


def _week_x(title: str | None = "week") -> alt.X:
    return alt.X("week:Q", title=title, scale=alt.Scale(domainMin=0, nice=False))


def _event_layers() -> list[alt.Chart]:
    """Dashed rules at the events' weeks, labelled at the top, plus an invisible point that keeps
    the week axis at least :data:`MIN_WEEKS_SHOWN` wide."""
    events = alt.Chart(alt.NamedData(name="events"))
    rules = events.mark_rule(color=EVENT_COLOUR, strokeWidth=2.5, strokeDash=[6, 3]).encode(x=_week_x())
    labels = events.mark_text(align="left", baseline="top", dx=5, dy=2, fontSize=16, fontWeight="bold",
                              color=EVENT_COLOUR).encode(x=_week_x(), y=alt.value(2), text="label:N")
    span = alt.Chart(alt.NamedData(name="span")).mark_point(opacity=0).encode(x=_week_x())
    return [rules, labels, span]


@functools.cache
def stage_template() -> dict[str, Any]:
    """Each project's stage as coloured bars along the weeks, one row per project."""
    stage_names = [s.label for s in Stage]
    bars = alt.Chart(alt.NamedData(name="segments")).mark_bar().encode(
        x=_week_x(), x2="end:Q",
        y=alt.Y("project:N", title=None, sort=alt.EncodingSortField("order"),
                axis=alt.Axis(labelFontSize=16, labelLimit=220)),
        color=alt.Color("stage:N", scale=alt.Scale(domain=stage_names, range=[STAGE_COLOURS[s] for s in Stage]),
                        legend=alt.Legend(title="Stage", columns=4, orient="bottom")),
        tooltip=["project:N", "stage:N", alt.Tooltip("week:Q", title="from week"),
                 alt.Tooltip("end:Q", title="to week")],
    )
    selected = alt.Chart(alt.NamedData(name="selected")).mark_rect(
        filled=False, stroke=SELECTED_COLOUR, strokeWidth=4).encode(
        y=alt.Y("project:N", sort=alt.EncodingSortField("order")))
    chart = alt.layer(bars, selected, *_event_layers()).properties(
        width=WIDTH, height=alt.Step(ROW_HEIGHT), title="Stage of each project")
    return template(chart)


def stage_segments(model: PartnershipModel, rows: np.ndarray) -> list[dict[str, Any]]:
    """Runs of weeks each project spent in one stage: project, stage, first week (``week``) and ``end``."""
    stages = series_matrix(model.series["stage"], rows, fill=-1)  # weeks x projects
    out: list[dict[str, Any]] = []
    for column, p in enumerate(rows.tolist()):
        values = stages[:, column]
        change = np.flatnonzero(np.diff(values)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(values)]])
        label = project_label(model, p)
        for start, end in zip(starts.tolist(), ends.tolist()):
            if values[start] >= 0:
                out.append({"project": label, "order": p, "stage": Stage(int(values[start])).label,
                            "week": start, "end": end})
    return out


def stage_chart(model: PartnershipModel, project: int) -> ChartData:
    """The stage chart at the current week."""
    return ChartData(stage_template(), stage_data(model, project))


def stage_data(model: PartnershipModel, project: int) -> dict[str, list[dict[str, Any]]]:
    """The stage chart's datasets: ``segments``, the ``selected`` row, ``events`` and the week ``span``."""
    rows = shown_projects(model, project)
    return {"segments": stage_segments(model, rows),
            "selected": [{"project": project_label(model, project), "order": project}],
            "events": event_rows(model.events), "span": [{"week": MIN_WEEKS_SHOWN}]}


@functools.cache
def lines_template(title: str, measure: str) -> dict[str, Any]:
    """Thin grey line per project, the average (black), the selected project (orange), a threshold."""
    y = alt.Y("value:Q", title=measure, scale=alt.Scale(domain=[0, 1]))
    colour = alt.Color("series:N", scale=alt.Scale(domain=list(LINE_SERIES), range=[
        OKABE_ITO["grey"], "black", SELECTED_COLOUR, OKABE_ITO["vermillion"]]), legend=alt.Legend(title=None))
    width = alt.StrokeWidth("series:N", scale=alt.Scale(domain=list(LINE_SERIES), range=[1.3, 4, 4, 2.5]),
                            legend=None)
    each = alt.Chart(alt.NamedData(name="projects")).mark_line(opacity=0.6).encode(
        x=_week_x(), y=y, detail="project:N", color=colour, strokeWidth=width)
    mean = alt.Chart(alt.NamedData(name="mean")).mark_line().encode(x=_week_x(), y=y, color=colour,
                                                                     strokeWidth=width)
    selected = alt.Chart(alt.NamedData(name="selected")).mark_line().encode(x=_week_x(), y=y, color=colour,
                                                                             strokeWidth=width)
    threshold = alt.Chart(alt.NamedData(name="threshold")).mark_rule(strokeDash=[2, 3]).encode(
        y=y, color=colour, strokeWidth=width)
    chart = alt.layer(each, mean, selected, threshold, *_event_layers()).properties(
        width=WIDTH, height=HEIGHT, title=title)
    return template(chart)


def _lines_data(model: PartnershipModel, project: int, key: str, mean_key: str,
                threshold: float | None) -> dict[str, list[dict[str, Any]]]:
    rows = shown_projects(model, project)
    values = np.round(series_matrix(model.series[key], rows, fill=np.nan), 4)
    projects = [{"week": w, "project": int(p), "value": v, "series": LINE_SERIES[0]}
                for w, row in enumerate(values.tolist()) for p, v in zip(rows.tolist(), row) if v == v]
    mean = [{"week": w, "value": round(v, 4), "series": LINE_SERIES[1]} for w, v in enumerate(model.datacollector.model_vars[mean_key])
            if v == v]
    column = int(np.flatnonzero(rows == project)[0])
    selected = [{"week": w, "value": v, "series": LINE_SERIES[2]} for w, v in enumerate(values[:, column].tolist())
                if v == v]
    lines = [] if threshold is None else [{"value": threshold, "series": LINE_SERIES[3]}]
    return {"projects": projects, "mean": mean, "selected": selected, "threshold": lines,
            "events": event_rows(model.events), "span": [{"week": MIN_WEEKS_SHOWN}]}


def momentum_data(model: PartnershipModel, project: int) -> dict[str, list[dict[str, Any]]]:
    """Momentum (0-1) of each project over weeks, the average, the selected project and the stall line."""
    return _lines_data(model, project, "momentum", "mean_momentum", threshold=float(model.params["stall_threshold"]))


def trust_data(model: PartnershipModel, project: int) -> dict[str, list[dict[str, Any]]]:
    """Mean trust (0-1) among each project's partners over weeks, the average and the selected project."""
    return _lines_data(model, project, "trust_mean", "mean_trust", threshold=None)


def momentum_chart(model: PartnershipModel, project: int) -> ChartData:
    """The momentum chart at the current week."""
    return ChartData(lines_template("Momentum", "momentum (0-1)"), momentum_data(model, project))


def trust_chart(model: PartnershipModel, project: int) -> ChartData:
    """The trust chart at the current week."""
    return ChartData(lines_template("Trust between partners", "trust (0-1)"), trust_data(model, project))


@functools.cache
def comparison_template() -> dict[str, Any]:
    """Two panels with shared axes: average momentum, and the selected project's, with and without."""
    y = alt.Y("value:Q", title="momentum (0-1)", scale=alt.Scale(domain=[0, 1]))
    colour = alt.Color("run:N", scale=alt.Scale(domain=list(RUNS), range=[WITHOUT_COLOUR, WITH_COLOUR]),
                       legend=alt.Legend(title=None))
    dash = alt.StrokeDash("run:N", scale=alt.Scale(domain=list(RUNS), range=[[8, 4], [1, 0]]), legend=None)
    panels = []
    for name in ("average", "selected"):
        lines = alt.Chart(alt.NamedData(name=name)).mark_line(strokeWidth=4).encode(
            x=_week_x(), y=y, color=colour, strokeDash=dash)
        title = alt.Chart(alt.NamedData(name=f"{name}_title")).mark_text(
            align="left", baseline="bottom", fontSize=20, fontWeight="bold", dy=-12).encode(
            x=alt.value(0), y=alt.value(0), text="title:N")
        panels.append(alt.layer(lines, title, *_event_layers()).properties(width=WIDTH, height=HEIGHT))
    chart = alt.hconcat(*panels).resolve_scale(y="shared").properties(
        title="Side by side: the same seed with and without your interventions")
    return template(chart)


def comparison_chart(model: PartnershipModel, project: int) -> ChartData:
    """The side-by-side chart at the current week."""
    return ChartData(comparison_template(), comparison_data(model, project))


def comparison_data(model: PartnershipModel, project: int) -> dict[str, list[dict[str, Any]]]:
    """Momentum with the trainer's interventions (the model) and without them (its twin, same seed)."""
    twin = model.baseline
    rows = np.array([project])
    runs = {RUNS[0]: twin, RUNS[1]: model}
    average = [{"week": w, "value": round(v, 4), "run": run} for run, m in runs.items()
               for w, v in enumerate(m.datacollector.model_vars["mean_momentum"]) if v == v]
    selected = [{"week": w, "value": round(v, 4), "run": run} for run, m in runs.items()
                for w, v in enumerate(series_matrix(m.series["momentum"], rows, np.nan)[:, 0].tolist()) if v == v]
    events = event_rows(model.events)
    span = [{"week": MIN_WEEKS_SHOWN}]
    return {"average": average, "selected": selected, "events": events, "span": span,
            "average_title": [{"title": "Average momentum of open projects"}],
            "selected_title": [{"title": f"Momentum of {project_label(model, project)}"}]}


def outcome_counts(model: PartnershipModel) -> dict[str, int]:
    """Projects delivered, stalled now and abandoned, and representatives who left, so far."""
    w = model.datacollector.model_vars
    return {"delivered": int(w["delivered_projects"][-1]), "stalled": int(w["stalled_projects"][-1]),
            "abandoned": int(w["abandoned_projects"][-1]), "representatives left": int(sum(w["representatives_left"]))}


def comparison_text(model: PartnershipModel) -> str:
    """Plain words on what differs between the run with the trainer's interventions and without."""
    if not model.trainer_events:
        return (f"Same seed ({model.seed}) run twice. No interventions yet, so the two runs are identical: "
                "press an intervention button and watch the red line leave the blue dashed one.")
    mine, theirs = outcome_counts(model), outcome_counts(model.baseline)
    first = model.trainer_events[0].week
    now, then = (m.datacollector.model_vars["mean_momentum"][-1] for m in (model, model.baseline))
    diffs = [f"{name} {mine[name]} vs {theirs[name]}" for name in mine if mine[name] != theirs[name]]
    return (f"Same seed ({model.seed}) run twice; the only difference is what you did from week {first} on. "
            f"Now, with vs without your interventions: average momentum {now:.2f} vs {then:.2f}"
            + (f"; {'; '.join(diffs)}." if diffs else "; the same numbers of projects delivered, stalled and "
               "abandoned so far."))
