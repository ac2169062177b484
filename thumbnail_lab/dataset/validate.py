"""Checking a dataset row by row: typed values, safe paths and readable images.

Nothing is dropped silently: every refused row becomes a ``Rejection`` (file, row, column,
value, reason) in the result's ``rejections`` table, and every fix that will be applied
(a CMYK image converted to RGB, a PNG stored under a ``.jpg`` name) becomes a note. The
validator only reads: it never writes into the dataset folder.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..progress import progress
from .identifiers import check_video_id, file_identity, id_key, path_key, resolve_inside, text_key
from .images import ImageFacts, ImageProblem, inspect_image, read_image_file
from .layout import (
    METADATA_FILE,
    TRUTH_PREFIX,
    DatasetError,
    RawTable,
    Rejection,
    ValueProblem,
    read_csv_rows,
    rejections_frame,
    short,
)

_INT_RE = re.compile(r"[0-9]+\Z")
_DATE_RE = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})\Z")
_ABBREVIATED_RE = re.compile(r"[0-9.,]+\s*[kKmMbB]\Z")
_EXPONENT_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+\Z")
_SEPARATED_RE = re.compile(r"[0-9]{1,3}([,_ '\u00a0\u202f.][0-9]{3})+\Z")
_DECIMAL_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)\Z")
_MAX_DIGITS = 15  # 10^15 views is far beyond any real video and fits int64 safely
#: How far in the future (UTC) a date may be: time zones put "today" up to a day apart.
_FUTURE_SLACK = dt.timedelta(days=1)


def _count_problem(text: str, column: str) -> str:
    """Why ``text`` (not plain ASCII digits) is not a count, naming the actual cause."""
    if not text.isascii():
        return (f"{column} {short(text)!r} uses characters other than the digits 0-9 (another script's digits or "
                f"symbols); write the number with 0-9 only")
    if _EXPONENT_RE.match(text):
        try:
            spelled = f"{int(float(text)):d}" if math.isfinite(float(text)) else ""
        except (ValueError, OverflowError):
            spelled = ""
        hint = f" ({text} is {spelled})" if spelled and float(text) == int(float(text)) and len(spelled) <= 20 else ""
        return f"{column} {text!r} is written in exponent notation; write every digit{hint}"
    if _SEPARATED_RE.match(text) and not _DECIMAL_RE.match(text):
        return f"{column} {text!r} has thousands separators; write the digits only ({re.sub('[^0-9]', '', text)})"
    if text.lower().lstrip("+") in ("inf", "infinity", "nan"):
        return f"{column} {text!r} is not a finite number"
    if _DECIMAL_RE.match(text):
        number = float(text)
        if number == int(number):
            return f"{column} {text!r} has a decimal point; write the whole number without it ({int(number)})"
        return f"{column} {text!r} is not a whole number"
    return f"{column} {short(text)!r} is not a number"


def parse_count(value: str, column: str) -> int:
    """A non-negative whole number written with digits only (views, subscribers)."""
    text = value.strip()
    if text == "":
        raise ValueProblem(f"{column} is blank")
    if text.startswith("-") and _DECIMAL_RE.match(text):
        raise ValueProblem(f"{column} {text!r} is negative")
    if _ABBREVIATED_RE.match(text):
        raise ValueProblem(f"{column} {text!r} is abbreviated; write the full number with digits only")
    if not _INT_RE.match(text):
        raise ValueProblem(_count_problem(text, column))
    if len(text.lstrip("0")) > _MAX_DIGITS:
        raise ValueProblem(f"{column} {short(text)!r} is implausibly large (more than {_MAX_DIGITS} digits)")
    return int(text)


def parse_seconds(value: str, column: str) -> float:
    """A finite, non-negative number of seconds."""
    if value.strip() == "":
        raise ValueProblem(f"{column} is blank")
    number = parse_float(value, column, what="a number of seconds")
    if number < 0:
        raise ValueProblem(f"{column} {value.strip()!r} is negative")
    return number


def parse_date(value: str, column: str) -> pd.Timestamp:
    """A date as ``YYYY-MM-DD`` or ``YYYYMMDD`` (yt-dlp's form), or an ISO 8601 date-time."""
    text = value.strip()
    if text == "":
        raise ValueProblem(f"{column} is blank")
    match = _DATE_RE.match(text)
    try:
        if match:
            stamp = datetime(int(match[1]), int(match[2]), int(match[3]))
        elif not text.isascii():
            raise ValueError(text)
        else:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if stamp.tzinfo is not None:
                stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)  # compare everything in UTC
    except ValueError:
        raise ValueProblem(f"{column} {short(text)!r} is not a date (use YYYY-MM-DD)") from None
    if not 1990 <= stamp.year:
        raise ValueProblem(f"{column} {text!r} is before 1990")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if stamp > now + _FUTURE_SLACK:
        raise ValueProblem(f"{column} {text!r} is in the future (today is {now.date().isoformat()} UTC)")
    return pd.Timestamp(stamp)


