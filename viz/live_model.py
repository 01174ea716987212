"""The model on screen: a :class:`PartnershipModel` with an untouched twin for the side-by-side view.

The twin is built from the same scenario, parameters and seed and is stepped with the model, but
the trainer's buttons act on the model only. Until the first intervention the two runs are the
same week for week, so any later difference is the intervention's doing, not another draw of luck.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from partnerships.model.model import Event, PartnershipModel
from partnerships.model.scenarios import RegionSpec, load_region

DEFAULT_SEED = 1


class LiveModel(PartnershipModel):
    """A model the trainer intervenes in, with ``baseline``: the same run left alone.

    Args:
        region: built-in scenario name (``"county"``) or a scenario TOML path.
        rng: the seed (an integer, 0 or more), shared with the twin.
        **parameters: parameter overrides, checked by the model (out-of-range values raise).
    """

    def __init__(self, region: str | Path | RegionSpec = "county", *, rng: int = DEFAULT_SEED,
                 **parameters: Any) -> None:
        spec = region if isinstance(region, RegionSpec) else load_region(region)
        super().__init__(spec, rng=rng, **parameters)
        self.seed = rng
        self.source = str(region) if not isinstance(region, RegionSpec) else spec.name
        self.baseline = PartnershipModel(spec, rng=rng, **parameters)
        self.trainer_events: list[Event] = []
        self.lock = threading.RLock()  # the play loop steps in a thread; buttons and charts wait their turn

    def step(self) -> None:
        """One week of the model and of its twin."""
        with self.lock:
            super().step()
            self.baseline.step()

    def intervene(self, action: str, project: int | None = None, organisation: int | None = None,
                  amount: float | None = None) -> Event:
        """Apply an intervention to this model only (not to the twin) and remember it."""
        with self.lock:
            event = super().intervene(action, project=project, organisation=organisation, amount=amount)
            self.trainer_events.append(event)
        return event
