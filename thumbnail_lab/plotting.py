"""The book's one figure style, and the one way figures are saved and shown.

A chapter builds a figure with matplotlib/seaborn and hands it to ``save_fig``. The
figure is written under the chapter's artifacts (PNG, for reuse outside the book) and
displayed once in the notebook, where the cell's ``mystnb.figure`` metadata (caption and
name) turns it into a numbered figure that the text cites with ``{numref}``.
"""
from __future__ import annotations

import functools
import unicodedata
import warnings
from pathlib import Path
from typing import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from .paths import chapter_dir

#: Width of a full-width figure in the book's HTML column, in inches at ``DPI``.
FULL_WIDTH = 9.0
DPI = 110

_STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "figure.figsize": (FULL_WIDTH, 4.0),
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "image.interpolation": "nearest",
}


def use_book_style() -> None:
    """Apply the book's figure style (called by a chapter, never on import)."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=0.9)
    matplotlib.rcParams.update(_STYLE)


def figure_path(name: str, chapter: str) -> Path:
    """Where ``save_fig`` writes the PNG of figure ``name`` of ``chapter``."""
    path = chapter_dir(chapter) / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class MissingGlyphError(ValueError):
    """A figure draws a character its font has no glyph for (it would show as an empty box)."""


@functools.lru_cache(maxsize=4)
def _font_chars(family: str) -> frozenset[int]:
    """Code points the font matplotlib picks for ``family`` can draw."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(findfont(FontProperties(family=[family]))).get_charmap())


def displayable(text: str) -> str:
    """``text`` with every character the figure font lacks (emoji, CJK) replaced by its Unicode name, never a box."""
    chars = _font_chars(str(matplotlib.rcParams["font.family"][0]))
    return "".join(c if ord(c) in chars or c.isspace() else f"[{unicodedata.name(c, hex(ord(c))).lower()}]"
                   for c in text)


def save_fig(fig: plt.Figure, name: str, chapter: str, show: bool = True) -> None:
    """Save ``fig`` as ``<artifacts>/chapters/<chapter>/figures/<name>.png`` and display it once.

    Returns nothing, so that the cell has exactly one output for its ``mystnb.figure``
    metadata to number (see ``figure_path`` for where the PNG is). A character the font cannot draw
    stops it with ``MissingGlyphError`` instead of saving a figure with an empty box in it.
    """
    path = figure_path(name, chapter)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from", category=UserWarning)
        try:
            fig.savefig(path)
        except UserWarning as err:
            plt.close(fig)
            raise MissingGlyphError(f"figure {name!r} of chapter {chapter} draws a character its font lacks ({err}): "
                                    "pass its text through thumbnail_lab.plotting.displayable") from None
    if show:
        try:
            from IPython.display import Image, display
        except ImportError:  # outside IPython there is nothing to show
            pass
        else:
            # Show the saved PNG itself: the book then shows exactly the file, whatever backend is active.
            display(Image(filename=str(path)))
    plt.close(fig)


def image_grid(images: np.ndarray | Sequence[np.ndarray], ncols: int = 8,
               titles: Sequence[str] | None = None, width: float = FULL_WIDTH,
               suptitle: str | None = None) -> plt.Figure:
    """Lay out uint8 or [0, 1] float images (N, H, W, 3) in a grid, with optional titles."""
    images = list(images)
    nrows = max(1, int(np.ceil(len(images) / ncols)))
    h, w = np.asarray(images[0]).shape[:2]
    cell_w = width / ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, nrows * cell_w * h / w * (1.25 if titles else 1.05)),
                             squeeze=False, constrained_layout=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(np.asarray(images[i]), interpolation="antialiased")
            if titles is not None:
                ax.set_title(displayable(titles[i]), fontsize=7, pad=2)
    fig.subplots_adjust(left=0.005, right=0.995, bottom=0.005, top=0.93 if suptitle else 0.995,
                        wspace=0.04, hspace=0.25 if titles else 0.04)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig
