"""``collect``: real thumbnails, views and titles from YouTube into the dataset layout.

Metadata comes from yt-dlp's Python API (``YoutubeDL.extract_info``; listings of search
results and channels use ``extract_flat`` so that one request lists many videos), and
thumbnails come over plain HTTPS from ``i.ytimg.com`` (``maxresdefault.jpg``, falling back to
``hqdefault.jpg``, which every video has). Those are the only hosts contacted: channel
URLs must be on youtube.com, searches go through yt-dlp's ``ytsearch`` and thumbnail URLs
are built from one base, so nothing else can be reached by accident.

Reliability:

* concurrent (a thread pool; one yt-dlp client and one HTTP session per thread);
* retries with exponential backoff on HTTP 429 (honouring ``Retry-After``), 5xx,
  timeouts and connection resets, and on yt-dlp's own 429 errors;
* bounded: a thumbnail larger than ``MAX_THUMBNAIL_BYTES`` is refused from its
  ``Content-Length`` before its body is read, and the body is read piece by piece against a
  deadline, so a server that trickles bytes cannot hold a worker longer than
  ``total_timeout_s`` (plus one ``timeout_s``);
* falls back from ``maxresdefault.jpg`` to ``hqdefault.jpg`` whenever the large one cannot
  be used (404, 403, a non-image, too large, retries exhausted);
* resumable: each finished video is one line appended (and fsynced) to
  ``collect_journal.jsonl`` *after* its image was written atomically, so a killed run
  loses at most the videos in flight and never leaves a half-written image or row;
  re-running skips every id in the journal;
* adds to an existing dataset, never replaces it: ids already in its ``metadata.csv`` are
  skipped, and ``metadata.csv`` is rewritten atomically at the end of every run as the
  existing rows the collector did not write, unchanged, followed by the journal's videos
  sorted by video id (see ``merge``), so it is identical however the work was split between
  runs; a row that contradicts the journal is kept and reported in ``collect_conflicts.csv``;
* failures (unavailable videos, missing fields, thumbnails that never came) are appended to
  ``collect_failures.jsonl`` and retried on the next run; a full disk or a folder that cannot
  be written stops the run (``DatasetSystemError``), and the next run resumes.

The yt-dlp client and the thumbnail base URL are parameters, so the tests run the whole
collector offline against a fake client and a local HTTP server.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import urlsplit

from ..atomic import write_bytes, write_text
from ..progress import progress
from .identifiers import id_key, image_name, is_video_id, path_key
from .images import ImageProblem, inspect_image, jpeg_bytes
from .layout import (
    IMAGES_DIR,
    METADATA_FILE,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    DatasetError,
    ValueProblem,
    format_csv,
    read_csv_rows,
    system_error,
)
from .merge import Conflict, merge, read_existing
from .validate import parse_date

DEFAULT_THUMBNAIL_BASE = "https://i.ytimg.com/vi"
THUMBNAIL_NAMES = ("maxresdefault.jpg", "hqdefault.jpg")
YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com")
JOURNAL_FILE = "collect_journal.jsonl"
FAILURES_FILE = "collect_failures.jsonl"
CONFLICTS_FILE = "collect_conflicts.csv"
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_THUMBNAIL_BYTES = 10 * 2**20
YDL_PARAMS = {"quiet": True, "no_warnings": True, "skip_download": True, "noplaylist": True}


class YoutubeClient(Protocol):
    """What the collector needs from ``yt_dlp.YoutubeDL``."""

    def extract_info(self, url: str, download: bool = True, **kwargs: Any) -> dict: ...


class CollectError(RuntimeError):
    """A video could not be collected; the message says at which stage and why."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before recording a failure."""

    retries: int = 5             # attempts after the first
    backoff_s: float = 1.0       # first wait; doubles each attempt, with jitter
    max_wait_s: float = 120.0    # longest single wait, also caps Retry-After
    timeout_s: float = 20.0      # connect/read timeout of one request
    total_timeout_s: float = 60.0  # longest a single download may take (a server that trickles bytes)

    def wait(self, attempt: int) -> float:
        """Exponential backoff with +-25 % jitter, so parallel workers do not retry in lockstep."""
        return min(self.max_wait_s, self.backoff_s * 2 ** attempt * random.uniform(0.75, 1.25))


