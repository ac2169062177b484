"""How many CPU threads torch uses, set for one block of work and restored afterwards.

Small convolutions gain little from a second thread, and on a busy machine (other
processes on the same cores) OpenMP's thread barriers can make a two-thread run many times
slower than a one-thread run. The training chapters therefore expose a threads parameter
and pass it here; the benchmarks measure both settings.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Callable, Iterator, ParamSpec, TypeVar

import torch

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)`` (``None`` or 0 leaves the setting alone)."""
    if not n:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def threaded(fn: Callable[P, R]) -> Callable[..., R]:
    """Give ``fn`` a keyword-only ``threads`` argument that runs it under :func:`torch_threads`."""

    @functools.wraps(fn)
    def wrapper(*args, threads: int | None = None, **kwargs):
        with torch_threads(threads):
            return fn(*args, **kwargs)

    return wrapper
