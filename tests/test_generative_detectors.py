"""Each detector of chapters 02-03 catches its planted failure (positive control) and spares real images (negative)."""
import numpy as np
import pytest
import torch

from thumbnail_lab.generative import collapse, memorisation
from thumbnail_lab.generative.diffusion import DiffusionConfig, main_steps_problem, make_scheduler
from thumbnail_lab.generative.interpolation import shuffled, walk_smoothness
from thumbnail_lab.generative.metrics import density_coverage, distinct_neighbours, expected_coverage
from thumbnail_lab.generative.optim import warmup_cosine
from thumbnail_lab.threads import torch_threads

RNG = np.random.default_rng(0)
REAL, HELD_OUT = RNG.normal(size=(300, 8)), RNG.normal(size=(300, 8))


def textured(n: int, seed: int) -> np.ndarray:
    """Distinct images: random 4x7 colour grids upscaled to 16x28 (no two alike, none flat)."""
    grid = np.random.default_rng(seed).integers(30, 226, (n, 4, 7, 3), dtype=np.uint8)
    return grid.repeat(4, axis=1).repeat(4, axis=2)


def blur(x: np.ndarray) -> np.ndarray:
    """A decoder's loss of detail: each pixel averaged with its upper and left neighbours."""
    return ((x.astype(int) + np.roll(x, 1, axis=1) + np.roll(x, 1, axis=2)) // 3).astype(np.uint8)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    with torch_threads(1):
        yield


def test_coverage_flags_planted_collapse_and_noise_not_held_out_real():
    real = collapse.collapse_scores(REAL, HELD_OUT)
    assert not collapse.collapse_flagged(real)
    assert real["coverage"] == pytest.approx(real["expected_coverage"], abs=0.06)
    assert real["density"] == pytest.approx(1.0, abs=0.25)
    three = collapse.collapse_scores(REAL, collapse.planted_collapse(HELD_OUT, 300, n_sources=3))
    assert collapse.collapse_flagged(three) and three["distinct_neighbours"] <= 3 and three["recall"] < 0.1
    noise = collapse.collapse_scores(REAL, RNG.normal(size=(300, 8)) * 0.01 + 6.0)   # off the data, all alike
    assert collapse.collapse_flagged(noise) and noise["density"] == 0.0


def test_density_coverage_by_hand():
    real = np.array([[0.0], [1.0], [2.0], [10.0]])
    density, coverage = density_coverage(real, np.array([[0.5], [100.0]]), k=1)
    # radii (1st neighbour): 1, 1, 1, 8; the sample at 0.5 lies in the balls of 0 and 1, the one at 100 in none
    assert density == pytest.approx(2 / 2) and coverage == pytest.approx(2 / 4)
    assert expected_coverage(5, 10_000, 10_000) == pytest.approx(1 - 0.5 ** 5, abs=1e-3)
    assert distinct_neighbours(real, np.array([[0.1], [0.2], [9.0]])) == 2


def test_mush_share_catches_flat_black_white_not_noise_or_thumbnails():
    thumbs = textured(20, seed=1)
    flat = np.full((3, 16, 28, 3), (90, 120, 60), np.uint8)
    black, white = np.zeros((1, 16, 28, 3), np.uint8), np.full((1, 16, 28, 3), 250, np.uint8)
    assert list(collapse.mush_kind(np.concatenate([flat[:1], black, white]))) == ["flat", "black", "white"]
    assert collapse.mush_share(collapse.uniform_noise(10, 16, 28)) == 0.0
    assert collapse.mush_share(np.concatenate([flat, thumbs[:17]])) == pytest.approx(3 / 20)


def test_copy_score_is_carlinis_normalisation():
    d = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 8.0]])
    assert np.allclose(memorisation.copy_score(d), [1.0 / (0.5 * 2.0), 0.0])


def test_copy_check_against_reconstructions_catches_latent_copies_not_held_out():
    images = textured(260, seed=3)
    train, held_out = images[:200], images[200:]
    recon = blur(train)                       # a decoder's blurred copies of the training set
    exact = recon[:30]
    noisy = np.clip(exact.astype(int) + RNG.integers(-3, 4, exact.shape), 0, 255).astype(np.uint8)
    controls = memorisation.copy_controls(recon, exact, noisy, blur(held_out))
    assert controls["copy_recall_exact"] == 1.0 and controls["copy_recall_noisy"] >= 0.9
    assert controls["copy_false_positive"] <= 0.05
    assert controls["copy_recall_exact_low"] > 0.85   # the exact interval of 30 of 30


def test_walk_smoothness_fails_for_a_shuffled_walk():
    t = np.linspace(0, 1, 19)[:, None, None, None]
    a, b = np.zeros((1, 8, 8, 3)), np.full((1, 8, 8, 3), 255.0)
    walk = (a * (1 - t) + b * t).astype(np.uint8)
    samples = RNG.integers(0, 256, (50, 8, 8, 3)).astype(np.uint8)
    smooth = walk_smoothness(walk, samples)
    assert smooth["smooth"] and smooth["max_ratio"] < 0.2
    assert not walk_smoothness(shuffled(walk, seed=1), samples)["smooth"]


def test_main_sampler_must_be_compared():
    assert main_steps_problem(25, [10, 25, 50]) is None
    assert "main_ddim_steps" in main_steps_problem(20, [10, 25, 50])


def test_latent_config_with_three_channels_is_not_pixel_space():
    config = DiffusionConfig(height=4, width=8, channels=3, pixel_space=False, block_out_channels=(16,), patch=1)
    assert not make_scheduler(config).config.clip_sample
    with pytest.raises(ValueError, match="pixel_space"):
        DiffusionConfig(height=4, width=8, channels=4, block_out_channels=(16,), patch=1)


def test_schedule_warms_up_decays_and_leaves_adams_beta_alone():
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0, betas=(0.5, 0.999))
    sched = warmup_cosine(opt, 100)
    lrs, betas = [], set()
    for _ in range(100):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        betas.add(opt.param_groups[0]["betas"])
    assert betas == {(0.5, 0.999)}
    assert max(lrs) == pytest.approx(1.0, abs=0.01) and lrs[-1] < 0.01 and np.argmax(lrs) < 10
