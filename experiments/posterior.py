"""Parameter uncertainty downstream: experiments over posterior draws, and effects with both of their intervals.

An experiment file says ``parameters = "posterior"`` (the project's calibrated posterior,
:data:`DEFAULT_POSTERIOR`, 50 draws) or ``posterior = { file = "...", draws = 50 }`` in its
``[experiment]`` table. Each draw is a set of values of the calibrated parameters, drawn from the
posterior's particles with probability equal to their weights (with replacement; seeded by the
experiment's base seed). The design then crosses every design point with every draw::

    point = cell * draws + draw          (draws innermost: draw = point % draws, cell = point // draws)

and each (cell, draw) point keeps the experiment's replications. A draw supplies only the
parameters the file does not set itself: ``[fixed]`` and ``[vary]`` take precedence.

:func:`effect_intervals` then gives every lever effect two 95% intervals from one results folder:

- **seeds alone**: the effect averaged over the draws, +/- t x its standard error from seed-to-seed
  variation within each draw: the interval a study would report if the parameters were known;
- **parameters and seeds**: the 2.5% and 97.5% quantiles over draws of the effect at each draw (each
  estimated from that draw's seeds): where the effect lies given what the calibration leaves uncertain.

and the share of the effect's spread across draws that the parameters cause (the rest is seeds).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from partnerships.experiments.errors import UserError
from partnerships.model.parameters import PARAMETERS

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
#: The project's calibrated posterior (the curated example of docs/calibration.md).
DEFAULT_POSTERIOR = PACKAGE_ROOT / "results" / "examples" / "calibration" / "posterior.parquet"
DEFAULT_DRAWS = 50
PROVENANCE = "posterior.json"


@dataclass(frozen=True)
class PosteriorDraws:
    """Draws of calibrated parameter values from a posterior file, and what identifies them."""

    file: str
    sha256: str  # of the posterior file and its provenance file together
    particles: tuple[int, ...]  # the particle each draw came from
    values: tuple[dict[str, Any], ...]  # each draw's parameter values

    @property
    def draws(self) -> int:
        return len(self.values)

    def record(self) -> dict[str, Any]:
        """What the results folder's manifest records (and the resume guard hashes)."""
        return {"file": self.file, "sha256": self.sha256, "draws": self.draws, "particles": list(self.particles),
                "point_rule": "point = cell * draws + draw", "values": [dict(v) for v in self.values]}


def _shown(path: Path) -> str:
    """A posterior file's path as a manifest records it: relative to the project for its own files (so a committed
    manifest names no machine's folders), absolute otherwise."""
    try:
        return path.resolve().relative_to(PACKAGE_ROOT).as_posix()
    except ValueError:
        return str(path)


def file_sha256(path: Path) -> str:
    """sha256 of a posterior file together with the ``posterior.json`` beside it (if present)."""
    digest = hashlib.sha256(Path(path).read_bytes())
    provenance = Path(path).with_name(PROVENANCE)
    if provenance.is_file():
        digest.update(provenance.read_bytes())
    return digest.hexdigest()


def read_posterior(path: Path) -> pd.DataFrame:
    """A posterior file's particles: ``weight`` and one column per calibrated parameter (model units)."""
    path = Path(path)
    if not path.is_file():
        hint = (" (the project's posterior is committed in results/examples/calibration: restore it from git, or run "
                "'partnerships calibrate calibration' and copy its posterior; see docs/calibration.md)"
                if path == DEFAULT_POSTERIOR else "")
        raise UserError(f"posterior file '{path}' not found{hint}: allowed a posterior.parquet written by "
                        "'partnerships calibrate'")
    try:
        table = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file is the same mistake to the user
        raise UserError(f"posterior file '{path}' cannot be read ({type(err).__name__}): allowed a posterior.parquet "
                        "written by 'partnerships calibrate'") from None
    names = parameter_columns(table)
    if "weight" not in table or not names or not (table["weight"] >= 0).all() or table["weight"].sum() <= 0:
        raise UserError(f"posterior file '{path}' has no weights or no parameter columns: allowed a posterior.parquet "
                        "written by 'partnerships calibrate'")
    return table


def parameter_columns(table: pd.DataFrame) -> list[str]:
    """The posterior's parameter columns (those that name a registry parameter)."""
    return [c for c in table.columns if c in PARAMETERS]


def draw(path: Path, draws: int, seed: int) -> PosteriorDraws:
    """``draws`` draws from the posterior at ``path``, each a particle chosen with probability = its weight."""
    table = read_posterior(path)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    w = table["weight"].to_numpy(dtype=float)
    chosen = rng.choice(len(table), size=draws, replace=True, p=w / w.sum())
    names = parameter_columns(table)
    values = tuple({n: PARAMETERS[n].validate(_plain(table.at[int(i), n])) for n in names} for i in chosen)
    return PosteriorDraws(_shown(Path(path)), file_sha256(path), tuple(int(i) for i in chosen), values)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def cross(points: list[dict[str, Any]], posterior: PosteriorDraws | None,
          keep: set[str]) -> list[dict[str, Any]]:
    """Every design point with every draw (draws innermost); a draw's value of a parameter in ``keep`` is dropped."""
    if posterior is None:
        return points
    return [{**{k: v for k, v in values.items() if k not in keep}, **point}
            for point in points for values in posterior.values]


