"""``import``: any folder of images plus a CSV becomes a validated dataset in the layout.

The importer reads the source and never writes into it. It checks every row and image
(see ``validate``), copies good JPEGs byte for byte, re-encodes everything else (PNG or
WebP content, CMYK, greyscale, palette, alpha) as RGB JPEG and records each conversion,
and writes ``images/<video_id>.jpg`` (named from the video id, never the title) with a
``metadata.csv`` whose ``file_name`` points at them. Refused rows go to ``rejections.csv``
beside it, with file, row and reason. The new dataset is assembled in a hidden sibling
folder and renamed into place at the end, so an interrupted import leaves no
half-written dataset, and an existing dataset is never changed unless ``overwrite=True``.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..atomic import write_bytes, write_json, write_text
from ..paths import data_root
from ..progress import progress
from .images import ImageProblem, inspect_image, jpeg_bytes
from .layout import (IMAGES_DIR, METADATA_FILE, REJECTIONS_FILE, REQUIRED_COLUMNS, DatasetError, Rejection,
                     format_csv, read_csv_rows, rejections_frame, short)
from .validate import ValueProblem, parse_table, resolve_inside

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
REPORT_FILE = "import_report.json"
#: Columns whose text the importer trims of surrounding spaces (titles are kept exactly).
_TRIMMED = ("video_id", "channel_id", "views", "upload_date", "duration_s", "channel_subscribers", "collected_at")


@dataclass
class ImportResult:
    """What an import produced."""

    dest: Path
    imported: int
    rejections: pd.DataFrame  # file, row, line, column, value, reason
    notes: pd.DataFrame       # file, row, note: conversions applied to the copy

    def summary(self) -> str:
        """One line for the command line."""
        return (f"imported {self.imported:,} rows into {self.dest}; {len(self.rejections):,} rejected "
                f"(see {self.dest / REJECTIONS_FILE}); {len(self.notes):,} images converted")


def find_csv(source: Path) -> Path:
    """The metadata CSV of a source folder: ``metadata.csv``, else the only ``*.csv`` in it."""
    if (source / METADATA_FILE).is_file():
        return source / METADATA_FILE
    candidates = sorted(p for p in source.glob("*.csv") if p.is_file())
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise DatasetError(f"{source}: no CSV found; pass the metadata file with --csv")
    raise DatasetError(f"{source}: several CSV files ({', '.join(p.name for p in candidates)}); choose one with --csv")


def find_image_for(source: Path, video_id: str) -> str:
    """The path (relative to ``source``) of ``<video_id>.<ext>`` in ``source/images`` or ``source``."""
    for folder in (source / IMAGES_DIR, source):
        for suffix in IMAGE_SUFFIXES:
            for candidate in (folder / f"{video_id}{suffix}", folder / f"{video_id}{suffix.upper()}"):
                if candidate.is_file():
                    return candidate.relative_to(source).as_posix()
    raise ValueProblem(f"no image named {video_id}.jpg/.png/.webp/... in {source / IMAGES_DIR} or {source}")


def default_dest(source: Path, name: str | None) -> Path:
    """``data_root()/<name>``, the name defaulting to the source folder's."""
    name = name or source.name
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise DatasetError(f"dataset name {name!r} is not a plain folder name")
    return data_root() / name


