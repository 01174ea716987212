"""Colours, fonts and labels shared by the live view's figures (readable on a projector).

Colours are the Okabe-Ito palette, distinguishable with the common forms of colour blindness
(Okabe and Ito 2008, "Color Universal Design").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnerships.model.codes import SECTORS, Stage, Theme

if TYPE_CHECKING:
    from partnerships.model.model import PartnershipModel

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

SECTOR_COLOURS: dict[str, str] = dict(zip(SECTORS, (
    OKABE_ITO["blue"],  # council
    OKABE_ITO["bluish_green"],  # health
    OKABE_ITO["sky_blue"],  # police
    OKABE_ITO["orange"],  # voluntary
    OKABE_ITO["reddish_purple"],  # business
    OKABE_ITO["vermillion"],  # government
), strict=True))

#: Stage colours: the active stages darken as a project advances; the three ends stand apart.
STAGE_COLOURS: dict[Stage, str] = {
    Stage.INITIATING: "#D4E9F7",
    Stage.AGREEING_GOALS: "#A6D2F0",
    Stage.DESIGN_AND_FEASIBILITY: OKABE_ITO["sky_blue"],
    Stage.DELIVERY: OKABE_ITO["blue"],
    Stage.REALISING_BENEFITS: "#7FCFB8",
    Stage.DELIVERED: OKABE_ITO["bluish_green"],
    Stage.STALLED: OKABE_ITO["orange"],
    Stage.ABANDONED: OKABE_ITO["vermillion"],
}

#: Button colours with white text at a contrast of at least 4.5:1 (WCAG AA).
BUTTON_COLOURS = {"main": "#0b4f8a", "good": "#1b6b3a", "bad": "#9a3d00", "quiet": "#424242"}

WITH_COLOUR = OKABE_ITO["vermillion"]  # the run the trainer intervenes in
WITHOUT_COLOUR = OKABE_ITO["blue"]  # its untouched twin
SELECTED_COLOUR = OKABE_ITO["orange"]
EVENT_COLOUR = OKABE_ITO["black"]

#: Vega-Lite settings for every chart: large type for the back of a room.
VEGA_CONFIG = {
    "font": "Helvetica, Arial, sans-serif",
    "axis": {"labelFontSize": 16, "titleFontSize": 18, "titleFontWeight": "normal", "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 16, "titleFontSize": 17, "symbolSize": 220, "labelLimit": 320,
               "orient": "bottom", "direction": "horizontal"},
    "title": {"fontSize": 22, "anchor": "start", "offset": 12},
    "text": {"fontSize": 15},
    "view": {"stroke": None},
}

STAR = ("M0,-1L0.235,-0.324L0.951,-0.309L0.38,0.124L0.588,0.809L0,0.4L-0.588,0.809L-0.38,0.124L-0.951,-0.309"
        "L-0.235,-0.324Z")  # a five-pointed star, as an SVG path for Vega's point shape

#: Marker of each kind of story event on the momentum chart: (Vega point shape, fill colour).
KIND_STYLE: dict[str, tuple[str, str]] = {
    "stalled": ("triangle-down", OKABE_ITO["orange"]),
    "restarted": ("triangle-up", OKABE_ITO["sky_blue"]),
    "abandoned": ("cross", OKABE_ITO["vermillion"]),
    "delivered": ("circle", OKABE_ITO["bluish_green"]),
    "champion_emerged": (STAR, OKABE_ITO["yellow"]),
    "champion_left": (STAR, "#ffffff"),
    "award": ("diamond", OKABE_ITO["blue"]),
    "follow_on": ("square", OKABE_ITO["reddish_purple"]),
}

#: Short words for an intervention on a plot marker.
ACTION_LABELS = {
    "funding_award": "funding award",
    "champion_leaves": "champion leaves",
    "representative_leaves": "representative leaves",
    "partner_withdraws": "partner withdraws",
    "obstacle": "obstacle",
    "policy_shock": "policy shock",
}

THEME_SHORT = {Theme.COMMUNITY_SAFETY: "safety", Theme.HEALTH_AND_CARE: "health", Theme.ECONOMIC_GROWTH: "growth",
               Theme.HOUSING_AND_PLANNING: "housing", Theme.ENVIRONMENT_AND_WASTE: "waste",
               Theme.SHARED_SERVICES: "shared services"}


def project_label(model: PartnershipModel, p: int) -> str:
    """'P3 housing': the project's number and theme."""
    return f"P{p} {THEME_SHORT[Theme(int(model.projects.theme[p]))]}"

