"""The book machinery: profiles, chapter sources, TOC, runner helpers, environment, guards."""
from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import jupytext
import numpy as np
import pytest
import yaml

from thumbnail_lab.params import ParameterError, Rule, check_params, existing_path, positive_int
from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish import netguard
from thumbnail_lab.publish.execute import chapters, recorded_stamp, source_stamp
from thumbnail_lab.publish.profiles import (
    CHAPTER_PATTERN,
    PROFILE_NAMES,
    chapter_parameters,
    load_profiles,
    parse_overrides,
)
from thumbnail_lab.publish.toc import toc_text

BOOK = REPO_ROOT / "book"
SOURCES = sorted(BOOK.glob(f"{CHAPTER_PATTERN}.py")) + sorted(BOOK.glob("appendix_*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_chapter_source_is_paired_percent_file_with_parameters_first(source: Path):
    text = source.read_text(encoding="utf-8")
    assert "format_name: percent" in text and "formats: ipynb,py:percent" in text, \
        f"{source.name} lacks the jupytext header pairing it to .ipynb"
    nb = jupytext.reads(text, fmt="py:percent")
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{source.name} has no code cell"
    assert "parameters" in code_cells[0].metadata.get("tags", []), \
        f"{source.name}: the first code cell must be tagged 'parameters'"
    assert not any(c.get("outputs") for c in code_cells), f"{source.name} stores outputs"
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("# ")]
    assert len(headings) == 1, f"{source.name} must have exactly one title heading, found {headings}"


def test_source_check_rejects_a_chapter_without_parameters_cell(tmp_path):
    bad = "# %% [markdown]\n# # Title\n\n# %%\nx = 1\n"
    nb = jupytext.reads(bad, fmt="py:percent")
    first = [c for c in nb.cells if c.cell_type == "code"][0]
    assert "parameters" not in first.metadata.get("tags", [])


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_code_cells_stay_short(source: Path):
    nb = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    lengths = [len(c.source.splitlines()) for c in nb.cells
               if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]  # knobs may be many
    assert max(lengths) <= 25, f"{source.name}: a code cell has {max(lengths)} lines; move logic to thumbnail_lab"


def test_profiles_cover_every_numbered_chapter_with_three_profiles():
    profiles = load_profiles()
    for source in BOOK.glob(f"{CHAPTER_PATTERN}.py"):
        assert source.stem in profiles, f"{source.stem} has no block in book/profiles.yml"
        assert set(profiles[source.stem]) == set(PROFILE_NAMES)


def test_profile_values_are_parameters_the_chapter_declares():
    profiles = load_profiles()
    for source in BOOK.glob(f"{CHAPTER_PATTERN}.py"):
        nb = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
        params_cell = next(c for c in nb.cells if c.cell_type == "code")
        declared = {node.id for node in ast.walk(ast.parse(params_cell.source))
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
        for profile, values in profiles[source.stem].items():
            unknown = set(values or {}) - declared
            assert not unknown, f"{source.stem}/{profile} sets undeclared parameters {sorted(unknown)}"


def test_overrides_are_typed_and_win_over_profile(tmp_path):
    path = tmp_path / "profiles.yml"
    path.write_text("ch:\n  smoke: {epochs: 1, scenario: default}\n  default: {}\n  full: {}\n")
    params = chapter_parameters("ch", "smoke", parse_overrides("epochs=3 scenario=null rate=0.5 flag=true"), path)
    assert params == {"epochs": 3, "scenario": "null", "rate": 0.5, "flag": True}
    with pytest.raises(ValueError, match="unknown profile"):
        chapter_parameters("ch", "fast", None, path)
    with pytest.raises(ValueError, match="name=value"):
        parse_overrides("epochs3")


def test_toc_lists_intro_chapters_then_appendices(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for name in ("02_b.py", "01_a.ipynb", "appendix_z.py", "notes.py"):
        (book / name).write_text("")
    toc = yaml.safe_load(toc_text(book, tmp_path))
    assert toc["root"] == "book/intro"
    files = [[e["file"] for e in part["chapters"]] for part in toc["parts"]]
    assert files == [["book/01_a", "book/02_b"], ["book/appendix_z"]]


def test_a_page_between_chapters_runs_after_its_chapter_and_is_its_section_in_the_toc(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for name in ("02_b.py", "01a_between.py", "01_a.py"):
        (book / name).write_text("")
    assert chapters(book) == ["01_a", "01a_between", "02_b"]
    first = yaml.safe_load(toc_text(book, tmp_path))["parts"][0]["chapters"]
    assert first == [{"file": "book/01_a", "sections": [{"file": "book/01a_between"}]}, {"file": "book/02_b"}]


def test_committed_toc_matches_the_chapters_present():
    assert subprocess.run([sys.executable, "-m", "thumbnail_lab.publish.toc", "--check"], cwd=REPO_ROOT).returncode == 0


def test_chapters_are_in_book_order():
    names = chapters()
    numbered = [n for n in names if n[:2].isdigit()]
    assert numbered == sorted(numbered)
    assert names[-1].startswith("appendix_")


def test_stamp_changes_with_parameters_and_failed_runs_are_never_current(tmp_path):
    chapter = chapters()[0]
    assert source_stamp(chapter, "smoke", {"a": 1}) != source_stamp(chapter, "smoke", {"a": 2})
    nb = tmp_path / "x.ipynb"
    nb.write_text(json.dumps({"metadata": {"papermill": {"exception": True}, "thumbnail_lab": {"stamp": "s"}}}))
    assert recorded_stamp(nb) is None
    nb.write_text(json.dumps({"metadata": {"papermill": {}, "thumbnail_lab": {"stamp": "s"}}}))
    assert recorded_stamp(nb) == "s"


def test_environment_yml_installs_the_package_instead_of_repeating_its_dependencies():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert pip_section == ["-e .[dev]"]
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "dev" in extras


def test_torchvision_operators_load_and_run():
    import torch
    import torchvision.ops

    boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]])
    keep = torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    assert keep.tolist() == [0, 2]


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


def test_network_guard_blocks_outside_and_allows_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=2):
        pass  # loopback is allowed under the session-wide guard
    server.close()
    with pytest.raises(netguard.NetworkBlocked, match="192.0.2.1"):
        socket.create_connection(("192.0.2.1", 80), timeout=2)


