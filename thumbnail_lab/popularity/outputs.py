"""What the chapter saves: the long metrics table, the trained image models and its key numbers."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .null import share_covering_chance


def _rounded(x) -> float | None:
    """Round to 6 decimals (keeps the file stable); None for missing or non-finite values."""
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def results_summary(table: pd.DataFrame, null_adjusted: pd.DataFrame, null_raw: pd.DataFrame,
                    fusion_weight: Mapping[str, float]) -> dict:
    """The chapter's key numbers as plain, rounded JSON: ``metrics`` keyed split/target/model id/metric,
    ``null_intervals_covering_chance`` and ``fusion_weight``."""
    rows = {}
    for r in table.itertuples():
        key = f"{r.split}/{r.target}/{r.model}/{r.metric}"
        rows[key] = {"value": _rounded(r.value), "low": _rounded(r.low), "high": _rounded(r.high),
                     "fraction_of_oracle": _rounded(getattr(r, "fraction_of_oracle", float("nan")))}
    cover = {name: _rounded(share_covering_chance(t)) if len(t) else None
             for name, t in (("adjusted_views", null_adjusted), ("raw_views", null_raw))}
    return {"metrics": rows, "null_intervals_covering_chance": cover,
            "fusion_weight": {k: _rounded(v) for k, v in fusion_weight.items()}}


def save_outputs(folder, results: pd.DataFrame, regressors: Mapping) -> list:
    """Write the long metrics table (CSV) and each trained image model's weights (``<id>.pt``), atomically.

    Returns the paths written. Later chapters (or a reader) reload a model with
    ``model.load_state_dict(torch.load(path)["state_dict"])`` and read ``y_mean``/``y_sd`` beside it.
    """
    import torch

    from ..atomic import atomic_path, write_text

    folder = Path(folder)
    written = [folder / "metrics.csv"]
    write_text(written[0], results.to_csv(index=False, float_format="%.6f"))
    for name, reg in regressors.items():
        path = folder / f"{name}.pt"
        with atomic_path(path) as tmp:
            torch.save({"state_dict": reg.model.state_dict(), "y_mean": reg.y_mean.tolist(),
                        "y_sd": reg.y_sd.tolist(), "outputs": ["log_views", "channel_relative"]}, tmp)
        written.append(path)
    return written
