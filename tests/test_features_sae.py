"""The TopK SAE recovers a planted sparse dictionary, and its diagnostics mean what they say."""
import numpy as np
import scipy.sparse as sp
import torch

from thumbnail_lab.features.sae import SAEConfig, Standardiser, TopKSAE, decoder_recovery, diagnostics, encode_sparse, train_sae
from thumbnail_lab.threads import torch_threads


def planted(n=3000, d=16, h=24, k=3, seed=0):
    rng = np.random.default_rng(seed)
    dictionary = rng.normal(size=(h, d))
    dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
    codes = np.zeros((n, h))
    for i in range(n):
        codes[i, rng.choice(h, k, replace=False)] = rng.uniform(0.5, 2.0, k)
    return (codes @ dictionary).astype(np.float32), dictionary


def test_sae_recovers_planted_dictionary():
    x, dictionary = planted()
    with torch_threads(1):      # small matmuls: one thread avoids OpenMP stalls on a shared CPU
        sae, history = train_sae(x, SAEConfig(expansion=4, k=3, epochs=30, batch_size=128, lr=3e-3),
                                 show_progress=False)
    diag = diagnostics(sae, x)
    assert history[-1] < history[0]
    assert diag.fvu < 0.15 and diag.l0 <= 3.0
    cos = decoder_recovery(sae, dictionary)
    assert (cos > 0.9).mean() >= 0.9, np.sort(cos)[:5]
    # an untrained SAE of the same shape does not "recover" the atoms: the check has power
    assert (decoder_recovery(TopKSAE(16, 3, 3), dictionary) > 0.9).mean() < 0.5


def test_decoder_unit_norm_and_sparse_codes():
    x, _ = planted(n=600)
    sae, _ = train_sae(x, SAEConfig(expansion=2, k=4, epochs=2), show_progress=False)
    norms = sae.W_dec.detach().norm(dim=0).numpy()
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)
    acts = encode_sparse(sae, x, batch_size=128)
    assert sp.isspmatrix_csr(acts) and acts.shape == (600, 32)
    assert acts.getnnz(axis=1).max() <= 4 and (acts.data > 0).all()
    dense = sae.encode(torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(acts.toarray(), dense, atol=1e-5)


def test_dead_latent_share_and_standardiser():
    x, _ = planted(n=500)
    sae = TopKSAE(16, 4, 2)
    with torch.no_grad():
        sae.b_enc[:] = -1e3                 # nothing can fire except through the top-k of zeros
        sae.b_enc[:5] = 10.0
    diag = diagnostics(sae, x)
    assert diag.dead_share >= (64 - 5) / 64 - 1e-9 and diag.fvu > 0
    st = Standardiser.fit(x * 5 + 3)
    z = st(x * 5 + 3)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-4)
    assert abs((z ** 2).sum(1).mean() - 1) < 1e-3
