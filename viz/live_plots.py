"""The live view's charts over weeks: each project's stage, momentum and trust, and the side-by-side.

Built from the run's weekly record, read through :mod:`viz.live_model`'s accessors. Interventions
are dashed vertical lines at their week with a short label ("obstacle x3" when one was made three
times); what else happened to the projects (stalls, abandonments, deliveries, champions stepping up
or leaving, awards) is a marker on the project's momentum line, its words in the tooltip and in the
page's story log. Averages never drop a project (see :data:`viz.live_model.AVERAGE_RULE`).
Every chart comes with a text alternative: one sentence of what it shows now.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np

from partnerships.model.codes import Stage
from partnerships.viz.live_model import (
    AVERAGE_RULE,
    LiveModel,
    LiveRun,
    average_series,
    counts,
    delivered_series,
    momentum_history,
    progress_history,
    stage_history,
    trust_history,
)
from partnerships.viz.live_story import KINDS, StoryEvent
from partnerships.viz.live_style import (
    ACTION_LABELS,
    EVENT_COLOUR,
    KIND_STYLE,
    OKABE_ITO,
    SELECTED_COLOUR,
    STAGE_COLOURS,
    WITH_COLOUR,
    WITHOUT_COLOUR,
    project_label,
)
from partnerships.viz.live_vega import ChartData, template

MAX_PROJECT_ROWS = 30  # stage rows and per-project lines drawn in a big region (the selected one always)
MIN_WEEKS_SHOWN = 52  # the week axis starts a year wide and grows with the run
ROW_HEIGHT = 30  # px per project in the stage chart
LINE_SERIES = ("each project", "average of the starting projects", "selected project", "stalls below this")
#: What the side-by-side's second panel can show: key -> (title, axis title).
COMPARE_MEASURES = {
    "average": ("Average momentum, starting projects", "momentum (0-1)"),
    "delivered": ("Projects delivered so far", "projects"),
    "progress": ("How far {p} has got", "stages of work done (4: delivered)"),
}


def shown_projects(model: LiveRun, project: int) -> np.ndarray:
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


def event_rows(model: LiveRun, twin: LiveRun | None = None) -> list[dict[str, Any]]:
    """One row per week with interventions: the week and what happened in short words ("obstacle x3",
    joined by " + "); the twin's, if given, are marked "(twin)"."""
    by_week: dict[int, dict[str, int]] = {}
    runs = [(model, "")] + ([(twin, " (twin)")] if twin is not None else [])
    for run, suffix in runs:
        for e in run.events:
            words = ACTION_LABELS.get(e.action, e.action) + suffix
            by_week.setdefault(e.week, {})
            by_week[e.week][words] = by_week[e.week].get(words, 0) + 1
    rows = [{"week": week, "label": " + ".join(w if n == 1 else f"{w} x{n}" for w, n in words.items()), "shown": 1}
            for week, words in sorted(by_week.items())]
    return rows or [NO_EVENT]


#: An invisible placeholder: a layer with no data at all makes Vega-Lite warn of an infinite extent.
NO_EVENT = {"week": 0, "label": "", "shown": 0}


def _week_x(title: str | None = "week") -> alt.X:
    return alt.X("week:Q", title=title, scale=alt.Scale(domainMin=0, nice=False))


def _event_layers() -> list[alt.Chart]:
    """Dashed rules at the interventions' weeks, labelled at the top, plus an invisible point that
    keeps the week axis at least :data:`MIN_WEEKS_SHOWN` wide."""
    events = alt.Chart(alt.NamedData(name="events"))
    shown = alt.Opacity("shown:Q", scale=None, legend=None)
    rules = events.mark_rule(color=EVENT_COLOUR, strokeWidth=2.5, strokeDash=[6, 3]).encode(x=_week_x(),
                                                                                             opacity=shown)
    labels = events.mark_text(align="left", baseline="top", dx=5, dy=2, fontSize=16, fontWeight="bold",
                              color=EVENT_COLOUR).encode(x=_week_x(), y=alt.value(2), text="label:N")
    span = alt.Chart(alt.NamedData(name="span")).mark_point(opacity=0).encode(x=_week_x())
    return [rules, labels, span]


