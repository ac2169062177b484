"""The latent autoencoder reconstructs and standardises; a DDPM trains and samples in its latent space."""
import numpy as np
import pytest
import torch

from thumbnail_lab.generative.diffusion import DiffusionConfig, load_diffusion, sample, save_diffusion, train_diffusion
from thumbnail_lab.generative.images import synthetic_thumbnails
from thumbnail_lab.generative.latent import (
    AutoencoderConfig,
    autoencoder_from_state,
    autoencoder_state,
    decode_to_images,
    encode_images,
    train_autoencoder,
)
from thumbnail_lab.threads import torch_threads

AE = AutoencoderConfig(height=16, width=32, channels=8, latent_channels=4, lr=3e-3, batch_size=16)
LATENT = DiffusionConfig(height=4, width=8, channels=4, pixel_space=False, patch=1, block_out_channels=(16,),
                         num_train_timesteps=50,
                         prediction_type="v_prediction", batch_size=16, lr=3e-3)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def images():
    return synthetic_thumbnails(96, 16, 32, seed=0)[0]


@pytest.fixture(scope="module")
def ae_run(images):
    return train_autoencoder(images, AE, steps=500, seed=0)


def test_bad_size():
    with pytest.raises(ValueError, match="multiples of 4"):
        AutoencoderConfig(height=18, width=32)


def test_reconstructs_better_than_the_mean_image(ae_run, images):
    recon = decode_to_images(ae_run.model, encode_images(ae_run.model, images))
    assert recon.shape == images.shape and recon.dtype == np.uint8
    error = np.abs(recon.astype(float) - images).mean()
    baseline = np.abs(images.mean(axis=0, keepdims=True) - images).mean()
    assert error < 0.5 * baseline, (error, baseline)
    assert ae_run.history["loss"].iloc[-1] < 0.5 * ae_run.history["loss"].iloc[0]


def test_latents_are_standardised_per_channel(ae_run, images):
    z = encode_images(ae_run.model, images)
    assert tuple(z.shape) == (len(images), *AE.latent_shape)
    assert torch.allclose(z.mean(dim=(0, 2, 3)), torch.zeros(4), atol=1e-4)
    assert torch.allclose(z.std(dim=(0, 2, 3)), torch.ones(4), atol=1e-3)


def test_state_round_trip(ae_run, images):
    copy = autoencoder_from_state(autoencoder_state(ae_run.model))
    z = encode_images(ae_run.model, images[:5])
    assert torch.equal(encode_images(copy, images[:5]), z)
    assert np.array_equal(decode_to_images(copy, z), decode_to_images(ae_run.model, z))


def test_latent_diffusion_trains_samples_and_round_trips(ae_run, images, tmp_path):
    latents = encode_images(ae_run.model, images)
    run = train_diffusion(latents, LATENT, steps=200, seed=0, log_every=10)
    loss = run.history["loss"].to_numpy()
    assert loss[-3:].mean() < 0.8 * loss[:2].mean()
    a = sample(run.ema_model, LATENT, 3, seed=1, num_steps=5, autoencoder=ae_run.model)
    assert a.shape == (3, 16, 32, 3) and a.dtype == np.uint8
    assert np.array_equal(a, sample(run.ema_model, LATENT, 3, seed=1, num_steps=5, autoencoder=ae_run.model))
    with pytest.raises(ValueError, match="autoencoder"):
        sample(run.ema_model, LATENT, 3, seed=1, num_steps=5)
    with pytest.raises(ValueError, match="pass latents"):
        train_diffusion(images, LATENT, steps=1)
    save_diffusion(run, tmp_path / "latent.pt", autoencoder=ae_run.model)
    model, config, _, autoencoder = load_diffusion(tmp_path / "latent.pt")
    assert config == LATENT and autoencoder is not None
    assert np.array_equal(sample(model, config, 3, seed=1, num_steps=5, autoencoder=autoencoder), a)
