"""The reproducing appendix's readers: the slowest cells from papermill's durations, and wall against summed time."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from thumbnail_lab.publish.reproducibility import run_records, slowest_cells, wall_minutes


def _notebook(folder, chapter, cells, finished_at="2026-12-04T05:00:00", seconds=10.0):
    record = {"chapter": chapter, "profile": "smoke", "parameters": {}, "seconds": seconds, "peak_memory_mb": 100.0,
              "stamp": "x", "finished_at": finished_at}
    nb = {"metadata": {"thumbnail_lab": record}, "nbformat": 4, "nbformat_minor": 5, "cells": []}
    for kind, source, duration in cells:
        cell = {"cell_type": kind, "source": source, "metadata": {}}
        if duration is not None:
            cell["metadata"]["papermill"] = {"duration": duration}
        nb["cells"].append(cell)
    (folder / f"{chapter}.ipynb").write_text(json.dumps(nb))


def test_slowest_cells_are_ranked_with_their_section_and_shares(tmp_path):
    _notebook(tmp_path, "01_a", [("markdown", "# Title\n## Drawing", None), ("code", "# comment\nslow()", 6.0),
                                 ("code", "fast()", 2.0)])
    _notebook(tmp_path, "02_b", [("markdown", "## Training", None), ("code", "train()", 1.0)])
    (tmp_path / "stray.ipynb").write_text(json.dumps({"metadata": {}, "cells": [
        {"cell_type": "code", "source": "x", "metadata": {"papermill": {"duration": 99.0}}}]}))  # not the runner's
    slow = slowest_cells(tmp_path, n=2)
    assert list(slow["first line"]) == ["slow()", "fast()"]
    top = slow.iloc[0]
    assert (top["chapter"], top["section"], top["seconds"]) == ("01_a", "Drawing", 6.0)
    assert top["share of chapter"] == pytest.approx(0.75) and top["share of run"] == pytest.approx(6 / 9)


def test_wall_minutes_are_below_the_sum_when_chapters_overlap(tmp_path):
    _notebook(tmp_path, "01_a", [], finished_at="2026-12-04T05:01:00", seconds=60.0)
    _notebook(tmp_path, "02_b", [], finished_at="2026-12-04T05:01:30", seconds=60.0)   # started 30 s into 01_a
    records = run_records(tmp_path)
    assert records["seconds"].sum() / 60 == 2.0 and wall_minutes(records) == pytest.approx(1.5)
    assert pd.isna(wall_minutes(records.iloc[:0]))