def import_dataset(source: str | os.PathLike, dest: str | os.PathLike | None = None, *,
                   csv_path: str | os.PathLike | None = None, name: str | None = None,
                   extra_columns: str = "error", overwrite: bool = False, show_progress: bool = True) -> ImportResult:
    """Validate ``source`` (a folder of images + a CSV) into a new dataset folder in the layout.

    Parameters
    ----------
    source : path
        Folder holding the images (and, by default, the CSV). ``file_name`` values are
        resolved inside it; without a ``file_name`` column, images are found as
        ``images/<video_id>.<ext>`` or ``<video_id>.<ext>``.
    dest : path, optional
        The dataset folder to create (default ``data_root()/<name>``).
    csv_path : path, optional
        The metadata CSV (default ``source/metadata.csv`` or the folder's only CSV).
    name : str, optional
        Dataset name when ``dest`` is not given (default: the source folder's name).
    extra_columns : {"error", "keep", "drop"}
        What to do with columns outside the layout.
    overwrite : bool
        Replace an existing dataset at ``dest`` (atomically, after the new one is complete).
    show_progress : bool
        Show a progress bar.

    Returns
    -------
    ImportResult

    Raises
    ------
    DatasetError
        Unreadable CSV, missing columns, ``dest`` exists, or no row is valid.
    """
    source = Path(source).expanduser().resolve()
    if not source.is_dir():
        raise DatasetError(f"{source}: no such folder")
    csv_file = Path(csv_path).expanduser().resolve() if csv_path else find_csv(source)
    dest = Path(dest).expanduser().resolve() if dest else default_dest(source, name)
    if dest == source or source.is_relative_to(dest):
        raise DatasetError(f"{dest}: the destination may not be the source folder or contain it")
    if dest.exists() and any(dest.iterdir()) and not overwrite:
        raise DatasetError(f"{dest} already exists; choose another --name/--dest or pass --overwrite")

    raw = read_csv_rows(csv_file, extra_columns=extra_columns,
                        required=[c for c in REQUIRED_COLUMNS if c != "file_name"])
    has_file_name = "file_name" in raw.header
    text_rows = raw.frame()
    frame, rejections = parse_table(raw)
    staging = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / IMAGES_DIR).mkdir(parents=True)
    try:
        kept, notes = _copy_images(frame, source, csv_file, staging, has_file_name, rejections, show_progress)
        if not kept:
            table = rejections_frame(rejections)
            first = f"; first: row {table['row'].iat[0]}: {table['reason'].iat[0]}" if len(table) else ""
            raise DatasetError(f"{csv_file}: no valid rows to import ({len(table):,} rejected{first})")
        table = rejections_frame(rejections).sort_values(["row", "column"], kind="stable").reset_index(drop=True)
        notes_frame = pd.DataFrame(notes, columns=["file", "row", "note"])
        write_text(staging / METADATA_FILE, _metadata_csv(text_rows, kept, raw.header))
        write_text(staging / REJECTIONS_FILE, table.to_csv(index=False, lineterminator="\n"))
        write_json(staging / REPORT_FILE, {"source": str(source), "csv": str(csv_file), "imported": len(kept),
                                           "rejected": len(table), "notes": notes})
        _commit(staging, dest, overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ImportResult(dest=dest, imported=len(kept), rejections=table, notes=notes_frame)


def _copy_images(frame: pd.DataFrame, source: Path, csv_file: Path, staging: Path, has_file_name: bool,
                 rejections: list[Rejection], show_progress: bool) -> tuple[dict[int, str], list[dict]]:
    """Check and copy each row's image; returns {csv row: new file_name} and the conversion notes."""
    kept: dict[int, str] = {}
    notes: list[dict] = []
    for i in progress(range(len(frame)), desc="importing images", disable=not show_progress or len(frame) < 200):
        row, line, vid = int(frame["_row"].iat[i]), int(frame["_line"].iat[i]), frame["video_id"].iat[i]
        column, value = "file_name", ""
        try:
            value = frame["file_name"].iat[i] if has_file_name else find_image_for(source, vid)
            path = resolve_inside(source, value)
            column = "image"
            data = path.read_bytes()
            facts, rgb = inspect_image(data, path.name)
        except (ValueProblem, ImageProblem, OSError) as err:
            reason = str(err) if column == "file_name" else f"image {short(value)!r}: {err}"
            rejections.append(Rejection(str(csv_file if column == "file_name" else source / value), row, line,
                                        column, short(value), reason))
            continue
        new_name = f"{IMAGES_DIR}/{vid}.jpg"
        if facts.needs_reencode:
            data = jpeg_bytes(rgb)
            notes += [{"file": new_name, "row": row, "note": note} for note in facts.notes or
                      [f"{facts.format} {facts.mode} re-encoded as RGB JPEG"]]
        write_bytes(staging / new_name, data)
        kept[row] = new_name
    return kept, notes


def _metadata_csv(text_rows: pd.DataFrame, kept: dict[int, str], header: list[str]) -> str:
    """The new metadata.csv: the source's text for kept rows, ``file_name`` first and rewritten."""
    columns = ["file_name"] + [c for c in header if c != "file_name"]
    rows = text_rows[text_rows["_row"].isin(kept)].copy()
    rows["file_name"] = rows["_row"].map(kept)
    for column in _TRIMMED:
        if column in rows.columns:
            rows[column] = rows[column].str.strip()
    return format_csv(columns, rows[columns].itertuples(index=False, name=None))


def _commit(staging: Path, dest: Path, overwrite: bool) -> None:
    """Move the finished dataset into place; an old one is removed only after the swap."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        if not overwrite and any(dest.iterdir()):
            raise DatasetError(f"{dest} appeared while importing; nothing was changed")
        old = dest.parent / f".{dest.name}.old-{os.getpid()}"
        os.rename(dest, old)
        os.rename(staging, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, dest)