@dataclass
class CollectReport:
    """What one run did."""

    out_dir: Path
    listed: int
    skipped: int             # already in the journal from an earlier run
    collected: int
    failed: int
    rows: int                # rows in metadata.csv after this run
    failures: list[dict] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)  # existing rows kept although the journal differs

    def summary(self) -> str:
        """One line for the command line."""
        conflicts = (f"; {len(self.conflicts):,} existing rows differ from what was collected and were kept "
                     f"(see {CONFLICTS_FILE})" if self.conflicts else "")
        return (f"{self.out_dir}: {self.listed:,} videos listed, {self.skipped:,} already in the dataset, "
                f"{self.collected:,} collected, {self.failed:,} failed (see {FAILURES_FILE}); "
                f"{METADATA_FILE} has {self.rows:,} rows{conflicts}")


def default_ydl_factory(params: dict) -> YoutubeClient:
    """A real yt-dlp client."""
    from yt_dlp import YoutubeDL

    return YoutubeDL(params)


def check_channel_url(url: str) -> str:
    """A youtube.com channel URL pointing at its uploads tab; anything else is refused."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or parts.hostname not in YOUTUBE_HOSTS:
        raise DatasetError(f"channel URL {url!r} is not on youtube.com; the collector contacts only "
                           f"youtube.com (via yt-dlp) and i.ytimg.com")
    path = parts.path.rstrip("/")
    if not (path.startswith("/@") or path.startswith("/channel/") or path.startswith("/c/")
            or path.startswith("/user/")):
        raise DatasetError(f"channel URL {url!r} should look like https://www.youtube.com/@name "
                           f"or https://www.youtube.com/channel/UC...")
    if not path.endswith("/videos"):
        path += "/videos"
    return f"https://www.youtube.com{path}"


def read_id_csv(path: str | os.PathLike) -> list[str]:
    """Video ids from a CSV with a ``video_id`` (or ``id``) column, or from its first column."""
    table = read_csv_rows(path, extra_columns="keep", required=())
    column = next((c for c in ("video_id", "id", "youtube_id") if c in table.header), table.header[0])
    index = table.header.index(column)
    return [row[index].strip() for row in table.rows if row[index].strip()]


def flat_entries(info: dict | None) -> Iterable[str]:
    """Video ids in a flat yt-dlp listing (nested playlists, e.g. channel tabs, are walked)."""
    for entry in (info or {}).get("entries") or []:
        if not entry:
            continue
        if entry.get("entries"):
            yield from flat_entries(entry)
        elif entry.get("id") and is_video_id(str(entry["id"])):
            yield str(entry["id"])


def to_record(info: dict, video_id: str, collected_at: str) -> dict:
    """A metadata row from a yt-dlp info dict; raises ``CollectError`` if a required field is missing."""
    if str(info.get("id", video_id)) != video_id:
        raise CollectError(f"metadata: yt-dlp returned id {info.get('id')!r} for {video_id}")
    missing = [key for key in ("channel_id", "title", "view_count", "upload_date", "duration")
               if info.get(key) in (None, "")]
    if missing:
        raise CollectError(f"metadata: yt-dlp gave no {', '.join(missing)} (live, upcoming or restricted video?)")
    raw_date = str(info["upload_date"])
    upload_date = f"{raw_date[:4]}-{raw_date[4:6]}-{raw_date[6:8]}" if len(raw_date) == 8 else raw_date
    try:
        parse_date(upload_date, "upload_date")
    except ValueProblem as err:
        raise CollectError(f"metadata: {err} (an upcoming premiere?)") from None
    subscribers = info.get("channel_follower_count")
    return {
        "file_name": image_name(video_id), "video_id": video_id, "channel_id": str(info["channel_id"]),
        "title": str(info["title"]),  # kept exactly: emoji, CAPS and every script
        "views": int(info["view_count"]), "upload_date": upload_date, "duration_s": int(round(float(info["duration"]))),
        "channel_subscribers": "" if subscribers is None else int(subscribers), "collected_at": collected_at,
    }


class Collector:
    """Collects videos into ``out_dir``; see the module docstring for the guarantees.

    Parameters
    ----------
    out_dir : path
        Dataset folder (created); re-using it resumes.
    ydl_factory : callable, optional
        ``params -> client`` with ``extract_info``; default ``yt_dlp.YoutubeDL``.
    thumbnail_base : str
        Base URL; thumbnails are ``<base>/<video_id>/<name>``.
    session_factory : callable, optional
        ``() -> requests.Session``-like object with ``get``.
    workers : int
        Threads.
    retry : RetryPolicy
        Retries, backoff and timeouts.
    collected_at : str, optional
        Collection date written in every row (default: today, UTC).
    sleep : callable
        ``time.sleep`` (tests record the waits instead).
    show_progress : bool
        Show a progress bar.
    """

    def __init__(self, out_dir: str | os.PathLike, *, ydl_factory: Callable[[dict], YoutubeClient] | None = None,
                 thumbnail_base: str = DEFAULT_THUMBNAIL_BASE, session_factory: Callable[[], Any] | None = None,
                 workers: int = 8, retry: RetryPolicy = RetryPolicy(), collected_at: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, show_progress: bool = True) -> None:
        self.out_dir = Path(out_dir)
        self.ydl_factory = ydl_factory or default_ydl_factory
        self.thumbnail_base = thumbnail_base.rstrip("/")
        self.allowed_host = urlsplit(self.thumbnail_base).netloc
        self.session_factory = session_factory or _requests_session
        self.workers = max(1, int(workers))
        self.retry = retry
        self.collected_at = check_collected_at(collected_at)
        self.sleep = sleep
        self.show_progress = show_progress
        self._local = threading.local()
        self._journal_lock = threading.Lock()
        self.conflicts: list[Conflict] = []

    # ----- listing -------------------------------------------------------------------------
    def _ydl(self, flat: bool = False) -> YoutubeClient:
        key = "ydl_flat" if flat else "ydl"
        if not hasattr(self._local, key):
            params = dict(YDL_PARAMS, extract_flat="in_playlist") if flat else dict(YDL_PARAMS)
            setattr(self._local, key, self.ydl_factory(params))
        return getattr(self._local, key)

    def list_videos(self, queries: Iterable[str] = (), channels: Iterable[str] = (), video_ids: Iterable[str] = (),
                    max_per_query: int = 50, max_per_channel: int = 500) -> list[str]:
        """Video ids from searches, channels and explicit ids, de-duplicated, first occurrence first."""
        ids: list[str] = list(video_ids)
        urls = [check_channel_url(url) for url in channels]  # refuse a foreign host before any request
        for query in queries:
            info = self._with_retries(lambda query=query: self._ydl(flat=True).extract_info(
                f"ytsearch{int(max_per_query)}:{query}", download=False), f"search {query!r}")
            ids += list(flat_entries(info))[:max_per_query]
        for url in urls:
            info = self._with_retries(lambda url=url: self._ydl(flat=True).extract_info(url, download=False),
                                      f"channel {url!r}")
            ids += list(flat_entries(info))[:max_per_channel]
        return list(dict.fromkeys(ids))

    # ----- one video -------------------------------------------------------------------------
    def _with_retries(self, call: Callable[[], Any], what: str) -> Any:
        """Run a yt-dlp call, retrying only on rate limiting and transient network errors."""
        for attempt in range(self.retry.retries + 1):
            try:
                return call()
            except Exception as err:  # yt-dlp wraps everything in DownloadError
                message = str(err)
                transient = any(code in message for code in ("429", "Too Many Requests", "timed out",
                                                               "Connection reset", "HTTP Error 5"))
                if not transient or attempt == self.retry.retries:
                    raise CollectError(f"metadata ({what}): {message.strip()[:300]}") from None
                self.sleep(self.retry.wait(attempt))
        raise AssertionError("unreachable")

    def _session(self):
        if not hasattr(self._local, "session"):
            self._local.session = self.session_factory()
        return self._local.session

    def fetch(self, url: str) -> bytes | None:
        """GET ``url`` with retries; the body, or None for 404/410. Raises ``CollectError``."""
        import requests
        import urllib3

        if urlsplit(url).netloc != self.allowed_host:
            raise CollectError(f"refusing to contact {url!r}: only {self.allowed_host} is allowed")
        last = ""
        for attempt in range(self.retry.retries + 1):
            wait = None
            try:
                deadline = time.monotonic() + self.retry.total_timeout_s
                response = self._session().get(url, timeout=self.retry.timeout_s, allow_redirects=False, stream=True)
                try:
                    status = response.status_code
                    if status == 200:
                        return self._read_body(response, url, deadline)
                    if status in (404, 410):
                        return None
                    last = f"HTTP {status}"
                    if status != 429 and not 500 <= status < 600:
                        raise CollectError(f"thumbnail {url}: HTTP {status}")
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                finally:
                    response.close()
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    urllib3.exceptions.HTTPError, TimeoutError, ConnectionError, _TooSlow) as err:
                last = f"{type(err).__name__}: {str(err)[:200]}"
            if attempt < self.retry.retries:
                self.sleep(min(self.retry.max_wait_s, wait if wait is not None else self.retry.wait(attempt)))
        raise CollectError(f"thumbnail {url}: gave up after {self.retry.retries + 1} attempts ({last})")

    def _read_body(self, response, url: str, deadline: float) -> bytes:
        """The body, refusing more than ``MAX_THUMBNAIL_BYTES`` or reading past ``deadline``.

        The size is checked from ``Content-Length`` before reading; the body is then read with
        ``read1``, which returns as soon as any bytes arrive, so the deadline is checked after
        every piece however slowly the server sends them (``iter_content`` would wait for a
        whole 64 KiB chunk first).
        """
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > MAX_THUMBNAIL_BYTES:
            raise CollectError(f"thumbnail {url}: the server announces {int(declared):,} bytes, more than the "
                               f"{MAX_THUMBNAIL_BYTES:,} a thumbnail may have")
        raw = response.raw
        read = (lambda: raw.read1(65536, decode_content=True)) if hasattr(raw, "read1") else None
        chunks, size = [], 0
        pieces = iter(read, b"") if read else response.iter_content(chunk_size=65536)
        for chunk in pieces:
            if chunk is None:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_THUMBNAIL_BYTES:
                raise CollectError(f"thumbnail {url}: larger than {MAX_THUMBNAIL_BYTES:,} bytes")
            if time.monotonic() > deadline:
                raise _TooSlow(f"download took over {self.retry.total_timeout_s:g} s (the total timeout)")
        return b"".join(chunks)

    def thumbnail(self, video_id: str) -> tuple[bytes, str]:
        """The best usable thumbnail as RGB JPEG bytes, and the name it came from.

        Any problem with ``maxresdefault.jpg`` (missing, forbidden, not an image, too large,
        retries exhausted) falls back to ``hqdefault.jpg``, which every video has.
        """
        problems = []
        for name in THUMBNAIL_NAMES:
            try:
                data = self.fetch(f"{self.thumbnail_base}/{video_id}/{name}")
                if data is None:
                    problems.append(f"{name}: not found")
                    continue
                facts, rgb = inspect_image(data, name)
            except ImageProblem as err:
                problems.append(f"{name}: {err}")
                continue
            except CollectError as err:
                problems.append(f"{name}: {str(err).removeprefix('thumbnail ')}")
                continue
            return (jpeg_bytes(rgb) if facts.needs_reencode else data), name
        raise CollectError(f"thumbnail: none of {', '.join(THUMBNAIL_NAMES)} could be used ({'; '.join(problems)})")

    def collect_one(self, video_id: str) -> dict:
        """Metadata and thumbnail of one video; the image is on disk before the record is returned."""
        if not is_video_id(video_id):
            raise CollectError(f"id: {video_id[:80]!r} is not a video id")
        info = self._with_retries(lambda: self._ydl().extract_info(
            f"https://www.youtube.com/watch?v={video_id}", download=False), video_id)
        record = to_record(info or {}, video_id, self.collected_at)
        data, source = self.thumbnail(video_id)
        try:
            write_bytes(self.out_dir / record["file_name"], data)
        except OSError as err:
            raise _WriteFailed(err) from None
        return dict(record, _thumbnail=source)

    # ----- journal -------------------------------------------------------------------------
    def _append(self, name: str, record: dict) -> None:
        """Append one JSON line and fsync it (a killed run keeps every finished line)."""
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self._journal_lock, open(self.out_dir / name, "ab") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def done_ids(self) -> set[str]:
        """Ids already in the journal (repairing a last line cut by a kill)."""
        return {record["video_id"] for record in read_journal(self.out_dir / JOURNAL_FILE, repair=True)}

    def prepare(self) -> None:
        """Check the output folder before any request: a new or empty folder, a collection to resume or a
        dataset to add to; anything else (a file, a folder of other things) is refused."""
        out = self.out_dir
        if out.exists() and not out.is_dir():
            raise DatasetError(f"{out}: is a file, not a folder; choose another --out or --name")
        known = (out / METADATA_FILE).exists() or (out / JOURNAL_FILE).exists()
        if out.is_dir() and not known and any(out.iterdir()):
            raise DatasetError(f"{out}: the folder is not empty and holds no dataset (no {METADATA_FILE}); collect "
                               f"into a new or empty folder, or into an existing dataset to add videos to it")
        read_existing(out / METADATA_FILE)  # refuses a metadata.csv that could not be kept whole
        try:
            (out / IMAGES_DIR).mkdir(parents=True, exist_ok=True)
            (out / JOURNAL_FILE).touch()  # marks the folder as a collection, also before the first video
        except OSError as err:
            raise system_error(err, out, "choose an --out you can write to") from None

    def compact(self) -> int:
        """Rewrite ``metadata.csv``: the existing rows kept, then the journal's videos by id (see ``merge``)."""
        records = {r["video_id"]: r for r in read_journal(self.out_dir / JOURNAL_FILE)}
        existing = read_existing(self.out_dir / METADATA_FILE)
        header, rows, self.conflicts = merge(existing, records, COLUMNS)
        write_text(self.out_dir / METADATA_FILE, format_csv(header, rows))
        conflicts_file = self.out_dir / CONFLICTS_FILE
        if self.conflicts:
            write_text(conflicts_file, format_csv(
                ["video_id", "row", "column", "kept", "collected", "reason"],
                [[c.video_id, c.row, column, c.kept[column], c.collected[column], c.describe()]
                 for c in self.conflicts for column in c.columns], escape="all"))
        else:
            conflicts_file.unlink(missing_ok=True)
        return len(rows)

    def _claims(self) -> tuple[dict[str, str], dict[str, tuple[int, str]]]:
        """Ids (by ``id_key``) and image files (by folded ``path_key``) already taken in the dataset or journal."""
        ids: dict[str, str] = {}
        files: dict[str, tuple[int, str]] = {}
        existing = read_existing(self.out_dir / METADATA_FILE)
        if existing is not None:
            vid_at = existing.header.index("video_id")
            file_at = existing.header.index("file_name")
            for values, row in zip(existing.rows, existing.row_numbers):
                ids.setdefault(id_key(values[vid_at]), values[vid_at])
                files.setdefault(path_key(values[file_at]).casefold(), (row, values[vid_at]))
        for record in read_journal(self.out_dir / JOURNAL_FILE):
            ids.setdefault(id_key(record["video_id"]), record["video_id"])
        return ids, files

    def _plan(self, ids: list[str]) -> tuple[list[str], int, list[dict]]:
        """(ids to collect, ids already in the dataset or journal, refusals that would clash with it)."""
        taken_ids, taken_files = self._claims()
        done = self.done_ids()
        todo, skipped, refused = [], 0, []
        for vid in ids:
            if vid in done or taken_ids.get(id_key(vid)) == vid:
                skipped += 1
                continue
            reason = None
            if id_key(vid) in taken_ids:
                reason = (f"conflict: video id {vid} differs from {taken_ids[id_key(vid)]}, already in the dataset, "
                          f"only in letter case, so their images would be one file on macOS and Windows; "
                          f"not collected")
            elif is_video_id(vid) and path_key(image_name(vid)).casefold() in taken_files:
                row, other = taken_files[path_key(image_name(vid)).casefold()]
                reason = (f"conflict: {image_name(vid)} is already the image of row {row} (video {other}) in "
                          f"{METADATA_FILE}; not collected, so that image is not overwritten")
            if reason:
                refused.append({"video_id": vid, "reason": reason})
                continue
            taken_ids[id_key(vid)] = vid
            todo.append(vid)
        return todo, skipped, refused

    def _clean_stale_temporaries(self) -> None:
        """Remove temporary files a killed run left in our own folders (never a finished file)."""
        for folder in (self.out_dir, self.out_dir / IMAGES_DIR):
            for stale in folder.glob(".*.tmp"):
                stale.unlink(missing_ok=True)

    # ----- run -------------------------------------------------------------------------------
    def run(self, video_ids: Iterable[str]) -> CollectReport:
        """Collect every id not yet in the dataset or journal, then merge them into ``metadata.csv``."""
        self.prepare()
        advice = ("free some space or make the folder writable, then run the same command again: it resumes, and "
                  "every finished video is kept")
        try:
            self._clean_stale_temporaries()
            ids = list(dict.fromkeys(video_ids))
            todo, skipped, refused = self._plan(ids)
            collected, failures = 0, []
            for failure in refused:
                failure["at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
                failures.append(failure)
                self._append(FAILURES_FILE, failure)
            pool = ThreadPoolExecutor(max_workers=self.workers)
            try:
                futures = {pool.submit(self.collect_one, vid): vid for vid in todo}
                for future in progress(as_completed(futures), total=len(futures), desc="collecting",
                                       disable=not self.show_progress):
                    vid = futures[future]
                    try:
                        record = future.result()
                    except _WriteFailed as err:  # a full disk fails every video alike: stop, do not record
                        raise err.error from None
                    except Exception as err:  # one bad video never stops the run
                        failure = {"video_id": vid, "reason": str(err)[:500],
                                   "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
                        failures.append(failure)
                        self._append(FAILURES_FILE, failure)
                        continue
                    self._append(JOURNAL_FILE, record)
                    collected += 1
            except BaseException:  # Ctrl-C: drop the queue at once; the journal already holds every finished video
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
            rows = self.compact()
        except OSError as err:
            raise system_error(err, self.out_dir, advice) from None
        return CollectReport(out_dir=self.out_dir, listed=len(ids), skipped=skipped, collected=collected,
                             failed=len(failures), rows=rows, failures=failures, conflicts=self.conflicts)


class _TooSlow(Exception):
    """A download exceeded the total time allowed."""


class _WriteFailed(Exception):
    """Writing a thumbnail failed (disk full, permissions): a system failure, not the video's fault."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def check_collected_at(value: str | None) -> str:
    """The collection date to write in every row: ``value`` checked (a date, not in the future), or today (UTC)."""
    if value is None or str(value).strip() == "":
        return dt.datetime.now(dt.timezone.utc).date().isoformat()
    try:
        stamp = parse_date(str(value), "--collected-at")
    except ValueProblem as err:
        raise DatasetError(f"{err}; give the day the views were read as YYYY-MM-DD") from None
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()


def _requests_session():
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = "thumbnail-lab-collector/0.1 (+https://github.com/)"
    return session


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def read_journal(path: Path, repair: bool = False) -> list[dict]:
    """Records of a JSONL journal; a torn last line (from a kill) is ignored, or cut off if ``repair``."""
    if not path.is_file():
        return []
    data = path.read_bytes()
    records, good_end = [], 0
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            records.append(json.loads(line))
        except ValueError:
            break
        good_end += len(line)
    if repair and good_end < len(data):
        write_bytes(path, data[:good_end])
    return records


def collect(out_dir: str | os.PathLike, *, queries: Iterable[str] = (), channels: Iterable[str] = (),
            ids_csv: str | os.PathLike | None = None, video_ids: Iterable[str] = (), max_per_query: int = 50,
            max_per_channel: int = 500, **options: Any) -> CollectReport:
    """Collect videos from searches, channel URLs and/or a CSV of ids into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        The dataset folder to create or resume.
    queries : iterable of str
        YouTube search queries (``max_per_query`` results each).
    channels : iterable of str
        Channel URLs on youtube.com (their uploads, up to ``max_per_channel``).
    ids_csv : path, optional
        A CSV with a ``video_id`` column (e.g. a YouTube-8M sample).
    video_ids : iterable of str
        Explicit ids.
    **options
        Passed to ``Collector`` (``ydl_factory``, ``thumbnail_base``, ``workers``, ``retry``,
        ``collected_at``, ``sleep``, ``show_progress``, ``session_factory``).

    Returns
    -------
    CollectReport
    """
    collector = Collector(out_dir, **options)
    queries, channels = list(queries), list(channels)
    for url in channels:
        check_channel_url(url)  # refuse a foreign host before anything is created or requested
    explicit = list(video_ids) + (read_id_csv(ids_csv) if ids_csv else [])
    if not (queries or channels or explicit) and not (collector.out_dir / JOURNAL_FILE).is_file():
        raise DatasetError("nothing to collect: give --query, --channel, --video-id or --ids-csv")
    collector.prepare()
    ids = collector.list_videos(queries, channels, explicit, max_per_query, max_per_channel)
    return collector.run(ids)
