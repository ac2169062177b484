"""The one image loader: bit depth, EXIF orientation, bounded reads; the same pixels everywhere."""
from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from thumbnail_lab.dataset import ensure_dataset, validate_dataset
from thumbnail_lab.dataset.images import MAX_FILE_BYTES, ImageProblem, inspect_image, load_resized
from thumbnail_lab.dataset.importer import import_dataset
from thumbnail_lab.dataset.layout import format_csv

HEADER = ["file_name", "video_id", "channel_id", "title", "views", "upload_date", "duration_s"]


@pytest.fixture
def roots(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path


def _png16(value: int | np.ndarray, size=(48, 27)) -> bytes:
    array = np.full((size[1], size[0]), value, np.uint16) if np.isscalar(value) else value.astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _arrow(width=64, height=36) -> Image.Image:
    """An asymmetric picture: the left third red, the rest blue, a white top band."""
    array = np.zeros((height, width, 3), np.uint8)
    array[:, : width // 3] = (220, 20, 20)
    array[:, width // 3:] = (20, 20, 220)
    array[: height // 4] = 255
    return Image.fromarray(array)


def _sideways_jpeg(orientation: int = 6) -> tuple[bytes, Image.Image]:
    """The arrow stored turned so that EXIF ``orientation`` shows it upright; returns bytes and the upright image."""
    upright = _arrow()
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a camera held sideways stores
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue(), upright


def test_uniform_mid_grey_16_bit_stays_mid_grey():
    facts, rgb = inspect_image(_png16(32768), "grey16.png")
    pixels = np.asarray(rgb)
    assert pixels.min() == pixels.max() == 128  # scaled by the bit depth, not stretched to white
    assert "bit depth" in " ".join(facts.notes)


def test_16_bit_ramp_is_scaled_by_bit_depth_not_by_its_maximum():
    ramp = np.tile(np.linspace(0, 16384, 48), (27, 1))  # only a quarter of the 16-bit range
    _, rgb = inspect_image(_png16(ramp), "ramp.png")
    assert np.asarray(rgb)[..., 0].max() == round(16384 * 255 / 65535)  # 64, no contrast stretch to 255


def test_exif_orientation_applied_and_recorded():
    data, upright = _sideways_jpeg(6)
    facts, rgb = inspect_image(data, "side.jpg")
    assert (facts.width, facts.height) == upright.size and facts.orientation == 6
    assert "EXIF orientation 6" in " ".join(facts.notes)
    assert np.abs(np.asarray(rgb, float) - np.asarray(upright, float)).mean() < 8


def test_orientation_consistent_in_import_copy_and_cache(roots):
    """A JPEG kept byte for byte, a PNG re-encoded and the cached pixels all show the picture upright."""
    src = roots / "src"
    (src / "images").mkdir(parents=True)
    data, upright = _sideways_jpeg(6)
    (src / "images" / "sidejpg.jpg").write_bytes(data)
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(src / "images" / "sidepng.png", format="PNG", exif=exif)
    rows = [["images/sidejpg.jpg", "sidejpg", "UC1", "a", "1000", "2021-01-01", "100"],
            ["images/sidepng.png", "sidepng", "UC1", "b", "1000", "2021-01-01", "100"]]
    (src / "metadata.csv").write_text(format_csv(HEADER, rows), encoding="utf-8")
    result = import_dataset(src, name="turned", show_progress=False)
    notes = result.notes.groupby("file")["note"].apply(" ".join)
    assert "EXIF orientation 6" in notes["images/sidejpg.jpg"] and "EXIF orientation 6" in notes["images/sidepng.jpg"]
    meta = validate_dataset(result.dest, show_progress=False).metadata.set_index("video_id")
    assert (meta.loc[["sidejpg", "sidepng"], "image_width"] == upright.width).all()
    ds = ensure_dataset(result.dest, show_progress=False, min_views=0, drop_shorts=False, min_channel_videos=1,
                        drop_near_duplicates=False, drop_exact_duplicates=False)
    expected = np.asarray(upright.resize((32, 18), Image.Resampling.LANCZOS), float)
    for i in range(len(ds.metadata)):
        assert np.abs(ds.images(32, 18)[i].astype(float) - expected).mean() < 12, ds.metadata["video_id"].iat[i]


def test_load_resized_applies_orientation(tmp_path):
    data, upright = _sideways_jpeg(6)
    path = tmp_path / "x.jpg"
    path.write_bytes(data)
    pixels = load_resized(path, 32, 18).astype(float)
    expected = np.asarray(upright.resize((32, 18), Image.Resampling.LANCZOS), float)
    assert np.abs(pixels - expected).mean() < 12


def test_oversized_file_refused_before_reading(tmp_path):
    from thumbnail_lab.dataset.images import read_image_file

    path = tmp_path / "huge.jpg"
    with open(path, "wb") as fh:  # a sparse file: no disk used, but 1.5 times the limit
        fh.truncate(MAX_FILE_BYTES * 3 // 2)
    tracemalloc.start()
    try:
        with pytest.raises(ImageProblem, match="limit"):
            read_image_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # nothing of the file was read into memory


def test_validate_refuses_oversized_image_without_reading_it(tmp_path):
    folder = tmp_path / "ds"
    (folder / "images").mkdir(parents=True)
    _arrow().save(folder / "images" / "ok.jpg")
    with open(folder / "images" / "big.jpg", "wb") as fh:
        fh.truncate(MAX_FILE_BYTES * 3 // 2)
    rows = [["images/ok.jpg", "ok", "UC1", "a", "1", "2021-01-01", "100"],
            ["images/big.jpg", "big", "UC1", "b", "1", "2021-01-01", "100"]]
    (folder / "metadata.csv").write_text(format_csv(HEADER, rows), encoding="utf-8")
    tracemalloc.start()
    try:
        result = validate_dataset(folder, show_progress=False, workers=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert list(result.rejections["row"]) == [3] and "limit" in result.rejections["reason"].iat[0]
    assert peak < 20 * 2**20