def _sized(chart: alt.TopLevelMixin, height: int | str = "container") -> alt.TopLevelMixin:
    return chart.properties(width="container", height=height)


@functools.cache
def stage_template(rows: int) -> dict[str, Any]:
    """Each project's stage as coloured bars along the weeks, one row per project (``rows`` of them:
    a height in pixels, as Vega-Lite warns about a step height in a container-wide chart)."""
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
    chart = alt.layer(bars, selected, *_event_layers())
    return template(_sized(chart, ROW_HEIGHT * rows).properties(title="Stage of each project"),
                    "Stage of each project, week by week")


def stage_segments(model: LiveRun, rows: np.ndarray) -> list[dict[str, Any]]:
    """Runs of weeks each project spent in one stage: project, stage, first week (``week``) and ``end``."""
    stages = series_matrix(stage_history(model), rows, fill=-1)  # weeks x projects
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


def stage_chart(model: LiveRun, project: int) -> ChartData:
    """The stage chart at the current week."""
    rows = shown_projects(model, project)
    data = {"segments": stage_segments(model, rows),
            "selected": [{"project": project_label(model, project), "order": project}],
            "events": event_rows(model), "span": [{"week": MIN_WEEKS_SHOWN}]}
    c = counts(model)
    drawn = "" if len(rows) == len(model.projects) else f" (the first {len(rows) - 1} and the selected one)"
    alt_text = (f"Stage chart, week {model.week}: {len(rows)} of {len(model.projects)} projects drawn{drawn}; "
                f"{c['delivered']} delivered, {c['stalled']} stalled now, {c['abandoned']} abandoned; "
                f"{project_label(model, project)} is {Stage(int(model.projects.stage[project])).label}.")
    return ChartData(stage_template(len(rows)), data, alt_text, "stage", "stages")


@functools.cache
def lines_template(title: str, measure: str, with_marks: bool) -> dict[str, Any]:
    """Thin grey line per project, the average (black), the selected project (orange), a threshold,
    the interventions and (``with_marks``) a marker for each event of the story."""
    y = alt.Y("value:Q", title=measure, scale=alt.Scale(domain=[0, 1]))
    legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=4, columns=2)
    colour = alt.Color("series:N", scale=alt.Scale(domain=list(LINE_SERIES), range=[
        OKABE_ITO["grey"], "black", SELECTED_COLOUR, OKABE_ITO["vermillion"]]), legend=legend)
    each = alt.Chart(alt.NamedData(name="projects")).mark_line(opacity=0.6, strokeWidth=1.3).encode(
        x=_week_x(), y=y, detail="project:N", color=colour)
    mean = alt.Chart(alt.NamedData(name="mean")).mark_line(strokeWidth=4).encode(x=_week_x(), y=y, color=colour)
    selected = alt.Chart(alt.NamedData(name="selected")).mark_line(strokeWidth=4).encode(x=_week_x(), y=y,
                                                                                         color=colour)
    threshold = alt.Chart(alt.NamedData(name="threshold")).mark_rule(strokeDash=[2, 3], strokeWidth=2.5).encode(
        y=y, color=colour)
    layers = [each, mean, selected, threshold]
    if with_marks:
        kinds = [k for k in KINDS if k != "intervention"]
        marks = alt.Chart(alt.NamedData(name="marks")).mark_point(filled=True, opacity=1, stroke="black",
                                                                   strokeWidth=1).encode(
            x=_week_x(), y=y,
            shape=alt.Shape("kind:N", scale=alt.Scale(domain=[KINDS[k] for k in kinds],
                                                      range=[KIND_STYLE[k][0] for k in kinds]),
                            legend=alt.Legend(title="Events", columns=4, orient="top")),
            fill=alt.Fill("kind:N", scale=alt.Scale(domain=[KINDS[k] for k in kinds],
                                                    range=[KIND_STYLE[k][1] for k in kinds]),
                          legend=alt.Legend(title="Events", columns=4, orient="top")),
            size=alt.Size("size:Q", scale=None, legend=None), tooltip=[alt.Tooltip("text:N", title="what happened")])
        layers.append(marks)
    chart = alt.layer(*layers, *_event_layers())
    return template(_sized(chart).properties(title=title), f"{title} of each project over the weeks")


