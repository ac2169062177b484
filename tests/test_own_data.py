"""One's own thumbnails, end to end: a folder from another renderer, without any truth, imported through
the CLI; chapters 01, 04, 05 and 06 execute on it, leave out what needs a truth and refer to no figure they
did not draw."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from tests.test_chapters import failing_cell, run_chapters
from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.posterworld.generate import generate_posterworld
from thumbnail_lab.publish.buildcheck import real_data_problems
from thumbnail_lab.publish.truth import REAL_DATA, TRUTH_ONLY

pytestmark = pytest.mark.chapter
CHAPTERS = ["01_dataset", "04_popularity", "05_features", "06_choosing"]


@pytest.fixture(scope="module")
def own_folder(tmp_path_factory):
    """PosterWorld thumbnails with every truth column removed, imported with ``python -m thumbnail_lab import``."""
    root = tmp_path_factory.mktemp("own")
    generate_posterworld(root / "posters", n_videos=500, seed=5)
    raw = root / "raw"
    (raw / "images").mkdir(parents=True)
    meta = pd.read_csv(root / "posters" / "metadata.csv")
    meta[[c for c in meta.columns if not c.startswith("true_")]].to_csv(raw / "metadata.csv", index=False)
    for path in (root / "posters" / "images").iterdir():
        (raw / "images" / path.name).write_bytes(path.read_bytes())
    dest = root / "mine"
    done = subprocess.run([sys.executable, "-m", "thumbnail_lab", "import", str(raw), "--dest", str(dest), "--quiet"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not (dest / "truth.json").exists()
    return root, dest


def test_chapters_run_on_own_data_without_truth_sentences_or_missing_figures(own_folder):
    root, dest = own_folder
    done = run_chapters(root, CHAPTERS, params=f"source={dest}")
    for chapter in CHAPTERS:
        assert done.returncode == 0, failing_cell(root / "book" / f"{chapter}.ipynb") + done.stderr[-2000:]
    for chapter in CHAPTERS:
        nb = nbformat.read(root / "book" / f"{chapter}.ipynb", as_version=4)
        tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
        assert TRUTH_ONLY not in tags and REAL_DATA in tags, chapter
    assert real_data_problems(root / "book") == []
