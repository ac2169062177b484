"""The chapter's loops: fit every model on every split, score every target, tabulate.

A model here is anything that yields, for every row, a predicted log10 views and a predicted
channel-relative log10 views (``Predictions``). Scoring then reads all four targets off those
two scores (see ``metrics``), always on the split's test rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ..progress import progress
from . import baselines, handcrafted, metrics, oracle, text_models
from .targets import REGRESSION_TARGETS, TARGETS, Targets, build_targets, split_masks

SPLITS = ("random", "channel", "temporal")

#: model -> (what it sees, which oracle bounds it). "full" models may use channel and age.
MODELS: dict[str, tuple[str, str]] = {
    "global median": ("nothing", "full"),
    "channel mean": ("channel", "full"),
    "upload age (OLS)": ("upload age", "full"),
    "handcrafted (OLS)": ("thumbnail", "content"),
    "small CNN": ("thumbnail", "content"),
    "small ViT": ("thumbnail", "content"),
    "CLIP + ridge": ("thumbnail", "content"),
    "TF-IDF + ridge": ("title", "content"),
    "MiniLM + ridge": ("title", "content"),
    "late fusion (CNN + MiniLM)": ("thumbnail + title", "content"),
    "learned fusion head": ("thumbnail + title", "content"),
    "oracle (content)": ("true content effect", "content"),
    "oracle (full)": ("true expected views", "full"),
}

Predictions = dict[str, np.ndarray]  # target name ("log_views", "channel_relative") -> (N,)


@dataclass
class StudyData:
    """What the models read: metadata (row i <-> image i), images, titles and cached inputs."""

    metadata: pd.DataFrame
    images: np.ndarray
    features: pd.DataFrame = field(default=None)
    title_embeddings: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.metadata) != len(self.images):
            raise ValueError(f"metadata has {len(self.metadata)} rows but there are {len(self.images)} images")
        self.images = np.array(self.images, dtype=np.uint8)  # a writable in-memory copy of the memmap
        if self.features is None:
            self.features = handcrafted.image_features(self.images)

    @property
    def titles(self) -> list[str]:
        return self.metadata["title"].fillna("").astype(str).tolist()


def split_setup(data: StudyData, split: str) -> tuple[dict[str, np.ndarray], Targets]:
    """Masks and targets of one split (cut points from its training rows)."""
    masks = split_masks(data.metadata, split)
    return masks, build_targets(data.metadata, masks["train"])


def cheap_models(data: StudyData, targets: Targets, train: np.ndarray,
                 include_text_embeddings: bool = True) -> dict[str, Predictions]:
    """Fit the baselines, handcrafted OLS, title models and oracles for both regression targets."""
    meta = data.metadata
    out: dict[str, Predictions] = {}
    for target in REGRESSION_TARGETS:
        y = targets.get(target)
        fits: dict[str, np.ndarray] = {
            "global median": baselines.global_median(y, train),
            "channel mean": baselines.channel_mean(y, meta["channel_id"].to_numpy(), train),
            "upload age (OLS)": baselines.age_ols(y, meta["age_days"].to_numpy(), train)[0],
            "handcrafted (OLS)": handcrafted.robust_ols(data.features, y, train)[0],
            "TF-IDF + ridge": text_models.tfidf_ridge(data.titles, y, train)[0],
        }
        if include_text_embeddings and data.title_embeddings is not None:
            fits["MiniLM + ridge"] = text_models.embedding_ridge(data.title_embeddings, y, train)[0]
        if oracle.has_truth(meta):
            fits["oracle (content)"] = oracle.predictions(meta, y, train, "content")
            fits["oracle (full)"] = oracle.predictions(meta, y, train, "full")
        for name, pred in fits.items():
            out.setdefault(name, {})[target] = np.asarray(pred, float)
    return out


def evaluate(predictions: Mapping[str, Predictions], targets: Targets, masks: Mapping[str, np.ndarray],
             split: str, n_boot: int = 200, seed: int = 0, rows: str = "test") -> pd.DataFrame:
    """Score every model on every target (test rows); one row per model x target x metric."""
    test, train = masks[rows], masks["train"]
    out = []
    for name, pred in predictions.items():
        for target in TARGETS:
            source = "channel_relative" if target == "channel_relative" else "log_views"
            if source not in pred:
                continue
            s = metrics.score(target, targets.get(target)[test], pred[source][test], pred[source][train],
                              targets.log_views[test], n_boot=n_boot, seed=seed)
            inputs, bound = MODELS.get(name, ("?", "content"))
            out += metrics.results_rows({"split": split, "model": name, "input": inputs, "oracle": bound,
                                         "target": target}, s)
    return pd.DataFrame(out)


def run_splits(data: StudyData, splits=SPLITS, extra: Callable[..., dict] | None = None,
               n_boot: int = 200, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Fit the cheap models (and ``extra(split, targets, masks, cheap_predictions)``'s) on each
    split and score them.

    Returns the long results table and ``{split: {model: Predictions}}``. BLAS runs on one
    thread here: the matrices are small, and on a shared machine extra threads mostly spin.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _run_splits(data, splits, extra, n_boot, seed)


def _run_splits(data, splits, extra, n_boot, seed):
    """The loop behind ``run_splits``."""
    tables, all_preds = [], {}
    for split in progress(list(splits), desc="splits"):
        masks, targets = split_setup(data, split)
        preds = cheap_models(data, targets, masks["train"])
        if extra is not None:
            preds.update(extra(split, targets, masks, dict(preds)))
        all_preds[split] = preds
        tables.append(evaluate(preds, targets, masks, split, n_boot=n_boot, seed=seed))
    return pd.concat(tables, ignore_index=True), all_preds


def add_fraction_of_oracle(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``fraction_of_oracle``: (value - chance) / (oracle - chance) with the model's own oracle
    (content-only for thumbnail/title models, full for channel/age models), same split/target/metric."""
    oracles = table[table["model"].str.startswith("oracle")].copy()
    if oracles.empty:
        return table.assign(fraction_of_oracle=np.nan)
    oracles["oracle"] = oracles["model"].str.extract(r"\((\w+)\)")[0]
    ref = oracles.set_index(["split", "target", "metric", "oracle"])["value"]
    keys = list(zip(table["split"], table["target"], table["metric"], table["oracle"]))
    best = np.array([ref.get(k, np.nan) for k in keys], float)
    chance = np.array([metrics.chance_level(t, m) for t, m in zip(table["target"], table["metric"])])
    frac = np.where(table["metric"] == "mae", np.nan,
                    (table["value"].to_numpy() - chance) / np.where(np.abs(best - chance) > 1e-12, best - chance, np.nan))
    return table.assign(fraction_of_oracle=frac)


