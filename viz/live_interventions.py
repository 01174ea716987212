"""Intervention buttons: they act on the running model at the current week via ``model.intervene``.

The buttons are the actions of :mod:`model.interventions`; each applies to the selected project
(a representative leaving applies to the organisation picked from the list). The event it records
is marked on every chart at its week.
"""

from __future__ import annotations

import solara
from mesa.visualization.utils import force_update, update_counter

from model.interventions import ACTIONS
from viz.live_model import LiveModel
from viz.live_plots import project_label

#: Button text for each action the live view offers (a subset of :data:`model.interventions.ACTIONS`).
BUTTONS = {
    "funding_award": "Funding award arrives",
    "champion_leaves": "Champion leaves",
    "representative_leaves": "Representative leaves",
    "partner_withdraws": "A partner withdraws",
    "obstacle": "Obstacle hits",
    "policy_shock": "Policy shock (everyone)",
}


def project_choices(model: LiveModel) -> dict[str, int]:
    """Project picker entries: 'P3 housing - led by District Council 2' -> project index."""
    names, lead = model.region.org_names, model.projects.lead
    return {f"{project_label(model, p)} - led by {names[int(lead[p])]}": p for p in range(len(model.projects))}


@solara.component
def InterventionPanel(model: solara.Reactive[LiveModel], selected: solara.Reactive[int]) -> None:
    """Pick a project (and an organisation), then press what happens to it now."""
    update_counter.get()
    live = model.value
    organisation = solara.use_reactive(0)
    message = solara.use_reactive("")
    project = min(selected.value, len(live.projects) - 1)
    choices = project_choices(live)
    by_index = {p: label for label, p in choices.items()}
    names = list(live.region.org_names)
    has_champion = int(live.projects.champion[project]) >= 0

    def act(action: str) -> None:
        target = organisation.value if action == "representative_leaves" else None
        event = live.intervene(action, project=None if action == "policy_shock" else project, organisation=target)
        message.value = f"Week {event.week}, {BUTTONS[action].lower()}: {event.description}."
        force_update()

    with solara.Card("What happens now?", classes=["live-interventions"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "12px"}):
            solara.Select("Project", values=list(choices), value=by_index[project],
                          on_value=lambda label: selected.set(choices[label]), style={"min-width": "420px"})
            solara.Select("Organisation (for 'representative leaves')", values=names,
                          value=names[min(organisation.value, len(names) - 1)],
                          on_value=lambda name: organisation.set(names.index(name)), style={"min-width": "360px"})
        with solara.Row(style={"flex-wrap": "wrap", "gap": "10px"}):
            for action, text in BUTTONS.items():
                disabled = action == "champion_leaves" and not has_champion
                solara.Button(text + (" (no champion now)" if disabled else ""), on_click=lambda a=action: act(a),
                              color="warning" if action != "funding_award" else "success", disabled=disabled,
                              classes=["live-action", f"live-action-{action}"])
        if message.value:
            solara.Success(message.value, classes=["live-last-event"])
