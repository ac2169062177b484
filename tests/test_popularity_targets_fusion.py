"""The normalised target, channel medians from training rows, feature-level fusion and the attention model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thumbnail_lab.popularity import feature_fusion, synthetic, title_attention
from thumbnail_lab.popularity.targets import build_targets, channel_relative


def test_views_per_subscriber_split_at_the_training_median():
    meta = pd.DataFrame({"log_views": [3.0, 4.0, 5.0, 4.0, 5.0, 9.0], "channel_id": list("aaabbb"),
                         "channel_subscribers": [100, 100, 100, 10_000, 10_000, 10_000]})
    train = np.array([True, True, True, True, True, False])
    t = build_targets(meta, train)
    assert t.per_subscriber.tolist() == pytest.approx([1, 2, 3, 0, 1, 5])  # log10(views / subscribers)
    assert t.median_per_subscriber == 1.0  # median of the training rows only: the big test value does not move it
    assert t.popular_per_subscriber.tolist() == [0, 1, 1, 0, 0, 1]
    assert t.popular.tolist() == [0, 0, 1, 0, 1, 1]  # the raw-views split ranks the channels differently
    assert t.views_for("popular_per_subscriber") is t.per_subscriber and t.views_for("popular") is t.log_views
    assert "per_subscriber" in t.available and "adjusted" not in t.available
    no_subs = build_targets(meta.drop(columns="channel_subscribers"), train)
    assert no_subs.per_subscriber is None and "popular_per_subscriber" not in no_subs.available
    with pytest.raises(KeyError, match="not defined"):
        no_subs.get("per_subscriber")


def test_channel_median_comes_from_training_rows():
    y = np.array([1.0, 2.0, 9.0, 5.0, 7.0])
    channel = np.array(list("aaabb"))
    train = np.array([True, True, False, False, False])
    part = np.array(["train", "train", "test", "test", "test"])
    rel = channel_relative(y, channel, train, part)
    # channel a: median of its training rows (1.5), not of all rows (2.0); channel b has none: its test rows (6.0)
    assert rel.tolist() == pytest.approx([-0.5, 0.5, 7.5, -1.0, 1.0])
    assert channel_relative(y, channel).tolist() == pytest.approx([-1.0, 0.0, 7.0, -1.0, 1.0])


def test_fixed_thresholds_and_the_common_space():
    score = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 10.0])
    train = np.array([True] * 5 + [False])  # train mean 2, sd sqrt(2): z = -1.41, -0.71, 0, 0.71, 1.41, 5.66
    assert feature_fusion.fixed_classes(score, train).tolist() == [1, 1, 2, 3, 3, 4]  # cuts at -1.5 -0.5 0.5 1.5
    x = np.random.default_rng(0).normal(size=(200, 12)) @ np.random.default_rng(1).normal(size=(12, 12))
    z = feature_fusion.common_space(x, np.arange(200) < 150, 5)
    assert z.shape == (200, 5)
    assert np.allclose(np.cov(z[:150].T), np.eye(5), atol=0.05)  # whitened on the training rows


def _fusion_world(n=600, seed=0):
    """Image features carry the class, title features are noise."""
    rng = np.random.default_rng(seed)
    score = rng.normal(size=n)
    image = np.column_stack([score + 0.3 * rng.normal(size=n), rng.normal(size=(n, 7))])
    title = rng.normal(size=(n, 16))
    parts = rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2])
    return image, title, score, {p: parts == p for p in ("train", "val", "test")}


def test_feature_fusion_learns_from_the_informative_features_only():
    image, title, score, masks = _fusion_world()
    run = feature_fusion.sweep(image, title, score, masks, epochs=15, dim=8, weights=(0.0, 0.6, 1.0))
    final = {w: h[-1]["val_accuracy"] for w, h in run.history.items()}
    assert set(run.history) == {0.0, 0.6, 1.0} and all(len(h) == 15 for h in run.history.values())
    assert final[1.0] > final[0.0] + 0.15  # the image features carry the signal, the title noise does not
    assert run.weight in (0.6, 1.0)
    record = feature_fusion.sweep_record(run)
    assert set(record) == {"0", "0.6", "1"} and len(record["1"]["train"]) == len(record["1"]["val"]) == 15
    table = feature_fusion.sweep_table(run)
    assert table.shape == (3, 30) and table.index.name == "image weight"
    rows = feature_fusion.test_rows(run, masks, np.repeat(np.arange(60), 10), "random", 50, 0)
    acc = rows.set_index("metric").loc["accuracy"]
    assert acc["ci_unit"] == "channel" and acc["value"] > acc["chance"]


def test_the_image_feature_hook_names_what_it_knows():
    assert "vit" in feature_fusion.IMAGE_FEATURES
    with pytest.raises(KeyError, match="known"):
        feature_fusion.image_features("encoder_not_there", None, {})
    with pytest.raises(KeyError, match="ViT"):
        feature_fusion.image_features("vit", None, {})


class _Tokenizer:
    """Whitespace 'word pieces': a word of more than four letters splits in two."""

    unk_token, unk_token_id = "[UNK]", 1

    def __call__(self, words, is_split_into_words, add_special_tokens, truncation, max_length):
        vocab: dict[str, int] = {}
        ids, owners = [], []
        for title in words:
            pieces = [(p, k) for k, w in enumerate(title) for p in ([w[:4], w[4:]] if len(w) > 4 else [w])]
            ids.append([vocab.setdefault(p, 2 + len(vocab)) for p, _ in pieces][:max_length])
            owners.append([k for _, k in pieces][:max_length])
        return _Encoding(ids, owners)


class _Encoding(dict):
    def __init__(self, ids, owners):
        super().__init__(input_ids=ids)
        self.owners = owners

    def word_ids(self, i):
        return self.owners[i]


def test_attention_model_learns_the_word_that_matters_and_puts_weight_on_it():
    meta, _, _ = synthetic.make_world(500, seed=3, word_effect=1.0)
    popular = meta["true_amazing"].to_numpy()
    table = np.random.default_rng(0).normal(size=(60, 16)).astype(np.float32)
    tokens = title_attention.tokenise(meta["title"].tolist(), _Tokenizer(), table)
    parts = np.random.default_rng(1).choice(["train", "val", "test"], 500, p=[0.6, 0.2, 0.2])
    masks = {p: parts == p for p in ("train", "val", "test")}
    model = title_attention.train(tokens, popular, masks, epochs=15, seed=0)
    logit = model.predict()["popular_per_subscriber"]
    test = masks["test"]
    assert np.mean((logit[test] > 0) == popular[test]) > 0.9
    rows = [i for i in np.flatnonzero(test) if popular[i]][:5]
    for words in model.word_attention(rows):
        assert sum(a for _, a in words) == pytest.approx(1.0, abs=1e-5)  # pieces summed per word
        assert max(words, key=lambda wa: wa[1])[0] == "amazing"