def story_marks(model: LiveRun, story: Sequence[StoryEvent], project: int, rows: np.ndarray) -> list[dict[str, Any]]:
    """Markers for the story's project events on the drawn projects' momentum lines."""
    drawn = set(rows.tolist())
    series = momentum_history(model)
    out = [{"week": 0, "value": 0.0, "kind": KINDS["stalled"], "text": "", "size": 0}]  # see NO_EVENT
    for e in story:
        if e.kind == "intervention" or e.project is None or e.project not in drawn or e.week >= len(series):
            continue
        values = series[e.week]
        if e.project < len(values):
            out.append({"week": e.week, "value": round(float(values[e.project]), 4), "kind": KINDS[e.kind],
                        "text": e.line(), "size": 330 if e.project == project else 130})
    return out


def _lines_data(model: LiveRun, project: int, series: list[np.ndarray], average: list[float],
                threshold: float | None) -> dict[str, list[dict[str, Any]]]:
    rows = shown_projects(model, project)
    values = np.round(series_matrix(series, rows, fill=np.nan), 4)
    projects = [{"week": w, "project": int(p), "value": v, "series": LINE_SERIES[0]}
                for w, row in enumerate(values.tolist()) for p, v in zip(rows.tolist(), row) if v == v]
    mean = [{"week": w, "value": round(v, 4), "series": LINE_SERIES[1]} for w, v in enumerate(average)]
    column = int(np.flatnonzero(rows == project)[0])
    selected = [{"week": w, "value": v, "series": LINE_SERIES[2]} for w, v in enumerate(values[:, column].tolist())
                if v == v]
    lines = [] if threshold is None else [{"value": threshold, "series": LINE_SERIES[3]}]
    return {"projects": projects, "mean": mean, "selected": selected, "threshold": lines,
            "events": event_rows(model), "span": [{"week": MIN_WEEKS_SHOWN}]}


def momentum_chart(model: LiveRun, project: int, story: Sequence[StoryEvent] = ()) -> ChartData:
    """Momentum (0-1) of each project over weeks, the average, the selected project, the stall line,
    the interventions and the story's events."""
    threshold = float(model.params["stall_threshold"])
    average = average_series(model, "momentum")
    data = _lines_data(model, project, momentum_history(model), average, threshold)
    data["marks"] = story_marks(model, story, project, shown_projects(model, project))
    now = float(momentum_history(model)[-1][project])
    below = int((momentum_history(model)[-1] < threshold).sum())
    alt_text = (f"Momentum chart, week {model.week}: {project_label(model, project)} at {now:.2f}; the average is "
                f"{average[-1]:.2f} ({AVERAGE_RULE.format(n=model.n_initial_projects)}); {below} "
                f"project{'s' if below != 1 else ''} below the stall line at {threshold:g}.")
    return ChartData(lines_template("Momentum", "momentum (0-1)", True), data, alt_text, "momentum", "momentum")


def trust_chart(model: LiveRun, project: int) -> ChartData:
    """Mean trust (0-1) among each project's partners over weeks, the average and the selected project."""
    average = average_series(model, "trust")
    data = _lines_data(model, project, trust_history(model), average, None)
    now = float(trust_history(model)[-1][project])
    alt_text = (f"Trust chart, week {model.week}: trust among {project_label(model, project)}'s partners is "
                f"{now:.2f}; the average over the starting projects is {average[-1]:.2f}.")
    return ChartData(lines_template("Trust between partners", "trust (0-1)", False), data, alt_text, "trust", "trust")


