"""The dataset layout every chapter reads, and a CSV reader that names the row of every problem.

A dataset is a folder holding ``metadata.csv`` and ``images/<video_id>.jpg``: the Hugging
Face ``imagefolder`` layout, where ``file_name`` is the image path relative to the CSV.
The reader here turns bytes into rows of text; it never guesses: a file that is not
UTF-8, a header with missing, repeated or unknown columns, or a row with the wrong number
of fields, an oversized field or a NUL byte is reported with the file and the row.

Row numbers follow a spreadsheet's view of the CSV: the header is row 1, the first data
row is row 2 (blank lines count as rows, also before the header). ``line`` is the physical
line where the row starts (they differ when a quoted title holds a newline).

Formula-safe text: a spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or
a tab or carriage return) as a formula. Every CSV the package writes therefore puts one
apostrophe, the spreadsheets' own "this is text" mark, in front of such a value in a text
column (``title``, ``channel_id`` and extra columns), and also in front of a value that
already begins with apostrophes followed by one of those characters. The reader removes
exactly that one apostrophe again, so every title reads back byte for byte (``escape_formula``
and ``unescape_formula`` are exact inverses). Ids, paths, numbers and dates are never touched.
"""
from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
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
#: Largest CSV read (checked before reading): about five million rows.
MAX_CSV_BYTES = 2**30
#: A video id names the image file, so it may only use characters safe in any file name
#: (match it with ``fullmatch``, or use ``identifiers.is_video_id``).
VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
#: Columns whose values are never formula-escaped (ids, paths, numbers, dates).
UNESCAPED_COLUMNS: tuple[str, ...] = ("file_name", "video_id", "views", "upload_date", "duration_s",
                                      "channel_subscribers", "collected_at")
#: Columns the package computes itself; a user column with one of these names would be replaced.
RESERVED_COLUMNS: tuple[str, ...] = ("_row", "_line", "csv_row", "log_views", "age_days", "split_random",
                                     "split_channel", "split_temporal")
RESERVED_PREFIX = "image_"

#: Columns of every rejections table (CSV reader, validator, importer, collector).
REJECTION_COLUMNS: tuple[str, ...] = ("file", "row", "line", "column", "value", "reason")


class DatasetError(ValueError):
    """Bad input: a dataset cannot be read or written as asked (the message names the file, the row
    if there is one, and what to do). The command line exits with status 2."""

    def _render_traceback_(self) -> list[str]:  # IPython shows only this sentence
        return [f"DatasetError: {self}"]


class DatasetSystemError(RuntimeError):
    """A system failure (disk full, permission denied, read-only file system): the input was fine.
    The command line exits with status 1."""

    def _render_traceback_(self) -> list[str]:
        return [f"DatasetSystemError: {self}"]


class ValueProblem(ValueError):
    """A field's value cannot be used; the message says why."""


_SYSTEM_REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                   errno.EACCES: "permission denied", errno.EPERM: "permission denied",
                   errno.EROFS: "the file system is read-only"}


def system_error(err: OSError, fallback: Path | str, advice: str) -> DatasetSystemError:
    """A ``DatasetSystemError`` sentence for ``err``: the file, the cause in words, then ``advice``."""
    where = err.filename if err.filename else fallback
    reason = _SYSTEM_REASONS.get(err.errno, err.strerror or type(err).__name__)
    return DatasetSystemError(f"{where}: {reason}; {advice}")


_FORMULA_RE = re.compile(r"'*[=+\-@\t\r]")


def escape_formula(text: str) -> str:
    """``text`` as written to a CSV: an apostrophe added when a spreadsheet would run it as a formula."""
    return "'" + text if _FORMULA_RE.match(text) else text


def unescape_formula(text: str) -> str:
    """The inverse of ``escape_formula``: one leading apostrophe before ``= + - @``, tab or CR removed."""
    return text[1:] if text.startswith("'") and _FORMULA_RE.match(text, 1) else text


def escapes(column: str) -> bool:
    """True for a text column whose values are formula-escaped in every CSV the package writes."""
    return column not in UNESCAPED_COLUMNS and not column.startswith(TRUTH_PREFIX)


