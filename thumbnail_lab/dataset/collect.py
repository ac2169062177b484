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
* resumable: each finished video is one line appended (and fsynced) to
  ``collect_journal.jsonl`` *after* its image was written atomically, so a killed run
  loses at most the videos in flight and never leaves a half-written image or row;
  re-running skips every id in the journal. ``metadata.csv`` is rebuilt from the journal,
  sorted by video id, at the end of every run (so it is identical however the work was
  split between runs);
* failures (unavailable videos, missing fields, thumbnails that never came) are appended to
  ``collect_failures.jsonl`` and retried on the next run.

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
from .images import ImageProblem, inspect_image, jpeg_bytes
from .layout import IMAGES_DIR, METADATA_FILE, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, VIDEO_ID_RE, DatasetError, \
    format_csv, read_csv_rows

DEFAULT_THUMBNAIL_BASE = "https://i.ytimg.com/vi"
THUMBNAIL_NAMES = ("maxresdefault.jpg", "hqdefault.jpg")
YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com")
JOURNAL_FILE = "collect_journal.jsonl"
FAILURES_FILE = "collect_failures.jsonl"
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

    def summary(self) -> str:
        """One line for the command line."""
        return (f"{self.out_dir}: {self.listed:,} videos listed, {self.skipped:,} already done, "
                f"{self.collected:,} collected, {self.failed:,} failed (see {FAILURES_FILE}); "
                f"{METADATA_FILE} has {self.rows:,} rows")


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
        elif entry.get("id") and VIDEO_ID_RE.match(str(entry["id"])):
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
    subscribers = info.get("channel_follower_count")
    return {
        "file_name": f"{IMAGES_DIR}/{video_id}.jpg", "video_id": video_id, "channel_id": str(info["channel_id"]),
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
        self.collected_at = collected_at or dt.datetime.now(dt.timezone.utc).date().isoformat()
        self.sleep = sleep
        self.show_progress = show_progress
        self._local = threading.local()
        self._journal_lock = threading.Lock()

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
            info = self._with_retries(lambda: self._ydl(flat=True).extract_info(
                f"ytsearch{int(max_per_query)}:{query}", download=False), f"search {query!r}")
            ids += list(flat_entries(info))[:max_per_query]
        for url in urls:
            info = self._with_retries(lambda: self._ydl(flat=True).extract_info(url, download=False),
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

        if urlsplit(url).netloc != self.allowed_host:
            raise CollectError(f"refusing to contact {url!r}: only {self.allowed_host} is allowed")
        last = ""
        for attempt in range(self.retry.retries + 1):
            wait = None
            try:
                response = self._session().get(url, timeout=self.retry.timeout_s, allow_redirects=False, stream=True)
                try:
                    status = response.status_code
                    if status == 200:
                        return self._read_body(response, url)
                    if status in (404, 410):
                        return None
                    last = f"HTTP {status}"
                    if status != 429 and not 500 <= status < 600:
                        raise CollectError(f"thumbnail {url}: HTTP {status}")
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                finally:
                    response.close()
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    _TooSlow) as err:
                last = f"{type(err).__name__}: {str(err)[:200]}"
            if attempt < self.retry.retries:
                self.sleep(min(self.retry.max_wait_s, wait if wait is not None else self.retry.wait(attempt)))
        raise CollectError(f"thumbnail {url}: gave up after {self.retry.retries + 1} attempts ({last})")

    def _read_body(self, response, url: str) -> bytes:
        """The body, refusing more than ``MAX_THUMBNAIL_BYTES`` or more than the total timeout."""
        start, chunks, size = time.monotonic(), [], 0
        for chunk in response.iter_content(chunk_size=65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_THUMBNAIL_BYTES:
                raise CollectError(f"thumbnail {url}: larger than {MAX_THUMBNAIL_BYTES:,} bytes")
            if time.monotonic() - start > self.retry.total_timeout_s:
                raise _TooSlow(f"download took over {self.retry.total_timeout_s:g} s")
        return b"".join(chunks)

    def thumbnail(self, video_id: str) -> tuple[bytes, str]:
        """The best thumbnail as RGB JPEG bytes, and the name it came from."""
        for name in THUMBNAIL_NAMES:
            data = self.fetch(f"{self.thumbnail_base}/{video_id}/{name}")
            if data is None:
                continue
            try:
                facts, rgb = inspect_image(data, name)
            except ImageProblem as err:
                raise CollectError(f"thumbnail {name}: {err}") from None
            return (jpeg_bytes(rgb) if facts.needs_reencode else data), name
        raise CollectError(f"thumbnail: none of {', '.join(THUMBNAIL_NAMES)} exists")

    def collect_one(self, video_id: str) -> dict:
        """Metadata and thumbnail of one video; the image is on disk before the record is returned."""
        if not VIDEO_ID_RE.match(video_id):
            raise CollectError(f"id: {video_id[:80]!r} is not a video id")
        info = self._with_retries(lambda: self._ydl().extract_info(
            f"https://www.youtube.com/watch?v={video_id}", download=False), video_id)
        record = to_record(info or {}, video_id, self.collected_at)
        data, source = self.thumbnail(video_id)
        write_bytes(self.out_dir / record["file_name"], data)
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

    def compact(self) -> int:
        """Rebuild ``metadata.csv`` from the journal (last record per id wins, sorted by id)."""
        records = {r["video_id"]: r for r in read_journal(self.out_dir / JOURNAL_FILE)}
        rows = [[records[vid].get(column, "") for column in COLUMNS] for vid in sorted(records)]
        write_text(self.out_dir / METADATA_FILE, format_csv(COLUMNS, rows))
        return len(rows)

    def _clean_stale_temporaries(self) -> None:
        """Remove temporary files a killed run left in our own folders (never a finished file)."""
        for folder in (self.out_dir, self.out_dir / IMAGES_DIR):
            for stale in folder.glob(".*.tmp"):
                stale.unlink(missing_ok=True)

    # ----- run -------------------------------------------------------------------------------
    def run(self, video_ids: Iterable[str]) -> CollectReport:
        """Collect every id not yet done, then rebuild ``metadata.csv``."""
        (self.out_dir / IMAGES_DIR).mkdir(parents=True, exist_ok=True)
        self._clean_stale_temporaries()
        ids = list(dict.fromkeys(video_ids))
        done = self.done_ids()
        todo = [vid for vid in ids if vid not in done]
        collected, failures = 0, []
        pool = ThreadPoolExecutor(max_workers=self.workers)
        try:
            futures = {pool.submit(self.collect_one, vid): vid for vid in todo}
            for future in progress(as_completed(futures), total=len(futures), desc="collecting",
                                   disable=not self.show_progress):
                vid = futures[future]
                try:
                    record = future.result()
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
        return CollectReport(out_dir=self.out_dir, listed=len(ids), skipped=len(ids) - len(todo),
                             collected=collected, failed=len(failures), rows=rows, failures=failures)


class _TooSlow(Exception):
    """A download exceeded the total time allowed."""


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
    explicit = list(video_ids) + (read_id_csv(ids_csv) if ids_csv else [])
    ids = collector.list_videos(queries, channels, explicit, max_per_query, max_per_channel)
    if not ids and not (collector.out_dir / JOURNAL_FILE).is_file():
        raise DatasetError("nothing to collect: give --query, --channel or --ids-csv")
    return collector.run(ids)