def replication_draws(posterior: PosteriorDraws, replications: int) -> list[dict[str, Any]]:
    """Draws as a replication dimension: replication r runs at draw ``r % draws`` (for paired designs such as the
    validation's, where every condition of a replication shares its seed and so must share its parameters)."""
    return [dict(posterior.values[r % posterior.draws]) for r in range(replications)]


# --- effects with both intervals ------------------------------------------------------------------------
def effect_intervals(folder: Path, outcomes: tuple[str, ...] = ("delivered_share", "working_well_share"),
                     confidence: float = 0.95) -> pd.DataFrame:
    """Each lever level's effect with its seeds-only and parameters+seeds intervals, from a sweep's results folder.

    Reads ``runs.parquet`` (or the stored parts) and ``manifest.json``; see :func:`effects_over_draws`.
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise UserError(f"'{folder}' holds no sweep results (no manifest.json): allowed a folder written by "
                        "'partnerships sweep'")
    return effects_over_draws(_runs(folder), json.loads(manifest_path.read_text()), outcomes, confidence)


def effects_over_draws(runs: pd.DataFrame, manifest: dict[str, Any],
                       outcomes: tuple[str, ...] = ("delivered_share", "working_well_share"),
                       confidence: float = 0.95) -> pd.DataFrame:
    """Each lever level's effect (against the lever's first level) with its seeds-only and parameters+seeds intervals.

    ``runs`` is a sweep's run table (``point``, the lever columns, the outcomes, ``status``) and ``manifest``
    its manifest. For a sweep without a posterior there is one draw and both intervals are the seeds-only
    one. Columns: outcome, lever, level, reference, draws, effect, seeds_low, seeds_high, total_low,
    total_high, draw_se (the seed-noise standard error of one draw's effect, on average: the part of the
    parameters+seeds interval that seeds cause), parameter_share (the share of the effect's variance across
    draws not explained by seed noise, 0-1), survives (the parameters+seeds interval excludes 0).
    """
    runs = runs[runs["status"] == "ok"]
    draws = int((manifest.get("posterior") or {}).get("draws", 1))
    runs = runs.assign(draw=runs["point"] % draws)
    levers = [f for f in manifest["factors"] if f.get("levels") is not None and len(f["levels"]) > 1]
    names = [f["name"] for f in levers]
    rows = []
    alpha = (1 - confidence) / 2
    for outcome in outcomes:
        cells = runs.groupby(["draw", *names])[outcome].agg(n="count", mean="mean", var="var").reset_index()
        cells["v"] = cells["var"].fillna(0) / cells["n"].clip(lower=1)
        for lever in levers:
            name, levels = lever["name"], list(lever["levels"])
            per = cells.groupby(["draw", name]).agg(mean=("mean", "mean"), v=("v", "sum"), k=("mean", "count"),
                                                    df=("n", lambda n: int((n - 1).clip(lower=0).sum())))
            per["v"] = per["v"] / per["k"] ** 2
            for level in levels[1:]:
                try:
                    a, b = per.xs(level, level=name), per.xs(levels[0], level=name)
                except KeyError:
                    continue
                both = a.add_suffix("_a").join(b.add_suffix("_b"), how="inner")
                e = (both["mean_a"] - both["mean_b"]).to_numpy()
                v = (both["v_a"] + both["v_b"]).to_numpy()
                d = len(e)
                if d == 0:
                    continue
                estimate = float(np.mean(e))
                se = math.sqrt(float(np.sum(v))) / d
                dof = max(1, int(min(both["df_a"].sum(), both["df_b"].sum())))
                half = float(stats.t.ppf(1 - alpha, dof)) * se
                if d > 1:
                    total_low, total_high = (float(x) for x in np.quantile(e, [alpha, 1 - alpha]))
                    spread = float(np.var(e, ddof=1))
                    share = max(0.0, 1.0 - float(np.mean(v)) / spread) if spread > 0 else 0.0
                else:
                    total_low, total_high, share = estimate - half, estimate + half, 0.0
                rows.append({"outcome": outcome, "lever": name, "level": level, "reference": levels[0], "draws": d,
                             "effect": estimate, "seeds_low": estimate - half, "seeds_high": estimate + half,
                             "total_low": total_low, "total_high": total_high,
                             "draw_se": math.sqrt(float(np.mean(v))), "parameter_share": share,
                             "survives": bool(total_low > 0 or total_high < 0)})
    return pd.DataFrame(rows)


def _runs(folder: Path) -> pd.DataFrame:
    path = folder / "runs.parquet"
    if path.is_file():
        return pd.read_parquet(path)
    from partnerships.experiments.store import Store

    stored = Store(folder).scan().runs
    if stored.empty:
        raise UserError(f"'{folder}' has no finished runs yet: run 'partnerships sweep' to fill it")
    return stored
