"""Progress bars that read well in a terminal and in the static HTML book.

In a terminal this is plain tqdm. Inside a notebook kernel (papermill, Jupyter) tqdm's
carriage-return redraws would be stored as one long stream of overwritten lines, and
``tqdm.auto`` would store a widget that the static book cannot render. There the bar is
printed as a handful of complete lines instead: one every ``min_seconds`` and the last.
"""
from __future__ import annotations

import sys
from typing import Iterable, Iterator, TypeVar

from tqdm.std import tqdm

T = TypeVar("T")


def _in_kernel() -> bool:
    """True inside an IPython kernel (notebook, papermill), False in a terminal or script."""
    return "ipykernel" in sys.modules and not sys.stdout.isatty()


class _LineStream:
    """A file-like object that turns tqdm's in-place redraws into separate lines."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.last = ""

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text and text != self.last:
            self.stream.write(text + "\n")
            self.last = text

    def flush(self) -> None:
        self.stream.flush()


def progress(iterable: Iterable[T] | None = None, *, desc: str = "", total: int | None = None,
             min_seconds: float = 15.0, disable: bool = False, **kwargs) -> Iterator[T] | tqdm:
    """Wrap ``iterable`` in a progress bar suited to where the code runs.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; omit it and call ``update`` yourself.
    desc : str
        Label shown before the bar.
    total : int, optional
        Number of steps when ``iterable`` has no length.
    min_seconds : float
        In a notebook, the least time between two printed lines.
    disable : bool
        Show nothing.
    """
    if _in_kernel():
        kwargs.setdefault("file", _LineStream())
        kwargs.setdefault("mininterval", min_seconds)
        kwargs.setdefault("maxinterval", max(min_seconds, 10.0))
        kwargs.setdefault("ncols", 90)
        kwargs.setdefault("ascii", " ▏▎▍▌▋▊▉█")
    kwargs.setdefault("dynamic_ncols", False)
    return tqdm(iterable, desc=desc, total=total, disable=disable, **kwargs)
