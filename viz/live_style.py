"""Colours, fonts and labels shared by the live view's figures (readable on a projector).

Colours are the Okabe-Ito palette, distinguishable with the common forms of colour blindness
(Okabe and Ito 2008, "Color Universal Design").
"""

from __future__ import annotations

from partnerships.model.codes import SECTORS, Stage

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

#: Short words for an intervention on a plot marker.
ACTION_LABELS = {
    "funding_award": "funding award",
    "champion_leaves": "champion leaves",
    "representative_leaves": "representative leaves",
    "partner_withdraws": "partner withdraws",
    "obstacle": "obstacle",
    "policy_shock": "policy shock",
}