def wide_table(table: pd.DataFrame, split: str, target: str, models=None) -> pd.DataFrame:
    """Seed-study shape: input -> model -> one 'value [low, high]' column per metric."""
    sub = table[(table["split"] == split) & (table["target"] == target)]
    if models is not None:
        sub = sub[sub["model"].isin(models)]
    sub = sub.assign(cell=[metrics.format_ci(v, lo, hi) for v, lo, hi in zip(sub["value"], sub["low"], sub["high"])])
    wide = sub.pivot_table(index=["input", "model"], columns="metric", values="cell", aggfunc="first", sort=False)
    return wide.rename_axis(columns=None)


def split_comparison(table: pd.DataFrame, metric: str = "spearman", target: str = "log_views") -> pd.DataFrame:
    """One metric for every model across the three splits, 'value [low, high]' cells."""
    sub = table[(table["target"] == target) & (table["metric"] == metric)]
    sub = sub.assign(cell=[metrics.format_ci(v, lo, hi) for v, lo, hi in zip(sub["value"], sub["low"], sub["high"])])
    return sub.pivot_table(index=["input", "model"], columns="split", values="cell", aggfunc="first",
                           sort=False).rename_axis(columns=None)


@dataclass(frozen=True)
class ImageModelSettings:
    """Sizes and schedule of the two image regressors (the chapter's parameters)."""

    epochs_cnn: int = 10
    epochs_vit: int = 10
    batch_size: int = 128
    lr_cnn: float = 3e-3
    lr_vit: float = 1e-3
    cnn_width: int = 16
    vit_dim: int = 64
    vit_depth: int = 3
    vit_heads: int = 4
    vit_patch: tuple[int, int] = (6, 8)
    seed: int = 0


