"""The chapter's study steps, one call each, so that the chapter's cells read as the argument."""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import abtest, guidance, picking
from .rankers import score_sets


def _r(x) -> float | None:
    """Rounded for results.json (None for missing values)."""
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def rank_candidates(cands, rankers: Mapping[str, Callable], n_boot: int, seed: int):
    """Scores (n, K) of every ranker and the picking table (one row per ranker)."""
    scores = {name: score_sets(fn, cands.images) for name, fn in rankers.items()}
    return scores, picking.picking_table(cands.true, scores, cands.channel_id, n_boot, seed)


def picking_record(table: pd.DataFrame) -> dict:
    """``picking`` of results.json: per ranker p_best, uplift_share, regret with intervals and chance levels."""
    keys = [f"{m}{s}" for m in ("p_best", "uplift_share", "regret") for s in ("", "_low", "_high", "_chance")]
    return {name: {**{k: _r(row[k]) for k in keys}, "ci_unit": row["ci_unit"], "n_videos": int(row["n_videos"]),
                   "k": int(row["k"])} for name, row in table.iterrows()}


def peeking_study(base_ctr: float, planted: float, per_day: int, days: int, n_tests: int, alpha: float,
                  tau2: float, seed: int) -> pd.DataFrame:
    """Null (A = B, the negative control) and planted-uplift (B = A * (1 + planted), the positive control) runs."""
    null = abtest.simulate_tests(base_ctr, base_ctr, per_day, days, n_tests, alpha, tau2, seed)
    power = abtest.simulate_tests(base_ctr, base_ctr * (1 + planted), per_day, days, n_tests, alpha, tau2, seed + 1)
    rows = []
    for reading in ("fixed_once", "fixed_peeking", "sequential"):
        low, high = abtest.binomial_interval(null[reading], n_tests)
        rows.append({"reading": reading, "false_winner_rate": null[reading], "low": low, "high": high,
                     "power": power[reading]})
    table = pd.DataFrame(rows).set_index("reading")
    table.attrs.update(n_tests=n_tests, sequential_days_null=null["sequential_mean_days"],
                       sequential_days_planted=power["sequential_mean_days"])
    return table


def alpha_interval(alpha: float, n: int) -> tuple[float, float]:
    """The central 95 % binomial range of a false-winner rate over ``n`` tests at true rate ``alpha``."""
    from scipy import stats

    lo, hi = stats.binom.ppf([0.025, 0.975], n, alpha)
    return float(lo / n), float(hi / n)


def ab_record(table: pd.DataFrame, alpha: float) -> dict:
    """``ab_test`` of results.json."""
    n = int(table.attrs["n_tests"])
    lo, hi = alpha_interval(alpha, n)
    return {"false_winner_rate": {k: {"value": _r(r.false_winner_rate), "low": _r(r.low), "high": _r(r.high),
                                      "power_planted": _r(r.power)} for k, r in table.iterrows()},
            "n_tests": n, "alpha": alpha, "alpha_range": [lo, hi]}


def prescreen_table(cands, scores: np.ndarray, base_ctr: float, impressions: float, n_boot: int,
                    seed: int) -> pd.DataFrame:
    """Extra clicks per 1,000 impressions of each strategy over a random upload, with channel-bootstrap intervals."""
    from ..popularity.metrics import bootstrap_weights

    ctr = abtest.ctr_from_content(cands.true, base_ctr)
    per = abtest.prescreen_uplift(ctr, scores, impressions, np.random.default_rng(seed))
    w, _ = bootstrap_weights(cands.channel_id, len(ctr), n_boot, seed)
    rows = {}
    for name, v in per.items():
        draws = w @ v / w.sum(1)
        rows[name] = {"value": float(v.mean()), "low": float(np.quantile(draws, 0.025)),
                      "high": float(np.quantile(draws, 0.975))}
    return pd.DataFrame(rows).T


def guidance_study(model, config, autoencoder, score, predict: Callable, probe: Callable, names: Sequence[str],
                   truth: Mapping, strengths: Sequence[float], n: int, steps: int, seed: int, n_boot: int):
    """Per guidance strength: predicted and (estimated) true uplift over unguided samples, paired by noise."""
    samples = {s: guidance.guided_sample(model, config, n, seed, steps, s, score, autoencoder) for s in strengths}
    base = samples[strengths[0]] if strengths[0] == 0 else guidance.guided_sample(model, config, n, seed, steps, 0.0)
    pred0, true0 = predict(base), guidance.truth_estimate(probe(base), names, truth)
    rows = []
    for s, imgs in samples.items():
        p = guidance.uplift(predict(imgs), pred0, n_boot, seed, paired=True)
        t = guidance.uplift(guidance.truth_estimate(probe(imgs), names, truth), true0, n_boot, seed, paired=True)
        rows.append({"strength": float(s), "predicted_uplift": p[0], "predicted_low": p[1], "predicted_high": p[2],
                     "true_uplift": t[0], "true_low": t[1], "true_high": t[2]})
    return pd.DataFrame(rows), samples, base


def best_of_study(model, config, autoencoder, predict: Callable, probe: Callable, names: Sequence[str],
                  truth: Mapping, base: np.ndarray, n_best: int, steps: int, seed: int, n_boot: int):
    """Best-of-``n_best`` selection by the popularity model against the unguided samples ``base``."""
    pool = guidance.guided_sample(model, config, len(base) * n_best, seed + 1, steps, 0.0, None, autoencoder)
    chosen = guidance.best_of_n(pool, predict(pool), n_best)
    p = guidance.uplift(predict(chosen), predict(base), n_boot, seed)
    t = guidance.uplift(guidance.truth_estimate(probe(chosen), names, truth),
                        guidance.truth_estimate(probe(base), names, truth), n_boot, seed)
    row = {"n": n_best, "predicted_uplift": p[0], "predicted_low": p[1], "predicted_high": p[2],
           "true_uplift": t[0], "true_low": t[1], "true_high": t[2]}
    return pd.DataFrame([row]), chosen


def guidance_record(table: pd.DataFrame, best_of: pd.DataFrame) -> dict:
    """``guidance`` of results.json: per strength (and best-of-N) predicted and true uplift with intervals."""
    cols = ["predicted_uplift", "predicted_low", "predicted_high", "true_uplift", "true_low", "true_high"]
    out = {f"{r.strength:g}": {c: _r(getattr(r, c)) for c in cols} for r in table.itertuples()}
    out.update({f"best_of_{int(r.n)}": {c: _r(getattr(r, c)) for c in cols} for r in best_of.itertuples()})
    return out


def probe_check(probe: Callable, names: Sequence[str], truth: Mapping, images: np.ndarray, labels: np.ndarray,
                true_content: np.ndarray) -> dict:
    """The probe on thumbnails whose elements are known: mean accuracy, and the truth estimate against the truth."""
    probs = probe(images)
    acc = guidance.probe_scores(probs, labels, names)
    est = guidance.truth_estimate(probs, names, truth)
    return {"accuracy": acc, "mean_accuracy": float(np.mean(list(acc.values()))),
            "truth_corr": float(np.corrcoef(est, true_content)[0, 1]) if np.std(est) > 0 else float("nan"),
            "truth_bias": float(np.mean(est - true_content))}
