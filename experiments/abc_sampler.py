"""A pyabc sampler that numbers, seeds and stores every candidate, so a calibration is reproducible and resumable.

pyabc's own samplers draw candidates in whichever worker is free, so which candidates a generation
holds depends on timing. This one draws every candidate in the driver, each from its own seed::

    candidate j of generation t:  numpy's global generator seeded by SeedSequence(base_seed, spawn_key=(0, t + 1, j))

then hands the model runs of a whole batch of candidates to a :class:`Simulator` (for the model,
:mod:`experiments.runs` on local processes or a Dask cluster), and evaluates the candidates in
number order. A generation keeps the first ``n`` accepted candidates by number, whatever the batch
sizes or the number of workers, so the result is the same bit for bit with 1 worker, N workers or a
cluster.

Each candidate is evaluated in two passes of pyabc's own ``simulate_one`` under the same seed: the
first draws the proposal and stops at the model (:class:`StoredModel` raises :class:`Pending`); the
batch is simulated; the second pass draws the same proposal again and gets the stored statistics,
then pyabc's acceptor decides. A batch's statistics are written (atomically) to
``<folder>/candidates/<generation>-c<first candidate>-n<count>.parquet`` once simulated; a calibration
started again replays pyabc from the beginning and finds every candidate there by its number, so no
accepted or rejected work is lost or repeated (a batch interrupted part way resumes inside the
simulator, whose model runs are stored as they finish).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import Sampler

from partnerships.experiments.store import write_atomic

MIN_BATCH = 8  # fewest candidates simulated together ...
MIN_BATCH_SHARE = 8  # ... or a 1/8 of the population, if more (each batch starts a pool: small ones cost time)
MAX_BATCH = 2.0  # most candidates in one batch, per particle still needed (a bad first guess of the rate costs little)
FIRST_BATCH = 0.6  # share of the expected candidates drawn in a generation's first batch (its rate is a guess)


class Pending(Exception):  # noqa: N818 - a signal, not an error
    """Raised by :class:`StoredModel` in the first pass: the candidate's parameters, not yet simulated."""

    def __init__(self, parameters: dict[str, float]) -> None:
        super().__init__("candidate not simulated yet")
        self.parameters = parameters


class NotReproducible(RuntimeError):
    """A candidate drawn again differs from the one drawn before (a pyabc or numpy change?)."""


class Simulator(Protocol):
    """Runs the model for a batch of candidates and returns each candidate's statistics."""

    def simulate(self, generation: int, first: int,
                 candidates: Mapping[int, dict[str, float]]) -> dict[int, dict[str, float]]:
        """Statistics of each candidate (keyed as given); ``first`` is the smallest candidate number (a name)."""
        ...


class StoredModel(pyabc.Model):
    """The pyabc model: the statistics the sampler holds for the candidate being evaluated."""

    def __init__(self, name: str = "partnerships") -> None:
        super().__init__(name)
        self.answer: tuple[dict[str, float], dict[str, float]] | None = None

    def sample(self, pars: Any) -> dict[str, float]:
        values = {k: float(pars[k]) for k in sorted(pars)}
        if self.answer is None:
            raise Pending(values)
        expected, statistics = self.answer
        if values != expected:
            raise NotReproducible(f"candidate drawn as {values}, stored as {expected}")
        return dict(statistics)


def proposal_seed(base_seed: int, generation: int, candidate: int) -> np.ndarray:
    """The seed of numpy's global generator while candidate ``candidate`` of ``generation`` is drawn."""
    return np.random.SeedSequence(base_seed, spawn_key=(0, generation + 1, candidate)).generate_state(4)


PREDICTIVE = 1000  # the generation number of the posterior predictive runs (their seeds and folder)


def generation_name(generation: int) -> str:
    """``prior`` for pyabc's calibration sample (t = -1), ``g00``, ``g01``, ... for the generations,
    ``predictive`` for the posterior predictive runs."""
    if generation >= PREDICTIVE:
        return "predictive"
    return "prior" if generation < 0 else f"g{generation:02d}"


