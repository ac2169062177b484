"""Which ``make scale`` record the performance appendix shows, and that it says which: this machine's run
before the record kept with the book, the record when nothing ran here, and nothing when neither exists."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from thumbnail_lab.publish import performance as perf

NO_CHAPTERS = pd.DataFrame(columns=["chapter", "profile", "peak_memory_mb", "seconds", "finished_at"])
MACHINE = {"cpu_cores": 2, "processor": "x86_64", "memory_gb": 23.5, "measured_at": "2026-12-04T19:30:00"}


def _scale(minutes_at_largest: float, n: int = perf.PUBLISHED_SCALE) -> dict:
    rows = [{"stage": "encoder", "n_thumbnails": 0, "seconds": 60.0, "peak_mb": 900.0, "resumed": False}]
    rows += [{"stage": stage, "n_thumbnails": n, "seconds": minutes_at_largest * 60 / 5, "peak_mb": 3000.0,
              "resumed": False} for stage in perf.SCALE_STAGE_ORDER[2:]]
    return {"name": "scale", "machine": MACHINE, "settings": {"sizes": [1024, n]}, "rows": rows, "summaries": {}}


@pytest.fixture
def places(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    recorded = tmp_path / "recorded" / "scale.json"
    monkeypatch.setattr(perf, "RECORDED_SCALE", recorded)
    return tmp_path / "artifacts" / "scale" / "scale.json", recorded


def _write(path, scale):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scale))


def test_this_machines_run_comes_before_the_record_kept_with_the_book(places):
    mine, recorded = places
    _write(recorded, _scale(40.0))
    _write(mine, _scale(70.0))
    scale = perf.load_scale()
    assert not scale["recorded_with_book"] and perf.scale_budget(scale)["minutes"] == pytest.approx(71.0)
    assert "has not run on this machine" not in perf.scale_provenance(scale)


def test_the_record_is_shown_and_named_when_nothing_ran_here(places):
    _, recorded = places
    _write(recorded, _scale(40.0))
    scale = perf.load_scale()
    assert scale["recorded_with_book"]
    sentence = perf.scale_provenance(scale)
    assert "2 CPU cores" in sentence and "2026-12-04T19:30:00" in sentence and "kept with the book" in sentence
    table = perf.budget_table(NO_CHAPTERS, scale)
    scale_rows = table[table["measured in"].str.startswith("make scale")]
    assert len(scale_rows) == 2 and (scale_rows["measured in"].str.contains("kept with the book")).all()
    assert list(scale_rows["met"]) == ["yes", "yes"]


def test_a_missed_target_and_a_smaller_size_are_not_called_met(places):
    mine, _ = places
    _write(mine, _scale(75.0))
    table = perf.budget_table(NO_CHAPTERS, perf.load_scale())
    assert table.loc[f"make scale at {perf.PUBLISHED_SCALE:,} thumbnails (min)", "met"] == "no"
    _write(mine, _scale(5.0, n=65_536))
    table = perf.budget_table(NO_CHAPTERS, perf.load_scale())
    assert set(table.loc[table["measured in"].str.startswith("make scale"), "met"]) == {"not at the published size"}


def test_no_run_and_no_record_is_none(places):
    assert perf.load_scale() is None
