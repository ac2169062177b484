"""The structural model that turns a planned video into views, and its truth.

    log10(views) = channel effect + age effect + content effect + noise
    content effect = sum of element effects + interactions + title effects

The channel effect holds the global intercept, so ``true_log_views_mean`` is the plain sum
of the three effects. Every number below is written to ``truth.json`` next to the data.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .platform import COLLECTED_AT, ELEMENTS, Plan

#: Effect of each element on log10 views in the ``default`` and ``single_channel`` worlds.
ELEMENT_EFFECTS: dict[str, float] = {
    "face": 0.12, "face_smiling": 0.05, "face_shocked": 0.18, "face_closeup": 0.10, "text": 0.15,
    "food": 0.08, "sport_field": -0.08, "vehicle": 0.05, "animal": 0.14, "arrow": 0.08, "money": 0.12,
    "indoor": -0.06, "landscape": 0.03, "warm_palette": 0.07, "logo": -0.04,
}
#: Interactions "a*b": added when both elements are present.
INTERACTIONS: dict[str, float] = {"face*text": 0.20, "money*text": 0.08}
#: Title effects on log10 views (see ``title_features``).
TITLE_EFFECTS: dict[str, float] = {"has_number": 0.06, "has_caps_word": 0.08, "has_emoji": 0.05,
                                   "has_question": 0.04, "per_10_chars_over_60": -0.05}
NOISE_SD = 0.30
#: Channel effect = INTERCEPT + SUBS_SLOPE * (log10 subscribers - 4) + the channel's own quality.
INTERCEPT, SUBS_SLOPE = 2.4, 0.6
#: Age effect = ACCUMULATION * (1 - exp(-age / TAU)) - ERA_SLOPE * max(0, years - ERA_FREE_YEARS).
ACCUMULATION, TAU_DAYS, ERA_SLOPE, ERA_FREE_YEARS = 0.9, 45.0, 0.07, 2.0

_EMOJI_RE = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_CAPS_RE = re.compile(r"\b[A-Z]{3,}\b")


def title_features(title: str) -> dict[str, float]:
    """The title properties that carry an effect: digits, an all-caps word, emoji, '?', excess length."""
    return {
        "has_number": float(any(c.isdigit() for c in title)),
        "has_caps_word": float(bool(_CAPS_RE.search(title))),
        "has_emoji": float(bool(_EMOJI_RE.search(title))),
        "has_question": float("?" in title),
        "per_10_chars_over_60": max(0.0, (len(title) - 60) / 10.0),
    }


def effects_for(scenario: str) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Element, interaction and title effects of a scenario (all zero in ``null``)."""
    if scenario == "null":
        return ({k: 0.0 for k in ELEMENT_EFFECTS}, {k: 0.0 for k in INTERACTIONS}, {k: 0.0 for k in TITLE_EFFECTS})
    return dict(ELEMENT_EFFECTS), dict(INTERACTIONS), dict(TITLE_EFFECTS)


def age_effect(age_days: np.ndarray) -> np.ndarray:
    """Views accumulate over the first months; uploads from the platform's early, smaller years get fewer."""
    years = age_days / 365.25
    return ACCUMULATION * (1 - np.exp(-age_days / TAU_DAYS)) - ERA_SLOPE * np.maximum(0.0, years - ERA_FREE_YEARS)


