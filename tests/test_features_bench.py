"""The chapter's two benchmarks run at a tiny size and report what they promise (no timing asserts)."""
import json

from bench import bench_feature_scale, bench_null


def test_bench_null_tiny():
    result = bench_null.run(tiny=True)
    json.dumps(result)
    assert {r["method"] for r in result["rows"]} == {"loop", "vectorised", "order_statistic"}
    assert {"vectorised_over_order_statistic", "loop_over_order_statistic", "ks_pvalue"} <= set(result["ratios"])
    assert 0 <= result["ratios"]["ks_pvalue"] <= 1


def test_bench_feature_scale_tiny():
    result = bench_feature_scale.run(tiny=True)
    json.dumps(result)
    assert [r["n_thumbnails"] for r in result["rows"]] == [1024, 2048, 4096]
    assert all(r["n_features"] > 0 and r["seconds"] > 0 for r in result["rows"])
    assert "dense_over_sparse_group_search" in result["ratios"]
