"""ThumbWorld: deterministic, truthful about what it draws, scenario-correct, resumable."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from thumbnail_lab.thumbworld import ELEMENTS, SCENARIOS, generate_thumbworld, title_features
from thumbnail_lab.thumbworld.compose import render
from thumbnail_lab.thumbworld.platform import plan_platform
from thumbnail_lab.thumbworld.views import simulate_views

REPO = Path(__file__).resolve().parent.parent


def _digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> hex)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> Path:
    return generate_thumbworld(tmp_path_factory.mktemp("tw") / "w", 150, seed=3, workers=1, show_progress=False)


def test_layout_and_columns(small_world):
    df = pd.read_csv(small_world / "metadata.csv", encoding="utf-8")
    assert len(df) == 150 and df["video_id"].is_unique
    for col in ("file_name", "video_id", "channel_id", "title", "views", "upload_date", "duration_s",
                "channel_subscribers", "collected_at", "true_channel_effect", "true_age_effect",
                "true_title_effect", "true_content_effect", "true_noise", "true_log_views_mean"):
        assert col in df.columns, col
    assert all(f"true_{e}" in df.columns for e in ELEMENTS) and len(ELEMENTS) >= 10
    assert (df["file_name"] == "images/" + df["video_id"] + ".jpg").all()
    assert pd.api.types.is_integer_dtype(df["views"]) and (df["views"] >= 0).all()
    pd.to_datetime(df["upload_date"], format="%Y-%m-%d")  # ISO dates
    with Image.open(small_world / df["file_name"][0]) as im:
        assert im.size == (320, 180) and im.format == "JPEG" and im.mode == "RGB"
    mean = df["true_channel_effect"] + df["true_age_effect"] + df["true_content_effect"]
    assert np.allclose(mean, df["true_log_views_mean"], atol=1e-5)
    # views follow the structural model: log10 views = mean + noise (up to flooring to an integer)
    logv = np.log10(df["views"].clip(lower=1))
    assert np.all(np.abs(logv - (df["true_log_views_mean"] + df["true_noise"]))[df["views"] >= 10] < 0.05)
    truth = json.loads((small_world / "truth.json").read_text(encoding="utf-8"))
    assert {"scenario", "seed", "n_videos", "noise_sd", "element_effects", "interactions", "title_effects",
            "oracle_r2"} <= set(truth)
    assert "face*text" in truth["interactions"]
    assert 0 < truth["oracle_r2"]["content"] < truth["oracle_r2"]["full"] <= 1


def test_same_seed_same_bytes_serial_or_parallel(tmp_path, small_world):
    again = generate_thumbworld(tmp_path / "again", 150, seed=3, workers=2, show_progress=False)
    assert _digest(again) == _digest(small_world)
    other = generate_thumbworld(tmp_path / "other", 150, seed=4, workers=1, show_progress=False)
    assert (other / "metadata.csv").read_bytes() != (small_world / "metadata.csv").read_bytes()


def _edge_density(img: Image.Image) -> float:
    """Share of pixels with a strong horizontal or vertical luminance step (text outlines make many)."""
    g = np.asarray(img.convert("L"), dtype=np.int16)
    return float(((np.abs(np.diff(g, axis=0))[:, :-1] > 80) | (np.abs(np.diff(g, axis=1))[:-1] > 80)).mean())


def test_drawn_elements_match_their_flags():
    specs = plan_platform(1500, "default", 0).specs
    base = [replace(s, flags=tuple(f for f in s.flags if f not in ("text", "arrow", "logo"))) for s in specs[:40]]
    with_text = [replace(s, flags=s.flags + ("text",)) for s in base]
    more = [_edge_density(render(t)) - _edge_density(render(b)) for t, b in zip(with_text, base)]
    assert np.mean(np.array(more) > 0) > 0.9  # headline text adds high-contrast edges
    with_arrow = [replace(s, flags=s.flags + ("arrow",)) for s in base]
    red = [np.mean(_red_mask(render(a))) - np.mean(_red_mask(render(b))) for a, b in zip(with_arrow, base)]
    assert np.mean(np.array(red) > 0.002) > 0.8  # arrows and circles are pure red
    sport = [s for s in specs if "sport_field" in s.flags][:10]
    studio = [s for s in specs if s.background == "studio"][:10]
    assert np.mean([_green_share(render(s)) for s in sport]) > 0.4 > np.mean([_green_share(render(s)) for s in studio])


def _red_mask(img: Image.Image) -> np.ndarray:
    a = np.asarray(img, dtype=np.int16)
    return (a[..., 0] > 200) & (a[..., 1] < 60) & (a[..., 2] < 60)


def _green_share(img: Image.Image) -> float:
    a = np.asarray(img, dtype=np.int16)
    return float(((a[..., 1] > a[..., 0] + 15) & (a[..., 1] > a[..., 2] + 15)).mean())


def test_warm_palette_is_warmer(small_world):
    df = pd.read_csv(small_world / "metadata.csv")
    warmth = [np.asarray(Image.open(small_world / f), dtype=float)[..., [0, 2]].mean(axis=(0, 1)) for f in df.file_name]
    red_minus_blue = np.array([r - b for r, b in warmth])
    warm = df["true_warm_palette"].to_numpy() == 1
    assert red_minus_blue[warm].mean() > red_minus_blue[~warm].mean() + 20


def test_scenarios_differ_only_where_they_should():
    assert SCENARIOS == ("default", "null", "single_channel")
    plan = plan_platform(400, "default", 1)
    default, truth_d = simulate_views(plan, "default", 1)
    null, truth_n = simulate_views(plan_platform(400, "null", 1), "null", 1)
    flags = [f"true_{e}" for e in ELEMENTS]
    assert default[flags].equals(null[flags]) and default["title"].equals(null["title"])
    assert (null["true_content_effect"] == 0).all() and (null["true_title_effect"] == 0).all()
    assert set(truth_n["element_effects"].values()) == {0.0} and set(truth_n["interactions"].values()) == {0.0}
    assert np.allclose(default["true_noise"], null["true_noise"])
    assert (default["views"] != null["views"]).mean() > 0.5
    assert truth_d["oracle_r2"]["content"] > 0.05 > truth_n["oracle_r2"]["content"]
    single, _ = simulate_views(plan_platform(330, "single_channel", 0), "single_channel", 0)
    assert single["channel_id"].nunique() == 1 and (single["duration_s"] >= 60).all()
    # the default world has work for the cleaning: low-view videos and shorts
    assert (default["views"] < 500).any() and (default["duration_s"] < 60).any()


def test_sport_is_confounded_with_small_old_channels():
    df, _ = simulate_views(plan_platform(3000, "default", 0), "default", 0)
    sport = df["true_sport_field"] == 1
    assert df.loc[sport, "channel_subscribers"].median() < df.loc[~sport, "channel_subscribers"].median() / 3
    assert pd.to_datetime(df.loc[sport, "upload_date"]).median() < pd.to_datetime(df.loc[~sport, "upload_date"]).median()


def test_titles_keep_every_script_through_the_csv(tmp_path):
    df, _ = simulate_views(plan_platform(3000, "default", 0), "default", 0)
    path = tmp_path / "m.csv"
    path.write_bytes(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    back = pd.read_csv(path, encoding="utf-8")
    assert back["title"].tolist() == df["title"].tolist()
    text = "".join(back["title"])
    for name, lo, hi in (("Cyrillic", 0x0400, 0x04FF), ("Arabic", 0x0600, 0x06FF), ("Devanagari", 0x0900, 0x097F),
                         ("Japanese", 0x3040, 0x9FFF), ("emoji", 0x1F300, 0x1FAFF)):
        assert any(lo <= ord(c) <= hi for c in text), name
    assert title_features("TOP 10 GOALS 🔥?") == {"has_number": 1.0, "has_caps_word": 1.0, "has_emoji": 1.0,
                                                  "has_question": 1.0, "per_10_chars_over_60": 0.0}


def test_bad_arguments_and_mixed_worlds(tmp_path, small_world):
    with pytest.raises(ValueError, match="scenario"):
        generate_thumbworld(tmp_path / "x", 10, scenario="nope")
    with pytest.raises(ValueError, match="n_videos"):
        generate_thumbworld(tmp_path / "x", 0)
    with pytest.raises(ValueError, match="refusing to mix"):
        generate_thumbworld(small_world, 150, seed=99, show_progress=False)


def test_killed_generation_resumes_to_identical_bytes(tmp_path):
    n, out = 500, tmp_path / "killed"
    code = ("from thumbnail_lab.thumbworld import generate_thumbworld; "
            f"generate_thumbworld({str(out)!r}, {n}, seed=5, workers=1, show_progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    images = out / "images"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if images.exists() and len(list(images.glob("*.jpg"))) >= 40:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list(images.glob("*.jpg")))
    assert 0 < done_before < n and not (out / "metadata.csv").exists()
    generate_thumbworld(out, n, seed=5, workers=2, show_progress=False)
    fresh = generate_thumbworld(tmp_path / "fresh", n, seed=5, workers=2, show_progress=False)
    assert _digest(out) == _digest(fresh)
    assert not list(images.glob(".*.tmp"))