@dataclass
class Rejection:
    """One row (or file) refused, and why."""

    file: str
    row: int | None
    line: int | None
    column: str
    value: str
    reason: str

    def __post_init__(self) -> None:
        # Control characters from file names and values are shown escaped, so no report can be torn by them.
        for name in ("file", "column", "value", "reason"):
            setattr(self, name, _printable(str(getattr(self, name))))

    def as_dict(self) -> dict:
        """Plain dict in ``REJECTION_COLUMNS`` order."""
        return {k: getattr(self, k) for k in REJECTION_COLUMNS}


def _printable(text: str) -> str:
    """``text`` with NUL, CR and LF written as ``\\x00``, ``\\r`` and ``\\n``."""
    return text.replace("\x00", "\\x00").replace("\r", "\\r").replace("\n", "\\n")


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


def format_csv(header: Iterable[str], rows: Iterable[Iterable[object]], newline: str = "\n",
               escape: str = "text") -> str:
    """CSV text with every field that needs it quoted, including fields holding a lone ``\r``.

    Python's ``csv.writer`` only quotes the characters of its own line terminator, so with
    ``"\n"`` it writes a title containing ``"\r"`` unquoted, and every reader then splits
    the row there. This writer quotes a field containing ``,``, ``"``, ``\r`` or ``\n``.
    ``escape`` says which values are made formula-safe (see the module docstring): ``"text"``
    (text columns, for datasets), ``"all"`` (every field, for reports) or ``"none"``.
    """
    header = [str(h) for h in header]
    if escape not in ("text", "all", "none"):
        raise ValueError(f"escape must be 'text', 'all' or 'none', got {escape!r}")
    escaped = [escape == "all" or (escape == "text" and escapes(name)) for name in header]

    def cell(value: object, safe: bool) -> str:
        text = "" if value is None else str(value)
        if safe:
            text = escape_formula(text)
        if any(ch in text for ch in ',"\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [",".join(cell(v, escape == "all") for v in header)]
    lines += [",".join(cell(v, safe) for v, safe in zip(row, escaped)) for row in rows]
    return newline.join(lines) + newline


def rejections_csv(table: pd.DataFrame) -> str:
    """A rejections table as CSV text that no title can tear (lone ``\r``) or turn into a formula."""
    rows = [["" if pd.isna(v) else v for v in record] for record in table[list(REJECTION_COLUMNS)].itertuples(
        index=False, name=None)]
    return format_csv(REJECTION_COLUMNS, rows, escape="all")


def _looks_like_utf16(data: bytes) -> bool:
    """True when zero bytes sit at every other position, as in UTF-16 text without a BOM."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0) / len(even), odd.count(0) / max(1, len(odd))) > 0.3 and min(
        even.count(0), odd.count(0)) < 0.05 * len(sample)


def decode_csv_bytes(data: bytes, path: Path) -> str:
    """Decode CSV bytes as UTF-8 (a leading BOM is accepted and removed)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise DatasetError(f"{path}: the file is UTF-32; save it as UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DatasetError(f"{path}: the file is UTF-16; save it as UTF-8")
    if _looks_like_utf16(data):
        raise DatasetError(f"{path}: the file looks like UTF-16 without a byte-order mark (every other byte is "
                           f"zero); save it as UTF-8")
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
        The file is missing, not a regular file, too large, not UTF-8, has no header, or has
        missing/duplicate/unknown/reserved columns.
    """
    path = Path(path)
    if extra_columns not in ("error", "keep", "drop"):
        raise ValueError(f"extra_columns must be 'error', 'keep' or 'drop', got {extra_columns!r}")
    text = decode_csv_bytes(read_capped(path, MAX_CSV_BYTES, "CSV"), path)
    old_limit = csv.field_size_limit()
    # A field can never be longer than the file, so this limit never cuts a row in half;
    # the real (much smaller) limit is applied per row below, where the row can be named.
    csv.field_size_limit(max(old_limit, len(text) + 1))
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header, header_row = _read_header(reader, path, extra_columns, tuple(required))
        return _read_body(reader, path, header, extra_columns, header_row)
    except csv.Error as err:
        raise DatasetError(f"{path}: line {reader.line_num}: cannot parse CSV ({err}); check the quotes on "
                           f"that line") from None
    finally:
        csv.field_size_limit(old_limit)


def read_capped(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``; its size is checked before reading, and the read is capped.

    A missing file, a folder or a FIFO (which would block a plain ``open``) is named as such.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a folder, not a {what} file; give the path of the file") from None
    except PermissionError as err:
        raise system_error(err, path, f"make the {what} file readable and run again") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise DatasetError(f"{path}: is a folder, not a {what} file; give the path of the file")
        if not stat.S_ISREG(info.st_mode):
            kind = "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
            raise DatasetError(f"{path}: is {kind}, not a regular {what} file; save the data to a regular file")
        if info.st_size > limit:
            raise DatasetError(f"{path}: the file has {info.st_size:,} bytes, more than the {limit:,} a {what} may "
                               f"have; split it into several smaller files")
        data = fh.read(info.st_size + 1)  # read(n) allocates n bytes up front: ask for the size, not the limit
        if len(data) > info.st_size:  # the file grew since fstat: read on, but never past the limit
            data += fh.read(limit + 1 - len(data))
    if len(data) > limit:
        raise DatasetError(f"{path}: the file grew past {limit:,} bytes while being read; copy it and try again")
    return data


def is_reserved_column(name: str) -> bool:
    """True for a name the package uses for a column it computes (``image_width``, ``log_views``...)."""
    return name in RESERVED_COLUMNS or name.startswith(RESERVED_PREFIX)


def _read_header(reader, path: Path, extra_columns: str, required: tuple[str, ...]) -> tuple[list[str], int]:
    """The header row, checked for missing, repeated, unknown and reserved names, and its row number."""
    header, header_row = None, 0
    for record in reader:
        header_row += 1  # blank lines before the header are rows too, as in a spreadsheet
        if record and any(cell.strip() for cell in record):
            header = [cell.strip() for cell in record]
            break
    if header is None:
        raise DatasetError(f"{path}: the file is empty (no header row); write the header "
                           f"{','.join(REQUIRED_COLUMNS)} and one row per video")
    where = f"{path}: row {header_row} (header)"
    if any("\x00" in name for name in header):
        raise DatasetError(f"{where} contains a NUL byte; save the file as UTF-8 text")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DatasetError(f"{where} repeats column(s) {', '.join(map(repr, repeated))}; keep one of each")
    missing = [name for name in required if name not in header]
    if missing:
        raise DatasetError(f"{where} lacks required column(s) {', '.join(map(repr, missing))}; "
                           f"found {', '.join(map(repr, header))}")
    reserved = [name for name in header if is_reserved_column(name) and name not in required]
    if reserved and extra_columns != "drop":
        raise DatasetError(
            f"{where} has column(s) {', '.join(map(repr, reserved))} whose names the package uses for columns it "
            f"computes itself (log_views, age_days, csv_row, split_*, image_*), so the values would be replaced; "
            f"rename them (e.g. 'my_{reserved[0]}') or leave them out with --extra-columns drop")
    unknown = [name for name in header if not is_known_column(name) and name not in required]
    if unknown and extra_columns == "error":
        raise DatasetError(
            f"{where} has unknown column(s) {', '.join(map(repr, unknown))}; the layout "
            f"knows {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)} and true_* columns "
            f"(keep or drop extra columns with extra_columns='keep'/'drop', or --extra-columns on the command line)")
    return header, header_row


def _read_body(reader, path: Path, header: list[str], extra_columns: str, header_row: int = 1) -> RawTable:
    """Every data row after the header, good ones kept and bad ones recorded."""
    keep = [i for i, name in enumerate(header) if extra_columns != "drop" or is_known_column(name)]
    table = RawTable(path=path, header=[header[i] for i in keep])
    unescape = [escapes(header[i]) for i in keep]
    row = header_row
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
        table.rows.append([unescape_formula(record[i]) if safe else record[i] for i, safe in zip(keep, unescape)])
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
