"""Cells only a dataset with a planted truth can show, and what a chapter says instead on your own data.

A chapter tags a cell ``truth-only`` when it needs the simulator's truth (a figure of planted
effects, a sentence that cites one or points at such a figure) and ``real-data`` when it is what
the chapter says in its place. Before papermill runs a chapter, the runner keeps the cells that fit
the chapter's ``source``: ThumbWorld (or a folder with a ``truth.json``) keeps the ``truth-only``
cells and drops the ``real-data`` ones; any other folder the other way round. So a book built on your
own thumbnails has no sentence about a truth it does not have and no reference to a figure that
cannot exist, and ``buildcheck`` fails if an executed chapter on real data still holds one.
"""
from __future__ import annotations

from typing import Any

from ..chapter import source_has_truth

__all__ = ["REAL_DATA", "TRUTH_ONLY", "keep_cells", "source_has_truth", "tags", "truth_cells_left"]

TRUTH_ONLY = "truth-only"
REAL_DATA = "real-data"


def tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def keep_cells(notebook: Any, has_truth: bool) -> Any:
    """``notebook`` without the cells that do not fit its data (``real-data`` cells, or ``truth-only`` ones)."""
    drop = REAL_DATA if has_truth else TRUTH_ONLY
    notebook.cells = [c for c in notebook.cells if drop not in tags(c)]
    return notebook


def truth_cells_left(notebook: Any) -> int:
    """How many ``truth-only`` cells an executed notebook holds (none may, on real data)."""
    return sum(TRUTH_ONLY in tags(c) for c in notebook.cells)

