"""Property tests: arbitrary ids, titles and paths survive import -> validate -> load byte for byte."""
from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from thumbnail_lab.dataset import ensure_dataset, validate_dataset
from thumbnail_lab.dataset.images import load_resized
from thumbnail_lab.dataset.importer import import_dataset
from thumbnail_lab.dataset.layout import format_csv

HEADER = ["file_name", "video_id", "channel_id", "title", "views", "upload_date", "duration_s"]
TITLE = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30),
    st.builds(lambda a, b: a + b, st.text("'=+-@\t\r\n\",", min_size=1, max_size=3),
              st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=10)))
# Any id the layout allows; ids equal but for letter case are one file on macOS/Windows, so one of each.
VIDEO_ID = st.from_regex(r"[A-Za-z0-9_-]{1,16}", fullmatch=True).filter(
    lambda v: v.lower() not in {"con", "prn", "aux", "nul"} and not (v[:3].lower() in ("com", "lpt") and len(v) == 4))
# A path part: any script, spaces and punctuation a user's file names have; never '/', NUL or '.'/'..'.
PART = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="/\\\x00:~"), min_size=1,
               max_size=12).filter(lambda p: p.strip(".") != "" and len(p.encode()) < 100)
CHANNEL = st.sampled_from(["UC1", "=UC2", "-chan", "Caf\u00e9", "  padded  "])
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@contextlib.contextmanager
def _roots():
    folder = Path(tempfile.mkdtemp())
    old = {k: os.environ.get(k) for k in ("THUMBNAIL_LAB_DATA", "THUMBNAIL_LAB_ARTIFACTS")}
    os.environ["THUMBNAIL_LAB_DATA"], os.environ["THUMBNAIL_LAB_ARTIFACTS"] = str(folder / "d"), str(folder / "a")
    try:
        yield folder
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(folder, ignore_errors=True)


@st.composite
def videos(draw):
    n = draw(st.integers(1, 4))
    ids = draw(st.lists(VIDEO_ID, min_size=n, max_size=n, unique_by=str.casefold))
    paths = draw(st.lists(st.tuples(st.one_of(st.none(), PART), PART, st.sampled_from([".jpg", ".png"])),
                          min_size=n, max_size=n, unique_by=lambda t: (t[0], t[1] + t[2])))
    titles = draw(st.lists(TITLE, min_size=n, max_size=n))
    channels = draw(st.lists(CHANNEL, min_size=n, max_size=n))
    return list(zip(ids, paths, titles, channels))


@SETTINGS
@given(videos())
def test_ids_titles_and_paths_round_trip_through_import_validate_and_load(rows):
    with _roots() as root:
        src = root / "source folder, with spaces"
        csv_rows = []
        for k, (vid, (folder, name, ext), title, channel) in enumerate(rows):
            relative = f"{folder}/{name}{ext}" if folder else f"{name}{ext}"
            (src / relative).parent.mkdir(parents=True, exist_ok=True)
            colour = (40 * k + 30, 255 - 50 * k, 90 + 30 * k)
            Image.new("RGB", (32, 18), colour).save(src / relative, format="JPEG" if ext == ".jpg" else "PNG")
            csv_rows.append([relative, vid, channel, title, str(1000 + k), "2021-03-04", "300"])
        (src / "metadata.csv").write_text(format_csv(HEADER, csv_rows), encoding="utf-8")

        in_place = validate_dataset(src, extra_columns="error", show_progress=False)
        assert in_place.ok, in_place.rejections.to_dict("records")
        result = import_dataset(src, name="copy", show_progress=False)
        assert result.imported == len(rows) and result.rejections.empty
        check = validate_dataset(result.dest, extra_columns="error", show_progress=False)
        assert check.ok, check.rejections.to_dict("records")  # the importer's own output always validates
        with open(result.dest / "metadata.csv", encoding="utf-8", newline="") as fh:
            written = [record[3] for record in list(csv.reader(fh))[1:]]
        assert not [w for w in written if w[:1] in ("=", "+", "-", "@", "\t", "\r")]  # a spreadsheet shows text
        ds = ensure_dataset(result.dest, show_progress=False, min_views=0, drop_shorts=False, min_channel_videos=1,
                            drop_exact_duplicates=False, drop_near_duplicates=False)
        meta = ds.metadata.set_index("video_id")
        assert sorted(meta.index) == sorted(vid for vid, *_ in rows)
        pixels = ds.images(16, 9)
        for vid, (folder, name, ext), title, channel in rows:
            assert meta.loc[vid, "title"] == title  # byte for byte, formulas and line breaks included
            assert meta.loc[vid, "channel_id"] == channel.strip()
            assert meta.loc[vid, "file_name"] == f"images/{vid}.jpg"
            relative = f"{folder}/{name}{ext}" if folder else f"{name}{ext}"
            source_pixels = load_resized(src / relative, 16, 9).astype(int)
            position = list(ds.metadata["video_id"]).index(vid)
            assert np.abs(pixels[position].astype(int) - source_pixels).max() <= 12  # one JPEG re-encode at most
