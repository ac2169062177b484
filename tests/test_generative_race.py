"""The equal-time race: budgets become steps, snapshots are scored at the seconds really trained, a generator
that draws real thumbnails beats one that draws noise at every budget (and equal ones tie within their
intervals), and a budget shorter than the autoencoder's training gives the diffusion model no point."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thumbnail_lab.generative import race
from thumbnail_lab.generative.diffusion import DiffusionConfig
from thumbnail_lab.generative.gan import GANConfig

SETTINGS = race.RaceSettings(budgets=(0.2, 0.4), seeds=(0, 1, 2), n_samples=8, ddim_steps=2, probe_steps=2)


def test_budgets_become_the_steps_where_they_run_out():
    assert race.planned_steps(0.5, (4.0, 1.0, 0.1)) == {0.1: 1, 1.0: 2, 4.0: 8}
    with pytest.raises(ValueError, match="positive seconds"):
        race.RaceSettings(budgets=(0.0,), seeds=(0,))


def fake_points(quality: float):
    """A 'generator' whose score at every budget is ``quality`` plus seed noise (lower FD is better)."""
    def make(seed: int) -> list[dict]:
        noise = np.random.default_rng(seed).normal(scale=0.01)
        return [{"budget": b, "steps": 1, "seconds": b, "samples": np.full(3, quality + noise)} for b in SETTINGS.budgets]
    return make


def score(samples: np.ndarray) -> dict:
    return {m: float(samples.mean()) for m in race.RACE_METRICS}


def test_real_thumbnails_beat_noise_at_every_budget_and_equal_generators_tie():
    table = race.race_table({"real": fake_points(0.1), "noise": fake_points(5.0)}, SETTINGS, score)
    assert len(table) == 2 * 3 * 2 and set(table["generator"]) == {"real", "noise"}
    summary = race.race_summary(table)
    assert set(race.leader(summary, "fd").values()) == {"real"}            # the planted difference is found
    tie = race.race_summary(race.race_table({"a": fake_points(1.0), "b": fake_points(1.0)}, SETTINGS, score))
    for budget in ("0.2", "0.4"):   # the same generator twice: each mean inside the other's seed interval
        a, b = tie["a"][budget], tie["b"][budget]
        assert a["fd_low"] <= b["fd"] <= a["fd_high"] and a["n_seeds"] == 3 and a["fd_high"] > a["fd_low"]


def test_a_generator_with_no_point_at_all_is_not_beaten_but_absent():
    # the default run's case: the diffusion model's autoencoder trained longer than the largest budget
    table = race.race_table({"GAN": fake_points(1.0), "diffusion": lambda seed: []}, SETTINGS, score)
    summary = race.race_summary(table)
    assert summary["diffusion"] == {} and race.leader(summary) == {}
    assert race.verdict(summary) == ("only the GAN has a point at 0.2 s and 0.4 s (the diffusion model's "
                                     "autoencoder was still training)")


def test_the_verdict_names_budgets_only_the_gan_reached():
    summary = {"GAN": {"1": {"fd": 2.0}, "4": {"fd": 3.0}}, "diffusion": {"4": {"fd": 1.0}}}
    assert race.verdict(summary) == ("the diffusion model at 4 s; only the GAN has a point at 1 s "
                                     "(the diffusion model's autoencoder was still training)")


@pytest.mark.slow
def test_both_generators_train_to_their_budgets_and_keep_real_seconds():
    images = np.random.default_rng(0).integers(0, 256, size=(32, 16, 16, 3), dtype=np.uint8)
    gan = race.gan_points(images, GANConfig(height=16, width=16, g_channels=16, batch_size=8), SETTINGS, seed=0)
    assert [p["budget"] for p in gan] == [0.2, 0.4] and all(p["samples"].shape == (8, 16, 16, 3) for p in gan)
    assert gan[0]["steps"] <= gan[1]["steps"] and 0 < gan[0]["seconds"] <= gan[1]["seconds"]
    config = DiffusionConfig(height=16, width=16, channels=3, patch=1, block_out_channels=(16,), num_train_timesteps=20,
                             batch_size=8)
    points = race.diffusion_points(images, config, SETTINGS, seed=0)
    assert [p["budget"] for p in points] == [0.2, 0.4] and points[0]["samples"].shape == (8, 16, 16, 3)
    late = race.diffusion_points(images, config, SETTINGS, seed=0, autoencoder_seconds=0.3)
    assert [p["budget"] for p in late] == [0.4] and late[0]["seconds"] >= 0.3    # the clock starts after the autoencoder
    assert race.diffusion_points(images, config, SETTINGS, seed=0, autoencoder_seconds=1.0) == []
    assert isinstance(race.race_table({}, SETTINGS, score), pd.DataFrame)
