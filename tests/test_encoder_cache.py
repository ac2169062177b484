"""``ensure_encoder``: a second call loads, a changed setting re-trains, a killed pretraining resumes."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from thumbnail_lab.encoder import ensure_encoder, settings_from

REPO = Path(__file__).resolve().parent.parent
TINY = dict(corpus_size=48, steps=6, batch_size=8, width=4, warmup=2, checkpoint_every=1, threads=1)


@pytest.fixture
def artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path / "artifacts"


def _same_weights(a, b) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_second_call_loads_and_changed_setting_retrains(artifacts):
    first = ensure_encoder(settings_from(**TINY), show_progress=False)
    assert first.info["loaded_from_cache"] is False and first.info["pretrain_seconds"] > 0
    start = time.perf_counter()
    second = ensure_encoder(settings_from(**TINY), show_progress=False)
    assert second.info["loaded_from_cache"] is True and time.perf_counter() - start < 2
    assert _same_weights(first, second)
    other = ensure_encoder(settings_from(**{**TINY, "steps": 7}), show_progress=False)
    assert other.info["loaded_from_cache"] is False and not _same_weights(first, other)
    assert other.info["folder"] != first.info["folder"]
    folders = sorted(p.name for p in (artifacts / "encoder").iterdir() if not p.name.startswith("."))
    assert len([f for f in folders if f.startswith("encoder-")]) == 2
    assert len([f for f in folders if f.startswith("corpus-")]) == 1      # both share the corpus
    images = np.random.default_rng(0).integers(0, 256, (3, 36, 64, 3), dtype=np.uint8)
    assert np.array_equal(first.embed(images), second.embed(images))


KILLED = """
import time
from thumbnail_lab import checkpoint
from thumbnail_lab.encoder import ensure_encoder, settings_from
_save = checkpoint.TrainingCheckpoint.save
def _slow_save(self, *a, **k):
    _save(self, *a, **k)
    time.sleep(0.3)
checkpoint.TrainingCheckpoint.save = _slow_save
ensure_encoder(settings_from(**{tiny!r}), show_progress=False)
"""


def test_killed_pretraining_resumes_to_the_same_encoder(artifacts, tmp_path):
    tiny = {**TINY, "steps": 12}
    settings = settings_from(**tiny)
    ckpt = settings.folder() / "checkpoint.pt"
    env = dict(os.environ, PYTHONPATH=str(REPO), THUMBNAIL_LAB_ARTIFACTS=str(artifacts))
    proc = subprocess.Popen([sys.executable, "-c", KILLED.format(tiny=tiny)], cwd=REPO, env=env)
    deadline = time.monotonic() + 90

    def done_steps() -> int:
        try:
            return int(torch.load(ckpt, map_location="cpu", weights_only=True)["epoch"]) if ckpt.exists() else 0
        except Exception:  # noqa: BLE001 - mid-rename
            return 0

    while time.monotonic() < deadline and proc.poll() is None and done_steps() < 3:
        time.sleep(0.02)
    time.sleep(random.Random().uniform(0.0, 0.2))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the pretraining finished before it could be killed"
    assert 3 <= done_steps() < 12 and not (settings.folder() / "encoder.pt").exists()

    resumed = ensure_encoder(settings, show_progress=False)
    assert resumed.info["steps_run"] < 12                                  # it did not start again
    os.environ["THUMBNAIL_LAB_ARTIFACTS"] = str(tmp_path / "fresh")
    try:
        straight = ensure_encoder(settings, show_progress=False)
    finally:
        os.environ["THUMBNAIL_LAB_ARTIFACTS"] = str(artifacts)
    assert straight.info["steps_run"] == 12 and _same_weights(resumed, straight)
    assert resumed.info["history"] == straight.info["history"]
    assert not ckpt.exists() and not list(settings.folder().glob(".*.tmp"))
