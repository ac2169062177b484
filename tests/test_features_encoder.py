"""The label-free image encoder; the optional open_clip path with a tiny random model."""
import numpy as np
import torch

from thumbnail_lab.features.encoder import embed_images, train_autoencoder
from thumbnail_lab.threads import torch_threads


def blobs(n=96, seed=0):
    """Images with a bright square left or right: an autoencoder must tell them apart."""
    rng = np.random.default_rng(seed)
    img = np.full((n, 36, 64, 3), 30, dtype=np.uint8)
    side = rng.integers(0, 2, n)
    for i, s in enumerate(side):
        img[i, 8:28, (4 if s == 0 else 40):(4 if s == 0 else 40) + 20] = 230
    return img, side


def test_autoencoder_learns_and_embeds():
    images, side = blobs()
    before = torch.get_num_threads()
    with torch_threads(1):      # one thread: fast on a shared CPU, and restored afterwards
        model, history = train_autoencoder(images, embed_dim=8, epochs=5, batch_size=32, width_mult=8, show_progress=False)
    assert torch.get_num_threads() == before
    with torch_threads(1):      # batch-by-batch conversion (for datasets too large to hold as floats): same result
        _, streamed = train_autoencoder(images, embed_dim=8, epochs=2, batch_size=32, width_mult=8,
                                        show_progress=False, max_in_memory_bytes=0)
    np.testing.assert_allclose(streamed, history[:2], rtol=1e-5)
    assert history[-1] < history[0]
    emb = embed_images(model, images, batch_size=40)
    assert emb.shape == (96, 8) and emb.dtype == np.float32
    # left and right images land in different places of the embedding space
    gap = np.linalg.norm(emb[side == 0].mean(0) - emb[side == 1].mean(0))
    spread = emb[side == 0].std(0).mean() + 1e-6
    assert gap > spread
    np.testing.assert_allclose(embed_images(model, images[:10]), emb[:10], atol=1e-5)


