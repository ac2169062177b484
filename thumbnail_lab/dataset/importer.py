"""``import``: any folder of images plus a CSV becomes a validated dataset in the layout.

The importer reads the source and never writes into it. It checks every row and image
(see ``validate``), copies good JPEGs byte for byte, re-encodes everything else (PNG or
WebP content, CMYK, greyscale, palette, alpha) as RGB JPEG and records each conversion,
and writes ``images/<video_id>.jpg`` (named from the video id, never the title) with a
``metadata.csv`` whose ``file_name`` points at them. Refused rows go to ``rejections.csv``
beside it, with file, row and reason. The new dataset is assembled in a hidden sibling
folder and renamed into place at the end (see ``destination``), so an interrupted import
leaves no half-written dataset and is not resumed: running it again starts over, after
removing what a killed run left behind. An existing dataset is never changed unless
``overwrite=True``, and even then only a folder that is a dataset is replaced.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..atomic import write_bytes, write_json, write_text
from ..paths import data_root
from ..progress import progress
from .destination import check_destination, check_replaceable, commit, staging_folder
from .identifiers import file_identity, image_name, regular_file_problem, resolve_inside
from .images import ImageProblem, inspect_image, jpeg_bytes, read_image_file
from .layout import (
    IMAGES_DIR,
    METADATA_FILE,
    REJECTIONS_FILE,
    REQUIRED_COLUMNS,
    DatasetError,
    DatasetSystemError,
    Rejection,
    ValueProblem,
    format_csv,
    read_csv_rows,
    rejections_csv,
    rejections_frame,
    short,
    system_error,
)
from .validate import parse_table

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
    cleaned: list[str] = field(default_factory=list)  # leftovers of killed runs removed first

    def summary(self) -> str:
        """One line for the command line (and one per leftover of a killed run that was removed)."""
        lines = [f"note: {item}" for item in self.cleaned]
        lines.append(f"imported {self.imported:,} rows into {self.dest}; {len(self.rejections):,} rejected "
                     f"(see {self.dest / REJECTIONS_FILE}); {len(self.notes):,} image notes "
                     f"(conversions, see {self.dest / REPORT_FILE})")
        return "\n".join(lines)


def find_csv(source: Path) -> Path:
    """The metadata CSV of a source folder: ``metadata.csv``, else the only ``*.csv`` in it."""
    if os.path.lexists(source / METADATA_FILE):
        return source / METADATA_FILE  # the reader names what is wrong with it (a FIFO, a folder...)
    candidates = sorted(p for p in source.glob("*.csv") if not p.is_dir())
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
                if os.path.lexists(candidate):  # resolve_inside then says what is wrong with it, if anything
                    return candidate.relative_to(source).as_posix()
    raise ValueProblem(f"no image named {video_id}.jpg/.png/.webp/... in {source / IMAGES_DIR} or {source}")


def default_dest(source: Path, name: str | None) -> Path:
    """``data_root()/<name>``, the name defaulting to the source folder's."""
    name = name or source.name
    if not name or name in (".", "..") or "/" in name or "\\" in name or name.startswith("."):
        raise DatasetError(f"dataset name {name!r} is not a plain folder name; choose another --name")
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
        Bad input: unreadable CSV, missing columns, a destination that exists (or, with
        ``overwrite``, is not a dataset), is a file or lies inside the source, or no valid row.
    DatasetSystemError
        The destination cannot be written (disk full, permission denied, read-only).
    """
    source = Path(source).expanduser().resolve()
    if not source.is_dir():
        problem = regular_file_problem(source)
        raise DatasetError(f"{source}: no such folder; give the folder that holds the images and the CSV"
                           if problem == "no such file" else
                           f"{source}: is a file, not a folder; give the folder that holds the images (and the CSV "
                           f"with --csv)")
    csv_file = Path(csv_path).expanduser().resolve() if csv_path else find_csv(source)
    dest = Path(dest).expanduser().resolve() if dest else default_dest(source, name)
    check_destination(source, dest)
    if dest.exists() and any(dest.iterdir()):
        if not overwrite:
            raise DatasetError(f"{dest} already exists; choose another --name/--dest or pass --overwrite")
        check_replaceable(dest)

    raw = read_csv_rows(csv_file, extra_columns=extra_columns,
                        required=[c for c in REQUIRED_COLUMNS if c != "file_name"])
    has_file_name = "file_name" in raw.header
    text_rows = raw.frame()
    frame, rejections = parse_table(raw)
    advice = (f"nothing was changed at {dest}; free some space or choose a --dest you can write to, then run the "
              f"same command again (the import starts over)")
    try:
        with staging_folder(dest) as staging:
            (staging.path / IMAGES_DIR).mkdir()
            kept, notes = _copy_images(frame, source, csv_file, staging.path, has_file_name, rejections,
                                       show_progress)
            if not kept:
                table = rejections_frame(rejections)
                first = f"; first: row {table['row'].iat[0]}: {table['reason'].iat[0]}" if len(table) else ""
                raise DatasetError(f"{csv_file}: no valid rows to import ({len(table):,} rejected{first}); fix the "
                                   f"rows and run again")
            table = rejections_frame(rejections).sort_values(["row", "column"], kind="stable").reset_index(drop=True)
            notes_frame = pd.DataFrame(notes, columns=["file", "row", "note"])
            write_text(staging.path / METADATA_FILE, _metadata_csv(text_rows, kept, raw.header))
            write_text(staging.path / REJECTIONS_FILE, rejections_csv(table))
            write_json(staging.path / REPORT_FILE, {"source": str(source), "csv": str(csv_file),
                                                    "imported": len(kept), "rejected": len(table), "notes": notes})
            commit(staging.path, dest, overwrite)
    except (DatasetError, DatasetSystemError):
        raise
    except OSError as err:
        raise system_error(err, dest, advice) from None
    return ImportResult(dest=dest, imported=len(kept), rejections=table, notes=notes_frame, cleaned=staging.cleaned)


def _copy_images(frame: pd.DataFrame, source: Path, csv_file: Path, staging: Path, has_file_name: bool,
                 rejections: list[Rejection], show_progress: bool) -> tuple[dict[int, str], list[dict]]:
    """Check and copy each row's image; returns {csv row: new file_name} and the conversion notes."""
    kept: dict[int, str] = {}
    notes: list[dict] = []
    first_row_of_file: dict[tuple[int, int], tuple[int, str]] = {}
    for i in progress(range(len(frame)), desc="importing images", disable=not show_progress or len(frame) < 200):
        row, line, vid = int(frame["_row"].iat[i]), int(frame["_line"].iat[i]), frame["video_id"].iat[i]
        column, value = "file_name", ""
        try:
            value = frame["file_name"].iat[i] if has_file_name else find_image_for(source, vid)
            path = resolve_inside(source, value)
            identity = file_identity(path)
            if identity in first_row_of_file:  # one file, spelled another way (./a.jpg, a//b.jpg, a link)
                first_row, first_name = first_row_of_file[identity]
                raise ValueProblem(f"file_name {short(value)!r} is the same file as row {first_row}'s "
                                   f"{short(first_name)!r}; two videos cannot share one image file")
            column = "image"
            data = read_image_file(path)
            facts, rgb = inspect_image(data, path.name)
        except (ValueProblem, ImageProblem, OSError) as err:
            text = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            reason = text if column == "file_name" else f"image {short(value)!r}: {text}"
            rejections.append(Rejection(short(str(csv_file if column == "file_name" else source / value), 300),
                                        row, line, column, short(value), reason))
            continue
        first_row_of_file[identity] = (row, value)
        new_name = image_name(vid)
        if facts.needs_reencode:
            data = jpeg_bytes(rgb)
            notes += [{"file": new_name, "row": row, "note": note} for note in facts.notes or
                      [f"{facts.format} {facts.mode} re-encoded as RGB JPEG"]]
        else:  # copied byte for byte; still say what a reader of the file will see (e.g. EXIF orientation)
            notes += [{"file": new_name, "row": row, "note": f"{note}; the file is copied unchanged"}
                      for note in facts.notes]
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
