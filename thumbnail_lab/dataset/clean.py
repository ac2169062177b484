"""Cleaning a validated dataset: the filters, in order, each one reported.

The filters follow the practice of thumbnail-popularity studies: drop videos with too few
views to measure (``min_views``), drop shorts (``duration_s`` under a minute; their
thumbnails are barely shown), drop exact duplicates (same file bytes) and near duplicates
(perceptual hashes within a Hamming distance), and keep only channels with enough videos
for a channel effect to be estimated (the channel-maturity cut). When two videos share a
thumbnail, the earliest upload is kept: it is most likely the original.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CleaningParams:
    """The cleaning filters' settings (the defaults are the book's)."""

    min_views: int = 500
    drop_shorts: bool = True
    shorts_max_s: float = 60.0        # a video shorter than this is a short
    drop_exact_duplicates: bool = True
    drop_near_duplicates: bool = True
    phash_threshold: int = 4          # largest Hamming distance (of 64 bits) that counts as near-duplicate
    colour_tolerance: float = 12.0    # ... and largest mean difference of the 4x4 colour thumbnails (0-255)
    min_channel_videos: int = 3       # channel-maturity cut, counted after the other filters

    def __post_init__(self) -> None:
        if self.min_views < 0 or self.shorts_max_s < 0 or self.min_channel_videos < 0:
            raise ValueError(f"cleaning parameters must not be negative: {self}")
        if self.colour_tolerance < 0:
            raise ValueError(f"colour_tolerance must not be negative, got {self.colour_tolerance}")
        if not 0 <= self.phash_threshold <= 64:
            raise ValueError(f"phash_threshold must be between 0 and 64, got {self.phash_threshold}")

    def as_dict(self) -> dict:
        """The settings as a JSON-ready dict."""
        return asdict(self)


@dataclass
class CleaningResult:
    """Rows kept, the per-filter report and the per-row record of removals."""

    kept: pd.DataFrame
    report: pd.DataFrame   # filter, removed, remaining, reason
    removed: pd.DataFrame  # video_id, filter, detail


def keep_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions by priority for duplicates: earliest upload first, then video id."""
    order = frame.assign(_pos=np.arange(len(frame))).sort_values(["upload_date", "video_id"], kind="stable")
    return order["_pos"].to_numpy()


def exact_duplicates(frame: pd.DataFrame) -> dict[int, str]:
    """Positions whose image bytes equal an earlier-priority row's, mapped to a description."""
    found: dict[int, str] = {}
    first: dict[str, str] = {}
    for pos in keep_order(frame):
        digest = frame["image_sha256"].iat[pos]
        if digest in first:
            found[pos] = f"same image file as {first[digest]}"
        else:
            first[digest] = frame["video_id"].iat[pos]
    return found


def phash_array(hex_hashes: pd.Series) -> np.ndarray:
    """16-hex-digit perceptual hashes as uint64."""
    return np.array([int(h, 16) for h in hex_hashes], dtype=np.uint64)


def near_duplicate_pairs(hashes: np.ndarray, threshold: int, chunk: int = 1024) -> list[tuple[int, int, int]]:
    """All pairs (i, j, distance) with i < j whose hashes differ in at most ``threshold`` bits.

    A chunked all-pairs comparison (XOR and popcount): 4,000 hashes take milliseconds and
    100,000 take seconds, with memory bounded by ``chunk`` rows at a time.
    """
    pairs: list[tuple[int, int, int]] = []
    n = len(hashes)
    for start in range(0, n, chunk):
        block = hashes[start:start + chunk]
        distance = np.bitwise_count(block[:, None] ^ hashes[None, :])
        rows, cols = np.nonzero(distance <= threshold)
        rows = rows + start
        later = cols > rows
        pairs += [(int(i), int(j), int(distance[i - start, j]))
                  for i, j in zip(rows[later], cols[later])]
    return pairs


def colour_difference(a: str, b: str) -> float:
    """Mean absolute difference (0-255) of two 4x4 colour signatures."""
    return float(np.abs(np.frombuffer(bytes.fromhex(a), np.uint8).astype(np.int16)
                        - np.frombuffer(bytes.fromhex(b), np.uint8).astype(np.int16)).mean())