def parse_float(value: str, column: str, what: str = "a number") -> float:
    """Any finite number (truth columns); ``what`` names the expected value in the error."""
    text = value.strip()
    try:
        if not text.isascii() or "_" in text:  # float() also takes other scripts' digits and 1_000
            raise ValueError(text)
        number = float(text)
    except ValueError:
        raise ValueProblem(f"{column} {short(text)!r} is not {what} (write it with the digits 0-9 and a '.')") from None
    if not math.isfinite(number):
        raise ValueProblem(f"{column} {text!r} is not a finite number")
    return number


def check_text(value: str, column: str) -> str:
    """Non-blank text, kept exactly as written."""
    if value.strip() == "":
        raise ValueProblem(f"{column} is blank")
    return value


def check_channel_id(value: str, column: str = "channel_id") -> str:
    """A non-blank channel id without surrounding spaces (the importer writes it trimmed)."""
    return check_text(value, column).strip()


def _keep(value: str, column: str) -> str:
    return value


def _optional(parse: Callable[[str, str], object], missing: object) -> Callable[[str, str], object]:
    """Wrap ``parse`` so that a blank value becomes ``missing`` instead of an error."""
    def parse_optional(value: str, column: str) -> object:
        return missing if value.strip() == "" else parse(value, column)
    return parse_optional


#: How each known column is parsed; title is kept exactly as written (emoji, CAPS, any script).
PARSERS: dict[str, Callable[[str, str], object]] = {
    "file_name": check_text,
    "video_id": check_video_id,
    "channel_id": check_channel_id,
    "title": _keep,
    "views": parse_count,
    "upload_date": parse_date,
    "duration_s": parse_seconds,
    "channel_subscribers": _optional(parse_count, None),
    "collected_at": _optional(parse_date, pd.NaT),
}


def parser_for(column: str) -> Callable[[str, str], object]:
    """The parser of ``column`` (truth columns are numbers, unknown columns stay text)."""
    if column in PARSERS:
        return PARSERS[column]
    if column.startswith(TRUTH_PREFIX):
        return parse_float
    return _keep


def parse_table(raw: RawTable) -> tuple[pd.DataFrame, list[Rejection]]:
    """Parse every column of the text rows; refuse rows with a bad value or a repeated id.

    Returns the typed frame (with ``_row``/``_line``) and the rejections, including those
    the CSV reader already made.
    """
    rejections = list(raw.rejections)
    parsers = [(name, parser_for(name)) for name in raw.header]
    good: list[list[object]] = []
    rows: list[tuple[int, int]] = []
    first_row_of_id: dict[str, int] = {}
    first_id_of_key: dict[str, tuple[str, int]] = {}
    first_row_of_file: dict[str, int] = {}
    channel_spelling: dict[str, tuple[str, int]] = {}
    for values, row, line in zip(raw.rows, raw.row_numbers, raw.line_numbers):
        parsed, problem = [], None
        for (name, parse), value in zip(parsers, values):
            try:
                parsed.append(parse(value, name))
            except ValueProblem as err:
                problem = (name, value, str(err))
                break
        if problem is None:
            record = dict(zip(raw.header, parsed))
            vid, file_name = record.get("video_id"), record.get("file_name")
            file_key = path_key(file_name) if file_name is not None else None
            same_key = first_id_of_key.get(id_key(vid)) if vid is not None else None
            channel = record.get("channel_id")
            spelled = channel_spelling.get(text_key(channel)) if channel is not None else None
            if vid in first_row_of_id:
                problem = ("video_id", vid, f"duplicate video_id (first seen in row {first_row_of_id[vid]})")
            elif same_key is not None:
                problem = ("video_id", vid, f"video_id {vid!r} differs from row {same_key[1]}'s {same_key[0]!r} "
                                            f"only in letter case, so both would be one image file on macOS and "
                                            f"Windows; give one of them another id")
            elif file_key is not None and file_key in first_row_of_file:
                problem = ("file_name", file_name,
                           f"file_name already used by row {first_row_of_file[file_key]}")
            elif spelled is not None and spelled[0] != channel:
                problem = ("channel_id", channel, f"channel_id {short(channel)!r} looks the same as row {spelled[1]}'s "
                                                  f"but is written with other Unicode characters (NFC/NFD); write it "
                                                  f"the same way in every row")
            elif (pd.notna(record.get("collected_at", pd.NaT))
                  and record["upload_date"].normalize() > record["collected_at"]):
                problem = ("upload_date", values[raw.header.index("upload_date")],
                           "upload_date is later than collected_at")
        if problem:
            name, value, reason = problem
            rejections.append(Rejection(str(raw.path), row, line, name, short(value), reason))
            continue
        first_row_of_id[record["video_id"]] = row
        first_id_of_key[id_key(record["video_id"])] = (record["video_id"], row)
        if "channel_id" in record:
            channel_spelling.setdefault(text_key(record["channel_id"]), (record["channel_id"], row))
        if "file_name" in record:
            first_row_of_file[path_key(record["file_name"])] = row
        good.append(parsed)
        rows.append((row, line))
    frame = pd.DataFrame(good, columns=raw.header)
    frame = _set_dtypes(frame)
    frame["_row"] = np.array([r for r, _ in rows], dtype=np.int64)
    frame["_line"] = np.array([ln for _, ln in rows], dtype=np.int64)
    return frame, rejections


