"""An equal-time race: the GAN and the diffusion model given the same seconds of training, over seeds.

The chapter's main comparison gives each generator its own budget (chapter 02's GAN steps; the
diffusion model's steps plus its autoencoder), so a difference there mixes the method with the budget.
The race gives both the same wall-clock seconds on the same thumbnails at the same resolution. For each
generator and seed, a few probe steps measure its seconds per step; it is then trained once for as many
steps as the largest budget allows (so its learning-rate schedule ends there), and its weights are kept
at the step where each smaller budget runs out. Every kept model is scored with the same function (the
chapter's metric space, the same real thumbnails), and the seconds recorded are those the run really
trained until then, drawing and copying snapshots left out.

The diffusion model's clock starts with the seconds its autoencoder trained: a budget shorter than that
leaves it no denoiser steps, and it has no point there. The two networks differ (a DCGAN generator
against a UNet with residual blocks and attention); the race compares the two methods as the book
builds them, not two equal architectures. Wall-clock seconds depend on the machine and on what else it
runs, so the same race on another machine moves both curves; the seeds give the spread of one machine.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from . import diffusion
from .gan import GANConfig
from .gan_training import train_gan

#: The scores each point of the race keeps (all from ``evaluation.score_samples``).
RACE_METRICS = ("fd", "kid", "precision", "recall", "coverage")
SHARES = ("precision", "recall", "coverage")


@dataclass(frozen=True)
class RaceSettings:
    budgets: tuple[float, ...]        # training seconds at which both generators are scored
    seeds: tuple[int, ...]            # one training run per generator and seed
    n_samples: int = 128              # samples scored per point
    ddim_steps: int = 25              # the diffusion sampler's steps
    probe_steps: int = 5              # steps that measure seconds per step before each run

    def __post_init__(self):
        if not self.budgets or any(b <= 0 for b in self.budgets):
            raise ValueError(f"race budgets must be positive seconds, got {list(self.budgets)}")
        if not self.seeds:
            raise ValueError("the race needs at least one seed")


def planned_steps(seconds_per_step: float, budgets: tuple[float, ...]) -> dict[float, int]:
    """The step at which each budget (seconds) runs out, at least one step each."""
    return {b: max(1, math.ceil(b / max(seconds_per_step, 1e-9))) for b in sorted(budgets)}


def _points(run, plan: dict[float, int], offset: float, draw: Callable[[int], np.ndarray]) -> list[dict]:
    """One row per budget: the seconds trained until its snapshot (plus ``offset``) and the snapshot's samples."""
    return [{"budget": budget, "steps": step, "seconds": offset + run.snapshot_seconds[step], "samples": draw(step)}
            for budget, step in plan.items()]


def gan_points(images: np.ndarray, config: GANConfig, settings: RaceSettings, seed: int) -> list[dict]:
    """The GAN trained for the largest budget with one seed, its samples kept at every budget."""
    probe = train_gan(images, config, settings.probe_steps, seed=seed, desc=f"race GAN probe, seed {seed}")
    plan = planned_steps(probe.seconds / settings.probe_steps, settings.budgets)
    run = train_gan(images, config, max(plan.values()), seed=seed, snapshot_steps=tuple(plan.values()),
                    n_snapshot=settings.n_samples, desc=f"race GAN, seed {seed}")
    return _points(run, plan, 0.0, lambda step: run.snapshots[step])


def diffusion_points(train_data, config: diffusion.DiffusionConfig, settings: RaceSettings, seed: int,
                     autoencoder=None, autoencoder_seconds: float = 0.0) -> list[dict]:
    """The diffusion model's points: its clock starts at ``autoencoder_seconds``; budgets before that have none."""
    left = {b - autoencoder_seconds: b for b in settings.budgets if b > autoencoder_seconds}
    if not left:
        return []
    probe = diffusion.train_diffusion(train_data, config, settings.probe_steps, seed=seed,
                                      desc=f"race diffusion probe, seed {seed}")
    unet_plan = planned_steps(probe.seconds / settings.probe_steps, tuple(left))
    run = diffusion.train_diffusion(train_data, config, max(unet_plan.values()), seed=seed,
                                    snapshot_steps=tuple(unet_plan.values()), desc=f"race diffusion, seed {seed}")

    def draw(step: int) -> np.ndarray:
        return diffusion.sample(run.snapshots[step], config, settings.n_samples, seed + 7, "ddim",
                                settings.ddim_steps, autoencoder=autoencoder)

    return _points(run, {left[b]: step for b, step in unet_plan.items()}, autoencoder_seconds, draw)


