"""Where a new dataset is written: checks before anything is created, a locked staging folder, an atomic swap.

* The destination may not be the source, lie inside it or contain it ("the source folder is
  never modified"), and may not be a file.
* ``--overwrite`` replaces only a folder that is a dataset: one with a ``metadata.csv`` and
  nothing else than the files a dataset consists of (the ones its ``file_name`` column names,
  and the files ``import``, ``collect`` and ThumbWorld write beside it). Any other file in it
  stops the import before anything is changed, so ``--overwrite`` never deletes your files.
* The new dataset is assembled in ``.<name>.partial-<pid>`` beside the destination, while this
  process holds an exclusive lock on ``.<name>.partial-<pid>.lock``. A run killed with
  SIGKILL cannot remove its staging folder; the next run into the same destination finds the
  folder, sees that no process holds its lock, and removes it. A run killed halfway through
  the final swap leaves the previous dataset in ``.<name>.old-<pid>``; the next run puts it
  back when the destination is missing.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .layout import METADATA_FILE, REJECTIONS_FILE, TRUTH_FILE, DatasetError, read_csv_rows

#: Files a dataset folder may hold besides its images (written by import, collect and ThumbWorld).
DATASET_FILES = frozenset({METADATA_FILE, REJECTIONS_FILE, TRUTH_FILE, "import_report.json",
                           "collect_journal.jsonl", "collect_failures.jsonl", "collect_conflicts.csv",
                           ".thumbworld.json"})


def check_destination(source: Path | None, dest: Path) -> None:
    """Refuse a destination that is a file, is the source, lies inside it or contains it."""
    if dest.exists() and not dest.is_dir():
        raise DatasetError(f"{dest}: the destination is a file, not a folder; choose another --dest or --name")
    for parent in dest.parents:
        if parent.exists() and not parent.is_dir():
            raise DatasetError(f"{dest}: {parent} is a file, so the destination cannot be created; choose "
                               f"another --dest")
        if parent.exists():
            break
    if source is None:
        return
    if source.is_relative_to(dest):
        raise DatasetError(f"{dest}: the destination may not be the source folder or contain it ({source}); "
                           f"choose another --dest")
    if dest.is_relative_to(source):
        raise DatasetError(f"{dest}: the destination is inside the source folder {source}, which is never "
                           f"modified; choose a --dest outside it")


def foreign_files(folder: Path, limit: int = 5) -> list[str]:
    """Files in ``folder`` that are not part of the dataset there (at most ``limit``; [] for a dataset).

    Raises ``DatasetError`` when the folder has no readable ``metadata.csv``, i.e. is not a dataset.
    """
    if not (folder / METADATA_FILE).is_file():
        raise DatasetError(f"{folder}: not a dataset (no {METADATA_FILE}), and --overwrite only replaces a "
                           f"dataset; choose an empty or new --dest, or move the folder's files away first")
    try:
        table = read_csv_rows(folder / METADATA_FILE, extra_columns="keep", required=())
    except DatasetError as err:
        raise DatasetError(f"{folder}: not recognisably a dataset ({err}), so --overwrite will not replace it; "
                           f"choose another --dest, or remove the folder yourself") from None
    referenced = set()
    if "file_name" in table.header:
        index = table.header.index("file_name")
        referenced = {os.path.normpath(row[index]) for row in table.rows}
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files) + sorted(d for d in dirs if os.path.islink(os.path.join(root, d))):
            relative = os.path.relpath(os.path.join(root, name), folder)
            top_level = os.sep not in relative
            temporary = name.startswith(".") and name.endswith(".tmp")
            if temporary or relative in referenced or (top_level and relative in DATASET_FILES):
                continue
            found.append(relative)
            if len(found) >= limit:
                return found
    return found


def check_replaceable(dest: Path) -> None:
    """Refuse to replace ``dest`` unless it is empty or a dataset holding nothing but its own files."""
    if not dest.exists() or not any(dest.iterdir()):
        return
    foreign = foreign_files(dest)
    if foreign:
        raise DatasetError(f"{dest}: holds {', '.join(repr(f) for f in foreign)}, which "
                           f"{'is' if len(foreign) == 1 else 'are'} not part of the dataset there, so --overwrite "
                           f"will not delete it; move those files away or choose another --dest")


@dataclass
class Staging:
    """A locked staging folder beside the destination, and what the clean-up of earlier runs did."""

    path: Path
    dest: Path
    cleaned: list[str] = field(default_factory=list)


def _lock_is_free(lock: Path) -> bool:
    """True when no process holds ``lock`` (its owner finished or was killed); the lock is left free."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def clean_leftovers(dest: Path) -> list[str]:
    """Remove staging folders of killed runs into ``dest`` and restore a dataset a killed swap left aside."""
    cleaned: list[str] = []
    parent = dest.parent
    if not parent.is_dir():
        return cleaned
    for old in sorted(parent.glob(f".{dest.name}.old-*")):
        if not old.is_dir():
            continue
        if not dest.exists():
            os.rename(old, dest)
            cleaned.append(f"restored {dest} from {old.name}, left by an import killed while swapping it")
        else:
            shutil.rmtree(old, ignore_errors=True)
            cleaned.append(f"removed {old.name}, the previous dataset left by an import killed after swapping it")
    for partial in sorted(parent.glob(f".{dest.name}.partial-*")):
        if partial.name.endswith(".lock") or not partial.is_dir():
            continue
        lock = partial.with_name(partial.name + ".lock")
        if _lock_is_free(lock):
            shutil.rmtree(partial, ignore_errors=True)
            lock.unlink(missing_ok=True)
            cleaned.append(f"removed {partial.name}, the staging folder of an interrupted import")
    return cleaned


@contextlib.contextmanager
def staging_folder(dest: Path) -> Iterator[Staging]:
    """A fresh, locked staging folder beside ``dest`` (removed on the way out, whatever happens)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    cleaned = clean_leftovers(dest)
    path = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
        try:
            yield Staging(path=path, dest=dest, cleaned=cleaned)
        finally:
            shutil.rmtree(path, ignore_errors=True)
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def commit(staging: Path, dest: Path, overwrite: bool) -> None:
    """Move the finished dataset into place; an old one is removed only after the swap."""
    if dest.exists():
        if not overwrite and any(dest.iterdir()):
            raise DatasetError(f"{dest} appeared while importing; nothing was changed; choose another --dest "
                               f"or pass --overwrite")
        if overwrite:
            check_replaceable(dest)  # again: files may have been added while importing
        old = dest.parent / f".{dest.name}.old-{os.getpid()}"
        os.rename(dest, old)
        os.rename(staging, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, dest)


__all__ = ["check_destination", "check_replaceable", "foreign_files", "staging_folder", "clean_leftovers", "commit",
           "Staging", "DATASET_FILES"]