def test_leaving_a_nested_guard_keeps_the_outer_one():
    with netguard.blocked():
        pass
    with pytest.raises(netguard.NetworkBlocked):  # the session-wide guard is still in force
        socket.create_connection(("192.0.2.1", 80), timeout=2)


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


def test_buildcheck_reports_missing_pages_and_errors(tmp_path):
    from thumbnail_lab.publish.buildcheck import problems

    (tmp_path / "html" / "book").mkdir(parents=True)
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nparts:\n  - chapters:\n      - file: book/01_x\n")
    (tmp_path / "html" / "book" / "intro.html").write_text("<p>fine</p>")
    found = problems(tmp_path / "html", toc)
    assert any("index.html is missing" in p for p in found) and any("book/01_x was not built" in p for p in found)
    (tmp_path / "html" / "index.html").write_text("")
    (tmp_path / "html" / "book" / "01_x.html").write_text("Traceback (most recent call last)")
    assert problems(tmp_path / "html", toc) == ["page book/01_x shows an error from its execution",
                                                "chapter book/01_x has no figure"]


def test_buildcheck_reads_sections_and_flags_pages_that_need_the_network(tmp_path):
    from thumbnail_lab.publish.buildcheck import problems

    (tmp_path / "html" / "book").mkdir(parents=True)
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nparts:\n  - chapters:\n      - file: book/01_x\n"
                   "        sections:\n          - file: book/01a_y\n")
    for page in ("index", "book/intro", "book/01_x"):
        (tmp_path / "html" / f"{page}.html").write_text('<img src="a.png"><script src="../_static/mathjax/tex-chtml.js">')
    assert problems(tmp_path / "html", toc) == ["page book/01a_y was not built ("
                                                f"{tmp_path / 'html' / 'book' / '01a_y.html'} is missing)"]
    cdn = '<img src="a.png"><script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js">'
    (tmp_path / "html" / "book" / "01a_y.html").write_text(cdn)
    assert problems(tmp_path / "html", toc) == ["page book/01a_y loads a script or style sheet from the network: "
                                                '<script defer src="https://...']


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


def test_kernels_get_the_inline_backend_even_if_the_caller_set_another(monkeypatch, tmp_path):
    from thumbnail_lab.publish.execute import kernel_environment

    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert kernel_environment(tmp_path)["MPLBACKEND"] == "module://matplotlib_inline.backend_inline"