def race_table(points: dict[str, Callable[[int], list[dict]]], settings: RaceSettings,
               score: Callable[[np.ndarray], dict]) -> pd.DataFrame:
    """Every generator's points over every seed, scored: one row per generator, seed and budget."""
    rows = []
    for name, make in points.items():
        for seed in settings.seeds:
            for point in make(seed):
                scores = score(point.pop("samples"))
                rows.append({"generator": name, "seed": seed, **point, **{m: float(scores[m]) for m in RACE_METRICS}})
    table = pd.DataFrame(rows, columns=["generator", "seed", "budget", "steps", "seconds", *RACE_METRICS])
    table.attrs["racers"] = list(points)   # a generator with no point at any budget still raced
    return table


def race_summary(table: pd.DataFrame, level: float = 0.95) -> dict:
    """Per generator and budget: the mean over seeds of ``seconds`` and each metric, with a t interval over seeds.

    The interval covers the spread of training seeds on this machine (the sample noise of each score
    is inside it); with one seed it is the point itself. A generator that raced but reached no budget
    (``table.attrs["racers"]``) is kept with no entries, so that nobody is said to lead against it.
    """
    out: dict[str, dict] = {name: {} for name in table.attrs.get("racers", [])}
    for (name, budget), group in table.groupby(["generator", "budget"], sort=True):
        entry = {"n_seeds": int(len(group)), "steps": float(group["steps"].mean())}
        for col in ("seconds", *RACE_METRICS):
            values = group[col].to_numpy(dtype=float)
            mean = float(values.mean())
            half = (float(stats.t.ppf((1 + level) / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
                    if len(values) > 1 else 0.0)
            low, high = mean - half, mean + half
            if col in SHARES:   # a share's interval stays inside [0, 1]
                low, high = max(low, 0.0), min(high, 1.0)
            entry[col], entry[f"{col}_low"], entry[f"{col}_high"] = mean, low, high
        out.setdefault(name, {})[f"{budget:g}"] = entry
    return out


def leader(summary: dict, metric: str = "fd") -> dict[str, str]:
    """Which generator has the better mean ``metric`` at each budget every generator reached (lower FD/KID,
    higher others); a budget one generator reached alone has no leader."""
    lower = metric in ("fd", "kid")
    budgets = set.intersection(*(set(v) for v in summary.values())) if summary else set()
    best = {}
    for b in sorted(budgets, key=float):
        means = {name: entries[b][metric] for name, entries in summary.items()}
        best[b] = (min if lower else max)(means, key=means.get)
    return best


def verdict(summary: dict, metric: str = "fd") -> str:
    """Who leads at each budget in words, e.g. "the GAN at 20 s; the diffusion model at 40 s and 80 s"."""
    names = {"GAN": "the GAN", "diffusion": "the diffusion model"}
    leads = leader(summary, metric)
    by_winner: dict[str, list[str]] = {}
    for budget, name in leads.items():
        by_winner.setdefault(names.get(name, name), []).append(f"{budget} s")
    parts = [f"{who} at {' and '.join(b)}" for who, b in by_winner.items()]
    alone = sorted(set().union(*(set(v) for v in summary.values())) - set(leads), key=float)
    if alone:
        parts.append(f"only the GAN has a point at {' and '.join(f'{b} s' for b in alone)} (the diffusion model's "
                     "autoencoder was still training)")
    return "; ".join(parts) if parts else "no budget was reached"
