"""Charts as Vega-Lite specs drawn in the browser: the server sends data, not pictures.

Each chart's layout is built once with Altair (validated against the Vega-Lite schema) on *named*
datasets; every step only refills those datasets with plain records, sent as one JSON text, which
the browser pours into the running Vega view (``live_vega.vue``) rather than drawing the chart
anew. Building a week's data costs a few milliseconds, where rendering a Matplotlib figure to an
image took 50-200 ms per figure; one string per chart, not thousands of records, keeps Solara's
re-render cheap; and updating a Vega view in place is far quicker than embedding it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import ipyvuetify as v
import reacton.core
import solara
import traitlets
from mesa.visualization.utils import force_update

from partnerships.viz.live_style import VEGA_CONFIG


def template(chart: alt.TopLevelMixin, description: str) -> dict[str, Any]:
    """The chart's Vega-Lite spec with the project's look (validated once, when it is built).

    Charts are as wide as their column (``width: "container"``); a chart whose height is
    ``"container"`` also fills its box's height, set by the page's CSS.
    """
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **VEGA_CONFIG}
    spec["description"] = description
    if spec.get("width") == "container":
        fit = "fit" if spec.get("height") == "container" else "fit-x"
        spec["autosize"] = {"type": fit, "contains": "padding", "resize": True}
    return spec


@dataclass(frozen=True)
class ChartData:
    """A chart at one week: its ``template`` (built once, on named datasets), the ``datasets``, a text
    alternative (``alt``: one sentence of what it shows now), its ``title`` in words and a short
    ``name`` for file names."""

    template: dict[str, Any]
    datasets: dict[str, list[dict[str, Any]]]
    alt: str = ""
    title: str = "chart"
    name: str = "chart"


class LiveVegaLite(v.VuetifyTemplate):
    """A Vega-Lite chart whose data change in place: the spec is drawn once, and each new
    ``datasets`` (JSON text: name -> records) goes into the running Vega view. It carries a text
    alternative and saves itself as PNG or SVG in the browser (``live_vega.vue``)."""

    template_file = str(Path(__file__).with_name("live_vega.vue"))
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Unicode("{}").tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("chart").tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)


def use_redraw() -> Callable[[], None]:
    """A hook giving ``redraw()``: Mesa's ``force_update`` in one batch, so every component that
    shows the week re-renders in a single pass rather than one pass each."""
    context = reacton.core.get_render_context()

    def redraw() -> None:
        with context:
            force_update()

    return redraw


@solara.component
def Chart(chart: ChartData, name: str, week: int = 0, classes: list[str] | None = None) -> None:
    """Show a chart; ``name`` becomes a CSS class (``live-<name>``) that tests can find."""
    with solara.Div(classes=[f"live-{name}", "live-chart", *(classes or [])]):
        LiveVegaLite.element(spec=chart.template, datasets=json.dumps(chart.datasets), alt=chart.alt,
                             title=chart.title, filename=f"partnerships-{chart.name}-week-{week}")
