"""The data card helpers: correct numbers on small hand-made tables, and figures that draw."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from thumbnail_lab.dataset import figures
from thumbnail_lab.thumbworld import realised_oracle_r2


def test_naive_scraper_damage_counts_what_it_claims():
    titles = pd.Series(["Morning Routine", "Morning Routine!", "最強のラーメン", "Top 10 Goals 🔥", "Unique title"])
    d = figures.naive_scraper_damage(titles)
    assert d["titles_altered"] == pytest.approx(2 / 5)         # the Japanese title and the emoji one
    assert d["titles_without_letters"] == pytest.approx(1 / 5)  # only the Japanese title loses everything
    assert d["file_name_collisions"] == pytest.approx(2 / 5)    # both "morning_routine"


def test_naive_element_effects_is_the_difference_of_means():
    df = pd.DataFrame({"true_face": [1, 1, 0, 0], "log_views": [3.0, 5.0, 2.0, 2.0]})
    table = figures.naive_element_effects(df, ["face"])
    assert table.loc[0, "share"] == 0.5 and table.loc[0, "naive_diff"] == pytest.approx(2.0)


def test_title_table_flags_scripts_and_features():
    t = figures.title_table(pd.Series(["TOP 5 cars?", "Один день", "plain"]))
    assert t["non_latin"].tolist() == [False, True, False]
    assert t.loc[0, ["has_number", "has_caps_word", "has_question"]].all() and not t.loc[2, "has_number"]


def test_short_count():
    assert [figures.short_count(v) for v in (950, 12_300, 3_400_000)] == ["950", "12K", "3.4M"]


def test_realised_oracle_r2_is_one_without_noise_and_lower_with_it():
    rng = np.random.default_rng(0)
    mean = rng.normal(3, 0.5, 2000)
    content = mean - 3
    exact = pd.DataFrame({"views": np.round(10 ** mean), "true_log_views_mean": mean, "true_content_effect": content})
    assert realised_oracle_r2(exact)["full"] == pytest.approx(1.0, abs=1e-3)
    noisy = exact.assign(views=np.round(10 ** (mean + rng.normal(0, 0.5, 2000))))
    r2 = realised_oracle_r2(noisy)
    assert 0.35 < r2["full"] < 0.65 and r2["content"] == pytest.approx(r2["full"], abs=0.05)


def test_figures_draw_on_a_small_table():
    rng = np.random.default_rng(1)
    n = 120
    meta = pd.DataFrame({
        "channel_id": rng.choice(["a", "b", "c"], n), "log_views": rng.normal(3, 1, n),
        "channel_subscribers": rng.integers(10, 10_000, n), "age_days": rng.integers(1, 3000, n),
        "upload_date": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D"),
        **{f"split_{k}": rng.choice(["train", "val", "test"], n) for k in ("random", "channel", "temporal")},
    })
    report = pd.DataFrame({"filter": ["validation", "min_views"], "removed": [0, 7], "remaining": [127, 120]})
    for fig in (figures.log_views_histogram(meta["log_views"].to_numpy(), 500),
                figures.views_vs_age(meta["age_days"].to_numpy(), meta["log_views"].to_numpy()),
                figures.views_by_channel(meta), figures.cleaning_figure(report), figures.split_figure(meta),
                figures.title_figure(figures.title_table(pd.Series(["a b", "Один", "X 1"])))):
        assert fig.axes
        matplotlib.pyplot.close(fig)
