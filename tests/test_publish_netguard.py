"""The network guard: loopback allowed, everything else refused, nested guards."""
from __future__ import annotations

import socket

import pytest

from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish import netguard
from thumbnail_lab.publish.profiles import (
    CHAPTER_PATTERN,
)

BOOK = REPO_ROOT / "book"
SOURCES = sorted(BOOK.glob(f"{CHAPTER_PATTERN}.py")) + sorted(BOOK.glob("appendix_*.py"))


def test_network_guard_blocks_outside_and_allows_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=2):
        pass  # loopback is allowed under the session-wide guard
    server.close()
    with pytest.raises(netguard.NetworkBlocked, match="192.0.2.1"):
        socket.create_connection(("192.0.2.1", 80), timeout=2)


def test_leaving_a_nested_guard_keeps_the_outer_one():
    with netguard.blocked():
        pass
    with pytest.raises(netguard.NetworkBlocked):  # the session-wide guard is still in force
        socket.create_connection(("192.0.2.1", 80), timeout=2)