#: The page's CSS: type large enough for the back of a room, the presenter layout, visible focus.
PAGE_CSS = """
html, .v-application { font-size: 18px; }
.live-page { display: block; padding: 0 16px 24px; color: #1a1a1a; }
.live-head, .live-bar-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; }
.live-head { padding-top: 4px; }
.live-h1 { font-size: 1.3rem; font-weight: 700; margin: 0 8px 0 0; line-height: 1.2; }
.live-h2 { font-size: 1.2rem; font-weight: 700; margin: 10px 0 4px; }
.live-h3 { font-size: 1.05rem; font-weight: 700; margin: 8px 0 2px; }
.live-lesson-pick { flex: 0 1 340px; min-width: 240px; }
.live-measure { max-width: 320px; margin-top: 4px; }
.live-bar .v-input { margin: 0; }
.live-bar .v-input__details { display: none; }
.live-compare-switch .v-input, .live-stall-pause .v-input { flex: 0 0 auto; }
.live-bar { display: block; position: sticky; top: 0; z-index: 5; background: #ffffff;
            border-bottom: 2px solid #bdbdbd; padding: 2px 0 0; }
.live-bar-row { margin-top: 2px; }
.live-week { font-size: 1.6rem; font-weight: 700; min-width: 4.6em; line-height: 1.2; }
.live-bar-button.v-btn, .live-action.v-btn, .live-start.v-btn { font-size: 1rem !important;
    text-transform: none !important; letter-spacing: 0; }
.live-speed { width: 190px; } .live-target { width: 120px; }
.live-status { display: block; font-size: 1rem; padding: 0 0 2px; white-space: nowrap; overflow: hidden;
               text-overflow: ellipsis; }
.live-error { margin: 2px 0; }
.live-first { display: grid; grid-template-columns: minmax(0, 3fr) minmax(300px, 2fr); gap: 8px 20px;
              margin-top: 6px; }
@media (max-width: 900px) { .live-first { grid-template-columns: minmax(0, 1fr); } }
.live-main { min-width: 0; }
.live-main-charts.live-two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 10px; }
.live-chart { min-width: 0; }
.live-plot { width: 100%; }
.live-plot svg { max-width: 100%; height: auto; }
.live-tall .live-plot { height: clamp(240px, calc(100vh - 210px), 680px); }
.live-medium .live-plot { height: 520px; }
.live-figure { margin: 0; }
.live-export { display: flex; gap: 8px; justify-content: flex-end; }
.live-save { font-size: 0.9rem; padding: 2px 10px; border: 2px solid #424242; border-radius: 4px;
             background: #ffffff; color: #1a1a1a; cursor: pointer; }
.live-save:hover { background: #eeeeee; }
.live-side { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.live-monitors { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px; margin: 0; }
.live-monitor { border: 2px solid #9e9e9e; border-radius: 6px; padding: 2px 8px; }
.live-monitor dt { font-size: 0.85rem; line-height: 1.2; }
.live-monitor dd { font-size: 1.35rem; font-weight: 700; margin: 0; line-height: 1.25; }
.live-monitor .live-twin-value { display: block; font-size: 0.85rem; font-weight: 400; }
.live-note { display: block; font-size: 0.95rem; color: #333333; }
.live-buttons { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 0; align-items: center; }
.live-organisation { flex: 1 1 180px; min-width: 160px; }
.live-chart-title { margin: 0; font-size: 1.05rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.live-interventions .live-h2 { margin-top: 2px; }
.live-log { padding: 4px 8px; border: 2px solid #9e9e9e; border-radius: 6px; overflow-y: auto;
            min-height: 140px; max-height: max(140px, calc(100vh - 520px)); font-size: 1rem; }
.live-log ol { list-style: none; padding: 0; margin: 0; }
.live-log li { padding: 2px 0; border-bottom: 1px solid #e0e0e0; }
.live-log-intervention { font-weight: 700; }
.live-caption { display: block; font-size: 1.1rem; line-height: 1.45; max-width: 75ch; margin: 2px 0 14px 4px; }
.live-compare-text { max-width: none; }
.live-lesson { border-left: 6px solid #0b4f8a; padding: 2px 16px; margin: 12px 0; background: #f5f8fb; }
.live-prompt { display: block; font-size: 1.1rem; line-height: 1.45; max-width: 80ch; }
.live-questions { font-size: 1.1rem; line-height: 1.5; padding-left: 1.6em; }
.live-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 8px 24px;
             margin-top: 12px; }
.live-settings-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr));
                      gap: 8px 24px; }
.live-lever .v-label, .v-slider .v-slider__label { font-size: 1rem; opacity: 1; color: #1a1a1a; white-space: normal; }
.v-slider.v-input--horizontal { grid-template-areas: "prepend" "control" !important;
                                grid-template-columns: 100% !important; margin-bottom: 4px; }
.v-slider .v-input__prepend { margin: 0 !important; }
.live-pending .v-label, .live-pending .v-slider__label { color: #8a3b00 !important; font-weight: 700; }
.v-label, .v-field-label { opacity: 1 !important; color: #333333 !important; }
:focus-visible, .v-slider-thumb:focus-within .v-slider-thumb__surface {
    outline: 3px solid #000000 !important; outline-offset: 2px; box-shadow: 0 0 0 6px #ffd400 !important; }
"""
