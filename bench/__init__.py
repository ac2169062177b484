"""Benchmarks: each ``bench_<area>.py`` exposes ``run(tiny=False) -> dict``; ``run_all`` runs them."""
