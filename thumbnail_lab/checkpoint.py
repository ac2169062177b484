"""Training checkpoints that let a killed run resume to the very same model.

A checkpoint holds everything the next epoch depends on: the model's and the optimiser's
state, the number of finished epochs, the state of every random generator the loop draws
from (so shuffling continues where it stopped), any extra loop state (e.g. a loss history),
and a *fingerprint* of the data and settings. A checkpoint whose fingerprint differs from the
current run's is ignored, never resumed: a stale model from other settings must not leak in.

Files are written with :func:`thumbnail_lab.atomic.atomic_path`, so a run killed mid-save
leaves the previous checkpoint intact; the stray temporary file is removed on the next load.
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from .atomic import atomic_path

#: Generators a checkpoint can save and restore.
RNG = torch.Generator | np.random.Generator | random.Random


def normal_fingerprint(**settings: Any) -> dict:
    """A JSON-normal dict of ``settings`` (tuples become lists, NumPy scalars plain numbers).

    Compare fingerprints only through this function so that a value that went through a file
    equals the one computed in memory.
    """
    return json.loads(json.dumps(settings, sort_keys=True, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v)))


def data_digest(array: np.ndarray, max_rows: int = 4096) -> str:
    """A short hash of an array's shape, dtype and (up to ``max_rows`` evenly spaced) rows.

    Cheap on a large memmap, yet any other dataset or embedding gives another digest.
    """
    rows = np.linspace(0, len(array) - 1, min(len(array), max_rows)).round().astype(np.int64)
    h = hashlib.sha256(f"{tuple(array.shape)}|{array.dtype}".encode())
    h.update(np.ascontiguousarray(array[rows]).tobytes())
    return h.hexdigest()[:16]


def _rng_state(rng: RNG) -> Any:
    if isinstance(rng, torch.Generator):
        return rng.get_state()
    if isinstance(rng, np.random.Generator):
        return rng.bit_generator.state
    if isinstance(rng, random.Random):
        return rng.getstate()
    raise TypeError(f"cannot checkpoint a random generator of type {type(rng).__name__}")


def _set_rng_state(rng: RNG, state: Any) -> None:
    if isinstance(rng, torch.Generator):
        rng.set_state(state)
    elif isinstance(rng, np.random.Generator):
        rng.bit_generator.state = state
    elif isinstance(rng, random.Random):
        rng.setstate(state)
    else:
        raise TypeError(f"cannot checkpoint a random generator of type {type(rng).__name__}")


class TrainingCheckpoint:
    """Save and restore one training loop's state at ``path``.

    Parameters
    ----------
    path : path
        The checkpoint file (e.g. ``.../checkpoints/sae.pt``).
    fingerprint : dict
        What identifies the run (data name and shape, every setting). Made JSON-normal with
        :func:`normal_fingerprint`. A file with another fingerprint is ignored with a printed note.

    Notes
    -----
    Besides the generators passed in ``rngs``, torch's global CPU generator is always saved
    and restored, so code after the loop draws the same numbers as after an uninterrupted run.
    """

    def __init__(self, path: str | Path, fingerprint: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.fingerprint = normal_fingerprint(**fingerprint)

    def load(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
             rngs: Mapping[str, RNG] | None = None) -> tuple[int, dict]:
        """Restore a matching checkpoint into ``model``, ``optimizer`` and ``rngs``.

        Returns
        -------
        (int, dict)
            The number of finished epochs (0 when there is nothing to resume) and the ``extra``
            state saved with it (empty when starting fresh).
        """
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):  # left by a run killed mid-save
            stale.unlink(missing_ok=True)
        if not self.path.is_file():
            return 0, {}
        try:
            # weights_only: a checkpoint is data, never code to unpickle.
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 - an unreadable file is reported, then ignored
            print(f"note: ignoring unreadable checkpoint {self.path} ({type(err).__name__}); training from scratch")
            return 0, {}
        if state.get("fingerprint") != self.fingerprint:
            print(f"note: ignoring checkpoint {self.path}: it was made with other data or settings; "
                  "training from scratch")
            return 0, {}
        rngs = dict(rngs or {})
        if set(state["rngs"]) != set(rngs):
            raise ValueError(f"checkpoint {self.path} holds generators {sorted(state['rngs'])}, "
                             f"the loop uses {sorted(rngs)}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        for name, rng in rngs.items():
            _set_rng_state(rng, state["rngs"][name])
        torch.set_rng_state(state["torch_global"])
        print(f"resuming from {self.path} after epoch {state['epoch']}")
        return int(state["epoch"]), state["extra"]

    def save(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, epoch: int,
             rngs: Mapping[str, RNG] | None = None, extra: Mapping[str, Any] | None = None) -> None:
        """Atomically write the state after ``epoch`` finished epochs (``extra``: tensors, lists, numbers)."""
        state = {"fingerprint": self.fingerprint, "epoch": int(epoch),
                 "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "rngs": {name: _rng_state(rng) for name, rng in (rngs or {}).items()},
                 "torch_global": torch.get_rng_state(), "extra": dict(extra or {})}
        with atomic_path(self.path) as tmp:
            torch.save(state, tmp)


def maybe_checkpoint(path: str | Path | None, fingerprint: Mapping[str, Any]) -> TrainingCheckpoint | None:
    """A :class:`TrainingCheckpoint` at ``path``, or None when ``path`` is None (no checkpointing)."""
    return None if path is None else TrainingCheckpoint(path, fingerprint)
