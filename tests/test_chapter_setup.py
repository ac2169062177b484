"""One set-up for every chapter: parameter types from the defaults, extra rules, seeds, record()."""
from __future__ import annotations

import json

import numpy as np
import pytest

from thumbnail_lab.chapter import merged_rules, parameter_defaults, setup
from thumbnail_lab.params import ParameterError, Rule, dataset_source, multiple_of

SOURCE = '''# %% [markdown]
# # A chapter

# %% tags=["parameters"]
source = "thumbworld"   # a comment
n_videos = 400
rate = 0.5
width, height = 64, 36
splits = ["random"]
flag = True

# %%
x = 1
'''


@pytest.fixture
def chapter(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    path = tmp_path / "01_x.py"
    path.write_text(SOURCE)
    return path


def test_defaults_are_read_from_the_parameters_cell(chapter):
    assert parameter_defaults(chapter) == {"source": "thumbworld", "n_videos": 400, "rate": 0.5, "width": 64,
                                           "height": 36, "splits": ["random"], "flag": True}


@pytest.mark.parametrize("bad, message", [
    ({"n_videos": 4.0}, "parameter 'n_videos': expected int, got float"),
    ({"flag": 1}, "parameter 'flag': expected bool, got int"),
    ({"rate": "0.5"}, "parameter 'rate': expected int or float, got str"),
    ({"splits": "random"}, "parameter 'splits': expected list, got str"),
    ({"n_videos": 0}, "parameter 'n_videos': must be at least 1"),
    ({"width": 62}, "parameter 'width': must be a multiple of 4"),
    ({"source": "/no/such/folder"}, "parameter 'source': the path '/no/such/folder' does not exist"),
])
def test_types_come_from_the_defaults_and_extra_rules_refine_them(chapter, bad, message):
    values = {**parameter_defaults(chapter), **bad}
    rules = {"n_videos": Rule(min=1), "width": multiple_of(4), "source": Rule(check=dataset_source)}
    with pytest.raises(ParameterError, match=message):
        setup("01_x", values, rules, source=chapter)


def test_a_float_default_accepts_an_int_and_rules_keep_the_inferred_type(chapter):
    rules = merged_rules(parameter_defaults(chapter), {"n_videos": Rule(min=1)})
    assert rules["n_videos"].kind is int and rules["n_videos"].min == 1
    ch = setup("01_x", {**parameter_defaults(chapter), "rate": 1}, source=chapter)
    assert ch.params["rate"] == 1


def test_a_rule_for_an_undeclared_parameter_is_a_mistake(chapter):
    with pytest.raises(ValueError, match="does not declare"):
        setup("01_x", parameter_defaults(chapter), {"epochs": Rule(min=1)}, source=chapter)


def test_record_glues_and_writes_results_json(chapter, monkeypatch):
    glued = {}
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: glued.__setitem__(name, value))
    ch = setup("01_x", parameter_defaults(chapter), source=chapter)
    assert ch.record("n_kept", np.int64(7)) == 7 and isinstance(glued["n_kept"], int)
    ch.record("table", {"a": [1, 2]})
    saved = json.loads(ch.results_path.read_text())
    assert saved["n_kept"] == 7 and saved["table"] == {"a": [1, 2]} and saved["parameters"]["n_videos"] == 400
    assert "table" not in glued  # only numbers and words are glued


def test_setup_seeds_the_random_streams(chapter):
    first = setup("01_x", parameter_defaults(chapter), source=chapter).rng.random()
    assert setup("01_x", parameter_defaults(chapter), source=chapter).rng.random() == first


def test_require_stops_with_the_sentence(chapter):
    ch = setup("01_x", parameter_defaults(chapter), source=chapter)
    ch.require(True, "never raised")
    with pytest.raises(ParameterError, match="min_count must be at least group_size"):
        ch.require(False, "min_count must be at least group_size")


def test_earlier_results_only_for_the_same_parameters(chapter, monkeypatch):
    import myst_nb

    from thumbnail_lab.chapter import earlier_results

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: None)
    assert earlier_results("01_x", {"n_videos": 400}) is None          # not run yet
    ch = setup("01_x", parameter_defaults(chapter), source=chapter)
    ch.record("ceiling", {"face": 0.9})
    assert earlier_results("01_x", {"n_videos": 400, "source": "thumbworld"})["ceiling"] == {"face": 0.9}
    assert earlier_results("01_x", {"n_videos": 6000}) is None          # another dataset: never read


def test_a_chapter_says_which_dataset_it_analyses(tmp_path):
    from thumbnail_lab.chapter import dataset_sentence

    world = dataset_sentence({"source": "thumbworld", "scenario": "null", "n_videos": 2000, "seed": 3})
    assert "ThumbWorld" in world and "world `null`" in world and "2,000 videos" in world and "seed 3" in world
    (tmp_path / "metadata.csv").write_text("video_id,channel_id\na,c1\nb,c1\nc,c2\n")
    mine = dataset_sentence({"source": str(tmp_path)})
    assert f"your folder `{tmp_path}`" in mine and "3 videos" in mine and "2 channels" in mine and "no truth" in mine
    (tmp_path / "truth.json").write_text("{}")
    assert "has a `truth.json`" in dataset_sentence({"source": str(tmp_path)})
    assert dataset_sentence({"seed": 0}) == ""   # a page without a dataset (the appendices) says nothing
