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
