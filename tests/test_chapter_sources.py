"""Every chapter source: a paired py:percent file, parameters first, short cells, profiles it declares."""
from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import pytest

from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish.profiles import (
    CHAPTER_PATTERN,
    PROFILE_NAMES,
    load_profiles,
)

BOOK = REPO_ROOT / "book"
SOURCES = sorted(BOOK.glob(f"{CHAPTER_PATTERN}.py")) + sorted(BOOK.glob("appendix_*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_source_is_paired_percent_file_with_parameters_first(source: Path):
    text = source.read_text(encoding="utf-8")
    assert "format_name: percent" in text and "formats: ipynb,py:percent" in text, \
        f"{source.name} lacks the jupytext header pairing it to .ipynb"
    nb = jupytext.reads(text, fmt="py:percent")
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{source.name} has no code cell"
    assert "parameters" in code_cells[0].metadata.get("tags", []), \
        f"{source.name}: the first code cell must be tagged 'parameters'"
    assert not any(c.get("outputs") for c in code_cells), f"{source.name} stores outputs"
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("# ")]
    assert len(headings) == 1, f"{source.name} must have exactly one title heading, found {headings}"


def test_source_check_rejects_a_chapter_without_parameters_cell(tmp_path):
    bad = "# %% [markdown]\n# # Title\n\n# %%\nx = 1\n"
    nb = jupytext.reads(bad, fmt="py:percent")
    first = [c for c in nb.cells if c.cell_type == "code"][0]
    assert "parameters" not in first.metadata.get("tags", [])


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_code_cells_stay_short(source: Path):
    nb = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    lengths = [len(c.source.splitlines()) for c in nb.cells
               if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]  # knobs may be many
    assert max(lengths) <= 25, f"{source.name}: a code cell has {max(lengths)} lines; move logic to thumbnail_lab"


def test_profiles_cover_every_numbered_chapter_with_three_profiles():
    profiles = load_profiles()
    for source in BOOK.glob(f"{CHAPTER_PATTERN}.py"):
        assert source.stem in profiles, f"{source.stem} has no block in book/profiles.yml"
        assert set(profiles[source.stem]) == set(PROFILE_NAMES)


def test_profile_values_are_parameters_the_chapter_declares():
    profiles = load_profiles()
    for source in BOOK.glob(f"{CHAPTER_PATTERN}.py"):
        nb = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
        params_cell = next(c for c in nb.cells if c.cell_type == "code")
        declared = {node.id for node in ast.walk(ast.parse(params_cell.source))
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
        for profile, values in profiles[source.stem].items():
            unknown = set(values or {}) - declared
            assert not unknown, f"{source.stem}/{profile} sets undeclared parameters {sorted(unknown)}"
