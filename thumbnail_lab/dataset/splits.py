"""Train / validation / test splits, three ways, each with the reason it exists.

* ``random``: rows shuffled with the seed. Answers "how well does the model do on more
  videos like these?", and is optimistic when a channel's look and pull are shared
  between train and test.
* ``channel``: whole channels go to one split (like scikit-learn's GroupShuffleSplit, but
  balancing the number of videos rather than channels). Answers "does it work on a
  channel it has never seen?".
* ``temporal``: oldest uploads train, newest test. Answers "would it have worked in the
  future?" and exposes drift in styles and in views over time.

Each split is saved as a CSV (``video_id, split``) with its reason in ``reasons.json``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_json, write_text

SPLIT_NAMES = ("random", "channel", "temporal")
LABELS = ("train", "val", "test")
DEFAULT_FRACTIONS = (0.7, 0.15, 0.15)


def _check_fractions(fractions: tuple[float, float, float]) -> None:
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"split fractions must be three non-negative numbers summing to 1, got {fractions}")


def _cut(n: int, fractions: tuple[float, float, float]) -> np.ndarray:
    """Labels for ``n`` ordered items: the first share train, then val, then test."""
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    labels = np.array(["test"] * n, dtype=object)
    labels[:n_train] = "train"
    labels[n_train:n_train + n_val] = "val"
    return labels


def _shares(labels: np.ndarray) -> str:
    n = max(len(labels), 1)
    return " / ".join(f"{lab} {np.sum(labels == lab):,} ({np.sum(labels == lab) / n:.0%})" for lab in LABELS)


def random_split(frame: pd.DataFrame, seed: int,
                 fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> tuple[np.ndarray, str]:
    """Shuffle rows with ``seed`` and cut by ``fractions``; returns labels and the reason."""
    _check_fractions(fractions)
    order = np.random.default_rng([seed, 0]).permutation(len(frame))
    labels = np.empty(len(frame), dtype=object)
    labels[order] = _cut(len(frame), fractions)
    reason = (f"Random split (seed {seed}): every video is equally likely to land in any split; "
              f"{_shares(labels)}. It estimates performance on more videos like these, and is optimistic "
              f"when a channel's look and audience appear in both train and test.")
    return labels, reason


def channel_split(frame: pd.DataFrame, seed: int,
                  fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> tuple[np.ndarray, str]:
    """Assign whole channels to splits so that no channel is in two; returns labels and the reason.

    Channels are shuffled with ``seed`` and laid end to end; each goes to the split where
    the middle of its run of videos falls, so the shares of videos follow ``fractions``.
    With fewer than three channels a grouped split is impossible and the random split is
    used instead (the reason says so).
    """
    _check_fractions(fractions)
    sizes = frame.groupby("channel_id", sort=True)["video_id"].size()
    if len(sizes) < 3:
        labels, _ = random_split(frame, seed, fractions)
        return labels, (f"Channel split impossible with {len(sizes)} channel(s): the random split (seed {seed}) "
                        f"is used instead; {_shares(labels)}. Results on it do not measure generalisation "
                        f"to unseen channels.")
    channels = sizes.index.to_numpy()[np.random.default_rng([seed, 1]).permutation(len(sizes))]
    counts = sizes.loc[channels].to_numpy()
    middle = (np.cumsum(counts) - counts / 2) / counts.sum()
    bounds = np.cumsum(fractions)
    assigned = np.where(middle < bounds[0], "train", np.where(middle < bounds[1], "val", "test")).astype(object)
    # Every split gets at least one channel when its fraction asks for any videos.
    for k, label in ((len(assigned) - 1, "test"), (len(assigned) - 2, "val")):
        if fractions[LABELS.index(label)] > 0 and label not in assigned:
            assigned[k] = label
    labels = frame["channel_id"].map(dict(zip(channels, assigned))).to_numpy(dtype=object)
    per_split = {lab: len(set(channels[assigned == lab])) for lab in LABELS}
    reason = (f"Channel split (seed {seed}): the {len(channels)} channels are shuffled and each goes whole "
              f"into one split (train {per_split['train']}, val {per_split['val']}, test {per_split['test']} "
              f"channels), so no channel is in two splits; videos: {_shares(labels)}. It estimates performance "
              f"on channels the model has never seen, which removes the channel shortcut.")
    return labels, reason


def temporal_split(frame: pd.DataFrame, seed: int = 0,
                   fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> tuple[np.ndarray, str]:
    """Oldest uploads train, then val, newest test (ties broken by video id); labels and reason."""
    _check_fractions(fractions)
    order = frame.assign(_pos=np.arange(len(frame))).sort_values(["upload_date", "video_id"], kind="stable")
    labels = np.empty(len(frame), dtype=object)
    labels[order["_pos"].to_numpy()] = _cut(len(frame), fractions)
    dates = frame["upload_date"]
    spans = []
    for lab in LABELS:
        picked = dates[labels == lab]
        if len(picked):
            spans.append(f"{lab} {picked.min():%Y-%m-%d} to {picked.max():%Y-%m-%d}")
    reason = (f"Temporal split: the oldest uploads train and the newest test ({'; '.join(spans)}); "
              f"{_shares(labels)}. It estimates how a model trained on the past does on future uploads, "
              f"including drift in styles and in view counts.")
    return labels, reason


def make_splits(frame: pd.DataFrame, seed: int,
                fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> tuple[pd.DataFrame, dict[str, str]]:
    """All three splits as columns ``split_random``, ``split_channel``, ``split_temporal`` and their reasons."""
    columns, reasons = {}, {}
    for name, make in (("random", random_split), ("channel", channel_split), ("temporal", temporal_split)):
        labels, reasons[name] = make(frame, seed, fractions)
        columns[f"split_{name}"] = pd.Series(labels, index=frame.index, dtype=object)
    return pd.DataFrame(columns), reasons


def save_splits(folder: Path, video_ids: pd.Series, splits: pd.DataFrame, reasons: dict[str, str]) -> None:
    """Write ``<folder>/<name>.csv`` (video_id, split) for each split and ``reasons.json``."""
    for name in SPLIT_NAMES:
        table = pd.DataFrame({"video_id": video_ids.to_numpy(), "split": splits[f"split_{name}"].to_numpy()})
        write_text(folder / f"{name}.csv", table.to_csv(index=False, lineterminator="\n"))
    write_json(folder / "reasons.json", reasons)
