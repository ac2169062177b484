"""How good a ranker's pick is, against the truth: p(best), share of the achievable uplift, regret.

For each video with candidates of true values ``v`` (log10 views) a ranker picks its top-scored one.
``p_best`` is how often that pick is a truly best candidate (chance: a random pick, 1/K without ties);
``uplift_share`` is (pick - mean) / (best - mean) summed over videos, the share of what a perfect
picker gains over a random pick that this ranker gains (0 for a random pick, 1 for a perfect one);
``regret`` is best - pick, in log10 views (a random pick's regret is best - mean). Intervals resample
channels (clustered bootstrap) where channels repeat.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..popularity.metrics import bootstrap_weights


def picks(scores: np.ndarray, seed: int = 0) -> np.ndarray:
    """Index of the top-scored candidate of each video (ties broken at random)."""
    scores = np.asarray(scores, float)
    jitter = np.random.default_rng(seed).random(scores.shape)
    return np.lexsort((jitter, scores), axis=-1)[:, -1] if scores.size else np.zeros(0, int)


def per_video(true: np.ndarray, scores: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Per video: picked value, best, mean (a random pick's expectation), whether the pick is a best one."""
    true = np.asarray(true, float)
    chosen = true[np.arange(len(true)), picks(scores, seed)]
    best, mean = true.max(1), true.mean(1)
    is_best = np.isclose(true, best[:, None])
    return pd.DataFrame({"picked": chosen, "best": best, "mean": mean, "is_best": np.isclose(chosen, best),
                         "chance_best": is_best.mean(1)})


def _stats(w: np.ndarray, v: pd.DataFrame) -> np.ndarray:
    """(n_draws, 4): p_best, uplift_share, regret, chance p_best for weight rows ``w``."""
    tot = w.sum(1)
    gain, room = (v["picked"] - v["mean"]).to_numpy(), (v["best"] - v["mean"]).to_numpy()
    share = (w @ gain) / np.maximum(w @ room, 1e-12)
    return np.column_stack([w @ v["is_best"].to_numpy(float) / tot, share,
                            w @ (v["best"] - v["picked"]).to_numpy() / tot, w @ v["chance_best"].to_numpy() / tot])


def pick_metrics(true: np.ndarray, scores: np.ndarray, groups: np.ndarray | None = None, n_boot: int = 200,
                 seed: int = 0) -> dict:
    """``p_best``, ``uplift_share``, ``regret`` with 95 % intervals (clustered bootstrap), and their chance levels."""
    v = per_video(true, scores, seed)
    point = _stats(np.ones((1, len(v))), v)[0]
    w, unit = bootstrap_weights(groups, len(v), n_boot, seed)
    draws = _stats(w, v)
    lo, hi = np.nanquantile(draws, [0.025, 0.975], axis=0)
    out = {"ci_unit": unit, "n_videos": len(v), "k": int(np.shape(true)[1])}
    for j, name in enumerate(("p_best", "uplift_share", "regret")):
        out[name], out[f"{name}_low"], out[f"{name}_high"] = float(point[j]), float(lo[j]), float(hi[j])
    out["p_best_chance"] = float(point[3])
    out["regret_chance"] = float((v["best"] - v["mean"]).mean())
    out["uplift_share_chance"] = 0.0
    return out


def paired_share_difference(true: np.ndarray, a: np.ndarray, b: np.ndarray, groups: np.ndarray | None = None,
                            n_boot: int = 200, seed: int = 0) -> dict:
    """Uplift share of ranker ``a`` minus that of ``b``, with an interval from the same resampled channels."""
    va, vb = per_video(true, a, seed), per_video(true, b, seed)
    w, _ = bootstrap_weights(groups, len(va), n_boot, seed)
    diff = _stats(w, va)[:, 1] - _stats(w, vb)[:, 1]
    point = _stats(np.ones((1, len(va))), va)[0, 1] - _stats(np.ones((1, len(vb))), vb)[0, 1]
    lo, hi = np.nanquantile(diff, [0.025, 0.975])
    return {"difference": float(point), "low": float(lo), "high": float(hi)}


def picking_table(true: np.ndarray, scores: Mapping[str, np.ndarray], groups: np.ndarray | None = None,
                  n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """One row per ranker: the ``pick_metrics`` numbers."""
    return pd.DataFrame({name: pick_metrics(true, s, groups, n_boot, seed) for name, s in scores.items()}).T
