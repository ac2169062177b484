"""Hostile and broken inputs: each is refused or fixed with a reason naming file and row, and
nothing crashes, writes outside the dataset folder or changes the source."""
from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, features

from thumbnail_lab.dataset import ensure_dataset, validate_dataset
from thumbnail_lab.dataset.importer import import_dataset
from thumbnail_lab.dataset.layout import format_csv

HEADER = ["file_name", "video_id", "channel_id", "title", "views", "upload_date", "duration_s"]
RTL = "مرحبا بالعالم שלום"
FORMULAS = {"fx_eq": '=HYPERLINK("http://evil.example","click")', "fx_plus": "+1 trick", "fx_minus": "-5 kg in a week",
            "fx_at": "@SUM(A1:A9)", "fx_tab": "\tTabbed", "fx_quoted": "'=already escaped", "fx_apos": "'Til the end"}
COMBINING = "Zalgo: Z\u0335\u0321a\u0336\u0322l\u0337g\u0338o\u0334 e\u0301\u0302"
EMOJI_CAPS = "YOU WON'T BELIEVE THIS 😱🔥 100% 真的"


def _jpeg(mode: str = "RGB", size=(64, 36), color=None) -> bytes:
    rng = np.random.default_rng(abs(hash((mode, size))) % 2**32)
    array = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(array).convert(mode) if mode != "RGB" else Image.fromarray(array)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG whose header declares width x height (its pixel data is a few bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
            + chunk(b"IEND", b""))


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose SOF marker is patched to declare width x height."""
    data = bytearray(_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _tree(root: Path) -> dict[str, str]:
    """Every path under ``root`` (not following symlinks) with a hash of its content."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path)] = "link->" + os.readlink(path)
        elif path.is_file():
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[str(path)] = "dir"
    return out


