"""Embedding a folder in shards: the same file in this process and on a Dask LocalCluster of two worker
processes on loopback, every row the embedding of its own thumbnail, and bad input stopped in one sentence."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.test_encoder_cache import TINY
from thumbnail_lab.dataset.images import load_resized
from thumbnail_lab.encoder import ensure_encoder, settings_from
from thumbnail_lab.encoder.shards import embed_folder, shard_rows
from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.posterworld.generate import generate_posterworld


def test_shards_cover_every_row_once():
    assert shard_rows(5, 2) == [(0, 2), (2, 4), (4, 5)] and shard_rows(0, 3) == []
    with pytest.raises(ValueError, match="shard_size"):
        shard_rows(4, 0)


@pytest.mark.slow
def test_a_local_cluster_writes_the_same_embeddings_as_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_LAB_ARTIFACTS", str(tmp_path / "artifacts"))
    folder = generate_posterworld(tmp_path / "posters", n_videos=40, seed=2)
    settings = settings_from(**TINY)
    alone = np.load(embed_folder(folder, tmp_path / "alone.npy", settings, shard_size=16, show_progress=False))
    cluster = np.load(embed_folder(folder, tmp_path / "cluster.npy", settings, shard_size=16, workers=2,
                                   show_progress=False))
    assert alone.shape == (40, ensure_encoder(settings, show_progress=False).embed_dim)
    np.testing.assert_allclose(cluster, alone, rtol=1e-5, atol=1e-6)
    assert json.loads((tmp_path / "cluster.json").read_text())["shards"] == 3
    # each row is its own thumbnail's embedding: a shard written out of order would fail here
    encoder = ensure_encoder(settings, show_progress=False)
    rows = [0, 17, 39]
    files = [line.split(",")[0] for line in (folder / "metadata.csv").read_text().splitlines()[1:]]
    direct = encoder.embed(np.stack([load_resized(folder / files[i], settings.width, settings.height) for i in rows]))
    np.testing.assert_allclose(alone[rows], direct, rtol=1e-5, atol=1e-6)
    assert not np.allclose(alone[rows], direct[::-1], atol=1e-6)


def test_embed_refuses_a_folder_that_is_not_a_dataset(tmp_path):
    done = subprocess.run([sys.executable, "-m", "thumbnail_lab", "embed", str(tmp_path), "--out", str(tmp_path / "e.npy")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no metadata.csv there" in done.stderr
    assert not (tmp_path / "e.npy").exists()
