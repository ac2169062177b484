"""A chapter's stamp covers exactly the package modules it imports, followed transitively."""
from __future__ import annotations

from pathlib import Path

from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish.execute import source_stamp
from thumbnail_lab.publish.imports import PACKAGE_DIR, package_modules_used

CHAPTER = '''# %% tags=["parameters"]
seed = 0

# %%
from thumbnail_lab.a import f
from thumbnail_lab import sub
'''

FILES = {
    "__init__.py": "",
    "a.py": "def f():\n    from .b import g  # a lazy import inside a function counts too\n    return g()\n",
    "b.py": "def g():\n    return 1\n",
    "unused.py": "from . import b\n",
    "sub/__init__.py": "from . import d\n",
    "sub/d.py": "from ..b import g\n",
    "sub/other.py": "",
}


def make_package(root: Path) -> tuple[Path, Path]:
    """A small package ``thumbnail_lab`` under ``root`` and a chapter that imports part of it."""
    package = root / "thumbnail_lab"
    for name, text in FILES.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    book = root / "book"
    book.mkdir()
    (book / "01_x.py").write_text(CHAPTER)
    return package, book


def test_modules_used_follow_relative_lazy_and_package_imports(tmp_path):
    package, book = make_package(tmp_path)
    used = {p.relative_to(package).as_posix() for p in package_modules_used(book / "01_x.py", package)}
    assert used == {"__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/d.py"}


def test_touching_an_unused_module_keeps_the_stamp_and_a_used_one_changes_it(tmp_path):
    package, book = make_package(tmp_path)

    def stamp():
        return source_stamp("01_x", "smoke", {"seed": 0}, book, package)

    before = stamp()
    (package / "unused.py").write_text("from . import b  # edited\n")
    (package / "sub" / "other.py").write_text("x = 2\n")
    assert stamp() == before
    (package / "sub" / "d.py").write_text("from ..b import g  # edited\n")
    assert stamp() != before


def test_the_dataset_chapter_does_not_depend_on_the_generators_or_the_book_machinery():
    used = {p.relative_to(PACKAGE_DIR).as_posix() for p in package_modules_used(REPO_ROOT / "book" / "01_dataset.py")}
    assert {"dataset/figures.py", "chapter.py", "thumbworld/generate.py"} <= used
    assert not any(p.startswith(("generative/", "popularity/", "publish/")) for p in used), sorted(used)
