"""The partnership model on Mesa's stock ``SolaraViz`` page: ``solara run`` this file.

The sliders are generated from the parameter registry (:func:`partnerships.viz.mesa_params.model_params`);
the two plots read the model's ``DataCollector`` (the weekly record). Reset rebuilds the model from
the sliders and the seed. The trainer's live view, with interventions and the side-by-side, is
``partnerships live``.
"""

from mesa.visualization import SolaraViz, make_plot_component

from partnerships import PartnershipModel
from partnerships.viz.mesa_grid import use_vue3_grid
from partnerships.viz.mesa_params import model_params

use_vue3_grid()  # Solara's grid under Vue 3 loads a Vue 2 grid and shows no plots (mesa#3806)
page = SolaraViz(
    PartnershipModel(rng=0),
    components=[make_plot_component(["mean_momentum", "mean_trust"]),
                make_plot_component(["open_projects", "stalled_projects", "delivered_projects", "abandoned_projects"])],
    model_params=model_params(seed=0),
    name="Partnerships on Mesa's stock page",
)