def _set_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Give parsed columns their proper dtypes (also for an empty frame)."""
    for name in frame.columns:
        if name in ("views",):
            frame[name] = frame[name].astype(np.int64)
        elif name in ("duration_s",) or name.startswith(TRUTH_PREFIX):
            frame[name] = frame[name].astype(np.float64)
        elif name in ("upload_date", "collected_at"):
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
        elif name == "channel_subscribers":
            frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
        else:
            frame[name] = frame[name].astype(object)
    return frame


@dataclass
class ImageCheck:
    """Result of checking one row's image: facts and the path, or the reason it failed."""

    path: Path | None
    facts: ImageFacts | None
    problem: str | None
    column: str = "file_name"
    identity: tuple[int, int] | None = None  # (device, inode): one per file, however it is spelled


def check_image_file(root: Path, file_name: str) -> ImageCheck:
    """Resolve ``file_name`` safely inside ``root`` and inspect the image completely (bounded read)."""
    try:
        path = resolve_inside(root, file_name)
        identity = file_identity(path)
    except ValueProblem as err:
        return ImageCheck(None, None, str(err))
    except OSError as err:
        return ImageCheck(None, None, f"file_name {short(file_name)!r} cannot be read ({err.strerror})")
    try:
        facts, _ = inspect_image(read_image_file(path), path.name)
    except ImageProblem as err:
        return ImageCheck(path, None, f"image {short(file_name)!r}: {err}", column="image")
    except OSError as err:
        return ImageCheck(path, None, f"image {short(file_name)!r} cannot be read ({err.strerror})", column="image")
    return ImageCheck(path, facts, None, identity=identity)


def check_image_shard(names: list[str], root: str) -> list[ImageCheck]:
    """``check_image_file`` for each of ``names`` (one task of a Dask cluster)."""
    return [check_image_file(Path(root), n) for n in names]


def _checked(names: list[str], root: Path, workers: int | None, cluster: int, scheduler: str | None,
             shard_size: int, show_progress: bool) -> list[ImageCheck]:
    """Every image checked: on a Dask cluster (``cluster`` local workers or ``scheduler``), else on threads."""
    if cluster or scheduler:
        from ..cluster import map_shards

        shards = [names[s:s + shard_size] for s in range(0, len(names), shard_size)]
        parts, _ = map_shards(check_image_shard, shards, workers=cluster, scheduler=scheduler,
                              desc="checking image shards", show_progress=show_progress, root=str(root))
        return [check for part in parts for check in part]
    with ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1)) as pool:
        return list(progress(pool.map(lambda n: check_image_file(root, n), names), total=len(names),
                             desc="checking images", disable=not show_progress or len(names) < 200))


