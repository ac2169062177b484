"""Every benchmark runs at a tiny size through ``bench.run_all`` (no timing is asserted)."""
from __future__ import annotations

import pytest

from bench.run_all import benchmark_names


def test_run_all_succeeds_and_records_the_machine(tiny_bench_results):
    _, data, done = tiny_bench_results
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert data["tiny"] is True and data["machine"]["cpu_cores"] >= 1
    assert len(data["benchmarks"]) == len(benchmark_names())


@pytest.mark.parametrize("name", benchmark_names())
def test_benchmark_reports_rows_and_ratios(tiny_bench_results, name: str):
    _, data, _ = tiny_bench_results
    result = next(b for b in data["benchmarks"] if b["module"] == name)
    assert "error" not in result, result.get("error")
    assert {"name", "description", "rows", "ratios"} <= set(result), sorted(result)
    assert result["rows"] and all(isinstance(row, dict) for row in result["rows"])
    assert result["ratios"] and all(isinstance(v, (int, float)) for v in result["ratios"].values())
