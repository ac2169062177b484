"""Refuse network connections that leave this machine.

The book's default run and the tests must work offline. ``block_network`` patches the
socket layer so that any connection to a non-loopback address raises ``NetworkBlocked``
(naming the address), while loopback stays open: Jupyter kernels talk to papermill over
127.0.0.1, and the collector's tests use a local HTTP server.
"""
from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from typing import Iterator

ENV_FLAG = "THUMBNAIL_LAB_BLOCK_NETWORK"
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class NetworkBlocked(ConnectionRefusedError):
    """A connection to a non-loopback address was attempted while the network is blocked."""


def _is_local(address) -> bool:
    """True for loopback IP addresses, localhost and Unix-domain socket paths."""
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:  # a host name: resolving it is already a network access
        return False


def _guarded_connect(self, address):
    if not _is_local(address):
        raise NetworkBlocked(f"network access blocked: connection to {address!r} "
                             f"(set {ENV_FLAG}=0 to allow it)")
    return _original_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise NetworkBlocked(f"network access blocked: connection to {address!r}")
    return _original_connect_ex(self, address)


def block_network() -> None:
    """Make every non-loopback connection in this process raise ``NetworkBlocked``."""
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """Block the network inside the ``with`` block, then restore whatever was in force before.

    Leaving the block never lifts a guard that an outer scope set (a test fixture inside the
    session-wide guard stays offline after it ends), which is why there is no "unblock" call.
    """
    saved = socket.socket.connect, socket.socket.connect_ex
    block_network()
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = saved


def block_if_requested() -> None:
    """Block the network when ``$THUMBNAIL_LAB_BLOCK_NETWORK`` is set to 1 (used by kernels)."""
    if os.environ.get(ENV_FLAG) == "1":
        block_network()
