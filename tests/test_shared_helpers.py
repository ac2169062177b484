"""Shared helpers: seeding, parameter checks, atomic writes, progress lines, save_fig."""
from __future__ import annotations

import json

import numpy as np
import pytest

from thumbnail_lab.params import ParameterError, Rule, check_params, existing_path, positive_int
from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish.profiles import (
    CHAPTER_PATTERN,
)

BOOK = REPO_ROOT / "book"
SOURCES = sorted(BOOK.glob(f"{CHAPTER_PATTERN}.py")) + sorted(BOOK.glob("appendix_*.py"))


def test_seed_everything_repeats_numpy_torch_and_python():
    import random

    import torch

    from thumbnail_lab.seeding import seed_everything

    def draw():
        rng = seed_everything(7)
        return random.random(), np.random.rand(), rng.random(), torch.rand(3).tolist()

    first, second = draw(), draw()
    assert first == second
    seed_everything(8)
    assert torch.rand(3).tolist() != first[3]


def test_check_params_stops_with_one_sentence_naming_the_parameter(tmp_path):
    rules = {"n_videos": positive_int(), "scenario": Rule(kind=str, choices=["default", "null"]),
             "source": Rule(kind=str, check=existing_path)}
    check_params({"n_videos": 5, "scenario": "null", "source": str(tmp_path)}, rules)
    for bad, pattern in [({"n_videos": -1}, "'n_videos': must be at least 1"),
                         ({"n_videos": "5"}, "'n_videos': expected int, got str"),
                         ({"n_videos": True}, "expected int, got bool"),
                         ({"scenario": "nul"}, "must be one of 'default', 'null'"),
                         ({"source": "/no/such/folder"}, "does not exist")]:
        values = {"n_videos": 5, "scenario": "null", "source": str(tmp_path)} | bad
        with pytest.raises(ParameterError, match=pattern):
            check_params(values, rules)


def test_atomic_write_leaves_old_file_when_the_writer_fails(tmp_path):
    from thumbnail_lab.atomic import atomic_path, write_json

    target = tmp_path / "results.json"
    write_json(target, {"r2": np.float64(0.5), "n": np.int64(3)})
    assert json.loads(target.read_text()) == {"n": 3, "r2": 0.5}
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert json.loads(target.read_text()) == {"n": 3, "r2": 0.5}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_results_files_stay_valid_json_and_repeat_their_missing_values(tmp_path):
    from thumbnail_lab.atomic import write_json

    write_json(tmp_path / "a.json", {"gap": float("nan"), "rows": [np.float64("inf"), 1.5], "arr": np.array([1, 2])})
    text = (tmp_path / "a.json").read_text()
    assert json.loads(text) == {"gap": None, "rows": [None, 1.5], "arr": [1, 2]}
    assert "NaN" not in text and "Infinity" not in text


def test_progress_prints_clean_lines_inside_a_kernel(monkeypatch, capsys):
    from thumbnail_lab import progress as progress_module

    monkeypatch.setattr(progress_module, "_in_kernel", lambda: True)
    for _ in progress_module.progress(range(50), desc="training", min_seconds=0):
        pass
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.strip().splitlines()
    assert lines and lines[-1].startswith("training: 100%") and "50/50" in lines[-1]


def test_save_fig_shows_the_saved_png_whatever_the_backend(tmp_path, monkeypatch):
    import IPython.display
    import matplotlib

    from thumbnail_lab import plotting

    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path))
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    matplotlib.use("Agg")  # the backend under which figures once went missing from the book
    fig, ax = matplotlib.pyplot.subplots()
    ax.plot([0, 1], [1, 0])
    assert plotting.save_fig(fig, "line", "ch") is None
    png = plotting.figure_path("line", "ch").read_bytes()
    assert len(shown) == 1 and shown[0].data == png and png.startswith(b"\x89PNG")


def test_figure_text_the_font_lacks_is_named_never_a_box(tmp_path, monkeypatch):
    """Emoji and CJK in titles become readable names; a figure that still draws a missing glyph is stopped."""
    import matplotlib

    from thumbnail_lab import plotting
    from thumbnail_lab.popularity.figures import coloured_titles

    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path))
    matplotlib.use("Agg")
    plotting.use_book_style()
    assert plotting.displayable("WON 🔥 東京!") == "WON [fire] [cjk unified ideograph-6771][cjk unified ideograph-4eac]!"
    assert plotting.displayable("plain ASCII, ü") == "plain ASCII, ü"
    words = [("I", 0.1), ("WON", 0.3), ("🔥", -0.2), ("東京", 0.05)]
    plotting.save_fig(coloured_titles([("I WON 🔥 東京", 5.1, words)]), "titles", "ch", show=False)
    assert plotting.figure_path("titles", "ch").stat().st_size > 1000
    fig, ax = matplotlib.pyplot.subplots()
    ax.set_title("東京 🔥")  # drawn raw: the positive control of the check
    with pytest.raises(plotting.MissingGlyphError, match="figure 'raw' of chapter ch draws a character its font lacks"):
        plotting.save_fig(fig, "raw", "ch", show=False)
