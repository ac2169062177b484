"""Guided DDIM: strength 0 is diffusers' DDIM; a positive strength raises the steering score."""
import numpy as np
import pytest
import torch

from thumbnail_lab.choosing import guidance
from thumbnail_lab.generative import diffusion


@pytest.fixture(scope="module")
def tiny():
    config = diffusion.DiffusionConfig(height=8, width=8, channels=3, patch=1, block_out_channels=(8,),
                                       num_train_timesteps=50, prediction_type="v_prediction")
    torch.manual_seed(0)
    return diffusion.PatchedUNet(config).eval(), config


def test_strength_zero_is_plain_ddim(tiny):
    model, config = tiny
    ours = guidance.guided_sample(model, config, 4, seed=3, num_steps=5, strength=0.0)
    theirs = diffusion.sample(model, config, 4, seed=3, sampler="ddim", num_steps=5)
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1


def test_guidance_raises_the_score_it_follows(tiny):
    model, config = tiny
    brightness = lambda x: x.mean(dim=(1, 2, 3))  # noqa: E731
    plain = guidance.guided_sample(model, config, 6, 0, 5, 0.0, brightness)
    pushed = guidance.guided_sample(model, config, 6, 0, 5, 2.0, brightness)
    assert pushed.mean() > plain.mean() + 5


def test_truth_estimate_closed_form_and_best_of_n():
    truth = {"element_effects": {"face": 0.1, "text": 0.2}, "interactions": {"face*text": 0.5}}
    probs = np.array([[1.0, 1.0], [0.5, 0.0], [0.5, 0.5]])
    est = guidance.truth_estimate(probs, ["face", "text"], truth)
    assert est == pytest.approx([0.8, 0.05, 0.15 + 0.125])
    images = np.arange(6)[:, None, None, None] * np.ones((6, 2, 2, 3))
    assert guidance.best_of_n(images, np.array([0, 2, 1, 5, 3, 4]), 2)[:, 0, 0, 0].tolist() == [1, 3, 5]


def test_paired_uplift_of_a_constant_shift():
    x = np.random.default_rng(0).normal(size=50)
    est, lo, hi = guidance.uplift(x + 0.3, x, 50, paired=True)
    assert est == pytest.approx(0.3) and lo == pytest.approx(0.3) and hi == pytest.approx(0.3)
