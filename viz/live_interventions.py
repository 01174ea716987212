"""Intervention buttons: they act on the running model at the current week via ``model.intervene``.

The buttons are the actions of :mod:`model.interventions`; each applies to the selected project
(a representative leaving applies to the organisation picked from the list). The event it records
is marked on every chart at its week.
"""

from __future__ import annotations

import solara
from mesa.visualization.utils import update_counter

from partnerships.viz.live_model import LiveModel
from partnerships.viz.live_plots import project_label
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
def InterventionPanel(model: solara.Reactive[LiveModel], selected: solara.Reactive[int]) -> None:
    """Pick a project (and an organisation), then press what happens to it now."""
    update_counter.get()
    live = model.value
    organisation = solara.use_reactive(0)
    message = solara.use_reactive("")
    solara.use_effect(lambda: message.set(""), [live])  # a new run starts with no message
    redraw = use_redraw()
    project = min(selected.value, len(live.projects) - 1)
    choices = project_choices(live, project)
    by_index = {p: label for label, p in choices.items()}
    orgs = organisation_choices(live, project)
    org_name = {i: name for name, i in orgs.items()}
    target = organisation.value if organisation.value in org_name else next(iter(org_name))
    has_champion = int(live.projects.champion[project]) >= 0

    def act(action: str) -> None:
        event = live.intervene(action, project=None if action == "policy_shock" else project,
                               organisation=target if action == "representative_leaves" else None)
        message.value = f"Week {event.week}, {BUTTONS[action].lower()}: {event.description}."
        redraw()

    with solara.Card("What happens now?", classes=["live-interventions"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "12px"}):
            solara.Select("Project", values=list(choices), value=by_index[project],
                          on_value=lambda label: selected.set(choices[label]), style={"min-width": "420px"})
            solara.Select("Organisation (for 'representative leaves')", values=list(orgs), value=org_name[target],
                          on_value=lambda name: organisation.set(orgs[name]), style={"min-width": "360px"})
        with solara.Row(style={"flex-wrap": "wrap", "gap": "10px"}):
            for action, text in BUTTONS.items():
                disabled = action == "champion_leaves" and not has_champion
                solara.Button(text + (" (no champion now)" if disabled else ""), on_click=lambda a=action: act(a),
                              color="warning" if action != "funding_award" else "success", disabled=disabled,
                              classes=["live-action", f"live-action-{action}"])
        if message.value:
            solara.Success(message.value, classes=["live-last-event"])
