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
import reacton.core
import solara
import traitlets
from mesa.visualization.utils import force_update
from solara.widgets import VegaLite

from partnerships.viz.live_style import VEGA_CONFIG


def template(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec with the project's look (validated once, when it is built)."""
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **VEGA_CONFIG}
    return spec


@dataclass(frozen=True)
class ChartData:
    """A chart at one week: its ``template`` (built once, on named datasets) and the ``datasets``."""

    template: dict[str, Any]
    datasets: dict[str, list[dict[str, Any]]]


class LiveVegaLite(VegaLite):
    """Solara's Vega-Lite widget whose data change in place: the spec is drawn once, and each new
    ``datasets`` (JSON text: name -> records) goes into the running Vega view."""

    template_file = str(Path(__file__).with_name("live_vega.vue"))
    datasets = traitlets.Unicode("{}").tag(sync=True)


def use_redraw() -> Callable[[], None]:
    """A hook giving ``redraw()``: Mesa's ``force_update`` in one batch, so every component that
    shows the week re-renders in a single pass rather than one pass each."""
    context = reacton.core.get_render_context()

    def redraw() -> None:
        with context:
            force_update()

    return redraw


@solara.component
def Chart(chart: ChartData, name: str) -> None:
    """Show a chart; ``name`` becomes a CSS class (``live-<name>``) that tests can find."""
    with solara.Div(classes=[f"live-{name}", "live-chart"]):
        LiveVegaLite.element(spec=chart.template, datasets=json.dumps(chart.datasets))
