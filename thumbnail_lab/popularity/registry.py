"""The chapter's models: a short id for code and saved files, a label for tables and figures.

``MODELS`` maps each id to what the reader sees (``label``), what the model sees (``inputs``)
and which oracle it is measured against (``oracle``): models that see only the thumbnail or the
title against the content benchmark (the true content effect), the baselines that see the
channel or the upload date against the full oracle. The content benchmark is a ceiling only on
the adjusted target: on raw views a model that recognises the channel from its titles or
thumbnails can pass it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    """How one model is shown and judged."""

    label: str
    inputs: str
    oracle: str  # "content" or "full"


MODELS: dict[str, Model] = {
    "global_median": Model("global median", "nothing", "full"),
    "channel_mean": Model("channel mean", "channel", "full"),
    "age_ols": Model("upload age (OLS)", "upload age", "full"),
    "handcrafted_ols": Model("handcrafted (OLS)", "thumbnail", "content"),
    "cnn": Model("small CNN", "thumbnail", "content"),
    "vit": Model("small ViT", "thumbnail", "content"),
    "clip_ridge": Model("CLIP + ridge", "thumbnail", "content"),
    "encoder_linear": Model("pretrained encoder, frozen + ridge", "thumbnail", "content"),
    "encoder_finetune": Model("pretrained encoder, fine-tuned", "thumbnail", "content"),
    "encoder_scratch": Model("encoder network, from scratch", "thumbnail", "content"),
    "tfidf_ridge": Model("TF-IDF + ridge", "title", "content"),
    "minilm_ridge": Model("MiniLM + ridge", "title", "content"),
    "title_attention": Model("BiLSTM + attention", "title", "content"),
    "late_fusion": Model("score-level fusion (CNN + MiniLM)", "thumbnail + title", "content"),
    "fusion_head": Model("learned score-level head", "thumbnail + title", "content"),
    "feature_fusion": Model("feature-level fusion (ViT + MiniLM)", "thumbnail + title", "content"),
    "oracle_content": Model("content benchmark", "true content effect", "content"),
    "oracle_full": Model("oracle (full)", "true expected views", "full"),
}

#: oracle kind -> the id of the oracle model that sets it (the content one is a benchmark, see above)
ORACLES: dict[str, str] = {"content": "oracle_content", "full": "oracle_full"}

IMAGE_MODELS = ("cnn", "vit")


def model(model_id: str) -> Model:
    """The registry entry of ``model_id`` (an unknown id is shown as itself, judged by content)."""
    return MODELS.get(model_id, Model(model_id, "?", "content"))


def label(model_id: str) -> str:
    """What tables and figures call ``model_id``."""
    return model(model_id).label


def is_oracle(model_id: str) -> bool:
    """Whether ``model_id`` is one of the oracles (they bound the models, they are not compared)."""
    return model_id in ORACLES.values()
