"""Cleaning filters and splits on small hand-made tables and images."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageOps

from thumbnail_lab.dataset.clean import CleaningParams, clean, near_duplicate_pairs
from thumbnail_lab.dataset.images import inspect_image
from thumbnail_lab.dataset.splits import channel_split, make_splits, random_split, temporal_split
from thumbnail_lab.dataset.toy import toy_image


def _facts(image: Image.Image, quality: int = 90):
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    facts, _ = inspect_image(buffer.getvalue(), "x.jpg")
    return facts


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["upload_date"] = pd.to_datetime(frame["upload_date"])
    return frame


def _row(vid, channel="A", views=1000, duration=300, date="2021-01-01", facts=None):
    facts = facts or _facts(toy_image(np.random.default_rng(abs(hash(vid)) % 2**32)))
    return {"video_id": vid, "channel_id": channel, "views": views, "duration_s": float(duration), "upload_date": date,
            "image_sha256": facts.sha256, "image_phash": facts.phash, "image_colour": facts.colour}


def test_each_filter_removes_what_it_says_and_reports_it():
    original = toy_image(np.random.default_rng(1))
    template = ImageOps.invert(original)  # same layout of edges, different colours
    rows = [_row("low", views=499), _row("short", duration=59), _row("orig", date="2020-01-01", facts=_facts(original)),
            _row("copy", date="2021-06-01", facts=_facts(original)),
            _row("recoded", date="2022-01-01", facts=_facts(original, quality=40)),
            _row("lookalike", date="2022-02-01", facts=_facts(template)),
            _row("b1", channel="B"), _row("b2", channel="B"), _row("c1", channel="C")]
    result = clean(_frame(rows), CleaningParams(min_channel_videos=2))
    removed = dict(zip(result.removed["video_id"], result.removed["filter"]))
    assert removed == {"low": "min_views", "short": "shorts", "copy": "exact_duplicates",
                       "recoded": "near_duplicates", "c1": "channel_maturity"}
    assert set(result.kept["video_id"]) == {"orig", "lookalike", "b1", "b2"}
    report = result.report.set_index("filter")
    assert list(report.index) == ["min_views", "shorts", "exact_duplicates", "near_duplicates", "channel_maturity"]
    assert report["removed"].sum() == 5 and report["remaining"].iat[-1] == 4
    assert "500" in report.loc["min_views", "reason"]


def test_filters_can_be_switched_off():
    rows = [_row("low", views=10), _row("short", duration=5), _row("x")]
    params = CleaningParams(min_views=0, drop_shorts=False, min_channel_videos=0)
    assert len(clean(_frame(rows), params).kept) == 3
    with pytest.raises(ValueError):
        CleaningParams(phash_threshold=65)


def test_near_duplicate_pairs_match_brute_force():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, 300, dtype=np.uint64)
    hashes[50] = hashes[7] ^ np.uint64(0b101)  # distance 2
    pairs = near_duplicate_pairs(hashes, threshold=3, chunk=64)
    brute = [(i, j, bin(int(hashes[i]) ^ int(hashes[j])).count("1")) for i in range(300) for j in range(i + 1, 300)]
    assert pairs == [p for p in brute if p[2] <= 3] and (7, 50, 2) in pairs


@pytest.fixture
def videos():
    rng = np.random.default_rng(3)
    n = 400
    return pd.DataFrame({"video_id": [f"v{i:04d}" for i in range(n)],
                         "channel_id": [f"c{k}" for k in rng.integers(0, 20, n)],
                         "upload_date": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), "D")})


def test_random_split_fractions_and_seed(videos):
    labels, reason = random_split(videos, seed=1)
    counts = pd.Series(labels).value_counts()
    assert (counts["train"], counts["val"], counts["test"]) == (280, 60, 60)
    assert (random_split(videos, seed=1)[0] == labels).all() and not (random_split(videos, seed=2)[0] == labels).all()
    assert "seed 1" in reason


def test_channel_split_keeps_channels_whole(videos):
    labels, reason = channel_split(videos, seed=0)
    table = videos.assign(split=labels)
    assert (table.groupby("channel_id")["split"].nunique() == 1).all()
    assert set(labels) == {"train", "val", "test"}
    share = pd.Series(labels).value_counts(normalize=True)
    assert 0.5 < share["train"] < 0.85
    one = videos.assign(channel_id="only")
    labels, reason = channel_split(one, seed=0)
    assert "impossible" in reason and set(labels) == {"train", "val", "test"}


def test_temporal_split_orders_by_date(videos):
    labels, reason = temporal_split(videos)
    table = videos.assign(split=labels)
    assert table.loc[table.split == "train", "upload_date"].max() <= table.loc[table.split == "val", "upload_date"].min()
    assert table.loc[table.split == "val", "upload_date"].max() <= table.loc[table.split == "test", "upload_date"].min()
    splits, reasons = make_splits(videos, seed=0)
    assert list(splits.columns) == ["split_random", "split_channel", "split_temporal"] and set(reasons) == {
        "random", "channel", "temporal"}
