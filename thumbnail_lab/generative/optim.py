"""The learning-rate schedule the generative trainers share."""
from __future__ import annotations

import torch


def warmup_cosine(opt: torch.optim.Optimizer, lr: float, steps: int) -> torch.optim.lr_scheduler.OneCycleLR:
    """Warm-up then cosine decay over ``steps``: a short run needs a high rate early and a calm one at the end.

    The warm-up is 5% of the run, but never under two steps: OneCycleLR divides by zero when
    its warm-up phase rounds to nothing (runs of about 20 steps, as in the smoke profile).
    """
    steps = max(steps, 4)
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=max(0.05, 2.5 / steps))
