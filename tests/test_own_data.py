"""One's own thumbnails, end to end: a folder from another renderer, without any truth, imported through
the CLI; every chapter executes on it, leaves out what needs a truth, refers to no figure it did not draw
and says at its top which data it analysed; the book then builds strictly and reads offline."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from tests.test_chapters import CHAPTERS, build_book_strictly, failing_cell, run_chapters
from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.posterworld.generate import generate_posterworld
from thumbnail_lab.publish.buildcheck import real_data_problems
from thumbnail_lab.publish.truth import REAL_DATA, TRUTH_ONLY

pytestmark = pytest.mark.chapter
NUMBERED = [c for c in CHAPTERS if c[:2].isdigit()]


def imported_posters(root, n_videos: int, seed: int, one_channel: bool = False):
    """PosterWorld thumbnails with every truth column removed (and, with ``one_channel``, every video moved to the
    first channel), imported with ``python -m thumbnail_lab import``; returns the dataset folder."""
    generate_posterworld(root / "posters", n_videos=n_videos, seed=seed)
    raw = root / "raw"
    (raw / "images").mkdir(parents=True)
    meta = pd.read_csv(root / "posters" / "metadata.csv")
    meta = meta[[c for c in meta.columns if not c.startswith("true_")]]
    if one_channel:
        meta = meta.assign(channel_id=meta["channel_id"].iloc[0], channel_subscribers=meta["channel_subscribers"].iloc[0])
    meta.to_csv(raw / "metadata.csv", index=False)
    for path in (root / "posters" / "images").iterdir():
        (raw / "images" / path.name).write_bytes(path.read_bytes())
    dest = root / "mine"
    done = subprocess.run([sys.executable, "-m", "thumbnail_lab", "import", str(raw), "--dest", str(dest), "--quiet"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not (dest / "truth.json").exists()
    return dest


@pytest.fixture(scope="module")
def own_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("own")
    return root, imported_posters(root, n_videos=500, seed=5)


def test_the_whole_book_builds_on_own_data_without_truth_sentences_or_missing_figures(own_folder, tiny_bench_results):
    root, dest = own_folder
    done = run_chapters(root, CHAPTERS, params=f"source={dest} results_file={tiny_bench_results[0]}")
    for chapter in CHAPTERS:
        assert done.returncode == 0, failing_cell(root / "book" / f"{chapter}.ipynb") + done.stderr[-2000:]
    for chapter in NUMBERED:
        nb = nbformat.read(root / "book" / f"{chapter}.ipynb", as_version=4)
        tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
        assert TRUTH_ONLY not in tags and (REAL_DATA in tags or chapter in ("02_gan", "03_diffusion")), chapter
        shown = [o["data"]["text/markdown"] for c in nb.cells[:4] for o in c.get("outputs", [])
                 if "text/markdown" in o.get("data", {})]
        assert any(f"your folder `{dest}`" in m and "no truth" in m for m in shown), f"{chapter} does not say its data"
    assert real_data_problems(root / "book") == []
    build_book_strictly(root)


def test_one_channel_runs_the_single_channel_variant_on_it_and_resamples_videos(tmp_path):
    """A creator's own channel: chapter 05's single-channel section analyses it (not a simulated channel), and
    chapter 04's intervals resample videos, since one channel has no second channel to draw."""
    dest = imported_posters(tmp_path, n_videos=400, seed=3, one_channel=True)
    done = run_chapters(tmp_path, ["04_popularity", "05_features"], params=f"source={dest}")
    assert done.returncode == 0, failing_cell(tmp_path / "book" / "05_features.ipynb") + done.stderr[-2000:]
    features = json.loads((tmp_path / "artifacts" / "chapters" / "05_features" / "results.json").read_text())
    assert features["features_one_channel"] and features["features_single_what"].startswith("the analysed dataset")
    assert features["features_single_n"] == features["features_n_thumbnails"]
    metrics = pd.read_csv(tmp_path / "artifacts" / "chapters" / "04_popularity" / "metrics.csv")
    assert set(metrics["ci_unit"]) == {"video"} and set(metrics["n_test_channels"]) == {1}


#: Chapter 05 at a size where a second renderer's effects can be found: 1,500 posters, and an encoder
#: pretrained on 3,000 ThumbWorld thumbnails for 200 steps (the smoke encoder, 8 steps, sees no content).
RECOVERY_PARAMS = ("encoder_corpus_size=3000 encoder_steps=200 encoder_batch_size=64 encoder_width=16 contrast=False "
                   "sae_expansion=1 sae_epochs=20")


@pytest.mark.slow
def test_chapter_05_finds_the_second_renderers_planted_effects_with_their_signs(tmp_path):
    """PosterWorld plants two content elements that raise views and a background and a texture that lower
    them: the high-view list must hold features dominated by raising elements, the low-view list by lowering
    ones, each more often than a random list of features does."""
    folder = generate_posterworld(tmp_path / "posters", n_videos=1500, seed=11)
    done = run_chapters(tmp_path, ["05_features"], params=f"source={folder} {RECOVERY_PARAMS}")
    assert done.returncode == 0, failing_cell(tmp_path / "book" / "05_features.ipynb") + done.stderr[-2000:]
    r = json.loads((tmp_path / "artifacts" / "chapters" / "05_features" / "results.json").read_text())
    for side in ("high", "low"):
        assert r[f"features_truth_{side}_found"] >= 1, f"no {side}-view feature stands for a planted {side} element"
        assert r[f"features_truth_{side}_precision"] > r[f"features_truth_{side}_chance_precision"], side
