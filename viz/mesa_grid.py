"""Mesa's stock ``SolaraViz`` page under Vue 3 (ipyvuetify/ipyvue 3): a grid layout that draws its plots.

Mesa's page puts its plots in Solara's draggable grid (``solara.GridDraggable``). Under ipyvuetify 3,
Solara 1.64 uses its Vue 3 grid template, but that template still loads a grid written for Vue 2
(``@widgetti/vue-grid-layout@2.3.13-alpha.2``), which throws "GlobalVue.use is not a function" on a Vue 3
page: the grid never appears, so neither do the plots (mesa#3806). :func:`use_vue3_grid` points Solara's
grid widget at ``mesa_grid.vue``, the same template loading grid-layout-plus, the Vue 3 port of the same
grid (same props and events): the page, its layout, dragging and resizing stay Mesa's.
"""

from __future__ import annotations

from pathlib import Path

#: The grid template for Vue 3 pages (Solara's, loading a grid written for Vue 3).
TEMPLATE = Path(__file__).with_name("mesa_grid.vue")


def use_vue3_grid() -> None:
    """Give Solara's grid widget the Vue 3 grid template, when the page runs Vue 3 (ipyvuetify 3).

    Call before the page is drawn (at import of the page module). Under ipyvuetify 1 (Vue 2) Solara's
    own template works and is kept.
    """
    import solara.widgets
    from solara.util import IPYVUETIFY_V3

    if IPYVUETIFY_V3:
        solara.widgets.GridLayout.template_file = str(TEMPLATE)