def train_image_models(data: StudyData, targets: Targets, masks: Mapping[str, np.ndarray],
                       settings: ImageModelSettings, which=("small CNN", "small ViT"), desc: str = ""):
    """Train the CNN and ViT on both regression targets at once (two outputs).

    Returns ``({model: Predictions}, {model: image_models.Regressor})``.
    """
    import torch

    from . import image_models

    y = np.column_stack([targets.log_views, targets.channel_relative])
    train, val = np.flatnonzero(masks["train"]), np.flatnonzero(masks["val"])
    preds, regressors = {}, {}
    for name in which:
        torch.manual_seed(settings.seed)
        if name == "small CNN":
            model = image_models.SmallCNN(2, width=settings.cnn_width)
            epochs, lr = settings.epochs_cnn, settings.lr_cnn
        else:
            model = image_models.SmallViT(data.images.shape[1:3], 2, patch=tuple(settings.vit_patch), dim=settings.vit_dim,
                                          depth=settings.vit_depth, heads=settings.vit_heads)
            epochs, lr = settings.epochs_vit, settings.lr_vit
        reg = image_models.train_regressor(model, data.images, y, train, val, epochs=epochs,
                                           batch_size=settings.batch_size, lr=lr, seed=settings.seed,
                                           desc=f"{name} {desc}".strip())
        out = reg.predict(data.images)
        preds[name] = {"log_views": out[:, 0], "channel_relative": out[:, 1]}
        regressors[name] = reg
    return preds, regressors


def fusion_models(preds: Mapping[str, Predictions], targets: Targets, masks: Mapping[str, np.ndarray],
                  image: str = "small CNN", title: str = "MiniLM + ridge"):
    """Late fusion (weight chosen on validation rows) and a learned head (fitted on validation rows).

    Returns ``({model: Predictions}, validation sweep table, test sweep table)``.
    """
    from . import fusion

    out: dict[str, Predictions] = {}
    sweeps = {}
    for part in ("val", "test"):
        sweeps[part] = fusion.sweep(preds[image]["log_views"], preds[title]["log_views"], targets,
                                    masks[part], masks["train"])
    w = fusion.best_weight(sweeps["val"])
    for target in REGRESSION_TARGETS:
        img, tit = preds[image][target], preds[title][target]
        out.setdefault("late fusion (CNN + MiniLM)", {})[target] = w * img + (1 - w) * tit
        head_pred, _ = fusion.learned_head(np.column_stack([img, tit]), targets.get(target), masks["val"])
        out.setdefault("learned fusion head", {})[target] = head_pred
    return out, sweeps, w


