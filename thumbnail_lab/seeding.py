"""One call to make a run repeatable."""
from __future__ import annotations

import os
import random

import numpy as np


def seed_everything(seed: int, deterministic: bool = True) -> np.random.Generator:
    """Seed Python, NumPy and torch, optionally force deterministic torch kernels.

    Returns a NumPy ``Generator`` seeded with ``seed`` for code that prefers explicit streams.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:  # the package's statistics work without torch
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    if deterministic:
        # CUBLAS needs this to be deterministic on GPUs; harmless on CPU.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)
