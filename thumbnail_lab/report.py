"""Putting numbers from the run into the prose.

``glue_value`` stores a value in the executed notebook (MyST-NB ``glue``) so that the
markdown cites it as ``{glue:text}`name:.2f``` and the book never types a number by hand.
"""
from __future__ import annotations

from typing import Any

import pandas as pd


def glue_value(name: str, value: Any) -> Any:
    """Record ``value`` under ``name`` for ``{glue:text}`` in the prose; returns it unchanged."""
    from myst_nb import glue

    if hasattr(value, "item"):  # NumPy scalar -> Python scalar, so format specs work
        value = value.item()
    glue(name, value, display=False)
    return value


def glue_table(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Record a table under ``name`` for ``{glue:}`` and return it."""
    from myst_nb import glue

    glue(name, table, display=False)
    return table
