"""Charts as Vega-Lite specs drawn in the browser: the server sends data, not pictures.

Each chart's layout is built once with Altair (validated against the Vega-Lite schema) on *named*
datasets; every step only fills those datasets with plain records. Building a spec this way takes
a few milliseconds, where rendering a Matplotlib figure to an image took 50-200 ms per figure.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import solara
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
    """``spec`` with its named datasets filled in (the template itself is not changed)."""
    return {**spec, "datasets": datasets}


@solara.component
def Chart(spec: dict[str, Any], name: str) -> None:
    """Show a Vega-Lite spec; ``name`` becomes a CSS class (``live-<name>``) that tests can find."""
    with solara.Div(classes=[f"live-{name}", "live-chart"]):
        VegaLite.element(spec=spec)