class ReplaySampler(Sampler):
    """Candidates numbered and seeded in the driver, simulated in batches, stored, accepted in number order.

    Args:
        simulator: runs a batch of candidates (see :class:`Simulator`).
        model: the :class:`StoredModel` given to ``pyabc.ABCSMC``.
        folder: where the candidate tables go (``folder/candidates``).
        base_seed: the calibration's base seed.
        budget: most candidates simulated in all (a generation that would need more stops the calibration).
        progress: called with one line per finished batch (optional).
    """

    def __init__(self, simulator: Simulator, model: StoredModel, folder: Path, base_seed: int,
                 budget: float = math.inf, progress: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.simulator, self.model, self.base_seed, self.budget = simulator, model, base_seed, budget
        self.stopped = ""  # why the last generation stopped short, if it did
        self.folder = Path(folder) / "candidates"
        self.progress = progress
        self.rate = 0.3  # acceptance expected of a generation before one has been seen
        self.simulated = 0  # candidates simulated or read in this session (accepted or not, used or not)
        self.log: list[dict[str, Any]] = []
        self.cache: dict[int, dict[int, dict[str, float]]] = {}  # generation -> stored candidates
        self.error: BaseException | None = None  # what stopped a generation (pyabc's clean-up may raise over it)

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        try:
            return self._sample(n, simulate_one, t, max_eval, all_accepted)
        except BaseException as err:
            self.error = err
            raise

    def _sample(self, n: int, simulate_one: Callable, t: int, max_eval: float, all_accepted: bool):
        sample = self._create_empty_sample()
        accepted = evaluated = start = batch = 0
        rate = 1.0 if all_accepted else self.rate
        smallest = max(MIN_BATCH, math.ceil(n / MIN_BATCH_SHARE))
        while accepted < n and start < max_eval:
            left = self.budget - self.simulated
            if left < 1:
                self.stopped = f"the budget of {self.budget:,.0f} candidates was spent in generation {t}"
                break
            share = FIRST_BATCH if batch == 0 and not all_accepted else 1.0
            size = max(smallest, math.ceil(share * (n - accepted) / max(rate, 1e-3)))
            size = int(min(size, max(smallest, math.ceil(MAX_BATCH * (n - accepted))), left))
            ids = range(start, int(min(start + size, max_eval)))
            proposals = {j: self._propose(simulate_one, t, j) for j in ids}
            results = self._results(t, batch, proposals)
            for j in ids:
                particle = self._evaluate(simulate_one, t, j, proposals[j], results[j])
                sample.append(particle)
                evaluated = j + 1
                accepted += bool(particle.accepted)
                if accepted == n:
                    break
            start, batch = ids.stop, batch + 1
            rate = max(accepted, 1) / evaluated
        self.nr_evaluations_ = evaluated
        if not all_accepted and evaluated:
            self.rate = accepted / evaluated
        self.log.append({"generation": t, "accepted": accepted, "evaluated": evaluated,
                         "simulated": start, "batches": batch})
        if accepted < n:
            self.stopped = self.stopped or (f"generation {t} accepted {accepted} of {evaluated} candidates, below the "
                                            "minimum acceptance rate")
            sample.ok = False
        return sample

    # --- the two passes ------------------------------------------------------------------------------
    def _propose(self, simulate_one: Callable, t: int, j: int) -> dict[str, float]:
        np.random.seed(proposal_seed(self.base_seed, t, j))
        self.model.answer = None
        try:
            simulate_one()
        except Pending as pending:
            return pending.parameters
        raise RuntimeError("pyabc evaluated a candidate without its model")  # pragma: no cover - a pyabc change

    def _evaluate(self, simulate_one: Callable, t: int, j: int, parameters: dict[str, float],
                  statistics: dict[str, float]):
        np.random.seed(proposal_seed(self.base_seed, t, j))
        self.model.answer = (parameters, statistics)
        try:
            return simulate_one()
        finally:
            self.model.answer = None

    # --- the stored candidates ----------------------------------------------------------------------
    def _stored(self, t: int) -> dict[int, dict[str, float]]:
        """Every candidate of generation ``t`` stored by an earlier session (read once per generation)."""
        if t not in self.cache:
            rows: dict[int, dict[str, float]] = {}
            for path in sorted(self.folder.glob(f"{generation_name(t)}-c*.parquet")):
                for row in pd.read_parquet(path).to_dict("records"):
                    rows[int(row.pop("candidate"))] = {k: float(v) for k, v in row.items()}
            self.cache = {t: rows}
        return self.cache[t]

    def _results(self, t: int, batch: int, proposals: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
        stored = self._stored(t)
        results: dict[int, dict[str, float]] = {}
        for j, parameters in proposals.items():
            if j in stored:
                row = stored[j]
                if {k: row[k] for k in parameters} != parameters:
                    raise NotReproducible(f"candidate {j} of {generation_name(t)} differs from the one stored: the "
                                          "calibration cannot resume here (was pyabc or numpy upgraded?): choose a "
                                          "new --out folder")
                results[j] = {k: v for k, v in row.items() if k not in parameters}
        todo = {j: p for j, p in proposals.items() if j not in results}
        if todo:
            first = min(todo)
            fresh = self.simulator.simulate(t, first, todo)
            table = pd.DataFrame([{"candidate": j, **todo[j], **fresh[j]} for j in todo])
            path = self.folder / f"{generation_name(t)}-c{first:07d}-n{len(todo)}.parquet"
            write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
            results.update(fresh)
            stored.update({j: {**todo[j], **fresh[j]} for j in todo})
        self.simulated += len(proposals)
        if self.progress is not None:
            self.progress(f"{generation_name(t)} batch {batch}: {len(proposals)} candidates "
                          f"({len(todo)} simulated now, {len(proposals) - len(todo)} stored before)")
        return results
