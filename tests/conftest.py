"""Shared test set-up: the tests never reach the network, and model hubs are offline."""
from __future__ import annotations

import os

import pytest

from thumbnail_lab.publish.netguard import blocked

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Refuse every non-loopback connection for the whole test session (local servers still work)."""
    with blocked():
        yield


@pytest.fixture(scope="session")
def tiny_bench_results(tmp_path_factory):
    """Every benchmark run once at its tiny size, as ``make bench`` would, into one results file."""
    import json
    import subprocess
    import sys

    from thumbnail_lab.paths import REPO_ROOT

    out = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run([sys.executable, "-m", "bench.run_all", "--tiny", "--out", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return out, json.loads(out.read_text()), done
