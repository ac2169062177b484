"""A TopK sparse autoencoder: embeddings in, a few active interpretable latents out.

Architecture (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"):
``z = TopK(ReLU(W_enc (x - b_dec) + b_enc))`` and ``x_hat = W_dec z + b_dec``, with the
decoder's columns kept at unit norm (so a latent's activation is its size in embedding units)
and the AuxK loss against dead latents: the ``k_aux`` largest pre-activations among latents
that have not fired for ``dead_steps`` batches must reconstruct what the main latents missed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from ..checkpoint import data_digest, maybe_checkpoint
from ..progress import progress


class TopKSAE(nn.Module):
    """TopK sparse autoencoder with unit-norm decoder columns.

    Parameters
    ----------
    d_in : int
        Embedding size.
    expansion : int
        Latents per input dimension (``n_latents = expansion * d_in``).
    k : int
        Active latents per input.
    """

    def __init__(self, d_in: int, expansion: int = 8, k: int = 8) -> None:
        super().__init__()
        self.d_in, self.k, self.n_latents = d_in, k, d_in * expansion
        if not 1 <= k <= self.n_latents:
            raise ValueError(f"k={k} must be between 1 and n_latents={self.n_latents}")
        w = torch.randn(d_in, self.n_latents)
        w = w / w.norm(dim=0, keepdim=True)
        self.W_dec = nn.Parameter(w)                    # (d_in, n_latents), unit-norm columns
        self.W_enc = nn.Parameter(w.T.clone())          # tied initialisation
        self.b_enc = nn.Parameter(torch.zeros(self.n_latents))
        self.b_dec = nn.Parameter(torch.zeros(d_in))

    def pre_activations(self, x: torch.Tensor) -> torch.Tensor:
        """ReLU pre-activations before the TopK selection."""
        return torch.relu((x - self.b_dec) @ self.W_enc.T + self.b_enc)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Sparse codes: all but the ``k`` largest pre-activations set to zero."""
        pre = self.pre_activations(x)
        vals, idx = pre.topk(self.k, dim=-1)
        return torch.zeros_like(pre).scatter_(-1, idx, vals)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstruction from codes."""
        return z @ self.W_dec.T + self.b_dec

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encode(x)
        return self.decode(z), z

    @torch.no_grad()
    def normalise_decoder(self) -> None:
        """Project decoder columns back to unit norm (after each optimiser step)."""
        self.W_dec.data /= self.W_dec.data.norm(dim=0, keepdim=True).clamp_min(1e-8)


@dataclass
class SAEConfig:
    """Training settings of the SAE (every one a chapter parameter)."""

    expansion: int = 8
    k: int = 8
    epochs: int = 30
    batch_size: int = 256
    lr: float = 1e-3
    aux_coef: float = 1 / 32
    k_aux: int | None = None        # defaults to min(2 * d_in, n_latents // 2)
    dead_steps: int = 50            # a latent silent for this many batches counts as dead
    seed: int = 0


@dataclass
class SAEDiagnostics:
    """How well the SAE explains its inputs and how it uses its latents."""

    fvu: float           # fraction of variance unexplained: ||x - x_hat||^2 / ||x - mean(x)||^2
    l0: float            # mean number of active latents per input
    dead_share: float    # share of latents that never fire on these inputs
    n_latents: int
    n_inputs: int

    def as_dict(self) -> dict:
        """Plain dict (for results.json)."""
        return asdict(self)


@dataclass
class Standardiser:
    """Centre embeddings and scale them to unit mean squared norm (fitted on the SAE corpus)."""

    mean: np.ndarray
    scale: float

    @classmethod
    def fit(cls, x: np.ndarray) -> "Standardiser":
        mean = x.mean(axis=0)
        return cls(mean=mean, scale=float(np.sqrt(((x - mean) ** 2).sum(axis=1).mean())) or 1.0)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale).astype(np.float32)


def _aux_loss(sae: TopKSAE, x: torch.Tensor, x_hat: torch.Tensor, dead: torch.Tensor, k_aux: int) -> torch.Tensor:
    """AuxK: dead latents' top pre-activations reconstruct the main reconstruction's error."""
    n_dead = int(dead.sum())
    if n_dead == 0:
        return x.new_zeros(())
    pre = sae.pre_activations(x) * dead          # only dead latents may take part
    vals, idx = pre.topk(min(k_aux, n_dead), dim=-1)
    z_aux = torch.zeros_like(pre).scatter_(-1, idx, vals)
    residual = (x - x_hat).detach()
    err = z_aux @ sae.W_dec.T
    return ((err - residual) ** 2).sum(-1).mean() / (residual ** 2).sum(-1).mean().clamp_min(1e-8)


def train_sae(x: np.ndarray, config: SAEConfig = SAEConfig(), show_progress: bool = True,  # noqa: B008 (read, never changed)
              checkpoint_path: Path | None = None) -> tuple[TopKSAE, list[float]]:
    """Train a TopK SAE on (already standardised) embeddings ``x``.

    With ``checkpoint_path`` the state is saved after every epoch, and a run started again
    with the same data and config resumes from it to bitwise the same model (a finished run
    returns at once). Returns the model and the per-epoch mean FVU on the training batches.
    """
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    data = torch.as_tensor(np.asarray(x, dtype=np.float32))
    sae = TopKSAE(data.shape[1], config.expansion, config.k)
    # Start the decoder bias at the data mean (Gao et al.): latents then model deviations.
    sae.b_dec.data = data.mean(0)
    k_aux = config.k_aux or min(2 * data.shape[1], sae.n_latents // 2)
    opt = torch.optim.Adam(sae.parameters(), lr=config.lr)
    since_fired = torch.zeros(sae.n_latents)
    var = ((data - data.mean(0)) ** 2).sum(-1).mean()
    history: list[float] = []
    # The thread count is part of the fingerprint: it may change the last bits of a sum.
    ckpt = maybe_checkpoint(checkpoint_path, {"trainer": "sae-v1", "data": data_digest(data.numpy()),
                                              "threads": torch.get_num_threads(), **asdict(config)})
    first = 0
    if ckpt is not None:
        first, extra = ckpt.load(sae, opt, {"shuffle": gen})
        history, since_fired = extra.get("history", history), extra.get("since_fired", since_fired)
    for epoch in progress(range(first, config.epochs), desc="SAE epochs", disable=not show_progress):
        perm = torch.randperm(len(data), generator=gen)
        fvu_sum, n_batches = 0.0, 0
        for start in range(0, len(data), config.batch_size):
            xb = data[perm[start:start + config.batch_size]]
            x_hat, z = sae(xb)
            mse = ((x_hat - xb) ** 2).sum(-1).mean()
            since_fired = torch.where((z > 0).any(0), torch.zeros_like(since_fired), since_fired + 1)
            loss = mse / var + config.aux_coef * _aux_loss(sae, xb, x_hat, since_fired >= config.dead_steps, k_aux)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sae.normalise_decoder()
            fvu_sum += float(mse.detach() / var)
            n_batches += 1
        history.append(fvu_sum / n_batches)
        if ckpt is not None:
            ckpt.save(sae, opt, epoch + 1, {"shuffle": gen}, {"history": history, "since_fired": since_fired})
    return sae, history


@torch.no_grad()
def encode_sparse(sae: TopKSAE, x: np.ndarray, batch_size: int = 4096) -> sp.csr_matrix:
    """Activations of every input as a sparse (n_inputs, n_latents) float32 CSR matrix."""
    blocks = []
    for start in range(0, len(x), batch_size):
        xb = torch.as_tensor(np.asarray(x[start:start + batch_size], dtype=np.float32))
        pre = sae.pre_activations(xb)
        vals, idx = pre.topk(sae.k, dim=-1)
        rows = np.repeat(np.arange(len(xb)), sae.k)
        blocks.append(sp.csr_matrix((vals.numpy().ravel(), (rows, idx.numpy().ravel())),
                                    shape=(len(xb), sae.n_latents), dtype=np.float32))
    acts = sp.vstack(blocks, format="csr")
    acts.eliminate_zeros()      # ReLU zeros inside the top k are not activations
    return acts


@torch.no_grad()
def diagnostics(sae: TopKSAE, x: np.ndarray) -> SAEDiagnostics:
    """FVU, L0 and dead-latent share of the SAE on inputs ``x``."""
    data = torch.as_tensor(np.asarray(x, dtype=np.float32))
    acts = encode_sparse(sae, x)
    x_hat = torch.as_tensor(acts @ sae.W_dec.numpy().T) + sae.b_dec
    fvu = float(((data - x_hat) ** 2).sum() / ((data - data.mean(0)) ** 2).sum())
    fired = np.zeros(sae.n_latents, dtype=bool)
    fired[np.unique(acts.indices)] = True
    return SAEDiagnostics(fvu=fvu, l0=float(acts.getnnz(axis=1).mean()),
                          dead_share=float(1 - fired.mean()), n_latents=sae.n_latents, n_inputs=len(data))


def decoder_recovery(sae: TopKSAE, dictionary: np.ndarray) -> np.ndarray:
    """For each true atom (rows of ``dictionary``), the best cosine with any decoder column."""
    atoms = dictionary / np.linalg.norm(dictionary, axis=1, keepdims=True)
    return (atoms @ sae.W_dec.detach().numpy()).max(axis=1)
