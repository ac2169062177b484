"""Linear probes: a planted separable feature is read almost perfectly, a shuffled label not at all."""
from __future__ import annotations

import numpy as np

from thumbnail_lab.encoder.probes import linear_probes, probe_auc, probe_table


def _data(n=600, d=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 3] + 0.05 * rng.normal(size=n) > 0.3).astype(int)
    return X, y, rng


def test_planted_separable_feature_gets_auc_near_one():
    X, y, _ = _data()
    assert probe_auc(X[:400], y[:400], X[400:], y[400:]) > 0.98


def test_shuffled_label_gets_auc_near_one_half():
    X, y, rng = _data()
    aucs = [probe_auc(X[:400], y_s[:400], X[400:], y_s[400:])
            for y_s in (rng.permutation(y) for _ in range(5))]
    assert abs(np.mean(aucs) - 0.5) < 0.05


def test_probe_table_has_a_column_per_encoder_and_nan_for_one_class():
    X, y, rng = _data()
    labels = np.stack([y, rng.permutation(y), np.zeros_like(y)], axis=1)
    train, test = np.arange(400), np.arange(400, 600)
    table = probe_table({"good": X, "noise": rng.normal(size=X.shape)}, labels, ["planted", "shuffled", "never"],
                        train, test)
    assert list(table.columns) == ["prevalence", "good", "noise"]
    assert table.loc["planted", "good"] > 0.98 and abs(table.loc["planted", "noise"] - 0.5) < 0.12
    assert np.isnan(table.loc["never", "good"])
    single = linear_probes(X, labels[:, :1], ["planted"], train, test, c_grid=(1.0,))
    assert single["planted"] > 0.98


def test_nearest_neighbours_find_the_planted_cluster_and_exclude_the_query():
    from thumbnail_lab.encoder.evaluation import nearest_neighbours, neighbour_agreement

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 8)) * 5
    cluster = np.repeat(np.arange(3), 10)
    X = centres[cluster] + 0.1 * rng.normal(size=(30, 8))
    queries = np.array([0, 15, 29])
    nb = nearest_neighbours(X, queries, k=4)
    assert nb.shape == (3, 4) and not any(q in row for q, row in zip(queries, nb))
    assert all((cluster[row] == cluster[q]).all() for q, row in zip(queries, nb))
    labels = np.eye(3, dtype=int)[cluster]
    assert neighbour_agreement(labels, queries, nb) == 1.0


def test_ceiling_check_lists_what_the_ceiling_sees():
    import pandas as pd

    from thumbnail_lab.encoder.evaluation import ceiling_check, probe_summary

    table = pd.DataFrame({"pretrained": [0.95, 0.8, 0.6], "supervised_ceiling": [0.97, 0.92, 0.62],
                          "random_init": [0.7, 0.6, 0.5]}, index=["a", "b", "c"])
    check = ceiling_check(table)
    assert list(check.index) == ["a", "b"] and check["met"].tolist() == [True, False]
    summary = probe_summary(table, ["pretrained", "random_init", "supervised_ceiling"])
    assert np.isclose(summary.loc["pretrained", "gap_to_ceiling"], (0.97 + 0.92 + 0.62 - 0.95 - 0.8 - 0.6) / 3)


def test_only_a_dataset_with_truth_columns_can_be_probed():
    from types import SimpleNamespace

    import pandas as pd

    from thumbnail_lab.encoder.evaluation import has_element_labels

    real = SimpleNamespace(name="mine", elements=(), truth=None, metadata=pd.DataFrame({"views": [1, 2]}))
    posters = SimpleNamespace(name="posters", elements=(), truth={"elements": ["rocket"]},
                              metadata=pd.DataFrame({"true_rocket": [0, 1]}))
    assert not has_element_labels(real) and has_element_labels(posters)
