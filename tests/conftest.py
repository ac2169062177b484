"""Shared test set-up: the tests never reach the network, and model hubs are offline."""
from __future__ import annotations

import os

import pytest

from thumbnail_lab.netguard import allow_network, block_network

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Refuse every non-loopback connection for the whole test session (local servers still work)."""
    block_network()
    yield
    allow_network()
