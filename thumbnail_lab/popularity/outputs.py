"""What the chapter saves: the long metrics table, the trained image models and its key numbers."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd


def _rounded(x) -> float | None:
    """Round to 6 decimals (keeps the file stable); None for missing or non-finite values."""
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def results_summary(table: pd.DataFrame, null_tests: pd.DataFrame, fusion_weight: Mapping[str, float]) -> dict:
    """The chapter's key numbers as plain, rounded JSON: ``metrics`` keyed split/target/model id/metric (each with
    its interval, ``chance``, ``ci_unit`` and ``n_test_channels``), ``evaluation`` (split -> target -> model ->
    ``ci_unit``, ``n_test_channels``, ``chance``), ``null_tests`` (the one-sided checks) and ``fusion_weight``."""
    from .tables import evaluation_record

    rows = {}
    for r in table.itertuples():
        key = f"{r.split}/{r.target}/{r.model}/{r.metric}"
        rows[key] = {"value": _rounded(r.value), "low": _rounded(r.low), "high": _rounded(r.high),
                     "chance": _rounded(getattr(r, "chance", float("nan"))), "ci_unit": getattr(r, "ci_unit", None),
                     "n_test_channels": int(getattr(r, "n_test_channels", 0)),
                     "fraction_of_oracle": _rounded(getattr(r, "fraction_of_oracle", float("nan")))}
    tests = {f"{r['views']}/{r['split']}/{r['target']}/{r['model']}": {
        "metric": r["metric"], "value": _rounded(r["value"]), "chance": _rounded(r["chance"]),
        "p_holm": _rounded(r["p_holm"]), "detectable": _rounded(r["detectable"]), "beats_chance": bool(r["beats chance"]),
        "ci_unit": r["ci_unit"], "n_test_channels": int(r["n_test_channels"])} for _, r in null_tests.iterrows()}
    return {"metrics": rows, "evaluation": evaluation_record(table), "null_tests": tests,
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
                        "y_sd": reg.y_sd.tolist(), "outputs": list(reg.outputs)}, tmp)
        written.append(path)
    return written