def null_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per content-only model, split, target and metric: the estimate, its interval, and whether
    the interval contains the chance level (what a model must show in the null world)."""
    out = table.copy()
    out["chance"] = [metrics.chance_level(t, m) for t, m in zip(out["target"], out["metric"])]
    out = out[out["metric"] != "mae"]
    out["interval covers chance"] = (out["low"] <= out["chance"]) & (out["chance"] <= out["high"])
    return out[["split", "model", "target", "metric", "value", "low", "high", "chance",
                "interval covers chance"]].reset_index(drop=True)


def cam_panel(data: StudyData, targets: Targets, regressor, top: np.ndarray, bottom: np.ndarray):
    """Images, Grad-CAM maps and titles for the highest (evidence up) and lowest (evidence down) rows."""
    from . import explain, image_models

    layer = regressor.model.features
    with image_models.torch_threads(1):
        maps = np.concatenate([
            explain.grad_cam(regressor.model, image_models.to_standardised_tensor(data.images[top]), layer, 0, +1.0),
            explain.grad_cam(regressor.model, image_models.to_standardised_tensor(data.images[bottom]), layer, 0, -1.0)])
    rows = np.concatenate([top, bottom])
    pred = regressor.predict(data.images[rows])[:, 0]
    titles = [f"{p:.2f} / {t:.2f}" for p, t in zip(pred, targets.log_views[rows])]
    return data.images[rows], maps, titles


def rollout_panel(data: StudyData, targets: Targets, regressor, rows: np.ndarray):
    """Images, ViT attention-rollout maps and titles for ``rows``."""
    from . import explain, image_models

    with image_models.torch_threads(1):
        maps = explain.attention_rollout(regressor.model, image_models.to_standardised_tensor(data.images[rows]))
    pred = regressor.predict(data.images[rows])[:, 0]
    titles = [f"{p:.2f} / {t:.2f}" for p, t in zip(pred, targets.log_views[rows])]
    return data.images[rows], maps, titles


def title_attributions(data: StudyData, targets: Targets, train: np.ndarray, rows: np.ndarray):
    """(title, predicted log views, leave-one-word-out attributions) for ``rows`` with MiniLM + ridge."""
    _, ridge = text_models.embedding_ridge(data.title_embeddings, targets.log_views, train)
    predict = lambda titles: ridge.predict(text_models.encode(titles))  # noqa: E731
    titles = [data.titles[i] for i in rows]
    return [(t, float(predict([t])[0]), text_models.leave_one_word_out(t, predict)) for t in titles]


def recovery_slopes(table: pd.DataFrame) -> pd.DataFrame:
    """Per model: slope of implied on planted effects (1 = unbiased) and their correlation."""
    out = []
    for model, t in table.groupby("model", sort=False):
        slope = np.polyfit(t["planted"], t["effect"], 1)[0]
        out.append({"model": model, "slope": slope, "correlation": np.corrcoef(t["planted"], t["effect"])[0, 1]})
    return pd.DataFrame(out).set_index("model")


def score_generated(regressor, data: StudyData, rows: np.ndarray,
                    sources=(("GAN (chapter 02)", "02_gan"), ("diffusion (chapter 03)", "03_diffusion"))):
    """Predicted log views of real test thumbnails and of each chapter's ``samples.npy`` that exists.

    Returns ``({name: scores}, [names of missing sample files])``.
    """
    from ..paths import artifacts_root
    from .image_models import load_generated_samples

    h, w = data.images.shape[1:3]
    scores = {"real test thumbnails": regressor.predict(data.images[rows])[:, 0]}
    missing = []
    for name, chapter in sources:
        path = artifacts_root() / "chapters" / chapter / "samples.npy"
        if path.exists():
            scores[name] = regressor.predict(load_generated_samples(path, h, w))[:, 0]
        else:
            missing.append(name)
    return scores, missing


def clip_model(data: StudyData, targets: Targets, masks: Mapping[str, np.ndarray], model_name: str,
               checkpoint: str, n_boot: int, seed: int) -> pd.DataFrame | None:
    """CLIP image embeddings + ridge on the random split, when a local checkpoint is given."""
    if not checkpoint:
        return None
    from . import clip

    ok, why = clip.available()
    if not ok:
        print(why)
        return None
    emb = clip.image_embeddings(data.images, clip.load(model_name, checkpoint))
    preds = {"CLIP + ridge": {t: text_models.embedding_ridge(emb, targets.get(t), masks["train"])[0]
                              for t in REGRESSION_TARGETS}}
    return wide_table(evaluate(preds, targets, masks, "random", n_boot, seed), "random", "log_views")


def content_only(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of models that see only the thumbnail and/or the title (oracles excluded)."""
    return table[table["oracle"].eq("content") & ~table["model"].str.startswith("oracle")]


def results_summary(table: pd.DataFrame, null_adjusted: pd.DataFrame, null_raw: pd.DataFrame,
                    fusion_weight: Mapping[str, float]) -> dict:
    """The chapter's key numbers as plain, rounded JSON (rounding keeps the file stable)."""
    rnd = lambda x: None if x is None or not np.isfinite(x) else round(float(x), 6)  # noqa: E731
    rows = {}
    for r in table.itertuples():
        key = f"{r.split}/{r.target}/{r.model}/{r.metric}"
        rows[key] = {"value": rnd(r.value), "low": rnd(r.low), "high": rnd(r.high),
                     "fraction_of_oracle": rnd(getattr(r, "fraction_of_oracle", float("nan")))}
    cover = lambda t: rnd(null_summary(t)["interval covers chance"].mean()) if len(t) else None  # noqa: E731
    return {"metrics": rows, "null_intervals_covering_chance": {"adjusted_views": cover(null_adjusted),
                                                                 "raw_views": cover(null_raw)},
            "fusion_weight": {k: rnd(v) for k, v in fusion_weight.items()}}