def build_corpus(src: Path, outside: Path) -> dict[str, tuple[int, str]]:
    """Write a source folder full of hostile cases; returns {video_id: (row, expected reason fragment)}.

    A reason fragment of "" means the row must be imported (possibly converted).
    """
    images = src / "images"
    images.mkdir(parents=True)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.jpg").write_bytes(_jpeg())
    good = _jpeg()
    rgba = Image.fromarray(np.random.default_rng(1).integers(0, 255, (36, 64, 4), dtype=np.uint8), "RGBA")
    files = {
        "good": good, "rtl": _jpeg(size=(64, 40)), "combining": _jpeg(size=(64, 44)), "emoji": _jpeg(size=(60, 36)),
        "truncated": good[: len(good) // 2], "zerobyte": b"",
        "pngasjpg": _encoded(rgba.convert("RGB"), "PNG"),
        "cmyk": _jpeg("CMYK", size=(70, 36)), "grey": _jpeg("L", size=(72, 36)),
        "palette": _encoded(rgba.convert("RGB").convert("P"), "PNG"), "alpha": _encoded(rgba, "PNG"),
        "bomb": _png_bomb(), "bombjpg": _jpeg_claiming(9000, 6000), "notimage": b"<html>hello</html>",
        "dupid": _jpeg(size=(80, 36)),
    }
    if features.check("webp"):
        files["webpasjpg"] = _encoded(rgba.convert("RGB"), "WEBP")
    files["good2"] = _jpeg(size=(66, 36))
    files["grey16"] = _encoded(Image.fromarray(np.full((36, 64), 32768, np.uint16)), "PNG")
    turned = Image.fromarray(np.random.default_rng(3).integers(0, 255, (64, 36, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    turned.save(buffer, format="JPEG", exif=exif)
    files["rotated"] = buffer.getvalue()
    files["cr\rname"] = good[: len(good) // 2]  # a truncated image whose name holds a carriage return
    files.update({vid: _jpeg(size=(64 + 2 * k, 38)) for k, vid in enumerate([*FORMULAS, "caseA", "caseB", "nfc",
                                                                              "nfd", "nl", "conimg", "expimg",
                                                                              "futimg"])})
    for name, data in files.items():
        (images / f"{name}.jpg").write_bytes(data)
    os.symlink(outside / "secret.jpg", images / "escape.jpg")
    os.symlink(outside, images / "outdir")
    os.symlink("good2.jpg", images / "alias.jpg")  # a link inside the folder: the same file under another name
    os.link(images / "good2.jpg", images / "hardlink.jpg")
    os.mkfifo(images / "fifo.jpg")

    cases: list[tuple[list[str], str]] = [
        (["images/good.jpg", "good", "UC1", "plain", "1000", "2021-01-01", "100"], ""),
        (["images/rtl.jpg", "rtl", "UC1", RTL, "1000", "2021-01-01", "100"], ""),
        (["images/combining.jpg", "combining", "UC1", COMBINING, "1000", "2021-01-01", "100"], ""),
        (["images/emoji.jpg", "emoji", "UC1", EMOJI_CAPS, "1000", "2021-01-01", "100"], ""),
        (["images/pngasjpg.jpg", "pngasjpg", "UC1", "png", "1000", "2021-01-01", "100"], ""),
        (["images/cmyk.jpg", "cmyk", "UC1", "cmyk", "1000", "2021-01-01", "100"], ""),
        (["images/grey.jpg", "grey", "UC1", "grey", "1000", "2021-01-01", "100"], ""),
        (["images/palette.jpg", "palette", "UC1", "palette", "1000", "2021-01-01", "100"], ""),
        (["images/alpha.jpg", "alpha", "UC1", "alpha", "1000", "2021-01-01", "100"], ""),
        (["images/truncated.jpg", "truncated", "UC1", "t", "1000", "2021-01-01", "100"], "truncated"),
        (["images/zerobyte.jpg", "zerobyte", "UC1", "t", "1000", "2021-01-01", "100"], "empty"),
        (["images/bomb.jpg", "bomb", "UC1", "t", "1000", "2021-01-01", "100"], "decompression bomb"),
        (["images/bombjpg.jpg", "bombjpg", "UC1", "t", "1000", "2021-01-01", "100"], "decompression bomb"),
        (["images/notimage.jpg", "notimage", "UC1", "t", "1000", "2021-01-01", "100"], "not a readable image"),
        (["../../etc/passwd", "dotdot", "UC1", "t", "1000", "2021-01-01", "100"], "outside the dataset"),
        (["/etc/passwd", "absolute", "UC1", "t", "1000", "2021-01-01", "100"], "absolute path"),
        (["images/escape.jpg", "symlink", "UC1", "t", "1000", "2021-01-01", "100"], "symlink"),
        (["images/outdir/secret.jpg", "symlinkdir", "UC1", "t", "1000", "2021-01-01", "100"], "symlink"),
        (["images/missing.jpg", "missing", "UC1", "t", "1000", "2021-01-01", "100"], "no such file"),
        (["images/good.jpg", "nul", "UC1", "bad\x00title", "1000", "2021-01-01", "100"], "NUL"),
        (["images/good.jpg", "huge", "UC1", "A" * 200_000, "1000", "2021-01-01", "100"], "characters (the limit"),
        (["images/good.jpg", "negviews", "UC1", "t", "-5", "2021-01-01", "100"], "negative"),
        (["images/good.jpg", "floatviews", "UC1", "t", "12.5", "2021-01-01", "100"], "not a whole number"),
        (["images/good.jpg", "blankviews", "UC1", "t", "", "2021-01-01", "100"], "blank"),
        (["images/good.jpg", "abbrev", "UC1", "t", "1.2M", "2021-01-01", "100"], "abbreviated"),
        (["images/dupid.jpg", "good", "UC1", "dup", "1000", "2021-01-01", "100"], "duplicate video_id"),
        (["images/good.jpg", "../evil", "UC1", "t", "1000", "2021-01-01", "100"], "may only contain"),
        (["images/good.jpg", "baddate", "UC1", "t", "1000", "31/12/2021", "100"], "not a date"),
        # one image, several spellings: only the first row may use it
        (["images/good2.jpg", "spelled", "UC1", "t", "1000", "2021-01-01", "100"], ""),
        (["images/./good2.jpg", "spelled2", "UC1", "t", "1000", "2021-01-01", "100"], "already used by row"),
        (["images//good2.jpg", "spelled3", "UC1", "t", "1000", "2021-01-01", "100"], "already used by row"),
        (["images/alias.jpg", "spelled4", "UC1", "t", "1000", "2021-01-01", "100"], "same file as row"),
        (["images/hardlink.jpg", "spelled5", "UC1", "t", "1000", "2021-01-01", "100"], "same file as row"),
        (["images/Good2.JPG", "wrongcase", "UC1", "t", "1000", "2021-01-01", "100"], "exactly as it is on disk"),
        # identifiers that would not survive the file system or the importer's own output
        (["images/nl.jpg", "newline\n", "UC1", "t", "1000", "2021-01-01", "100"], "may only contain"),
        (["images/caseA.jpg", "CaseId", "UC1", "t", "1000", "2021-01-01", "100"], ""),
        (["images/caseB.jpg", "caseid", "UC1", "t", "1000", "2021-01-01", "100"], "only in letter case"),
        (["images/conimg.jpg", "con", "UC1", "t", "1000", "2021-01-01", "100"], "device name on Windows"),
        (["images/nfc.jpg", "chan_nfc", "Caf\u00e9", "t", "1000", "2021-01-01", "100"], ""),
        (["images/nfd.jpg", "chan_nfd", "Cafe\u0301", "t", "1000", "2021-01-01", "100"], "Unicode"),
        # values whose first reading was wrong
        (["images/expimg.jpg", "exponent", "UC1", "t", "1e6", "2021-01-01", "100"], "exponent notation"),
        (["images/futimg.jpg", "future", "UC1", "t", "1000", "2199-01-01", "100"], "in the future"),
        (["images/fifo.jpg", "fifo", "UC1", "t", "1000", "2021-01-01", "100"], "named pipe"),
        (["images/cr\rname.jpg", "crname", "UC1", "a\rb", "1000", "2021-01-01", "100"], "truncated"),
        # 16-bit and rotated images are converted, not altered
        (["images/grey16.jpg", "grey16", "UC1", "grey16", "1000", "2021-01-01", "100"], ""),
        (["images/rotated.jpg", "rotated", "UC1", "rotated", "1000", "2021-01-01", "100"], ""),
    ]
    # titles a spreadsheet would run as formulas: imported, and read back byte for byte
    cases += [([f"images/{vid}.jpg", vid, "UC1", title, "1000", "2021-01-01", "100"], "")
              for vid, title in FORMULAS.items()]
    if "webpasjpg" in files:
        cases.append((["images/webpasjpg.jpg", "webpasjpg", "UC1", "webp", "1000", "2021-01-01", "100"], ""))
    text = format_csv(HEADER, [fields for fields, _ in cases], newline="\r\n")
    # A BOM, and mixed newlines: turn the line ending of a few rows into a bare \n or \r.
    lines = text.split("\r\n")
    mixed = "".join(line + ("\n" if i % 3 == 1 else "\r" if i % 3 == 2 else "\r\n")
                    for i, line in enumerate(lines[:-1]))
    (src / "metadata.csv").write_bytes(b"\xef\xbb\xbf" + mixed.encode("utf-8"))
    expected = {}
    for row, (fields, reason) in enumerate(cases, start=2):
        expected.setdefault(fields[1], (row, reason))
    expected["good#dup"] = (2 + [f[1] for f, _ in cases].index("good", 1), "duplicate video_id")
    return expected


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    src = tmp_path / "src"
    expected = build_corpus(src, tmp_path / "outside")
    return tmp_path, src, expected


def _check_rejections(table: pd.DataFrame, expected: dict) -> None:
    by_row = {int(r): reason for r, reason in zip(table["row"], table["reason"])}
    wrong = []  # every case that went wrong, not only the first
    for key, (row, fragment) in expected.items():
        if fragment and row not in by_row:
            wrong.append(f"{key} (row {row}) was not rejected")
        elif fragment and fragment not in by_row[row]:
            wrong.append(f"{key}: {by_row[row]!r} lacks {fragment!r}")
        elif not fragment and row in by_row:
            wrong.append(f"{key} (row {row}) was rejected: {by_row.get(row)}")
    assert not wrong, "\n".join(wrong)
    assert len(table) == sum(1 for _, frag in expected.values() if frag)
    assert table["file"].str.len().gt(0).all()


def test_import_hostile_corpus(corpus):
    tmp_path, src, expected = corpus
    before_src, before_outside = _tree(src), _tree(tmp_path / "outside")
    result = import_dataset(src, name="hostile", show_progress=False)
    _check_rejections(result.rejections, expected)
    # Nothing outside the new dataset changed, and nothing was left beside it.
    assert _tree(src) == before_src and _tree(tmp_path / "outside") == before_outside
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["hostile"]
    dest = tmp_path / "data" / "hostile"
    assert sorted(p.name for p in dest.iterdir()) == ["images", "import_report.json", "metadata.csv", "rejections.csv"]
    # The copy is clean: every image an RGB JPEG named from its id; conversions recorded.
    imported = [vid for vid, (_, frag) in expected.items() if not frag]
    assert sorted(p.name for p in (dest / "images").iterdir()) == sorted(f"{v}.jpg" for v in imported)
    for path in (dest / "images").iterdir():
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
    noted = " ".join(result.notes["note"])
    for fragment in ("CMYK converted", "L converted", "P converted", "alpha composited", "PNG content",
                     "by its bit depth", "EXIF orientation 6"):
        assert fragment in noted
    with Image.open(dest / "images" / "grey16.jpg") as image:  # mid-grey stays mid-grey
        assert abs(int(np.asarray(image.convert("L")).mean()) - 128) <= 1
    assert (dest / "images" / "good.jpg").read_bytes() == (src / "images" / "good.jpg").read_bytes()
    # Titles survive byte for byte, and the result validates cleanly.
    check = validate_dataset(dest, extra_columns="error", show_progress=False)
    assert check.ok and len(check.metadata) == len(imported)
    titles = dict(zip(check.metadata["video_id"], check.metadata["title"]))
    assert titles["rtl"] == RTL and titles["combining"] == COMBINING and titles["emoji"] == EMOJI_CAPS
    for vid, title in FORMULAS.items():  # read back byte for byte ...
        assert titles[vid] == title
    raw = (dest / "metadata.csv").read_text(encoding="utf-8")
    assert ",\"'=HYPERLINK(" in raw and ",'+1 trick," in raw and ",''=already escaped," in raw  # ... shown as text
    assert ",'Til the end," in raw  # an apostrophe before anything else is left alone
    saved = pd.read_csv(dest / "rejections.csv")  # a carriage return in a name does not tear the report
    assert len(saved) == len(result.rejections)
    assert not saved["value"].astype(str).str.match(r"[=+\-@]").any()


def test_validate_hostile_corpus_in_place(corpus):
    tmp_path, src, expected = corpus
    before = _tree(src)
    result = validate_dataset(src, show_progress=False)
    _check_rejections(result.rejections, expected)
    assert _tree(src) == before
    assert "CMYK converted to RGB" in " ".join(result.notes["note"])


@pytest.mark.slow
def test_validate_on_a_local_dask_cluster_gives_the_same_result(corpus):
    tmp_path, src, expected = corpus
    alone = validate_dataset(src, show_progress=False)
    cluster = validate_dataset(src, show_progress=False, cluster=2, shard_size=3)   # several shards, two workers
    assert len(alone.rejections) > 0 and len(alone.metadata) > 3
    for a, b in ((alone.metadata, cluster.metadata), (alone.rejections, cluster.rejections), (alone.notes, cluster.notes)):
        pd.testing.assert_frame_equal(a, b)


def test_ensure_dataset_on_hostile_folder_reports_and_caches(corpus):
    tmp_path, src, expected = corpus
    before = _tree(src)
    ds = ensure_dataset(src, show_progress=False, min_views=0, drop_shorts=False, min_channel_videos=1,
                        drop_near_duplicates=False)
    assert _tree(src) == before  # ensure_dataset never writes into a dataset folder
    assert ds.cleaning_report.set_index("filter").loc["validation", "removed"] == len(ds.rejections) > 0
    images = ds.images(32, 18)  # odd modes and sizes are converted and centre-cropped
    assert images.shape == (len(ds.metadata), 18, 32, 3)
    flat = images.reshape(len(images), -1)
    grey16 = (ds.metadata["video_id"] == "grey16").to_numpy()
    assert flat[~grey16].std(axis=1).min() > 0
    assert np.abs(flat[grey16].astype(int) - 128).max() <= 1  # the uniform 16-bit mid-grey stays mid-grey


def test_import_refuses_existing_destination_and_leaves_it_alone(corpus):
    tmp_path, src, _ = corpus
    dest = tmp_path / "data" / "taken"
    dest.mkdir(parents=True)
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(Exception, match="already exists"):
        import_dataset(src, dest, show_progress=False)
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]
    with pytest.raises(Exception, match="may not be the source"):
        import_dataset(src, src, show_progress=False)
