"""ensure_dataset on the ThumbWorld simulator: truth columns, planted duplicates, scenarios."""
from __future__ import annotations

import numpy as np
import pytest

from thumbnail_lab.dataset import DatasetError, ensure_dataset, thumbworld_name
from thumbnail_lab.thumbworld import ELEMENTS


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("tw")
    mp = pytest.MonkeyPatch()
    mp.setenv("THUMBNAIL_LAB_DATA", str(root / "data"))
    mp.setenv("THUMBNAIL_LAB_ARTIFACTS", str(root / "artifacts"))
    ds = ensure_dataset("thumbworld", scenario="default", n_videos=300, seed=0, show_progress=False)
    yield ds
    mp.undo()


def test_thumbworld_contract(world):
    ds = world
    assert ds.name == thumbworld_name("default", 300, 0) and ds.name.startswith("thumbworld-default-n300-s0-v")
    assert ds.data_dir.name == ds.name and ds.artifacts_dir.name.startswith(ds.name + "-")
    assert ds.elements == tuple(e for e in ELEMENTS)
    for e in ds.elements:
        assert set(np.unique(ds.metadata[f"true_{e}"])) <= {0, 1}
    for column in ("true_channel_effect", "true_age_effect", "true_title_effect", "true_content_effect",
                   "true_noise", "true_log_views_mean"):
        assert column in ds.metadata
    assert ds.truth["scenario"] == "default" and "element_effects" in ds.truth
    assert ds.images(64, 36).shape == (len(ds.metadata), 36, 64, 3)


def test_planted_duplicates_are_found_and_nothing_else(world):
    ds = world
    planted = ds.truth.get("duplicates", {})
    removed = ds.removed[ds.removed["filter"].isin(["exact_duplicates", "near_duplicates"])]
    in_pairs = set(planted) | set(planted.values())
    assert set(removed["video_id"]) <= in_pairs  # no false positives
    reached = set(ds.metadata["video_id"]) | set(removed["video_id"])  # survived the filters before
    for copy, original in planted.items():
        if copy in reached and original in reached:  # exactly one of the pair is kept
            assert (copy in set(ds.metadata["video_id"])) != (original in set(ds.metadata["video_id"]))


def test_reload_is_fast_and_identical(world):
    again = ensure_dataset("thumbworld", scenario="default", n_videos=300, seed=0, show_progress=False)
    assert again.metadata.equals(world.metadata)


def test_unknown_scenario_is_one_sentence():
    with pytest.raises(DatasetError, match="unknown ThumbWorld scenario 'nope'"):
        ensure_dataset("thumbworld", scenario="nope", n_videos=10)
