"""K candidate thumbnails of the same ThumbWorld video, each with its true content value.

A candidate keeps the video's channel, age, title and drawing stream (same objects, same
placement) and changes what a creator chooses when making a thumbnail: a face or not, its
expression, a close-up or a long shot, a headline, an arrow, a warm or a cool palette. Its true
value is the content effect of its elements under the structural model; channel, age and title
effects are the same for every candidate of a video, so differences in content are differences
in true expected log10 views.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..popularity.counterfactual import draw, planted_content, toggle

FACES = ("none", "neutral", "smiling", "shocked")
SWITCHES = ("face_closeup", "text", "arrow", "warm_palette")


@dataclass
class CandidateSet:
    """Candidates of ``n`` videos: images (n, K, H, W, 3), true content (n, K), channel and id per video."""

    images: np.ndarray
    true: np.ndarray
    channel_id: np.ndarray
    video_id: np.ndarray
    flags: list[list[tuple[str, ...]]]

    @property
    def k(self) -> int:
        return self.true.shape[1]


def variant(spec, face: str, switches: Mapping[str, bool]):
    """``spec`` with the face set to ``face`` ("none" or an expression) and each switch on or off."""
    spec = toggle(spec, "face", face != "none")
    if face in ("smiling", "shocked"):
        spec = toggle(spec, f"face_{face}", True)
    elif face == "neutral":
        spec = toggle(toggle(spec, "face_smiling", False), "face_shocked", False)
    for name, on in switches.items():
        if name == "face_closeup" and face == "none":
            continue
        spec = toggle(spec, name, on)
    return spec


def candidate_specs(spec, k: int, rng: np.random.Generator, max_tries: int = 50) -> list:
    """The video's own thumbnail plus ``k - 1`` distinct random variants of it."""
    out, seen = [spec], {frozenset(spec.flags)}
    for _ in range(max_tries * k):
        if len(out) == k:
            break
        face = FACES[rng.integers(len(FACES))]
        cand = variant(spec, face, {s: bool(rng.integers(2)) for s in SWITCHES})
        if frozenset(cand.flags) not in seen:
            seen.add(frozenset(cand.flags))
            out.append(cand)
    if len(out) < k:
        raise ValueError(f"could not draw {k} distinct candidates of one video; use a smaller k")
    return out


def true_content(flags: Sequence[str], truth: Mapping) -> float:
    """True content effect (log10 views) of a set of elements under ThumbWorld's truth."""
    return planted_content(set(flags), truth.get("element_effects", {}), truth.get("interactions", {}))


def draw_candidate_sets(specs: Sequence, truth: Mapping, channel_id: Sequence, video_id: Sequence, k: int,
                        width: int, height: int, seed: int = 0) -> CandidateSet:
    """Draw ``k`` candidates of each video in ``specs`` at ``width`` x ``height``, with their true values."""
    rng = np.random.default_rng(seed)
    images, true, flags = [], [], []
    for spec in specs:
        cands = candidate_specs(spec, k, rng)
        images.append(np.stack([draw(c, width, height) for c in cands]))
        true.append([true_content(c.flags, truth) for c in cands])
        flags.append([tuple(c.flags) for c in cands])
    shape = (0, k, height, width, 3)
    return CandidateSet(np.stack(images) if images else np.zeros(shape, np.uint8), np.asarray(true, float).reshape(-1, k),
                        np.asarray(channel_id), np.asarray(video_id), flags)
