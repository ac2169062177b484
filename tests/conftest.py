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


@pytest.fixture(scope="session")
def tiny_scale_results(tmp_path_factory):
    """``make scale``'s stages run once at three tiny sizes with a tiny encoder, into one ``scale.json``."""
    import subprocess
    import sys

    from thumbnail_lab.paths import REPO_ROOT

    root = tmp_path_factory.mktemp("scale")
    cmd = [sys.executable, "-m", "thumbnail_lab", "scale", "--sizes", "128", "256", "512", "--out", str(root / "out"),
           "--workers", "1", "--encoder-corpus-size", "64", "--encoder-steps", "4", "--encoder-batch-size", "8",
           "--encoder-width", "4", "--sae-epochs", "2", "--n-sim", "500", "--n-perm", "50", "--n-boot", "20", "--quiet"]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, THUMBNAIL_LAB_ARTIFACTS=str(root / "artifacts")))
    out = root / "out" / "scale.json"
    assert done.returncode == 0 and out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return out
