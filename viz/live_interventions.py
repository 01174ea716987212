"""Intervention buttons: they act on the running model at the current week via ``model.intervene``.

The buttons are the actions of :mod:`model.interventions`; each applies to the selected project
(a representative leaving applies to the organisation picked from the list). The event it records
is marked on every chart at its week and told in the story log. Pressing a button twice in one
week makes two events, each told separately, and the chart's label counts them ("obstacle x2").
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization.utils import update_counter

from partnerships.viz.live_model import LiveModel
from partnerships.viz.live_player import Session
from partnerships.viz.live_style import BUTTON_COLOURS, project_label
from partnerships.viz.live_vega import use_redraw
from partnerships.viz.network import shown_organisations

MAX_CHOICES = 200  # projects listed in the picker of a big region (plus the selected one)

#: Button text for each action the live view offers (a subset of :data:`model.interventions.ACTIONS`).
BUTTONS = {
    "funding_award": "Funding award arrives",
    "champion_leaves": "Champion leaves",
    "representative_leaves": "Representative leaves",
    "partner_withdraws": "A partner withdraws",
    "obstacle": "Obstacle hits",
    "policy_shock": "Policy shock (everyone)",
}


def project_choices(model: LiveModel, selected: int = 0) -> dict[str, int]:
    """Project picker entries: 'P3 housing - led by District Council 2' -> project index (in a big
    region the first :data:`MAX_CHOICES` projects and the selected one)."""
    names, lead, n = model.region.org_names, model.projects.lead, len(model.projects)
    shown = range(n) if n <= MAX_CHOICES else sorted({*range(MAX_CHOICES), selected})
    return {f"{project_label(model, p)} - led by {names[int(lead[p])]}": p for p in shown}


def organisation_choices(model: LiveModel, project: int) -> dict[str, int]:
    """Organisation picker entries: name -> index, for the organisations the network shows."""
    return {model.region.org_names[i]: int(i) for i in shown_organisations(model, project)}


@solara.component
def InterventionPanel(session: Session, selected: solara.Reactive[int], message: solara.Reactive[str],
                      error: solara.Reactive[str | None]) -> None:
    """Pick a project (and an organisation), then press what happens to it now."""
    update_counter.get()
    live = session.model
    organisation = solara.use_reactive(-1)
    redraw = use_redraw()
    project = min(selected.value, len(live.projects) - 1)
    choices = project_choices(live, project)
    by_index = {p: label for label, p in choices.items()}
    orgs = organisation_choices(live, project)
    org_name = {i: name for name, i in orgs.items()}
    target = organisation.value if organisation.value in org_name else next(iter(org_name))
    has_champion = int(live.projects.champion[project]) >= 0

    def act(action: str) -> None:
        if action not in BUTTONS:
            error.value = f"intervention {action!r}: allowed {', '.join(BUTTONS)}"
            return
        message.value = session.intervene(action, project=None if action == "policy_shock" else project,
                                          organisation=target if action == "representative_leaves" else None)
        error.value = None
        redraw()

    def pick_project(label: Any) -> None:
        if label not in choices:
            error.value = f"project {label!r}: pick one from the list"
            return
        selected.set(choices[label])

    def pick_organisation(name: Any) -> None:
        if name not in orgs:
            error.value = f"organisation {name!r}: pick one from the list"
            return
        organisation.set(orgs[name])

    with solara.Div(classes=["live-interventions"]):
        solara.HTML(tag="h2", unsafe_innerHTML="What happens now?", classes=["live-h2"])
        solara.Select("Project (drawn in orange)", values=list(choices), value=by_index[project], on_value=pick_project,
                      dense=True)
        def button(action: str) -> None:
            disabled = action == "champion_leaves" and not has_champion
            solara.Button(BUTTONS[action] + (" (no champion now)" if disabled else ""), on_click=lambda: act(action),
                          color=BUTTON_COLOURS["good" if action == "funding_award" else "bad"],
                          disabled=disabled, classes=["live-action", f"live-action-{action}"])

        with solara.Div(classes=["live-buttons"]):
            for action in BUTTONS:
                if action != "representative_leaves":
                    button(action)
        with solara.Div(classes=["live-buttons", "live-representative"]):
            with solara.Div(classes=["live-organisation"]):
                solara.Select("Organisation", values=list(orgs), value=org_name[target], on_value=pick_organisation,
                              dense=True)
            button("representative_leaves")
