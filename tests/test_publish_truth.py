"""Truth-only cells are kept for ThumbWorld, dropped for one's own data, and the build check catches leftovers."""
import nbformat

from thumbnail_lab.publish.buildcheck import real_data_problems
from thumbnail_lab.publish.truth import REAL_DATA, TRUTH_ONLY, keep_cells, source_has_truth


def notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("always"),
                nbformat.v4.new_markdown_cell("see the planted effects", metadata={"tags": [TRUTH_ONLY]}),
                nbformat.v4.new_markdown_cell("your data has no truth", metadata={"tags": [REAL_DATA]})]
    return nb


def test_truth_cells_follow_the_data(tmp_path):
    assert [c.source for c in keep_cells(notebook(), True).cells] == ["always", "see the planted effects"]
    assert [c.source for c in keep_cells(notebook(), False).cells] == ["always", "your data has no truth"]
    assert source_has_truth("thumbworld") and not source_has_truth(str(tmp_path))
    (tmp_path / "truth.json").write_text("{}")
    assert source_has_truth(str(tmp_path))


def test_buildcheck_fails_on_a_truth_cell_left_in_a_real_data_chapter(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    nb = notebook()
    nb.metadata["thumbnail_lab"] = {"parameters": {"source": str(folder)}}
    nbformat.write(nb, tmp_path / "05_features.ipynb")
    assert "05_features" in real_data_problems(tmp_path)[0]
    nbformat.write(keep_cells(nb, False), tmp_path / "05_features.ipynb")
    assert real_data_problems(tmp_path) == []
    nb = notebook()
    nb.metadata["thumbnail_lab"] = {"parameters": {}}          # ThumbWorld: truth cells belong
    nbformat.write(nb, tmp_path / "05_features.ipynb")
    assert real_data_problems(tmp_path) == []


def test_the_runner_drops_truth_cells_for_a_folder_without_truth(tmp_path):
    from thumbnail_lab.publish.execute import execute_one

    (tmp_path / "01_t.py").write_text('''# %% tags=["parameters"]
source = "thumbworld"

# %% [markdown] tags=["truth-only"]
# the planted effect

# %% [markdown] tags=["real-data"]
# no truth here

# %%
x = 1
''')
    mine = tmp_path / "mine"
    mine.mkdir()
    (tmp_path / "out").mkdir()
    for params, kept in (({"source": str(mine)}, "no truth here"), ({}, "the planted effect")):
        execute_one("01_t", "smoke", params, tmp_path / "out", "stamp", book_dir=tmp_path)
        nb = nbformat.read(tmp_path / "out" / "01_t.ipynb", as_version=4)
        markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
        assert markdown == [f"{kept}"]


def test_buildcheck_finds_a_reference_to_a_figure_that_was_not_drawn(tmp_path):
    nb = nbformat.v4.new_notebook()
    drawn = nbformat.v4.new_code_cell("plot()", metadata={"mystnb": {"figure": {"name": "fig-drawn"}}})
    drawn.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    skipped = nbformat.v4.new_code_cell("print('no truth')", metadata={"mystnb": {"figure": {"name": "fig-skipped"}}})
    nb.cells = [drawn, skipped, nbformat.v4.new_markdown_cell("See {numref}`fig-drawn` and {numref}`fig-skipped`.")]
    nb.metadata["thumbnail_lab"] = {"parameters": {"source": str(tmp_path)}}
    nbformat.write(nb, tmp_path / "04_popularity.ipynb")
    found = real_data_problems(tmp_path)
    assert len(found) == 1 and "fig-skipped" in found[0]
