"""The book runner: overrides, the TOC, chapter order, stamps, the build check, kernel environment."""
from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
import yaml

from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish import execute as execute_module
from thumbnail_lab.publish.execute import chapters, recorded_stamp, source_stamp
from thumbnail_lab.publish.profiles import (
    CHAPTER_PATTERN,
    chapter_parameters,
    parse_overrides,
)
from thumbnail_lab.publish.toc import toc_text

BOOK = REPO_ROOT / "book"
SOURCES = sorted(BOOK.glob(f"{CHAPTER_PATTERN}.py")) + sorted(BOOK.glob("appendix_*.py"))


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


def test_kernels_get_the_inline_backend_even_if_the_caller_set_another(monkeypatch, tmp_path):
    from thumbnail_lab.publish.execute import kernel_environment

    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert kernel_environment(tmp_path)["MPLBACKEND"] == "module://matplotlib_inline.backend_inline"


class _FakeChild:
    """A chapter's process that exits (with ``code``) the second time it is polled."""

    def __init__(self, code: int) -> None:
        self.code, self.polls, self.returncode = code, 0, None

    def poll(self):
        self.polls += 1
        if self.polls >= 2:
            self.returncode = self.code
        return self.returncode


def _fake_book(monkeypatch, failing: set[str]) -> SimpleNamespace:
    """Fake chapter processes: what started in which order, the most at once, the overrides each was given,
    and the chapters each one ran beside."""
    run = SimpleNamespace(started=[], most=0, given={}, beside={})
    running = set()

    def start(chapter, profile, overrides, *args, **kwargs):
        run.started.append(chapter)
        run.given[chapter], run.beside[chapter] = overrides, set(running)
        for other in running:
            run.beside[other].add(chapter)
        running.add(chapter)
        run.most = max(run.most, len(running))
        return _FakeChild(1 if chapter in failing else 0), 0.0, None

    real_wait = execute_module._wait_any

    def wait(children):
        chapter = real_wait(children)
        running.discard(chapter)
        return chapter

    monkeypatch.setattr(execute_module, "_start", start)
    monkeypatch.setattr(execute_module, "_wait_any", wait)
    monkeypatch.setattr(execute_module, "_current", lambda *args: False)   # whatever this checkout has executed
    monkeypatch.setattr(execute_module.time, "sleep", lambda s: None)
    return run


RUN = ["01_dataset", "01a_encoder", "02_gan", "03_diffusion", "04_popularity", "05_features", "06_choosing",
        "appendix_performance"]


def test_concurrent_chapters_start_only_after_what_they_read(monkeypatch):
    run = _fake_book(monkeypatch, failing=set())
    started = run.started
    assert execute_module.execute(RUN, "smoke", {}, jobs=2) == []
    assert run.most == 2 and sorted(started) == sorted(RUN)
    for chapter in RUN:
        for needed in execute_module.needs(chapter, RUN):
            assert started.index(needed) < started.index(chapter), f"{chapter} started before {needed}"
    assert started[-1] == "appendix_performance" and started[:2] == ["01_dataset", "01a_encoder"]


def test_a_failed_chapter_stops_its_dependants_and_not_the_others(monkeypatch):
    started = _fake_book(monkeypatch, failing={"02_gan"}).started
    failures = execute_module.execute(RUN, "smoke", {}, jobs=2)
    assert set(failures) == {"02_gan", "03_diffusion", "06_choosing", "appendix_performance"}
    assert {"04_popularity", "05_features"} <= set(started) and "03_diffusion" not in started
    started = _fake_book(monkeypatch, failing={"02_gan"}).started
    assert execute_module.execute(RUN, "smoke", {}, jobs=1) == ["02_gan"]   # in book order, the run stops
    assert started == ["01_dataset", "01a_encoder", "02_gan"]


def test_a_chapter_that_starts_beside_another_gets_its_share_of_the_cores(monkeypatch):
    run = _fake_book(monkeypatch, failing=set())
    monkeypatch.setattr(execute_module.os, "cpu_count", lambda: 2)
    assert execute_module.execute(RUN, "smoke", {}, jobs=2) == []
    shared = {c for c, o in run.given.items() if o.get("threads") == 1}
    assert shared == {c for c, others in run.beside.items() if others} and {"02_gan", "04_popularity"} <= shared
    assert not shared & {"01_dataset", "01a_encoder", "appendix_performance"}   # they always run alone
    assert all("threads" not in run.given[c] for c in RUN if c not in shared)
    execute_module.execute(RUN, "smoke", {"threads": 2}, jobs=2)   # the command line wins
    assert all(o["threads"] == 2 for o in run.given.values())
    execute_module.execute(RUN, "smoke", {}, jobs=1)               # one at a time: the chapters' own
    assert all("threads" not in o for o in run.given.values())


def test_a_chapter_run_on_its_share_of_the_cores_is_still_up_to_date(monkeypatch, tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "02_gan.py").write_text('# %% tags=["parameters"]\nthreads = 2\nsteps = 5\n\n# %%\nprint(steps)\n')
    monkeypatch.setattr(execute_module.os, "cpu_count", lambda: 2)
    shared = execute_module.shared_cpu_overrides("02_gan", "smoke", {}, 2, book)
    assert shared == {"threads": 1}
    notebook = tmp_path / "02_gan.ipynb"
    for ran_with, current in (({}, True), (shared, True), ({"steps": 6}, False)):
        stamp = source_stamp("02_gan", "smoke", chapter_parameters("02_gan", "smoke", ran_with), book)
        notebook.write_text(json.dumps({"metadata": {"thumbnail_lab": {"stamp": stamp}}}))
        assert execute_module._current("02_gan", "smoke", [{}, shared], tmp_path, book) is current


def test_a_kernel_that_dies_while_starting_is_replaced_and_other_errors_are_not_retried(monkeypatch, tmp_path):
    monkeypatch.setattr(execute_module.time, "sleep", lambda s: None)
    calls = []

    def flaky(failures: list[Exception]):
        def run(notebook, output, **kwargs):
            calls.append(output)
            if failures:
                raise failures.pop(0)
        return run

    died = RuntimeError(execute_module.KERNEL_START_FAILURE)
    retry = execute_module._papermill_with_kernel_retry
    retry(flaky([died]), "01_dataset", {"cells": []}, tmp_path / "a.ipynb", {}, tmp_path)
    assert len(calls) == 2
    with pytest.raises(RuntimeError, match="kernel_info"):
        retry(flaky([died] * execute_module.KERNEL_START_TRIES), "01_dataset", {}, tmp_path / "b.ipynb", {}, tmp_path)
    calls.clear()
    with pytest.raises(RuntimeError, match="a cell failed"):
        retry(flaky([RuntimeError("a cell failed")]), "01_dataset", {}, tmp_path / "c.ipynb", {}, tmp_path)
    assert len(calls) == 1
