"""Every chapter executes with the smoke profile, the book builds strictly from those notebooks and reads
offline, and a re-run repeats the saved numbers (full-profile shapes and bad parameters: test_chapter_parameters)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish.browser import math_problems, offline_dom
from thumbnail_lab.publish.execute import chapters

pytestmark = pytest.mark.chapter
CHAPTERS = chapters()
NUMBERED = [c for c in CHAPTERS if c[:2].isdigit()]
#: Chapters whose saved numbers must repeat exactly (issue: dataset, popularity, features).
REPEATABLE = [c for c in ("01_dataset", "04_popularity", "05_features") if c in NUMBERED]


def run_chapters(root: Path, names: list[str], params: str = "") -> subprocess.CompletedProcess:
    """Execute ``names`` (smoke profile) into ``root/book`` with data and artifacts under ``root``."""
    env = dict(os.environ, THUMBNAIL_LAB_DATA=str(root / "data"), THUMBNAIL_LAB_ARTIFACTS=str(root / "artifacts"))
    cmd = [sys.executable, "-m", "thumbnail_lab.publish.execute", *names, "--profile", "smoke", "--force",
           "--out-dir", str(root / "book"), "--params", params]
    return subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800)


def failing_cell(notebook: Path) -> str:
    """The error a failed notebook recorded, for the assertion message."""
    if not notebook.exists():
        return f"{notebook} was not written"
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out['ename']}: {out['evalue']}\n" + "\n".join(out.get("traceback", [])[-3:])
    return "no error output recorded"


@pytest.fixture(scope="session")
def smoke_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("smoke")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_executes_with_smoke_profile(smoke_root: Path, chapter: str, request):
    params = ""
    if chapter == "appendix_performance":  # it reads what `make bench` and `make scale` wrote; here tiny runs'
        params = (f"results_file={request.getfixturevalue('tiny_bench_results')[0]} "
                  f"scale_file={request.getfixturevalue('tiny_scale_results')}")
    done = run_chapters(smoke_root, [chapter], params)
    notebook = smoke_root / "book" / f"{chapter}.ipynb"
    assert done.returncode == 0, f"{chapter} failed:\n{failing_cell(notebook)}\n{done.stdout[-2000:]}"
    meta = nbformat.read(notebook, as_version=4).metadata
    assert meta["thumbnail_lab"]["profile"] == "smoke" and meta["thumbnail_lab"]["seconds"] > 0
    assert not meta["papermill"].get("exception")


def build_book_strictly(root: Path) -> None:
    """Build ``root``'s executed notebooks as ``make html`` does (warnings are errors), then ``buildcheck`` it
    and open chapter 01 offline in headless Chromium: its formulas must be typeset."""
    missing = [c for c in CHAPTERS if not (root / "book" / f"{c}.ipynb").exists()]
    assert not missing, f"chapters not executed: {missing}"
    shutil.copy(REPO_ROOT / "_config.yml", root)
    for page in (REPO_ROOT / "book").glob("*.md"):
        shutil.copy(page, root / "book")
    py = sys.executable
    subprocess.run([py, "-m", "thumbnail_lab.publish.toc", "--root", str(root)], check=True)
    jb = Path(py).parent / "jupyter-book"
    build = subprocess.run([str(jb), "build", str(root), "--warningiserror", "--nitpick", "--keep-going"],
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    check = subprocess.run([py, "-m", "thumbnail_lab.publish.buildcheck", str(root / "_build" / "html"),
                            str(root / "_toc.yml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    dom = offline_dom(root / "_build" / "html" / "book" / "01_dataset.html")
    assert math_problems(dom) == [], "chapter 01's model of views is not typeset offline"


def test_book_builds_strictly_from_smoke_notebooks(smoke_root: Path):
    build_book_strictly(smoke_root)


def test_same_parameters_give_the_same_saved_numbers(smoke_root: Path, tmp_path: Path):
    """Re-execute from scratch (fresh data and artifacts) and compare every results.json."""
    assert REPEATABLE, "no chapter to check"
    done = run_chapters(tmp_path, REPEATABLE)
    assert done.returncode == 0, done.stdout[-3000:]
    for chapter in REPEATABLE:
        first = smoke_root / "artifacts" / "chapters" / chapter / "results.json"
        second = tmp_path / "artifacts" / "chapters" / chapter / "results.json"
        assert first.exists(), f"{chapter} saved no results.json"
        assert json.loads(first.read_text()) == json.loads(second.read_text()), f"{chapter} numbers changed"
