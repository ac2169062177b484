"""Check what the book build really produced, instead of trusting its exit code.

Every page in ``_toc.yml`` must exist as HTML, no page may show a Python traceback or a
papermill error, every chapter must show images, and no page may load a script or a style
sheet from the network (the book reads offline, math included). An executed chapter whose dataset has
no truth must not hold a ``truth-only`` cell (see ``truth``), and no chapter may refer to a figure it
did not draw.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml


def toc_pages(toc_file: Path) -> list[str]:
    """Every ``file:`` entry (plus the root) of a jb-book ``_toc.yml``."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))

    def files(entries: list[dict]) -> list[str]:
        return [page for e in entries for page in [e["file"], *files(e.get("sections", []))]]

    return [toc["root"], *(page for part in toc.get("parts", []) for page in files(part.get("chapters", [])))]


#: A ``<script src=...>`` or ``<link href=...>`` that points off this machine.
REMOTE_ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)=["'](?:https?:)?//""")


def problems(html_dir: Path, toc_file: Path) -> list[str]:
    """What is wrong with the built book, one sentence each (empty when it is fine)."""
    found = []
    if not (html_dir / "index.html").exists():
        found.append(f"{html_dir}/index.html is missing")
    for page in toc_pages(toc_file):
        html = html_dir / f"{page}.html"
        if not html.exists():
            found.append(f"page {page} was not built ({html} is missing)")
            continue
        text = html.read_text(encoding="utf-8")
        if re.search(r"Traceback \(most recent call last\)|PapermillExecutionError|ParameterError:", text):
            found.append(f"page {page} shows an error from its execution")
        if re.search(r"/\d\d[a-z]?_[a-z]", page) and "<img" not in text:
            found.append(f"chapter {page} has no figure")
        if REMOTE_ASSET.search(text):
            found.append(f"page {page} loads a script or style sheet from the network: "
                         f"{REMOTE_ASSET.search(text).group(0)}...")
    return found


def missing_figures(notebook) -> list[str]:
    """Figure names the notebook's prose refers to (``{numref}``) that none of its cells drew."""
    drawn = {c.metadata.get("mystnb", {}).get("figure", {}).get("name") for c in notebook.cells
             if c.cell_type == "code" and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))}
    prose = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    return sorted(set(re.findall(r"\{numref\}`(fig-[^`<]+)`", prose)) - drawn)


def real_data_problems(notebook_dir: Path) -> list[str]:
    """Executed chapters on data without a truth that still hold a ``truth-only`` cell, one sentence each."""
    import nbformat

    from .truth import source_has_truth, truth_cells_left

    found = []
    for path in sorted(notebook_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        source = str(nb.metadata.get("thumbnail_lab", {}).get("parameters", {}).get("source", "thumbworld"))
        left = truth_cells_left(nb)
        if left and not source_has_truth(source):
            found.append(f"chapter {path.stem} analyses {source}, which has no truth, but shows {left} truth-only cell(s): "
                         "re-execute it with the runner (make execute), which drops them")
        for name in missing_figures(nb):
            found.append(f"chapter {path.stem} refers to figure {name}, which it did not draw on {source}: tag the "
                         "sentence truth-only, or draw what this data allows")
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m thumbnail_lab.publish.buildcheck _build/html``: exit 1 and list the problems, if any."""
    argv = sys.argv[1:] if argv is None else argv
    html_dir = Path(argv[0] if argv else "_build/html")
    toc_file = Path(argv[1]) if len(argv) > 1 else html_dir.parent.parent / "_toc.yml"
    found = problems(html_dir, toc_file) + real_data_problems(toc_file.parent / "book")
    for line in found:
        print(f"[buildcheck] {line}", file=sys.stderr)
    if not found:
        print(f"[buildcheck] {html_dir}: every page of {toc_file.name} built, with figures and no errors")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
