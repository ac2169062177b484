"""Training killed with SIGKILL resumes from its checkpoint to bitwise the same model."""
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

from thumbnail_lab.checkpoint import TrainingCheckpoint, data_digest
from thumbnail_lab.features.sae import SAEConfig, train_sae
from thumbnail_lab.threads import torch_threads

REPO = Path(__file__).resolve().parent.parent

# Shared by the killed subprocess and the in-process runs: same data, same settings, one thread
# (a different thread count may change the last bits of a sum). SLOW_EPOCH makes each checkpoint
# save take a moment longer, so the parent has time to kill the child between epochs.
SETUP = """
import time, numpy as np, torch
from thumbnail_lab import checkpoint
from thumbnail_lab.features.sae import SAEConfig, train_sae
from thumbnail_lab.features.encoder import train_autoencoder
torch.set_num_threads(1)
def sae_data():
    return np.random.default_rng(0).normal(size=(400, 12)).astype(np.float32)
def ae_data():
    return np.random.default_rng(1).integers(0, 256, size=(48, 12, 16, 3), dtype=np.uint8)
SAE_CONFIG = SAEConfig(expansion=8, k=2, epochs=25, batch_size=64, lr=3e-3, dead_steps=3, seed=3)
AE_KW = dict(embed_dim=4, epochs=8, batch_size=16, width_mult=4, seed=2, show_progress=False)
"""
SLOW = """
_save = checkpoint.TrainingCheckpoint.save
def _slow_save(self, *a, **k):
    _save(self, *a, **k)
    time.sleep(0.15)
checkpoint.TrainingCheckpoint.save = _slow_save
"""
RUN = {"sae": "train_sae(sae_data(), SAE_CONFIG, show_progress=False, checkpoint_path={path!r})",
       "autoencoder": "train_autoencoder(ae_data(), **AE_KW, checkpoint_path={path!r})"}

namespace: dict = {}
exec(SETUP, namespace)  # noqa: S102 - the same definitions the subprocess runs


def _train(kind: str, path: Path | None):
    with torch_threads(1):
        return eval(RUN[kind].format(path=str(path) if path else None), namespace)  # noqa: S307


def _epoch_of(path: Path) -> int:
    return int(torch.load(path, map_location="cpu", weights_only=True)["epoch"]) if path.exists() else 0


def _assert_same_model(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for name in sa:
        assert torch.equal(sa[name], sb[name]), name


def test_round_trip_restores_model_optimizer_and_every_rng(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    model(torch.randn(5, 3)).sum().backward()
    opt.step()
    rngs = {"t": torch.Generator().manual_seed(1), "np": np.random.default_rng(2), "py": random.Random(3)}
    ckpt = TrainingCheckpoint(tmp_path / "c.pt", {"data": "abc", "shape": (5, 3)})
    ckpt.save(model, opt, 4, rngs, {"history": [1.0, 0.5]})
    expected = (torch.randn(3), torch.randint(0, 100, (4,), generator=rngs["t"]), rngs["np"].random(3),
                rngs["py"].random(), model.state_dict(), opt.state_dict()["state"][0]["exp_avg"].clone())

    torch.manual_seed(99)
    model2 = torch.nn.Linear(3, 2)
    opt2 = torch.optim.Adam(model2.parameters(), lr=0.1)
    rngs2 = {"t": torch.Generator().manual_seed(7), "np": np.random.default_rng(8), "py": random.Random(9)}
    epoch, extra = TrainingCheckpoint(tmp_path / "c.pt", {"shape": [5, 3], "data": "abc"}).load(model2, opt2, rngs2)
    assert epoch == 4 and extra == {"history": [1.0, 0.5]}
    assert torch.equal(torch.randn(3), expected[0])                      # torch's global generator
    assert torch.equal(torch.randint(0, 100, (4,), generator=rngs2["t"]), expected[1])
    assert np.array_equal(rngs2["np"].random(3), expected[2]) and rngs2["py"].random() == expected[3]
    _assert_same_model(model2, model)
    assert torch.equal(opt2.state_dict()["state"][0]["exp_avg"], expected[5])
    assert not list(tmp_path.glob(".*.tmp"))


def test_other_fingerprint_or_broken_file_starts_fresh(tmp_path, capsys):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    TrainingCheckpoint(tmp_path / "c.pt", {"data": "abc"}).save(model, opt, 3)
    fresh = torch.nn.Linear(3, 2)
    before = {k: v.clone() for k, v in fresh.state_dict().items()}
    assert TrainingCheckpoint(tmp_path / "c.pt", {"data": "xyz"}).load(fresh, opt) == (0, {})
    assert "other data or settings" in capsys.readouterr().out
    assert all(torch.equal(before[k], v) for k, v in fresh.state_dict().items())   # untouched
    (tmp_path / "c.pt").write_bytes(b"not a checkpoint")
    (tmp_path / ".c.pt.123abc.tmp").write_bytes(b"half")                            # a killed save
    assert TrainingCheckpoint(tmp_path / "c.pt", {"data": "abc"}).load(fresh, opt) == (0, {})
    assert "unreadable" in capsys.readouterr().out and not list(tmp_path.glob(".*.tmp"))
    assert data_digest(np.zeros((3, 2))) != data_digest(np.zeros((2, 3)))
    assert data_digest(np.zeros((3, 2))) != data_digest(np.eye(3, 2))


def test_changed_settings_retrain_instead_of_resuming(tmp_path, capsys):
    path = tmp_path / "sae.pt"
    x = namespace["sae_data"]()
    with torch_threads(1):
        a, _ = train_sae(x, SAEConfig(expansion=2, k=3, epochs=2, seed=0), show_progress=False, checkpoint_path=path)
        b, _ = train_sae(x, SAEConfig(expansion=2, k=3, epochs=2, seed=1), show_progress=False, checkpoint_path=path)
        c, _ = train_sae(x[:-1], SAEConfig(expansion=2, k=3, epochs=2, seed=1), show_progress=False,
                         checkpoint_path=path)
    assert capsys.readouterr().out.count("ignoring checkpoint") == 2
    assert not torch.equal(a.W_dec, b.W_dec) and not torch.equal(b.W_dec, c.W_dec)


@pytest.mark.parametrize("kind", ["sae", "autoencoder"])
def test_sigkilled_training_resumes_to_identical_weights(tmp_path, kind):
    path = tmp_path / "killed" / f"{kind}.pt"
    total = 25 if kind == "sae" else 8
    code = SETUP + SLOW + RUN[kind].format(path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and _epoch_of(path) < 2:
        time.sleep(0.02)
    time.sleep(random.Random().uniform(0.0, 0.2))   # a random point: mid-epoch, mid-save or asleep
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    done = _epoch_of(path)
    assert 2 <= done < total

    resumed, resumed_history = _train(kind, path)
    straight, straight_history = _train(kind, None)
    _assert_same_model(resumed, straight)
    assert resumed_history == straight_history and len(resumed_history) == total
    assert _epoch_of(path) == total
    again, again_history = _train(kind, path)       # a finished run returns the same model at once
    _assert_same_model(again, straight)
    assert again_history == straight_history
    assert not list(path.parent.glob(".*.tmp"))