def intervention_table(data: StudyData, targets: Targets, masks: Mapping[str, np.ndarray], regressors: Mapping,
                       truth: Mapping, elements, n_videos: int, seed: int, n_boot: int = 200) -> pd.DataFrame:
    """Partial dependence by redrawing ``n_videos`` test thumbnails with each element on and off."""
    from . import counterfactual

    rng = np.random.default_rng(seed)
    test = np.flatnonzero(masks["test"])
    rows = np.sort(rng.choice(test, size=min(n_videos, len(test)), replace=False))
    specs = counterfactual.thumbworld_specs(truth, data.metadata["video_id"].iloc[rows].tolist())
    predict = {name: (lambda images, r=reg: r.predict(images)[:, 0]) for name, reg in regressors.items()}
    predict["handcrafted (OLS)"] = handcrafted.image_predictor(data.features, targets.log_views, masks["train"])
    h, w = data.images.shape[1:3]
    return counterfactual.intervention_effects(specs, predict, list(elements), truth, w, h, seed, n_boot)


def adjusted_for_channel_and_age(data: StudyData) -> StudyData:
    """A copy whose log views have the *true* channel and age effects removed (ThumbWorld only).

    In the null world what is left is pure noise, so every model must score at chance on every
    target and split; on raw views a content model can still beat chance by recognising the
    channel (big channels stay big) or the upload year (titles name it, styles drift).
    """
    meta = data.metadata.copy()
    missing = [c for c in ("true_channel_effect", "true_age_effect") if c not in meta]
    if missing:
        raise KeyError(f"metadata lacks {missing}; adjusting for the true effects needs ThumbWorld data")
    meta["log_views"] = meta["log_views"] - meta["true_channel_effect"] - meta["true_age_effect"]
    return StudyData(meta, data.images, data.features, data.title_embeddings)


def chance_coverage(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Share of each content-only model's intervals that contain chance, per views definition."""
    parts = []
    for label, table in tables.items():
        summary = null_summary(table)
        parts.append(summary.groupby("model", sort=False)["interval covers chance"].mean().rename(label))
    return pd.concat(parts, axis=1).round(2)


def save_outputs(folder, results: pd.DataFrame, regressors: Mapping) -> list:
    """Write the long metrics table (CSV) and each trained image model's weights, atomically.

    Returns the paths written. Later chapters (or a reader) reload a model with
    ``model.load_state_dict(torch.load(path)["state_dict"])`` and read ``y_mean``/``y_sd`` beside it.
    """
    import torch

    from ..atomic import atomic_path, write_text

    folder = Path(folder)
    written = [folder / "metrics.csv"]
    write_text(written[0], results.to_csv(index=False, float_format="%.6f"))
    for name, reg in regressors.items():
        path = folder / f"{name.replace(' ', '_').lower()}.pt"
        with atomic_path(path) as tmp:
            torch.save({"state_dict": reg.model.state_dict(), "y_mean": reg.y_mean.tolist(),
                        "y_sd": reg.y_sd.tolist(), "outputs": ["log_views", "channel_relative"]}, tmp)
        written.append(path)
    return written


def selection_correlations(data: StudyData) -> dict[str, float]:
    """Correlation of the channel- and age-adjusted views with the true channel and age effects.

    Zero before cleaning; a filter on views (e.g. dropping videos under 500 views) keeps only the
    lucky videos of small channels and recent uploads, which makes the leftover noise correlate
    negatively with both: a confound created by the cleaning itself.
    """
    meta = data.metadata
    resid = meta["log_views"] - meta["true_channel_effect"] - meta["true_age_effect"]
    return {"channel": float(np.corrcoef(resid, meta["true_channel_effect"])[0, 1]),
            "age": float(np.corrcoef(resid, meta["true_age_effect"])[0, 1])}