def check_images(frame: pd.DataFrame, root: Path, csv_path: Path, workers: int | None = None,
                 show_progress: bool = True, cluster: int = 0, scheduler: str | None = None,
                 shard_size: int = 1024) -> tuple[pd.DataFrame, list[Rejection], pd.DataFrame]:
    """Check the image of every row; returns (rows with image facts, rejections, notes).

    The per-image work (reading, decoding, hashing) runs on ``workers`` threads, or mapped over a
    Dask cluster in shards of ``shard_size`` rows; the rows that share one file are found here after.
    """
    names = frame["file_name"].tolist()
    results = _checked(names, root, workers, cluster, scheduler, shard_size, show_progress)
    rejections, notes, keep = [], [], []
    first_row_of_file: dict[tuple[int, int], tuple[int, str]] = {}
    for i, result in enumerate(results):
        row, line = int(frame["_row"].iat[i]), int(frame["_line"].iat[i])
        if result.problem is None and result.identity in first_row_of_file:
            first_row, first_name = first_row_of_file[result.identity]
            result = ImageCheck(result.path, None, f"file_name {short(names[i])!r} is the same file as row "
                                                   f"{first_row}'s {short(first_name)!r}; two videos cannot share "
                                                   f"one image file")
        elif result.problem is None:
            first_row_of_file[result.identity] = (row, names[i])
        if result.problem:
            rejections.append(Rejection(str(result.path or csv_path), row, line, result.column,
                                        short(names[i]), result.problem))
            continue
        keep.append(i)
        notes += [{"file": str(result.path), "row": row, "note": note} for note in result.facts.notes]
    kept = frame.iloc[keep].reset_index(drop=True).copy()
    facts = [results[i].facts for i in keep]
    kept["image_width"] = np.array([f.width for f in facts], dtype=np.int64)
    kept["image_height"] = np.array([f.height for f in facts], dtype=np.int64)
    kept["image_format"] = pd.Series([f.format for f in facts], dtype=object)
    kept["image_mode"] = pd.Series([f.mode for f in facts], dtype=object)
    kept["image_sha256"] = pd.Series([f.sha256 for f in facts], dtype=object)
    kept["image_phash"] = pd.Series([f.phash for f in facts], dtype=object)
    kept["image_colour"] = pd.Series([f.colour for f in facts], dtype=object)
    return kept, rejections, pd.DataFrame(notes, columns=["file", "row", "note"])


@dataclass
class ValidationResult:
    """A validated dataset: usable rows, refused rows and applied fixes."""

    metadata: pd.DataFrame      # typed rows that passed, with image_* facts and _row/_line
    rejections: pd.DataFrame    # file, row, line, column, value, reason
    notes: pd.DataFrame         # file, row, note (conversions the importer/cache apply)
    csv_path: Path

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return self.rejections.empty

    def summary(self) -> str:
        """One line: how many rows passed and how many were refused."""
        return (f"{self.csv_path}: {len(self.metadata):,} rows valid, {len(self.rejections):,} rejected, "
                f"{len(self.notes):,} notes")


def validate_dataset(folder: str | Path, extra_columns: str = "keep", check_image_files: bool = True,
                     workers: int | None = None, show_progress: bool = True, cluster: int = 0,
                     scheduler: str | None = None, shard_size: int = 1024) -> ValidationResult:
    """Validate a dataset folder in the layout (``metadata.csv`` + images) without changing it.

    Parameters
    ----------
    folder : path
        Folder holding ``metadata.csv``; every ``file_name`` is resolved relative to it.
    extra_columns : {"keep", "error", "drop"}
        Policy for columns outside the layout.
    check_image_files : bool
        Open and fully decode every image (the default), or only check the table.
    workers : int, optional
        Threads for image checks.
    show_progress : bool
        Print a progress bar for large datasets.
    cluster, scheduler : int, str, optional
        Check the images on a local Dask cluster of ``cluster`` worker processes, or on the running
        scheduler at ``scheduler`` (its workers must see the folder), ``shard_size`` rows a task: the
        same result.

    Raises
    ------
    DatasetError
        The CSV cannot be read at all, or not a single row is valid.
    """
    folder = Path(folder)
    csv_path = folder / METADATA_FILE
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such dataset folder; check the path")
    raw = read_csv_rows(csv_path, extra_columns=extra_columns)
    frame, rejections = parse_table(raw)
    notes = pd.DataFrame(columns=["file", "row", "note"])
    if check_image_files:
        frame, image_rejections, notes = check_images(frame, folder, csv_path, workers, show_progress, cluster,
                                                      scheduler, shard_size)
        rejections += image_rejections
    table = rejections_frame(rejections).sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    if frame.empty:
        first = f"; first problem: row {table['row'].iat[0]}: {table['reason'].iat[0]}" if len(table) else ""
        raise DatasetError(f"{csv_path}: no valid rows ({len(table):,} rejected{first}); fix the rows and run again")
    return ValidationResult(metadata=frame, rejections=table, notes=notes, csv_path=csv_path)


__all__ = ["ValidationResult", "validate_dataset", "parse_table", "resolve_inside", "check_image_file",
           "check_video_id", "parse_count", "parse_date", "parse_seconds", "ValueProblem"]