def simulate_views(plan: Plan, scenario: str, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Add views and the per-video truth columns to the plan; return the table and the truth."""
    df = pd.DataFrame(plan.rows)
    elements, interactions, titles = effects_for(scenario)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7, 1 if scenario == "single_channel" else 0]))
    quality = np.array([c.quality for c in plan.channels])[df["_channel"].to_numpy()]
    log_subs = np.log10(df["channel_subscribers"].to_numpy(dtype=float))
    channel = INTERCEPT + SUBS_SLOPE * (log_subs - 4.0) + quality
    upload = pd.to_datetime(df["upload_date"])
    age_days = (pd.Timestamp(COLLECTED_AT) - upload).dt.days.to_numpy(dtype=float)
    age = age_effect(age_days)
    content = np.zeros(len(df))
    for name, effect in elements.items():
        content += effect * df[f"true_{name}"].to_numpy()
    for pair, effect in interactions.items():
        a, b = pair.split("*")
        content += effect * df[f"true_{a}"].to_numpy() * df[f"true_{b}"].to_numpy()
    feats = pd.DataFrame([title_features(t) for t in df["title"]])
    title = sum(titles[k] * feats[k].to_numpy() for k in titles)
    content += title
    noise = rng.normal(0.0, NOISE_SD, size=len(df))  # drawn the same way in every scenario
    mean = channel + age + content
    views = np.floor(10 ** (mean + noise)).astype(np.int64)
    df.insert(df.columns.get_loc("upload_date"), "views", views)
    df["true_channel_effect"] = channel
    df["true_age_effect"] = age
    df["true_title_effect"] = title
    df["true_content_effect"] = content
    df["true_noise"] = noise
    df["true_log_views_mean"] = mean
    truth = _truth(df, plan, scenario, seed, elements, interactions, titles)
    return df.drop(columns=[c for c in df.columns if c.startswith("_")]), truth


def oracle_r2(log_views: np.ndarray, predictor: np.ndarray) -> float:
    """R² of the best linear prediction of ``log_views`` from one known predictor."""
    if np.std(predictor) == 0 or np.std(log_views) == 0:
        return 0.0
    return float(np.corrcoef(log_views, predictor)[0, 1] ** 2)


def realised_oracle_r2(frame: pd.DataFrame) -> dict[str, float]:
    """Oracle R² on any subset of a ThumbWorld table (e.g. after cleaning, or a test split).

    ``full``: share of the variance of log10 views explained by ``true_log_views_mean``;
    ``content``: squared correlation of log10 views with ``true_content_effect``.
    """
    y = np.log10(np.maximum(frame["views"].to_numpy(dtype=float), 1.0))
    resid = y - frame["true_log_views_mean"].to_numpy(dtype=float)
    var = float(np.var(y)) or 1.0
    return {"full": 1.0 - float(np.var(resid)) / var,
            "content": oracle_r2(y, frame["true_content_effect"].to_numpy(dtype=float))}


def _truth(df: pd.DataFrame, plan: Plan, scenario: str, seed: int, elements: dict, interactions: dict,
           titles: dict) -> dict[str, Any]:
    """Everything a chapter needs to score itself against the world that made the data."""
    y = np.log10(np.maximum(df["views"].to_numpy(dtype=float), 1.0))
    realised = realised_oracle_r2(df)
    return {
        "scenario": scenario, "seed": seed, "n_videos": int(len(df)), "n_channels": len(plan.channels),
        "noise_sd": NOISE_SD, "element_effects": elements, "interactions": interactions, "title_effects": titles,
        "elements": list(ELEMENTS),
        "channel_model": {"formula": "INTERCEPT + SUBS_SLOPE * (log10(channel_subscribers) - 4) + quality",
                          "intercept": INTERCEPT, "subs_slope": SUBS_SLOPE, "quality_sd": 0.18,
                          "quality": {c.channel_id: round(c.quality, 6) for c in plan.channels}},
        "age_model": {"formula": "A * (1 - exp(-age_days / tau)) - era_slope * max(0, age_years - era_free_years)",
                      "A": ACCUMULATION, "tau_days": TAU_DAYS, "era_slope": ERA_SLOPE,
                      "era_free_years": ERA_FREE_YEARS, "collected_at": COLLECTED_AT.isoformat()},
        "views_rounding": "views = floor(10 ** (true_log_views_mean + true_noise))",
        "oracle_r2": {**realised,
                      "content_within": oracle_r2(y - df["true_channel_effect"] - df["true_age_effect"],
                                                  df["true_content_effect"].to_numpy())},
        "oracle_r2_notes": ("full: 1 - var(log10 views - true mean) / var(log10 views); content: squared correlation "
                            "of log10 views with true_content_effect; content_within: the same after removing the "
                            "true channel and age effects"),
        "archive_channels": [c.channel_id for c in plan.channels if c.archive],
        "channel_topics": {c.channel_id: c.topic for c in plan.channels},
        "duplicates": dict(plan.duplicates),
        "share_below_500_views": float(np.mean(df["views"].to_numpy() < 500)),
        "share_shorts": float(np.mean(df["duration_s"].to_numpy() < 60)),
    }
