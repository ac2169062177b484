"""ensure_dataset / PreparedDataset: the contract the chapters rely on."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thumbnail_lab.dataset import DatasetError, ensure_dataset, thumbworld_name
from thumbnail_lab.dataset.toy import make_toy_dataset

CONTRACT = ["file_name", "video_id", "channel_id", "title", "views", "log_views", "upload_date", "age_days",
            "duration_s", "split_random", "split_channel", "split_temporal"]


@pytest.fixture
def roots(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path


@pytest.fixture
def toy(roots):
    return make_toy_dataset(roots / "data" / "toy", n_videos=60, n_channels=6, seed=1)


def test_contract_columns_and_types(toy):
    ds = ensure_dataset(toy, show_progress=False)
    meta = ds.metadata
    assert list(meta.columns[:8]) == CONTRACT[:8]
    for column in CONTRACT:
        assert column in meta.columns
    assert meta["views"].dtype == np.int64
    assert np.issubdtype(meta["upload_date"].dtype, np.datetime64)
    np.testing.assert_allclose(meta["log_views"], np.log10(meta["views"]))
    assert (meta["age_days"] >= 0).all()
    for kind in ("random", "channel", "temporal"):
        assert set(meta[f"split_{kind}"]) <= {"train", "val", "test"}
    assert (meta["views"] >= 500).all() and (meta["duration_s"] >= 60).all()
    assert ds.truth is None and ds.elements == ()
    assert list(ds.cleaning_report.columns[:2]) == ["filter", "removed"] and "reason" in ds.cleaning_report
    assert ds.name == "toy" and ds.data_dir == toy.resolve()
    assert meta.index.equals(pd.RangeIndex(len(meta)))


def test_images_memmap_rows_match_metadata(toy):
    ds = ensure_dataset(toy, show_progress=False)
    images = ds.images(32, 18)
    assert isinstance(images, np.memmap) and images.dtype == np.uint8
    assert images.shape == (len(ds.metadata), 18, 32, 3)
    assert not images.flags.writeable
    from thumbnail_lab.dataset.images import load_resized
    i = len(ds.metadata) // 2
    expected = load_resized(ds.data_dir / ds.metadata["file_name"].iat[i], 32, 18)
    np.testing.assert_array_equal(images[i], expected)
    assert (ds.artifacts_dir / "images_32x18.npy").is_file()


def test_second_call_reuses_artifacts(toy):
    first = ensure_dataset(toy, show_progress=False)
    first.images(16, 9)
    manifest = first.artifacts_dir / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    second = ensure_dataset(toy, show_progress=False)
    assert manifest.stat().st_mtime_ns == stamp  # nothing rebuilt
    pd.testing.assert_frame_equal(first.metadata, second.metadata)
    assert second.images(16, 9).shape[0] == len(second.metadata)


def test_changed_inputs_trigger_rebuild(toy):
    ds = ensure_dataset(toy, show_progress=False)
    ds.images(16, 9)
    csv = toy / "metadata.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join(lines[:-10]), encoding="utf-8")  # drop the last ten rows
    dropped = {line.split(",")[1] for line in lines[-10:]}
    again = ensure_dataset(toy, show_progress=False)
    assert dropped & set(ds.metadata["video_id"])  # some of them had survived cleaning before
    assert not dropped & set(again.metadata["video_id"])
    assert set(again.metadata["video_id"]) == set(ds.metadata["video_id"]) - dropped
    assert again.images(16, 9).shape[0] == len(again.metadata)


def test_cleaning_params_change_the_artifacts_folder(toy):
    strict = ensure_dataset(toy, show_progress=False, min_views=5000)
    loose = ensure_dataset(toy, show_progress=False, min_views=0, drop_shorts=False, min_channel_videos=1)
    assert strict.artifacts_dir != loose.artifacts_dir
    assert len(loose.metadata) > len(strict.metadata)
    assert (strict.metadata["views"] >= 5000).all()


def test_splits_saved_as_files_with_reasons(toy):
    ds = ensure_dataset(toy, show_progress=False, seed=3)
    folder = ds.artifacts_dir / "splits"
    for kind in ("random", "channel", "temporal"):
        table = pd.read_csv(folder / f"{kind}.csv")
        assert list(table["video_id"]) == list(ds.metadata["video_id"])
        assert list(table["split"]) == list(ds.metadata[f"split_{kind}"])
        assert len(ds.split_reasons[kind]) > 40
    # the channel split never shares a channel between splits
    per_channel = ds.metadata.groupby("channel_id")["split_channel"].nunique()
    assert (per_channel == 1).all()


def test_same_seed_same_dataset_in_fresh_roots(tmp_path, monkeypatch):
    outputs = []
    for k in range(2):
        monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / f"art{k}"))
        folder = make_toy_dataset(tmp_path / f"d{k}" / "toy", n_videos=40, n_channels=4, seed=5)
        outputs.append(ensure_dataset(folder, show_progress=False, seed=2).metadata.drop(columns=["file_name"]))
    pd.testing.assert_frame_equal(outputs[0], outputs[1])


def test_bad_sources_give_one_sentence(roots):
    with pytest.raises(DatasetError, match="neither 'thumbworld' nor an existing"):
        ensure_dataset(str(roots / "nope"))
    (roots / "empty").mkdir()
    with pytest.raises(DatasetError, match="has no metadata.csv"):
        ensure_dataset(str(roots / "empty"))
    with pytest.raises(DatasetError, match="n_videos"):
        ensure_dataset("thumbworld", n_videos=-3)


def test_rejected_rows_are_reported_not_silently_dropped(toy):
    csv = toy / "metadata.csv"
    text = csv.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    row = text[1].split(",")
    row[header.index("views")] = "1.2M"
    text[1] = ",".join(row)
    csv.write_text("\n".join(text) + "\n", encoding="utf-8")
    ds = ensure_dataset(toy, show_progress=False)
    assert len(ds.rejections) == 1 and ds.rejections["row"].iat[0] == 2
    assert "abbreviated" in ds.rejections["reason"].iat[0]
    assert ds.cleaning_report.set_index("filter").loc["validation", "removed"] == 1
    assert (ds.artifacts_dir / "rejections.csv").is_file()


def test_cli_thumbworld_writes_a_valid_dataset(roots, capsys):
    from thumbnail_lab.__main__ import main
    from thumbnail_lab.dataset import validate_dataset

    assert main(["thumbworld", "--n-videos", "20", "--seed", "1", "--workers", "1", "--quiet"]) == 0
    folder = roots / "data" / thumbworld_name("default", 20, 1)
    assert str(folder) in capsys.readouterr().out
    assert validate_dataset(folder, extra_columns="error", show_progress=False).ok


def test_a_killed_cache_build_leaves_nothing_behind_after_the_next(toy):
    ds = ensure_dataset(toy, show_progress=False)
    stale = ds.artifacts_dir / ".images_16x9.npy.abc123.tmp"  # what a build killed mid-way leaves
    stale.write_bytes(b"\0" * 1000)
    assert ds.images(16, 9).shape[0] == len(ds.metadata)
    assert not stale.exists() and not list(ds.artifacts_dir.glob(".*.tmp"))


def test_elements_of_another_renderer_come_from_its_truth():
    import pandas as pd

    from thumbnail_lab.dataset.prepare import _elements

    meta = pd.DataFrame({"true_rocket": [0, 1], "true_face": [1, 0], "true_content_effect": [0.1, 0.2]})
    assert _elements(meta, {"element_effects": {"rocket": 0.12, "stripes": -0.1}}) == ("face", "rocket")
    assert _elements(meta, None) == ("face",)               # without a truth only ThumbWorld's names are known