def near_duplicates(frame: pd.DataFrame, threshold: int, colour_tolerance: float | None = None) -> dict[int, str]:
    """Positions whose image is a near copy of a kept, earlier-priority row's.

    A near copy has a perceptual hash within ``threshold`` bits *and* (when ``image_colour``
    is known and ``colour_tolerance`` given) nearly the same colours: the perceptual hash
    only sees the layout of light and dark, so two thumbnails made from one template in
    different colours would otherwise count as copies.
    """
    order = keep_order(frame)
    hashes = phash_array(frame["image_phash"].iloc[order])
    colours = frame["image_colour"].iloc[order].tolist() if "image_colour" in frame.columns else None
    neighbours: dict[int, list[tuple[int, int]]] = {}
    for i, j, d in near_duplicate_pairs(hashes, threshold):
        if colours is None or colour_tolerance is None or colour_difference(colours[i], colours[j]) <= colour_tolerance:
            neighbours.setdefault(i, []).append((j, d))
    found: dict[int, str] = {}
    removed = np.zeros(len(order), dtype=bool)
    for i in range(len(order)):  # greedy in priority order: a kept row removes its later neighbours
        if removed[i]:
            continue
        for j, d in neighbours.get(i, []):
            if not removed[j]:
                removed[j] = True
                found[int(order[j])] = f"near-duplicate of {frame['video_id'].iat[order[i]]} (phash distance {d})"
    return found


def _apply(frame: pd.DataFrame, drop: dict[int, str], name: str, reason: str,
           report: list[dict], removed: list[dict]) -> pd.DataFrame:
    """Remove positions ``drop`` from ``frame`` and record them under filter ``name``."""
    mask = np.zeros(len(frame), dtype=bool)
    mask[list(drop)] = True
    removed += [{"video_id": frame["video_id"].iat[p], "filter": name, "detail": drop[p]} for p in sorted(drop)]
    kept = frame[~mask].reset_index(drop=True)
    report.append({"filter": name, "removed": int(mask.sum()), "remaining": len(kept), "reason": reason})
    return kept


def clean(frame: pd.DataFrame, params: CleaningParams = CleaningParams()) -> CleaningResult:
    """Apply every filter in order and report what each removed and why.

    Parameters
    ----------
    frame : DataFrame
        Validated rows (``validate_dataset(...).metadata``), with ``image_sha256`` and
        ``image_phash`` when the duplicate filters are on.
    params : CleaningParams
        The filters' settings.

    Returns
    -------
    CleaningResult
        ``kept`` rows in their original order, ``report`` (one row per filter, also the ones
        that removed nothing) and ``removed`` (one row per removed video).
    """
    report: list[dict] = []
    removed: list[dict] = []
    kept = frame.reset_index(drop=True)

    low = kept["views"].to_numpy() < params.min_views
    kept = _apply(kept, {int(p): f"{kept['views'].iat[p]:,} views" for p in np.flatnonzero(low)}, "min_views",
                  f"fewer than {params.min_views:,} views: too few to measure popularity, and often "
                  f"unlisted, test or abandoned uploads", report, removed)

    short = kept["duration_s"].to_numpy() < params.shorts_max_s if params.drop_shorts else np.zeros(len(kept), bool)
    kept = _apply(kept, {int(p): f"{kept['duration_s'].iat[p]:g} s long" for p in np.flatnonzero(short)},
                  "shorts", f"shorter than {params.shorts_max_s:g} s: shorts are shown in a feed without "
                  f"their thumbnail, so their views say little about it" if params.drop_shorts
                  else "shorts filter switched off", report, removed)

    exact = exact_duplicates(kept) if params.drop_exact_duplicates else {}
    kept = _apply(kept, exact, "exact_duplicates",
                  "same image bytes as an earlier upload (re-uploads, default thumbnails): the earliest is kept"
                  if params.drop_exact_duplicates else "exact-duplicate filter switched off", report, removed)

    near = (near_duplicates(kept, params.phash_threshold, params.colour_tolerance)
            if params.drop_near_duplicates else {})
    kept = _apply(kept, near, "near_duplicates",
                  f"perceptual hash within {params.phash_threshold} of 64 bits of an earlier upload's and colours "
                  f"within {params.colour_tolerance:g}/255 (re-encoded or lightly edited copies): the earliest is kept"
                  if params.drop_near_duplicates else "near-duplicate filter switched off", report, removed)

    counts = kept.groupby("channel_id")["video_id"].transform("size").to_numpy()
    immature = counts < params.min_channel_videos
    kept = _apply(kept, {int(p): f"channel {kept['channel_id'].iat[p]} has {counts[p]} video(s) left"
                         for p in np.flatnonzero(immature)}, "channel_maturity",
                  f"channel has fewer than {params.min_channel_videos} videos after the other filters: "
                  f"too few to separate the channel's pull from the thumbnail's", report, removed)

    return CleaningResult(kept=kept, report=pd.DataFrame(report, columns=["filter", "removed", "remaining", "reason"]),
                          removed=pd.DataFrame(removed, columns=["video_id", "filter", "detail"]))
