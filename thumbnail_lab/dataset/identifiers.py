"""The one rule for video ids and image paths, used by the validator, the importer and the collector.

A video id names its image file, ``images/<video_id>.jpg``, so it must survive a round trip
through the CSV *and* through every file system the dataset may be copied to:

* only ASCII letters, digits, ``-`` and ``_``, 1-64 characters, matched against the whole
  text (a trailing newline is not "the end of the id");
* two ids that differ only in letter case (``abc`` and ``ABC``) name the same file on macOS and
  Windows, so the second one is refused; ``id_key`` is the folded form they are compared by;
* names that Windows reserves for devices (``CON``, ``NUL``, ``COM1``...) are refused.

An image path (``file_name``) is relative to the dataset folder, uses ``/``, never leaves the
folder (no absolute path, ``..`` or symlink leading out), and names a regular file. Two rows
point at the same image when their paths resolve to the same file on disk (``file_identity``:
device and inode), however they are spelled (``a.jpg``, ``./a.jpg``, ``images//a.jpg``, a
symlink or a hard link); ``path_key`` is the textual form used before the files are opened.
A path spelled with another letter case or Unicode normalisation than the file on disk is
refused with the spelling that exists, so an import behaves the same on Linux as on macOS.
"""
from __future__ import annotations

import os
import posixpath
import re
import stat
import unicodedata
from pathlib import Path, PurePosixPath

from .layout import IMAGES_DIR, ValueProblem, short

#: Characters a video id may use (checked with ``fullmatch``).
VIDEO_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Device names Windows refuses as file names, whatever the extension.
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})


def is_video_id(text: object) -> bool:
    """True when ``text`` is a whole, valid video id (no trailing newline, no reserved name)."""
    return (isinstance(text, str) and VIDEO_ID_PATTERN.fullmatch(text) is not None
            and text.lower() not in WINDOWS_RESERVED)


def check_video_id(value: str, column: str = "video_id") -> str:
    """``value`` if it is a valid video id, else ``ValueProblem`` saying why."""
    if not VIDEO_ID_PATTERN.fullmatch(value):
        raise ValueProblem(f"{column} {short(value)!r} may only contain letters, digits, '-' and '_' "
                           f"(1-64 characters), because it names the image file")
    if value.lower() in WINDOWS_RESERVED:
        raise ValueProblem(f"{column} {value!r} is a device name on Windows, where images/{value}.jpg cannot "
                           f"exist; give the video another id")
    return value


def id_key(video_id: str) -> str:
    """The form two ids are compared by: ids with equal keys name the same file on macOS and Windows."""
    return video_id.casefold()


def image_name(video_id: str) -> str:
    """The ``file_name`` of a video's image in a dataset the package writes."""
    return f"{IMAGES_DIR}/{video_id}.jpg"


def text_key(text: str) -> str:
    """Text in Unicode NFC: two values with the same key look the same to every reader."""
    return unicodedata.normalize("NFC", text)


def path_key(file_name: str) -> str:
    """A ``file_name`` in canonical text form: NFC, ``/`` separated, ``.`` and repeated ``/`` removed."""
    return posixpath.normpath(text_key(file_name.strip()))


def file_identity(path: Path) -> tuple[int, int]:
    """(device, inode) of the file ``path`` leads to: equal for every spelling of one file."""
    info = os.stat(path)
    return info.st_dev, info.st_ino


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def regular_file_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable regular file (``no such file``, ``a named pipe``...), or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "no such file" if not os.path.lexists(path) else "a symlink to a file that does not exist"
    except NotADirectoryError:
        return "no such file (a folder on the way is a file)"
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return "a folder, not a file" if stat.S_ISDIR(info.st_mode) else f"{kind_of(info.st_mode)}, not a regular file"
    return None


def _near_spelling(root: Path, pure: PurePosixPath) -> str | None:
    """The on-disk spelling of ``pure`` under ``root`` when it differs only in case or normalisation."""
    current, found = root, []
    for part in pure.parts:
        if (current / part).exists():
            current, found = current / part, found + [part]
            continue
        try:
            entries = os.listdir(current)
        except OSError:
            return None
        matches = [e for e in entries if text_key(e).casefold() == text_key(part).casefold()]
        if len(matches) != 1:
            return None
        current, found = current / matches[0], found + [matches[0]]
    return "/".join(found)


def resolve_inside(root: Path, file_name: str) -> Path:
    """The regular file that ``file_name`` names inside ``root``, or ``ValueProblem`` saying why not.

    Refuses absolute paths, ``..``, backslashes, symlinks that lead outside ``root``, missing
    files (naming the spelling that exists when only case or normalisation differ) and
    anything that is not a regular file (a folder, a FIFO, a device).
    """
    if "\\" in file_name:
        raise ValueProblem(f"file_name {short(file_name)!r} uses backslashes; use '/' between folders")
    pure = PurePosixPath(file_name)
    if pure.is_absolute() or file_name.startswith("~") or re.match(r"^[A-Za-z]:", file_name):
        raise ValueProblem(f"file_name {short(file_name)!r} is an absolute path; it must be relative to "
                           f"the CSV's folder")
    if ".." in pure.parts:
        raise ValueProblem(f"file_name {short(file_name)!r} points outside the dataset folder ('..')")
    if not pure.parts or file_name.strip() in ("", "."):
        raise ValueProblem(f"file_name {short(file_name)!r} names no file")
    root_real = Path(os.path.realpath(root))
    target = Path(os.path.realpath(root_real / pure))
    if not target.is_relative_to(root_real):
        raise ValueProblem(f"file_name {short(file_name)!r} is a symlink that leads outside the dataset "
                           f"folder (to {short(str(target))})")
    problem = regular_file_problem(target)
    if problem == "no such file":
        near = _near_spelling(root_real, pure)
        if near and near != file_name:
            raise ValueProblem(f"file_name {short(file_name)!r}: no such file, but {short(near)!r} exists (another "
                               f"letter case or Unicode form); write the name exactly as it is on disk")
        raise ValueProblem(f"file_name {short(file_name)!r}: no such file")
    if problem:
        raise ValueProblem(f"file_name {short(file_name)!r} is {problem}" if not problem.startswith(("no ", "cannot"))
                           else f"file_name {short(file_name)!r}: {problem}")
    return target


__all__ = ["VIDEO_ID_PATTERN", "is_video_id", "check_video_id", "id_key", "image_name", "text_key", "path_key",
           "file_identity", "regular_file_problem", "resolve_inside", "kind_of"]