@functools.cache
def comparison_template(axis_title: str, top: float | None) -> dict[str, Any]:
    """One panel of the side-by-side: a measure in the run (solid) and its twin (dashed), with the
    interventions of both; ``top`` fixes the y axis (None: from the data)."""
    scale = alt.Scale(domain=[0, top]) if top is not None else alt.Scale(domainMin=0)
    counted = alt.Axis(tickMinStep=1, format="d") if top is None else alt.Axis()
    y = alt.Y("value:Q", title=axis_title, scale=scale, axis=counted)
    legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=4, orient="bottom", direction="vertical")
    colour = alt.Color("run:N", sort=alt.EncodingSortField("order"),
                       scale=alt.Scale(range=[WITH_COLOUR, WITHOUT_COLOUR]), legend=legend)
    dash = alt.StrokeDash("run:N", sort=alt.EncodingSortField("order"), scale=alt.Scale(range=[[1, 0], [8, 4]]),
                          legend=legend)
    lines = alt.Chart(alt.NamedData(name="lines")).mark_line(strokeWidth=4, interpolate="step-after"
                                                             if top is None else "linear").encode(
        x=_week_x(), y=y, color=colour, strokeDash=dash)
    return template(_sized(alt.layer(lines, *_event_layers())), "The run and its twin over the weeks")


def comparison_chart(model: LiveModel, project: int, measure: str = "project") -> ChartData:
    """A side-by-side panel: ``"project"`` (the selected project's momentum) or a key of
    :data:`COMPARE_MEASURES`, in the run and its twin."""
    runs = ((model.labels[0], 0, model), (model.labels[1], 1, model.baseline))
    if measure == "project":
        title, axis, top = f"Momentum of {project_label(model, project)}", "momentum (0-1)", 1.0
        values = {i: series_matrix(momentum_history(run), np.array([project]), np.nan)[:, 0].tolist()
                  for _, i, run in runs}
    elif measure == "average":
        (title, axis), top = COMPARE_MEASURES[measure], 1.0
        values = {i: average_series(run, "momentum") for _, i, run in runs}
    elif measure == "delivered":
        (title, axis), top = COMPARE_MEASURES[measure], None
        values = {i: delivered_series(run) for _, i, run in runs}
    else:
        title, axis = (text.format(p=project_label(model, project)) for text in COMPARE_MEASURES["progress"])
        top = 4.0
        values = {i: series_matrix(progress_history(run), np.array([project]), np.nan)[:, 0].tolist()
                  for _, i, run in runs}
    lines = [{"week": w, "value": round(float(v), 4), "run": label, "order": i} for label, i, _ in runs
             for w, v in enumerate(values[i]) if v == v]
    def fmt(x: float) -> str:
        return f"{x:.0f}" if measure == "delivered" else f"{x:.2f}"

    now = {i: fmt(values[i][-1]) for _, i, _ in runs}
    data = {"lines": lines, "events": event_rows(model, model.baseline),
            "span": [{"week": MIN_WEEKS_SHOWN}]}
    alt_text = (f"Side by side, week {model.week}, {title}: {now[0]} ({model.labels[0]}) against "
                f"{now[1]} ({model.labels[1]}).")
    return ChartData(comparison_template(axis, top), data, alt_text, title,
                     f"side-by-side-{measure}")


def comparison_text(model: LiveModel) -> str:
    """Plain words on what differs between the run and its twin, and what follows so far."""
    differs = model.differences()
    seed = f"Same scenario and seed ({model.seed}) run twice"
    if not differs:
        return (f"{seed}. Nothing differs yet, so the two runs are identical: press an intervention button, or set "
                "the twin's levers in Settings, and watch the red line leave the blue dashed one.")
    mine, theirs = counts(model), counts(model.baseline)
    now, then = average_series(model, "momentum")[-1], average_series(model.baseline, "momentum")[-1]
    diffs = [f"{name} {mine[name]} against {theirs[name]}" for name in ("delivered", "stalled", "abandoned")
             if mine[name] != theirs[name]]
    return (f"{seed}; the only differences: {'; '.join(differs)}. Now, {model.labels[0]} against "
            f"{model.labels[1]}: average momentum {now:.2f} against {then:.2f} "
            f"({AVERAGE_RULE.format(n=model.n_initial_projects)})"
            + (f"; projects {', '.join(diffs)}." if diffs else "; the same numbers of projects delivered, stalled "
               "and abandoned so far."))
