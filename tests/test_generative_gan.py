"""The DCGAN trains, samples deterministically, and its checkpoints round-trip."""
import numpy as np
import pytest
import torch

from thumbnail_lab.generative.gan import Discriminator, GANConfig, Generator, discriminator_loss
from thumbnail_lab.generative.gan_training import (
    ablation_variants,
    explosion,
    gan_samples,
    gan_training_seconds,
    load_gan,
    sample_gan,
    save_gan,
    train_gan,
)
from thumbnail_lab.generative.images import synthetic_thumbnails, to_signed_tensor, to_uint8
from thumbnail_lab.generative.interpolation import latent_walk, save_gif, slerp
from thumbnail_lab.threads import torch_threads


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread: small convolutions on a shared 2-core machine run many times faster."""
    with torch_threads(1):
        yield


TINY = GANConfig(height=16, width=28, z_dim=8, g_channels=32, d_channels=8, batch_size=16)


def test_image_round_trip():
    images, _ = synthetic_thumbnails(5, 16, 28)
    assert np.array_equal(to_uint8(to_signed_tensor(images)), images)


def test_shapes_and_bad_config():
    z = torch.randn(3, TINY.z_dim)
    assert Generator(TINY)(z).shape == (3, 3, 16, 28)
    assert Discriminator(TINY)(torch.zeros(3, 3, 16, 28)).shape == (3,)
    with pytest.raises(ValueError, match="multiples of 4"):
        GANConfig(height=30)
    assert not TINY.without_stabilisers().spectral_norm


def test_discriminator_loss_falls_and_snapshots():
    images, _ = synthetic_thumbnails(64, 16, 28, seed=1)
    run = train_gan(images, TINY, steps=30, seed=0, snapshot_steps=(0, 30), n_snapshot=4, log_every=1)
    d = run.history["d_loss"].to_numpy()
    assert d[-5:].mean() < d[:3].mean()        # D learns to tell real from fake
    assert set(run.snapshots) == {0, 30}
    assert run.snapshots[30].shape == (4, 16, 28, 3) and run.snapshots[30].dtype == np.uint8
    assert not np.array_equal(run.snapshots[0], run.snapshots[30])


def test_label_smoothing_changes_loss():
    real, fake = torch.full((4,), 5.0), torch.full((4,), -5.0)
    smooth = discriminator_loss(real, fake, TINY)
    hard = discriminator_loss(real, fake, TINY.without_stabilisers())
    assert smooth > hard


def test_sampling_deterministic_and_checkpoint(tmp_path):
    images, _ = synthetic_thumbnails(32, 16, 28)
    run = train_gan(images, TINY, steps=3, seed=0)
    a, b = sample_gan(run.generator, 6, seed=5), sample_gan(run.generator, 6, seed=5)
    assert np.array_equal(a, b) and not np.array_equal(a, sample_gan(run.generator, 6, seed=6))
    save_gan(run, tmp_path / "g.pt", {"k": 1})
    gen, extra = load_gan(tmp_path / "g.pt")
    assert extra == {"k": 1} and np.array_equal(sample_gan(gen, 6, seed=5), a)


def test_gan_samples_trains_then_reuses(tmp_path):
    images, _ = synthetic_thumbnails(32, 16, 28)
    first = gan_samples(images, "synthetic", TINY, steps=2, seed=0, n_samples=5, folder=tmp_path)
    assert (tmp_path / "samples.npy").exists() and np.load(tmp_path / "samples.npy").shape == (5, 16, 28, 3)
    mtime = (tmp_path / "gan.pt").stat().st_mtime_ns
    again = gan_samples(images, "synthetic", TINY, steps=2, seed=0, n_samples=5, folder=tmp_path)
    assert np.array_equal(first, again) and (tmp_path / "gan.pt").stat().st_mtime_ns == mtime
    assert 0 < gan_training_seconds(tmp_path) < 60   # the training time is stored with the weights


def test_latent_walk_and_gif(tmp_path):
    a, b = torch.randn(8), torch.randn(8)
    assert torch.allclose(slerp(a, b, 0.0), a, atol=1e-5) and torch.allclose(slerp(a, b, 1.0), b, atol=1e-5)
    walk = latent_walk(torch.stack([a, b, a]), frames_per_leg=4)
    assert walk.shape == (9, 8)
    frames = np.random.default_rng(0).integers(0, 255, (5, 16, 28, 3), dtype=np.uint8)
    path = save_gif(frames, tmp_path / "walk.gif")
    from PIL import Image
    with Image.open(path) as im:
        assert im.n_frames == 5 and im.size == (28 * 4, 16 * 4)


def test_leave_one_out_variants_switch_one_stabiliser_each():
    variants = ablation_variants(TINY)
    assert len(variants) == 7
    assert variants["without spectral norm"].d_batch_norm and not variants["without spectral norm"].spectral_norm
    assert variants["without grad clip"].grad_clip is None and variants["without grad clip"].spectral_norm
    none = variants["none (DCGAN, batch-norm D)"]
    assert (none.spectral_norm, none.label_smoothing, none.instance_noise, none.grad_clip, none.d_batch_norm) \
        == (False, 1.0, 0.0, None, True)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in Discriminator(none).modules())
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in Discriminator(TINY).modules())
    with pytest.raises(ValueError, match="batch norm"):
        GANConfig(loss="wgan-gp", d_batch_norm=True)


def test_wgan_gp_trains_with_five_critic_steps_and_logs_gradient_norms():
    images, _ = synthetic_thumbnails(64, 16, 28, seed=1)
    run = train_gan(images, TINY.wgan_gp(), steps=3, seed=0, log_every=1)
    assert run.images_seen == 3 * 5 * TINY.batch_size
    assert {"d_grad", "g_grad"} <= set(run.history) and (run.history["d_grad"] > 0).all()
    clipped = train_gan(images, TINY, steps=3, seed=0, log_every=1)
    assert clipped.history["d_grad"].notna().all()   # the norm before clipping, not the clipped one


def test_explosion_compares_the_peak_with_the_median():
    import pandas as pd
    calm = pd.DataFrame({"step": range(10), "d_grad": [1.0] * 10})
    spike = pd.DataFrame({"step": range(10), "d_grad": [1.0] * 9 + [50.0]})
    assert not explosion(calm)["exploded"] and explosion(spike)["exploded"] and explosion(spike)["peak_step"] == 9


def test_batch_stat_sampling_leaves_running_statistics_alone():
    images, _ = synthetic_thumbnails(32, 16, 28)
    gen = train_gan(images, TINY, steps=3, seed=0).generator
    before = {k: v.clone() for k, v in gen.state_dict().items()}
    a = sample_gan(gen, 32, seed=5, batch_stats=True, batch_size=16)
    assert all(torch.equal(v, gen.state_dict()[k]) for k, v in before.items())
    assert np.array_equal(a, sample_gan(gen, 32, seed=5, batch_stats=True, batch_size=16))
    assert not np.array_equal(a, sample_gan(gen, 32, seed=5))   # eval mode uses the running statistics
