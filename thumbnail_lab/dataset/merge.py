"""Adding collected videos to an existing dataset by video id, keeping every earlier row.

``collect`` into a folder that already holds a ``metadata.csv`` (from an import, an earlier
collection or your own hands) never drops a row of it. The merged file is:

1. every row of the existing file that the collector did not write itself, in its order and
   with its text exactly as it was (extra and ``true_*`` columns included);
2. then every video of the collector's journal, sorted by video id (so a collection split
   over several runs gives the same file as one run).

A row counts as the collector's own when its values equal the journal's record of that
video. A journal video whose row in the existing file says something else (you corrected a
title, say) is a *conflict*: the existing row is kept and the conflict is reported, never
silently replaced. The file is replaced atomically, so a reader sees the old or the new one.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .layout import DatasetError, RawTable, read_csv_rows


@dataclass
class Conflict:
    """A video whose existing row differs from what the collector recorded for it."""

    video_id: str
    row: int                 # the existing row (spreadsheet numbering)
    columns: list[str]       # the columns that differ
    kept: dict[str, str]     # their values in the existing (kept) row
    collected: dict[str, str]  # their values as collected

    def describe(self) -> str:
        """One sentence for reports."""
        diffs = "; ".join(f"{c} {self.kept[c]!r} kept, {self.collected[c]!r} collected" for c in self.columns)
        return (f"video_id {self.video_id}: row {self.row} of the dataset differs from the collected record "
                f"({diffs}); the dataset's row was kept: delete that row to take the collected one")


def read_existing(path: Path) -> RawTable | None:
    """The rows of an existing ``metadata.csv`` as text, or None; refuses a file that cannot be kept whole."""
    if not path.exists():
        return None
    try:
        table = read_csv_rows(path, extra_columns="keep")
    except DatasetError as err:
        raise DatasetError(f"cannot add videos to the dataset: {err} (nothing was changed or downloaded)") from None
    if table.rejections:
        first = table.rejections[0]
        raise DatasetError(f"{path}: row {first.row} cannot be read ({first.reason}), so rewriting the file would "
                           f"lose it; fix or delete that row, then run collect again (nothing was changed)")
    return table


def render(record: dict, header: Iterable[str]) -> list[str]:
    """A journal record as the text fields of a row with ``header`` (missing columns blank)."""
    return ["" if record.get(column) is None else str(record.get(column)) for column in header]


def merge(existing: RawTable | None, records: dict[str, dict], columns: Iterable[str]
          ) -> tuple[list[str], list[list[str]], list[Conflict]]:
    """The merged (header, rows, conflicts); see the module docstring for the rule."""
    columns = list(columns)
    header = list(existing.header) if existing is not None else list(columns)
    header += [c for c in columns if c not in header]
    kept: list[list[str]] = []
    conflicts: list[Conflict] = []
    if existing is not None:
        for values, row in zip(existing.rows, existing.row_numbers):
            text = dict(zip(existing.header, values))
            full = [text.get(column, "") for column in header]
            vid = text.get("video_id", "")
            if vid in records:
                collected = render(records[vid], header)
                if full == collected:
                    continue  # the collector's own row: written with the others, in id order
                differ = [c for c, a, b in zip(header, full, collected) if a != b]
                conflicts.append(Conflict(vid, row, differ, {c: text.get(c, "") for c in differ},
                                          dict(zip(header, collected))))
            kept.append(full)
    conflicting = {c.video_id for c in conflicts}
    new = [render(records[vid], header) for vid in sorted(records) if vid not in conflicting]
    return header, kept + new, conflicts


__all__ = ["Conflict", "read_existing", "render", "merge"]
