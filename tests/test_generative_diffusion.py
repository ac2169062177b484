"""The DDPM trains (loss falls), samples deterministically with DDIM and DDPM, and checkpoints round-trip."""
import numpy as np
import pytest
import torch

from thumbnail_lab.generative.diffusion import (
    DiffusionConfig,
    forward_noising,
    load_diffusion,
    sample,
    save_diffusion,
    train_diffusion,
)
from thumbnail_lab.generative.images import synthetic_thumbnails
from thumbnail_lab.threads import torch_threads


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread: small convolutions on a shared 2-core machine run many times faster."""
    with torch_threads(1):
        yield


TINY = DiffusionConfig(height=16, width=32, patch=2, block_out_channels=(16, 32), num_train_timesteps=50,
                       batch_size=16, lr=3e-3)


def test_bad_config():
    with pytest.raises(ValueError, match="divisible"):
        DiffusionConfig(height=18, width=32, patch=2, block_out_channels=(16, 32))


@pytest.fixture(scope="module")
def run():
    images, _ = synthetic_thumbnails(64, 16, 32, seed=0)
    return train_diffusion(images, TINY, steps=60, seed=0, log_every=5, snapshot_steps=(20, 60))


def test_loss_falls(run):
    loss = run.history["loss"].to_numpy()
    assert loss[-3:].mean() < 0.8 * loss[:2].mean()


def test_sampling_is_deterministic(run, tmp_path):
    a = sample(run.ema_model, TINY, 3, seed=1, sampler="ddim", num_steps=5)
    assert a.shape == (3, 16, 32, 3) and a.dtype == np.uint8
    assert np.array_equal(a, sample(run.ema_model, TINY, 3, seed=1, sampler="ddim", num_steps=5))
    assert not np.array_equal(a, sample(run.ema_model, TINY, 3, seed=2, sampler="ddim", num_steps=5))
    d1, traj = sample(run.ema_model, TINY, 2, seed=1, sampler="ddpm", keep_every=10)
    assert np.array_equal(d1, sample(run.ema_model, TINY, 2, seed=1, sampler="ddpm"))
    assert len(traj) == 6 and traj[-1][1].shape == (2, 16, 32, 3)
    save_diffusion(run, tmp_path / "d.pt", {"k": 2})
    model, config, extra, autoencoder = load_diffusion(tmp_path / "d.pt")
    assert config == TINY and extra == {"k": 2} and autoencoder is None
    assert np.array_equal(sample(model, config, 3, seed=1, sampler="ddim", num_steps=5), a)


def test_snapshots_hold_the_ema_weights_of_their_step(run):
    assert sorted(run.snapshots) == [20, 60]
    final = dict(run.ema_model.named_parameters())
    assert all(torch.equal(p, final[n]) for n, p in run.snapshots[60].named_parameters())
    assert not all(torch.equal(p, final[n]) for n, p in run.snapshots[20].named_parameters())
    assert not run.snapshots[20].training


def test_forward_noising_destroys_signal():
    images, _ = synthetic_thumbnails(4, 16, 32)
    noised = forward_noising(images, TINY, [0, 49])
    assert noised.shape == (2, 4, 16, 32, 3)
    assert np.abs(noised[0].astype(int) - images).mean() < 10
    assert np.abs(noised[1].astype(int) - images).mean() > 40
