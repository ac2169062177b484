"""Every benchmark runs at a tiny size and returns the documented shape (no timing asserted)."""
from __future__ import annotations

import importlib
import json

import pytest

from bench.run_all import benchmark_names, main


@pytest.mark.parametrize("name", benchmark_names())
def test_benchmark_runs_tiny_and_reports_a_ratio(name: str):
    result = importlib.import_module(f"bench.{name}").run(tiny=True)
    json.dumps(result)  # must be JSON-serialisable
    assert {"name", "description", "rows", "ratios"} <= set(result), sorted(result)
    assert result["rows"] and all(isinstance(row, dict) for row in result["rows"])
    assert result["ratios"] and all(isinstance(v, (int, float)) for v in result["ratios"].values())


def test_run_all_writes_one_results_file(tmp_path):
    out = tmp_path / "results.json"
    first = benchmark_names()[:1]
    assert main(["--tiny", "--only", *first, "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["tiny"] is True and data["machine"]["cpu_cores"] >= 1
    assert [b["name"] for b in data["benchmarks"]] and "error" not in data["benchmarks"][0]
