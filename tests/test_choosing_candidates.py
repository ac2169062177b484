"""Candidates of one ThumbWorld video: the original first, distinct, with their true content values."""
import numpy as np
import pytest

from thumbnail_lab.choosing import candidates
from thumbnail_lab.thumbworld.platform import plan_platform
from thumbnail_lab.thumbworld.views import ELEMENT_EFFECTS, INTERACTIONS

TRUTH = {"element_effects": ELEMENT_EFFECTS, "interactions": INTERACTIONS}


@pytest.fixture(scope="module")
def specs():
    return plan_platform(60, "default", 0).specs[:5]


def test_candidates_are_distinct_and_start_with_the_original(specs):
    rng = np.random.default_rng(0)
    for spec in specs:
        cands = candidates.candidate_specs(spec, 6, rng)
        assert cands[0] == spec and len({frozenset(c.flags) for c in cands}) == 6
        assert all(c.rng_key == spec.rng_key and c.headline == spec.headline for c in cands)
        assert all("face" in c.flags for c in cands if {"face_closeup", "face_shocked"} & set(c.flags))


def test_true_content_adds_the_interaction():
    assert candidates.true_content(("face", "text"), TRUTH) == pytest.approx(0.12 + 0.15 + 0.20)
    assert candidates.true_content((), TRUTH) == 0


def test_draw_candidate_sets_shapes(specs):
    cs = candidates.draw_candidate_sets(specs[:2], TRUTH, ["a", "b"], ["v1", "v2"], 3, 32, 18)
    assert cs.images.shape == (2, 3, 18, 32, 3) and cs.images.dtype == np.uint8 and cs.true.shape == (2, 3)
    assert not np.array_equal(cs.images[0, 0], cs.images[0, 1])
