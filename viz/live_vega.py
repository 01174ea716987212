"""Charts as Vega-Lite specs drawn in the browser: the server sends data, not pictures.

Each chart's layout is built once with Altair (validated against the Vega-Lite schema) on *named*
datasets; every step only fills those datasets with plain records, each dataset sent inline as one
JSON string (Vega-Lite parses it). A spec built this way costs a few milliseconds, where rendering
a Matplotlib figure to an image took 50-200 ms per figure; and a spec of a few strings, not of
thousands of records, keeps Solara's re-render and the widget update cheap.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import reacton.core
import solara
from mesa.visualization.utils import force_update
from solara.widgets import VegaLite

from viz.live_style import VEGA_CONFIG


def template(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec with the project's look (validated once, when it is built)."""
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **VEGA_CONFIG}
    # SVG: sharp on a projector, and its labels are text a browser test can read; no export menu
    spec["usermeta"] = {"embedOptions": {"renderer": "svg", "actions": False}}
    return spec


def with_data(spec: dict[str, Any], **datasets: list[dict[str, Any]]) -> dict[str, Any]:
    """``spec`` with each named dataset replaced by its records, inline as a JSON string (the
    template itself is not changed). Every named dataset of the template must be given."""
    inline = {name: {"values": json.dumps(rows), "format": {"type": "json"}} for name, rows in datasets.items()}
    return _fill(spec, inline)


def _fill(node: Any, inline: dict[str, dict[str, Any]]) -> Any:
    if isinstance(node, dict):
        data = node.get("data")
        filled = {key: _fill(value, inline) for key, value in node.items() if key != "data"}
        if isinstance(data, dict) and "name" in data:
            filled["data"] = inline[data["name"]]
        elif data is not None:
            filled["data"] = data
        return filled
    if isinstance(node, list):
        return [_fill(item, inline) for item in node]
    return node


def use_redraw() -> Callable[[], None]:
    """A hook giving ``redraw()``: Mesa's ``force_update`` in one batch, so every component that
    shows the week re-renders in a single pass rather than one pass each."""
    context = reacton.core.get_render_context()

    def redraw() -> None:
        with context:
            force_update()

    return redraw


@solara.component
def Chart(spec: dict[str, Any], name: str) -> None:
    """Show a Vega-Lite spec; ``name`` becomes a CSS class (``live-<name>``) that tests can find."""
    with solara.Div(classes=[f"live-{name}", "live-chart"]):
        VegaLite.element(spec=spec)
