"""Every full-profile setting executes (at the smoke budget), and a bad parameter stops each chapter with one
sentence. Kept apart from the smoke book (``test_chapters``) so that the two run side by side under xdist."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.test_chapters import NUMBERED, failing_cell, run_chapters
from thumbnail_lab.publish.profiles import load_profiles

pytestmark = pytest.mark.chapter

#: The full profile's settings that shape each chapter's models (widths, resolutions, patches, splits).
#: The full-shape run takes these from ``full`` and the budget (data size, steps, epochs) from ``smoke``,
#: so every value of ``full`` is executed in the tests without its hours of CPU.
FULL_SHAPE_KEYS = {
    "02_gan": ["g_channels"],
    "03_diffusion": ["ae_channels", "batch_size", "channels", "lr", "gan_channels"],
    "04_popularity": ["image_width", "image_height", "vit_patch", "cnn_width", "vit_dim", "vit_depth",
                      "image_model_splits"],
    "05_features": ["embed_dim", "ae_width", "sae_expansion", "sae_k"],
}


def test_full_shape_keys_cover_the_full_profiles():
    """Every full-profile value is either run by the full-shape test or replaced there by a smoke value."""
    profiles = load_profiles()
    for chapter in NUMBERED:
        full, smoke = profiles[chapter]["full"], profiles[chapter]["smoke"]
        shape = set(FULL_SHAPE_KEYS.get(chapter, []))
        assert shape <= set(full), f"{chapter}: {sorted(shape - set(full))} are not in its full profile"
        untested = set(full) - shape - set(smoke)
        assert not untested, f"{chapter}: full-profile values {sorted(untested)} are neither run nor budget"


@pytest.mark.parametrize("chapter", sorted(FULL_SHAPE_KEYS))
def test_chapter_executes_with_full_profile_shapes(tmp_path: Path, chapter: str):
    full = load_profiles()[chapter]["full"]
    params = " ".join(f"{k}={json.dumps(full[k], separators=(',', ':'))}" for k in FULL_SHAPE_KEYS[chapter])
    done = run_chapters(tmp_path, [chapter], params)
    notebook = tmp_path / "book" / f"{chapter}.ipynb"
    assert done.returncode == 0, f"{chapter} failed with {params}:\n{failing_cell(notebook)}\n{done.stdout[-2000:]}"
    injected = nbformat.read(notebook, as_version=4).metadata["thumbnail_lab"]["parameters"]
    assert {k: injected[k] for k in FULL_SHAPE_KEYS[chapter]} == {k: full[k] for k in FULL_SHAPE_KEYS[chapter]}


@pytest.mark.parametrize("chapter", NUMBERED)
def test_bad_parameter_stops_with_one_sentence(tmp_path: Path, chapter: str):
    done = run_chapters(tmp_path, [chapter], params="n_videos=-5")
    assert done.returncode != 0
    error = failing_cell(tmp_path / "book" / f"{chapter}.ipynb")
    assert error.startswith("ParameterError: parameter 'n_videos'"), error
