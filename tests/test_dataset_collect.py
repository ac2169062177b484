"""The collector, fully offline: a fake yt-dlp client (recorded-style info dicts injected at the
library boundary) and a local HTTP server on 127.0.0.1 that serves thumbnails and faults."""
from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from thumbnail_lab.dataset import validate_dataset
from thumbnail_lab.dataset.collect import (
    FAILURES_FILE,
    JOURNAL_FILE,
    CollectError,
    Collector,
    RetryPolicy,
    check_channel_url,
    collect,
    read_id_csv,
    read_journal,
    retry_after_seconds,
)
from thumbnail_lab.dataset.layout import DatasetError
from thumbnail_lab.publish.netguard import blocked

sys.path.insert(0, str(Path(__file__).parent))
from test_dataset_collect_fakes import TITLES, FakeYDL, thumbnail_bytes  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FAST = RetryPolicy(retries=3, backoff_s=0.001, max_wait_s=5.0, timeout_s=0.5, total_timeout_s=5.0)
class FaultyThumbnailServer(BaseHTTPRequestHandler):
    """Serves /vi/<id>/<name>; the id's prefix picks a fault."""

    hits: dict[str, int] = {}
    lock = threading.Lock()
    delay = 0.0

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        _, _, video_id, name = self.path.split("/", 3)
        with self.lock:
            n = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        time.sleep(self.delay)
        maxres = name == "maxresdefault.jpg"
        if video_id.startswith("onlyhq") and maxres or video_id.startswith("nothumb"):
            return self._send(404, b"not found")
        if video_id.startswith("limited") and n == 1:
            return self._send(429, b"slow down", {"Retry-After": "2"})
        if video_id.startswith("flaky") and n <= 2:
            return self._send(500 if n == 1 else 503)
        if video_id.startswith("dead"):
            return self._send(500)
        if video_id.startswith("timeout") and n == 1:
            time.sleep(1.5)  # longer than the client's timeout
            return self._send(200, thumbnail_bytes(video_id))
        if video_id.startswith("reset") and n == 1:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # an RST instead of a response
            self.close_connection = True
            return None
        if video_id.startswith("redirect"):
            return self._send(302, b"", {"Location": "http://example.com/elsewhere.jpg"})
        if video_id.startswith("notimage"):
            return self._send(200, b"<html>captcha</html>")
        if video_id.startswith("forbid") and maxres:
            return self._send(403, b"forbidden")
        if video_id.startswith("maxhtml") and maxres:
            return self._send(200, b"<html>consent page</html>")
        if video_id.startswith("trickle"):  # announces 100 kB, then sends a byte every 50 ms (over an hour)
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:  # the client hung up, as it should
                pass
            return None
        body = thumbnail_bytes(video_id, (1280, 720) if maxres else (480, 360))
        if video_id.startswith("slow"):  # trickle the body in pieces
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for start in range(0, len(body), len(body) // 4 + 1):
                self.wfile.write(body[start:start + len(body) // 4 + 1])
                self.wfile.flush()
                time.sleep(0.05)
            return None
        return self._send(200, body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # resets and timeouts are on purpose
        pass


@pytest.fixture
def server():
    FaultyThumbnailServer.hits = {}
    FaultyThumbnailServer.delay = 0.0
    httpd = _QuietServer(("127.0.0.1", 0), FaultyThumbnailServer)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/vi"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def offline():
    with blocked():
        yield


GOOD = ["okmaxres001", "onlyhq00002", "limited0003", "flaky500004", "timeout0005", "reset000006", "slow0000007",
        "ratelimit01"]
BAD = {"dead0000008": "gave up after 4 attempts", "nothumb0009": "none of maxresdefault.jpg, hqdefault.jpg",
       "gone0000010": "Video unavailable", "notimage011": "not a readable image", "redirect012": "HTTP 302",
       "live0000013": "no view_count", "bad/id": "is not a video id"}


def test_collect_with_faults(tmp_path, server, offline):
    FakeYDL.failures_left = {"ratelimit01": 1}
    waits: list[float] = []
    out = tmp_path / "collected"
    report = collect(out, video_ids=GOOD + list(BAD), ydl_factory=FakeYDL, thumbnail_base=server, workers=4,
                     retry=FAST, collected_at="2024-05-01", sleep=waits.append, show_progress=False)
    assert (report.collected, report.failed, report.rows) == (len(GOOD), len(BAD), len(GOOD))
    assert 2.0 in waits  # Retry-After honoured
    failures = {f["video_id"]: f["reason"] for f in read_journal(out / FAILURES_FILE)}
    for video_id, fragment in BAD.items():
        assert fragment in failures[video_id], (video_id, failures[video_id])
    hits = FaultyThumbnailServer.hits
    assert hits["/vi/onlyhq00002/maxresdefault.jpg"] == 1 and hits["/vi/onlyhq00002/hqdefault.jpg"] == 1
    assert hits["/vi/flaky500004/maxresdefault.jpg"] == 3 and hits["/vi/dead0000008/maxresdefault.jpg"] == 4
    # The result is a valid dataset with titles kept whole.
    result = validate_dataset(out, extra_columns="error", show_progress=False)
    assert result.ok and sorted(result.metadata["video_id"]) == sorted(GOOD)
    assert set(result.metadata["title"]) <= set(TITLES)
    assert (result.metadata["collected_at"].dt.strftime("%Y-%m-%d") == "2024-05-01").all()
    assert set(result.metadata.loc[result.metadata.video_id == "okmaxres001", "image_width"]) == {1280}
    assert set(result.metadata.loc[result.metadata.video_id == "onlyhq00002", "image_width"]) == {480}

    # A second run skips what is done and retries only the failures.
    before = (out / "metadata.csv").read_bytes()
    FaultyThumbnailServer.hits = {}
    again = collect(out, video_ids=GOOD + list(BAD), ydl_factory=FakeYDL, thumbnail_base=server, workers=4,
                    retry=FAST, collected_at="2024-05-01", sleep=waits.append, show_progress=False)
    assert (again.skipped, again.collected, again.failed) == (len(GOOD), 0, len(BAD))
    assert not any(path.split("/")[2] in GOOD for path in FaultyThumbnailServer.hits)
    assert (out / "metadata.csv").read_bytes() == before


def test_listing_from_search_channel_and_csv(tmp_path, server, offline):
    ids_csv = tmp_path / "ids.csv"
    ids_csv.write_text("video_id,label\nfromcsv0001,x\nnoodle00001,y\n", encoding="utf-8")
    assert read_id_csv(ids_csv) == ["fromcsv0001", "noodle00001"]
    collector = Collector(tmp_path / "c", ydl_factory=FakeYDL, thumbnail_base=server, show_progress=False)
    ids = collector.list_videos(queries=["spicy noodles"], channels=["https://www.youtube.com/@cooking"],
                                video_ids=read_id_csv(ids_csv), max_per_query=3)
    assert ids == ["fromcsv0001", "noodle00001", "noodle00002", "okmaxres001", "cook0000003"]


def test_only_documented_hosts():
    with pytest.raises(DatasetError, match="not on youtube.com"):
        check_channel_url("https://evil.example.com/@someone")
    assert check_channel_url("https://youtube.com/@someone") == "https://www.youtube.com/@someone/videos"
    urls: list[str] = []

    class RecordingSession:
        def get(self, url, **kwargs):
            urls.append(url)
            raise AssertionError("no request may be sent in this test")

    collector = Collector("unused", session_factory=RecordingSession, retry=FAST, sleep=lambda s: None)
    with pytest.raises(CollectError, match="refusing to contact"):
        collector.fetch("https://example.com/x.jpg")
    assert urls == []
    with pytest.raises(AssertionError):
        collector.thumbnail("abcdefghijk")
    assert urls == ["https://i.ytimg.com/vi/abcdefghijk/maxresdefault.jpg"]


def test_retry_after_forms():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait


def test_torn_journal_line_is_repaired(tmp_path):
    journal = tmp_path / JOURNAL_FILE
    journal.write_bytes(b'{"video_id": "a"}\n{"video_id": "b"}\n{"video_id": "c"')
    assert [r["video_id"] for r in read_journal(journal, repair=True)] == ["a", "b"]
    assert journal.read_bytes() == b'{"video_id": "a"}\n{"video_id": "b"}\n'


DRIVER = """
import sys
sys.path.insert(0, {tests!r})
from test_dataset_collect_fakes import FakeYDL
from thumbnail_lab.dataset.collect import RetryPolicy, collect
FakeYDL.delay = 0.01
ids = ["kill%07d" % i for i in range(40)]
collect(sys.argv[1], video_ids=ids, ydl_factory=FakeYDL, thumbnail_base=sys.argv[2], workers=3,
        collected_at="2024-05-01", retry=RetryPolicy(retries=2, backoff_s=0.01, timeout_s=5), show_progress=False)
"""


def _run_driver(script: Path, out: Path, base: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, str(script), str(out), base], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_then_resume_gives_identical_dataset(tmp_path, server):
    FaultyThumbnailServer.delay = 0.02
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(tests=str(Path(__file__).parent)), encoding="utf-8")
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    victim = _run_driver(script, resumed, server)
    collect(reference, video_ids=["kill%07d" % i for i in range(40)], ydl_factory=FakeYDL, thumbnail_base=server,
            workers=3, collected_at="2024-05-01", retry=RetryPolicy(retries=2, backoff_s=0.01, timeout_s=5),
            show_progress=False)  # the uninterrupted run, in this process meanwhile
    journal = resumed / JOURNAL_FILE
    deadline = time.time() + 30
    while time.time() < deadline and (not journal.exists() or journal.read_bytes().count(b"\n") < 10):
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    done_at_kill = journal.read_bytes().count(b"\n")
    assert 10 <= done_at_kill < 40, "the kill must land mid-run"
    assert not (resumed / "metadata.csv").exists()

    finisher = _run_driver(script, resumed, server)
    assert finisher.wait(timeout=60) == 0, finisher.stderr.read().decode()
    assert (resumed / "metadata.csv").read_bytes() == (reference / "metadata.csv").read_bytes()
    images = sorted(p.name for p in (resumed / "images").iterdir())
    assert images == sorted(p.name for p in (reference / "images").iterdir())  # no leftover temporaries
    for name in images:
        assert (resumed / "images" / name).read_bytes() == (reference / "images" / name).read_bytes()
    assert not list(resumed.glob(".*.tmp"))
    assert len(read_journal(journal)) == 40


def test_cli_collect(tmp_path, server, offline, monkeypatch, capsys):
    import thumbnail_lab.dataset.collect as collect_module
    from thumbnail_lab.__main__ import main

    monkeypatch.setattr(collect_module, "default_ydl_factory", FakeYDL)
    out = tmp_path / "cli"
    argv = ["collect", "--out", str(out), "--query", "spicy noodles", "--max-per-query", "3", "--video-id",
            "onlyhq00002", "--thumbnail-base", server, "--collected-at", "2024-05-01", "--quiet"]
    assert main(argv) == 0
    assert "4 videos listed" in capsys.readouterr().out
    assert (out / "metadata.csv").read_text(encoding="utf-8").count("\n") == 5
    assert main(["collect", "--out", str(out), "--channel", "https://evil.example.com/@x", "--quiet"]) == 2
    assert "not on youtube.com" in capsys.readouterr().err
