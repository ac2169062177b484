"""Partial dependence by intervention on ThumbWorld thumbnails."""
from __future__ import annotations

import numpy as np
import pytest

from thumbnail_lab.popularity import counterfactual as cf
from thumbnail_lab.thumbworld.compose import ThumbSpec


def _spec(flags=("face", "face_smiling", "text"), background="studio", expression="smiling") -> ThumbSpec:
    return ThumbSpec(rng_key="t:0", flags=flags, background=background, expression=expression, headline="WOW",
                     font_name="", text_color=(255, 255, 0), logo_initials="AB", logo_color=(0, 0, 0),
                     logo_shape="circle", logo_corner="tl")


def test_toggle_keeps_dependent_elements_consistent():
    s = _spec()
    no_face = cf.toggle(s, "face", False)
    assert set(no_face.flags) == {"text"} and no_face.expression == "neutral"
    shocked = cf.toggle(s, "face_shocked", True)
    assert {"face", "face_shocked"} <= set(shocked.flags) and "face_smiling" not in shocked.flags
    assert shocked.expression == "shocked"
    indoor = cf.toggle(cf.toggle(s, "landscape", True), "indoor", True)
    assert indoor.background == "indoor" and "landscape" not in indoor.flags and "indoor" in indoor.flags
    assert cf.toggle(indoor, "indoor", False).background == "studio"
    closeup = cf.toggle(cf.toggle(s, "face", False), "face_closeup", True)
    assert {"face", "face_closeup"} <= set(closeup.flags)
    assert cf.toggle(s, "arrow", True).flags[-1] == "arrow" and s.flags == ("face", "face_smiling", "text")


def test_planted_content_includes_interactions_by_hand():
    effects = {"face": 0.1, "text": 0.2, "logo": -0.05}
    inter = {"face*text": 0.3}
    assert cf.planted_content({"face", "text"}, effects, inter) == pytest.approx(0.6)
    assert cf.planted_content({"face", "logo"}, effects, inter) == pytest.approx(0.05)


def test_redrawn_thumbnail_matches_the_dataset_and_effects_come_out(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    from thumbnail_lab.dataset import ensure_dataset

    ds = ensure_dataset(source="thumbworld", scenario="default", n_videos=40, seed=3, show_progress=False,
                        min_views=0, min_channel_videos=1, drop_shorts=False)
    specs = cf.thumbworld_specs(ds.truth, ds.metadata["video_id"].tolist()[:6])
    cached = np.asarray(ds.images(64, 36))[:6]
    redrawn = np.stack([cf.draw(s, 64, 36) for s in specs])
    assert np.abs(redrawn.astype(int) - cached.astype(int)).max() <= 1  # same pixels as the cache
    # a 'model' that reads the planted content off the spec would recover every effect exactly;
    # here: mean brightness, which must react to the background change and not to an absent logo
    table = cf.intervention_effects(specs, {"brightness": lambda x: x.mean(axis=(1, 2, 3))},
                                    ["text", "landscape"], ds.truth, 64, 36, n_boot=20)
    assert set(table["element"]) == {"text", "landscape"}
    assert (table["low"] <= table["effect"]).all() and (table["effect"] <= table["high"]).all()
    text = table.set_index("element").loc["text"]
    assert text["planted"] >= ds.truth["element_effects"]["text"] - 1e-9  # interactions only add here
    with pytest.raises(KeyError, match="re-planned"):
        cf.thumbworld_specs(ds.truth, ["not-a-video"])
