"""import: folders of images + a CSV become datasets in the layout that the chapters can read."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from thumbnail_lab.dataset import DatasetError, ensure_dataset, validate_dataset
from thumbnail_lab.dataset.importer import import_dataset
from thumbnail_lab.dataset.toy import make_toy_dataset, toy_image, toy_rows, write_csv


@pytest.fixture
def roots(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path


def test_import_existing_imagefolder_round_trips(roots):
    src = make_toy_dataset(roots / "hf_dataset", n_videos=30, n_channels=3, seed=2)
    result = import_dataset(src, show_progress=False)
    assert result.imported == 30 and result.rejections.empty and result.notes.empty
    assert result.dest == roots / "data" / "hf_dataset"
    original = pd.read_csv(src / "metadata.csv", dtype=str, keep_default_na=False)
    copied = pd.read_csv(result.dest / "metadata.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(original, copied)
    for name in original["file_name"]:
        assert (result.dest / name).read_bytes() == (src / name).read_bytes()  # JPEGs copied, not re-encoded


def test_folder_of_pngs_without_file_name_column(roots):
    src = roots / "loose"
    src.mkdir()
    rows = toy_rows(12, 3, seed=4)
    rng = np.random.default_rng(0)
    for row in rows:
        toy_image(rng, 200, 150).save(src / f"{row['video_id']}.png")
    write_csv(src / "videos.csv", rows, columns=[c for c in rows[0] if c != "file_name"])
    result = import_dataset(src, name="mine", show_progress=False)
    assert result.imported == 12 and len(result.notes) == 12
    meta = pd.read_csv(result.dest / "metadata.csv", dtype=str)
    assert list(meta.columns[:2]) == ["file_name", "video_id"]
    assert (meta["file_name"] == "images/" + meta["video_id"] + ".jpg").all()
    with Image.open(result.dest / meta["file_name"].iat[0]) as image:
        assert image.format == "JPEG" and image.size == (200, 150)
    ds = ensure_dataset(result.dest, show_progress=False, min_views=0, drop_shorts=False, min_channel_videos=1)
    assert ds.images(32, 18).shape == (len(ds.metadata), 18, 32, 3)  # 4:3 images are centre-cropped to 16:9


def test_missing_images_for_ids_are_rejections(roots):
    src = roots / "partial"
    src.mkdir()
    rows = toy_rows(5, 2, seed=1)
    toy_image(np.random.default_rng(0)).save(src / f"{rows[0]['video_id']}.jpg")
    write_csv(src / "metadata.csv", rows, columns=[c for c in rows[0] if c != "file_name"])
    result = import_dataset(src, show_progress=False)
    assert result.imported == 1
    assert list(result.rejections["row"]) == [3, 4, 5, 6]
    assert result.rejections["reason"].str.contains("no image named").all()


def test_no_valid_rows_creates_nothing(roots):
    src = roots / "broken"
    src.mkdir()
    write_csv(src / "metadata.csv", toy_rows(3, 1, seed=0))  # no images at all
    with pytest.raises(DatasetError, match="no valid rows"):
        import_dataset(src, show_progress=False)
    assert not (roots / "data").exists() or not any((roots / "data").iterdir())


def test_extra_columns_policy(roots):
    src = make_toy_dataset(roots / "extra", n_videos=5, n_channels=1)
    meta = pd.read_csv(src / "metadata.csv", dtype=str)
    meta["likes"] = "7"
    meta.to_csv(src / "metadata.csv", index=False)
    with pytest.raises(DatasetError, match="unknown column.*'likes'"):
        import_dataset(src, show_progress=False)
    kept = import_dataset(src, name="kept", extra_columns="keep", show_progress=False)
    assert "likes" in pd.read_csv(kept.dest / "metadata.csv").columns
    dropped = import_dataset(src, name="dropped", extra_columns="drop", show_progress=False)
    assert "likes" not in pd.read_csv(dropped.dest / "metadata.csv").columns


def test_overwrite_replaces_atomically(roots):
    src = make_toy_dataset(roots / "again", n_videos=6, n_channels=2)
    first = import_dataset(src, show_progress=False)
    with pytest.raises(DatasetError, match="already exists"):
        import_dataset(src, show_progress=False)
    second = import_dataset(src, overwrite=True, show_progress=False)
    assert second.dest == first.dest and validate_dataset(second.dest, show_progress=False).ok
    assert sorted(p.name for p in (roots / "data").iterdir()) == ["again"]


def test_cli_import_and_validate(roots, capsys):
    from thumbnail_lab.__main__ import main

    src = make_toy_dataset(roots / "cli_src", n_videos=8, n_channels=2)
    (src / "metadata.csv").write_text((src / "metadata.csv").read_text(encoding="utf-8")
                                      + "images/nope.jpg,nope,UC1,t,10,2021-01-01,100,5,2024-06-01\n", encoding="utf-8")
    assert main(["import", str(src), "--name", "viacli", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "imported 8 rows" in out and "row 10: file_name 'images/nope.jpg': no such file" in out
    assert main(["import", str(src), "--name", "viacli2", "--strict", "--quiet"]) == 1
    assert main(["validate", str(roots / "data" / "viacli"), "--quiet"]) == 0
    assert main(["validate", str(src), "--quiet"]) == 1
    assert main(["import", str(roots / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
