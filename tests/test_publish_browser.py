"""The book reads offline: a page built with the book's configuration, opened in headless Chromium with the
network cut off, shows typeset math; the same page without its bundled MathJax, or with MathJax from a CDN,
is caught."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish.browser import math_problems, offline_dom

pytestmark = pytest.mark.book
MATH_PAGE = "# Views\n\nInline $\\beta_e$ and displayed:\n\n$$\\log_{10}\\text{views} = \\text{channel} + \\varepsilon$$\n"


@pytest.fixture(scope="module")
def built_page(tmp_path_factory) -> Path:
    """One page with math, built strictly with the book's own ``_config.yml``."""
    root = tmp_path_factory.mktemp("mathbook")
    shutil.copy(REPO_ROOT / "_config.yml", root)
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (root / "intro.md").write_text(MATH_PAGE)
    jb = Path(sys.executable).parent / "jupyter-book"
    done = subprocess.run([str(jb), "build", str(root), "--warningiserror"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    return root / "_build" / "html" / "intro.html"


def test_math_is_typeset_offline(built_page: Path, tmp_path: Path):
    shot = tmp_path / "page.png"
    assert math_problems(offline_dom(built_page, shot)) == []
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("mathjax", ["removed", "from a CDN"])
def test_math_without_the_bundled_mathjax_is_caught(built_page: Path, mathjax: str):
    html = built_page.read_text(encoding="utf-8")
    bundled = re.compile(r'src="[^"]*_static/mathjax/[^"]+"')
    assert bundled.search(html), "the build did not bundle MathJax"
    cdn = 'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"'
    broken = bundled.sub('src="missing.js"' if mathjax == "removed" else cdn, html)
    page = built_page.with_name(f"broken_{mathjax.replace(' ', '_')}.html")
    page.write_text(broken, encoding="utf-8")
    found = math_problems(offline_dom(page))
    assert len(found) == 1 and found[0].startswith("2 of 2 formulas were not typeset"), found


def test_a_page_without_math_is_not_passed():
    assert math_problems("<html><body><p>no formulas</p></body></html>") != []
