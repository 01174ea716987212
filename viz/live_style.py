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
