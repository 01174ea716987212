"""Page-wide settings of the live view that Solara's page template does not offer (``live_page.vue``):
the page's language, a viewport that allows zooming, and accessible names for controls that
Vuetify draws without one (slider handles, progress bars)."""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import solara


class PageSetupWidget(v.VuetifyTemplate):
    """An invisible widget whose script applies the page-wide settings once it is on the page."""

    template_file = str(Path(__file__).with_name("live_page.vue"))


@solara.component
def PageSetup() -> None:
    """Put the page-wide settings on the page (once per page)."""
    PageSetupWidget.element()
