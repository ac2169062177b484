"""PosterWorld: a valid dataset folder in the book's layout, fast, with its planted effects in the views."""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from thumbnail_lab.dataset import validate_dataset
from thumbnail_lab.dataset.layout import REQUIRED_COLUMNS
from thumbnail_lab.posterworld import ELEMENT_EFFECTS, ELEMENTS, generate_posterworld
from thumbnail_lab.posterworld.draw import TEAL


@pytest.fixture(scope="module")
def posters(tmp_path_factory):
    folder = tmp_path_factory.mktemp("posters") / "pw"
    start = time.perf_counter()
    generate_posterworld(folder, n_videos=300, seed=0)
    return folder, time.perf_counter() - start


def test_layout_is_valid_and_fast(posters):
    folder, seconds = posters
    assert seconds < 20
    meta = pd.read_csv(folder / "metadata.csv")
    assert set(REQUIRED_COLUMNS) <= set(meta.columns) and len(meta) == 300
    assert all(f"true_{e}" in meta.columns for e in ELEMENTS)
    assert all((folder / f).is_file() for f in meta["file_name"])
    truth = json.loads((folder / "truth.json").read_text())
    assert truth["elements"] == list(ELEMENTS) and truth["element_effects"] == ELEMENT_EFFECTS
    result = validate_dataset(folder, extra_columns="keep", show_progress=False)
    assert len(result.rejections) == 0 and len(result.metadata) == 300
    with Image.open(folder / meta["file_name"][0]) as img:
        assert img.size == (320, 180) and img.format == "JPEG"


def test_same_seed_same_bytes(posters, tmp_path):
    folder, _ = posters
    again = generate_posterworld(tmp_path / "again", n_videos=300, seed=0)
    assert (again / "metadata.csv").read_bytes() == (folder / "metadata.csv").read_bytes()
    name = pd.read_csv(folder / "metadata.csv")["file_name"][7]
    assert (again / name).read_bytes() == (folder / name).read_bytes()
    with pytest.raises(ValueError):
        generate_posterworld(folder, n_videos=301, seed=0)


def test_planted_effects_are_in_the_views(posters):
    folder, _ = posters
    meta = pd.read_csv(folder / "metadata.csv")
    flags = meta[[f"true_{e}" for e in ELEMENTS]].to_numpy(float)
    # the noise-free content effect is exactly the planted sum
    assert np.allclose(meta["true_content_effect"], flags @ np.array([ELEMENT_EFFECTS[e] for e in ELEMENTS]), atol=1e-5)
    # and a regression of log views on the flags recovers each planted sign
    y = np.log10(meta["views"].clip(lower=1)) - (meta["true_log_views_mean"] - meta["true_content_effect"])
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(y)), flags]), y, rcond=None)
    est = dict(zip(ELEMENTS, coef[1:]))
    for e in ("person", "rocket"):
        assert est[e] > 0.05, est
    for e in ("teal_background", "stripes"):
        assert est[e] < -0.04, est


def test_planted_elements_are_visible(posters):
    folder, _ = posters
    meta = pd.read_csv(folder / "metadata.csv")
    hues = []
    for name in meta["file_name"]:
        with Image.open(folder / name) as img:
            hsv = np.asarray(img.convert("HSV").resize((8, 8)), float) / 255
        hues.append(np.median(hsv[..., 0]))
    hues = np.array(hues)
    teal = meta["true_teal_background"].to_numpy() == 1
    in_band = (hues >= TEAL[0] - 0.03) & (hues <= TEAL[1] + 0.03)
    assert in_band[teal].mean() > 0.6 and in_band[~teal].mean() < 0.15
