"""The learning-rate schedule the generative trainers share: diffusers' warm-up + cosine decay."""
from __future__ import annotations

import torch
from diffusers.optimization import get_cosine_schedule_with_warmup


def warmup_cosine(opt: torch.optim.Optimizer, steps: int, warmup_share: float = 0.05
                  ) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``warmup_share`` of ``steps`` (at least one step), then cosine decay to zero.

    diffusers' ``get_cosine_schedule_with_warmup`` scales the optimiser's own rate and leaves every
    other setting alone (``OneCycleLR``, used before, also cycled Adam's beta1 against the rate).
    """
    steps = max(int(steps), 1)
    warmup = min(max(1, round(warmup_share * steps)), steps - 1) if steps > 1 else 0
    return get_cosine_schedule_with_warmup(opt, num_warmup_steps=warmup, num_training_steps=steps)
