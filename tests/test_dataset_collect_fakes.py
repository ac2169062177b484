"""Fakes for the collector tests: recorded-style yt-dlp info dicts and thumbnail bytes.

Kept free of pytest so that the SIGKILL test's subprocess can import it quickly.
"""
from __future__ import annotations

import functools
import io
import threading
import time
import zlib

import numpy as np

from thumbnail_lab.dataset.toy import toy_image

TITLES = ["I Tried The WORLD'S SPICIEST Noodles 🌶️🔥", "مرحبا بالعالم: أفضل وصفة", "Ｆｕｌｌ-width ＣＡＰＳ ｔｉｔｌｅ",
          "e\u0301\u0301 combining", "100% REAL?! $1,000,000 \"quoted\", comma"]


@functools.lru_cache(maxsize=256)
def thumbnail_bytes(video_id: str, size=(320, 180)) -> bytes:
    image = toy_image(np.random.default_rng(zlib.crc32(video_id.encode())), *size)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def recorded_info(video_id: str) -> dict:
    """An info dict shaped like yt-dlp's for a watch page (fields the collector ignores included)."""
    k = zlib.crc32(video_id.encode())
    return {
        "id": video_id, "title": TITLES[k % len(TITLES)], "channel_id": f"UC{k % 3:022d}",
        "channel": "Some Channel", "channel_url": "https://www.youtube.com/channel/UC0", "uploader": "Some Channel",
        "view_count": 500 + k % 1_000_000, "like_count": 12, "upload_date": f"20{18 + k % 5}0{1 + k % 9}15",
        "duration": 60 + k % 900, "channel_follower_count": 1000 + k % 5000, "age_limit": 0, "categories": ["Howto"],
        "thumbnails": [{"url": f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg", "id": "0"}],
        "webpage_url": f"https://www.youtube.com/watch?v={video_id}", "extractor": "youtube", "_type": "video",
    }


class FakeYDL:
    """Stands in for yt_dlp.YoutubeDL: same constructor and extract_info signature."""

    calls: list[str] = []
    lock = threading.Lock()
    delay = 0.0
    listings = {
        "ytsearch3:spicy noodles": ["noodle00001", "noodle00002", "okmaxres001"],
        "https://www.youtube.com/@cooking/videos": ["noodle00002", "cook0000003"],
    }
    failures_left = {"ratelimit01": 1}

    def __init__(self, params: dict) -> None:
        self.params = params

    def extract_info(self, url: str, download: bool = True, **kwargs) -> dict:
        from yt_dlp.utils import DownloadError

        assert download is False
        with self.lock:
            self.calls.append(url)
        time.sleep(self.delay)
        if url in self.listings:
            assert self.params.get("extract_flat") == "in_playlist"
            return {"_type": "playlist", "id": url, "entries": [
                {"_type": "url", "ie_key": "Youtube", "id": v, "url": f"https://www.youtube.com/watch?v={v}"}
                for v in self.listings[url]]}
        video_id = url.split("v=", 1)[1]
        if video_id.startswith("gone"):
            raise DownloadError(f"ERROR: [youtube] {video_id}: Video unavailable. This video is private")
        with self.lock:
            if self.failures_left.get(video_id, 0) > 0:
                self.failures_left[video_id] -= 1
                raise DownloadError("ERROR: Unable to download API page: HTTP Error 429: Too Many Requests")
        if video_id.startswith("live"):
            return dict(recorded_info(video_id), view_count=None)
        if video_id.startswith("premiere"):
            return dict(recorded_info(video_id), upload_date="29990101")
        return recorded_info(video_id)
