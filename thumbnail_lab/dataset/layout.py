"""The dataset layout every chapter reads, and a CSV reader that names the row of every problem.

A dataset is a folder holding ``metadata.csv`` and ``images/<video_id>.jpg``: the Hugging
Face ``imagefolder`` layout, where ``file_name`` is the image path relative to the CSV.
The reader here turns bytes into rows of text; it never guesses: a file that is not
UTF-8, a header with missing, repeated or unknown columns, or a row with the wrong number
of fields, an oversized field or a NUL byte is reported with the file and the row.

Row numbers follow a spreadsheet's view of the CSV: the header is row 1, the first data
row is row 2. ``line`` is the physical line where the row starts (they differ when a
quoted title holds a newline).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

METADATA_FILE = "metadata.csv"
IMAGES_DIR = "images"
TRUTH_FILE = "truth.json"
REJECTIONS_FILE = "rejections.csv"

#: Columns every dataset must have, in the order the writers use.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "file_name", "video_id", "channel_id", "title", "views", "upload_date", "duration_s",
)
#: Columns a dataset may have (besides ``true_*`` truth columns from a simulator).
OPTIONAL_COLUMNS: tuple[str, ...] = ("channel_subscribers", "collected_at")
#: Prefix of ground-truth columns (ThumbWorld writes them; real data has none).
TRUTH_PREFIX = "true_"

#: The longest text a field may hold; a YouTube title has at most 100 characters.
MAX_FIELD_CHARS = 5_000
#: A video id names the image file, so it may only use characters safe in any file name.
VIDEO_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

#: Columns of every rejections table (CSV reader, validator, importer, collector).
REJECTION_COLUMNS: tuple[str, ...] = ("file", "row", "line", "column", "value", "reason")


class DatasetError(ValueError):
    """A dataset cannot be read at all (the message names the file, and the row if there is one)."""

    def _render_traceback_(self) -> list[str]:  # IPython shows only this sentence
        return [f"DatasetError: {self}"]


@dataclass
class Rejection:
    """One row (or file) refused, and why."""

    file: str
    row: int | None
    line: int | None
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        """Plain dict in ``REJECTION_COLUMNS`` order."""
        return {k: getattr(self, k) for k in REJECTION_COLUMNS}


def short(value: object, limit: int = 60) -> str:
    """A printable, shortened ``repr``-like view of a bad value for reports."""
    text = str(value)
    text = text.replace("\x00", "\\x00").replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + f"... ({len(str(value)):,} chars)"


def rejections_frame(rejections: Iterable[Rejection]) -> pd.DataFrame:
    """A rejections table with the standard columns (empty but typed when there are none)."""
    frame = pd.DataFrame([r.as_dict() for r in rejections], columns=list(REJECTION_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    frame["line"] = frame["line"].astype("Int64")
    return frame


def is_known_column(name: str) -> bool:
    """True for a required, optional or ``true_*`` column."""
    return name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS or (
        name.startswith(TRUTH_PREFIX) and len(name) > len(TRUTH_PREFIX))


@dataclass
class RawTable:
    """A CSV read as text: the header, the good rows and the rows refused while reading."""

    path: Path
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """The good rows as a DataFrame of strings, with ``_row`` and ``_line`` columns."""
        frame = pd.DataFrame(self.rows, columns=self.header, dtype=object)
        frame["_row"] = pd.Series(self.row_numbers, dtype="int64")
        frame["_line"] = pd.Series(self.line_numbers, dtype="int64")
        return frame


def format_csv(header: Iterable[str], rows: Iterable[Iterable[object]], newline: str = "\n") -> str:
    """CSV text with every field that needs it quoted, including fields holding a lone ``\r``.

    Python's ``csv.writer`` only quotes the characters of its own line terminator, so with
    ``"\n"`` it writes a title containing ``"\r"`` unquoted, and every reader then splits
    the row there. This writer quotes a field containing ``,``, ``"``, ``\r`` or ``\n``.
    """
    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        if any(ch in text for ch in ',"\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [",".join(cell(v) for v in header)]
    lines += [",".join(cell(v) for v in row) for row in rows]
    return newline.join(lines) + newline


def decode_csv_bytes(data: bytes, path: Path) -> str:
    """Decode CSV bytes as UTF-8 (a leading BOM is accepted and removed)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DatasetError(f"{path}: the file is UTF-16; save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DatasetError(f"{path}: line {line} is not valid UTF-8 (byte 0x{data[err.start]:02x} at "
                           f"offset {err.start}); save the file as UTF-8") from None


def read_csv_rows(path: str | Path, extra_columns: str = "error",
                  required: Iterable[str] = REQUIRED_COLUMNS) -> RawTable:
    """Read a metadata CSV into text rows, refusing bad rows with a recorded reason.

    Parameters
    ----------
    path : path
        The CSV file (UTF-8, optional BOM, any mix of ``\\n``, ``\\r\\n`` and ``\\r`` newlines).
    extra_columns : {"error", "keep", "drop"}
        What to do with a column that is neither required, optional nor ``true_*``.
    required : iterable of str
        Columns that must be present.

    Returns
    -------
    RawTable
        Rows whose field count matches the header and whose fields hold no NUL byte and
        no more than ``MAX_FIELD_CHARS`` characters; every other row is in ``rejections``.

    Raises
    ------
    DatasetError
        The file is missing, not UTF-8, has no header, or has missing/duplicate/unknown columns.
    """
    path = Path(path)
    if extra_columns not in ("error", "keep", "drop"):
        raise ValueError(f"extra_columns must be 'error', 'keep' or 'drop', got {extra_columns!r}")
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    text = decode_csv_bytes(path.read_bytes(), path)
    old_limit = csv.field_size_limit()
    # A field can never be longer than the file, so this limit never cuts a row in half;
    # the real (much smaller) limit is applied per row below, where the row can be named.
    csv.field_size_limit(max(old_limit, len(text) + 1))
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = _read_header(reader, path, extra_columns, tuple(required))
        return _read_body(reader, path, header, extra_columns)
    except csv.Error as err:
        raise DatasetError(f"{path}: line {reader.line_num}: cannot parse CSV ({err})") from None
    finally:
        csv.field_size_limit(old_limit)


def _read_header(reader, path: Path, extra_columns: str, required: tuple[str, ...]) -> list[str]:
    """The header row, checked for missing, repeated and unknown column names."""
    header = None
    for record in reader:
        if record and any(cell.strip() for cell in record):
            header = [cell.strip() for cell in record]
            break
    if header is None:
        raise DatasetError(f"{path}: the file is empty (no header row)")
    if any("\x00" in name for name in header):
        raise DatasetError(f"{path}: row 1 (header) contains a NUL byte")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DatasetError(f"{path}: row 1 (header) repeats column(s) {', '.join(map(repr, repeated))}")
    missing = [name for name in required if name not in header]
    if missing:
        raise DatasetError(f"{path}: row 1 (header) lacks required column(s) {', '.join(map(repr, missing))}; "
                           f"found {', '.join(map(repr, header))}")
    unknown = [name for name in header if not is_known_column(name) and name not in required]
    if unknown and extra_columns == "error":
        raise DatasetError(
            f"{path}: row 1 (header) has unknown column(s) {', '.join(map(repr, unknown))}; the layout "
            f"knows {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)} and true_* columns "
            f"(keep or drop extra columns with extra_columns='keep'/'drop', or --extra-columns on the command line)")
    return header


def _read_body(reader, path: Path, header: list[str], extra_columns: str) -> RawTable:
    """Every data row after the header, good ones kept and bad ones recorded."""
    keep = [i for i, name in enumerate(header) if extra_columns != "drop" or is_known_column(name)]
    table = RawTable(path=path, header=[header[i] for i in keep])
    row = 1
    line_start = reader.line_num + 1
    for record in reader:
        line_now, line_start = line_start, reader.line_num + 1
        row += 1  # a blank line still counts, as in a spreadsheet, so row numbers match what users see
        if not record:  # ... but it is not data
            continue
        problem = _row_problem(record, header)
        if problem:
            column, value, reason = problem
            table.rejections.append(Rejection(str(path), row, line_now, column, short(value), reason))
            continue
        table.rows.append([record[i] for i in keep])
        table.row_numbers.append(row)
        table.line_numbers.append(line_now)
    return table


def _row_problem(record: list[str], header: list[str]) -> tuple[str, str, str] | None:
    """(column, value, reason) for a row that cannot be used as text, or None."""
    if len(record) != len(header):
        return "", ",".join(record), f"the row has {len(record)} fields but the header has {len(header)}"
    for name, value in zip(header, record):
        if "\x00" in value:
            return name, value, f"{name} contains a NUL byte"
        if len(value) > MAX_FIELD_CHARS:
            return name, value, f"{name} has {len(value):,} characters (the limit is {MAX_FIELD_CHARS:,})"
    return None
