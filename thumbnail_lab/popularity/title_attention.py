"""The attention study's title model: a bidirectional LSTM over word vectors, pooled by learned attention.

Word vectors are MiniLM's own (frozen) word-piece input embeddings, so nothing is downloaded;
the attention weights of a title's pieces are summed per word, which is what the study showed
beside each title. The model is trained as the study trained it, popular/unpopular at the
training median of views per subscriber (binary cross-entropy); where ThumbWorld's adjusted
views exist a second head regresses them, so that the null world can check this family on a
target with nothing left to learn. Its scores join the results table like any other model's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

MAX_PIECES = 32


@dataclass
class Tokens:
    """Word-piece ids (N, L) in a compact vocabulary, the word each piece belongs to (-1 = padding), the words."""

    ids: np.ndarray
    word_of: np.ndarray
    words: list[list[str]]
    vectors: np.ndarray  # (compact vocabulary, dim) word vectors; row 0 is padding


def tokenise(titles: Sequence[str], tokenizer=None, table: np.ndarray | None = None) -> Tokens:
    """Split titles into words, words into MiniLM word pieces, and gather their input embeddings."""
    if tokenizer is None or table is None:
        from .text_models import sentence_model

        st = sentence_model()
        tokenizer = st[0].tokenizer
        table = st[0].auto_model.embeddings.word_embeddings.weight.detach().numpy()
    words = [str(t).split() or [str(tokenizer.unk_token)] for t in titles]
    enc = tokenizer(words, is_split_into_words=True, add_special_tokens=False, truncation=True, max_length=MAX_PIECES)
    vocab = {}
    ids = np.zeros((len(words), MAX_PIECES), np.int64)
    word_of = np.full((len(words), MAX_PIECES), -1, np.int64)
    for i, pieces in enumerate(enc["input_ids"]):
        pieces = pieces or [tokenizer.unk_token_id]
        ids[i, :len(pieces)] = [vocab.setdefault(p, len(vocab) + 1) for p in pieces]
        word_of[i, :len(pieces)] = [w if w is not None else 0 for w in (enc.word_ids(i) or [0])][:len(pieces)]
    vectors = np.zeros((len(vocab) + 1, table.shape[1]), np.float32)
    for piece, k in vocab.items():
        vectors[k] = table[piece]
    return Tokens(ids, word_of, words, vectors)


class AttentionBiLSTM(nn.Module):
    """Frozen word vectors -> BiLSTM -> attention pooling (a learned score per piece, softmax) -> heads."""

    def __init__(self, vectors: np.ndarray, hidden: int = 32, n_outputs: int = 1) -> None:
        super().__init__()
        self.embed = nn.Embedding.from_pretrained(torch.from_numpy(vectors), freeze=True, padding_idx=0)
        self.lstm = nn.LSTM(vectors.shape[1], hidden, batch_first=True, bidirectional=True)
        self.score = nn.Linear(2 * hidden, 1)
        self.head = nn.Linear(2 * hidden, n_outputs)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask = ids > 0
        h, _ = self.lstm(self.embed(ids))
        logits = self.score(h).squeeze(-1).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=1)
        return self.head((weights.unsqueeze(-1) * h).sum(1)), weights


@dataclass
class AttentionModel:
    """A trained attention model, what its outputs mean and the tokens it reads."""

    net: AttentionBiLSTM
    tokens: Tokens
    outputs: list[str]
    y_mean: np.ndarray
    y_sd: np.ndarray
    history: list[dict]

    @torch.no_grad()
    def predict(self, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Scores per output for ``rows`` (all rows by default): a logit for the classification head."""
        self.net.eval()
        ids = torch.from_numpy(self.tokens.ids if rows is None else self.tokens.ids[rows])
        out = torch.cat([self.net(part)[0] for part in torch.split(ids, 512)]).numpy() if len(ids) else np.zeros((0, 1))
        out = out * self.y_sd + self.y_mean
        return {name: out[:, k].astype(float) for k, name in enumerate(self.outputs)}

    @torch.no_grad()
    def word_attention(self, rows: Sequence[int]) -> list[list[tuple[str, float]]]:
        """(word, attention weight summed over its pieces) for each title in ``rows``."""
        self.net.eval()
        _, weights = self.net(torch.from_numpy(self.tokens.ids[list(rows)]))
        out = []
        for k, i in enumerate(rows):
            per_word = np.zeros(len(self.tokens.words[i]))
            keep = self.tokens.word_of[i] >= 0
            np.add.at(per_word, self.tokens.word_of[i][keep], weights[k].numpy()[keep])
            out.append(list(zip(self.tokens.words[i], per_word.tolist())))
        return out


def train(tokens: Tokens, popular: np.ndarray, masks, adjusted: np.ndarray | None = None, epochs: int = 8,
          hidden: int = 32, lr: float = 3e-3, batch_size: int = 128, seed: int = 0) -> AttentionModel:
    """Fit on training rows (binary cross-entropy on ``popular``, plus MSE on standardised ``adjusted``);
    keep the epoch with the lowest validation loss."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    outputs = ["popular_per_subscriber"] + (["adjusted"] if adjusted is not None else [])
    y = np.column_stack([popular] + ([adjusted] if adjusted is not None else [])).astype(np.float32)
    train_rows, val_rows = np.flatnonzero(masks["train"]), np.flatnonzero(masks["val"])
    mean = np.r_[0.0, y[train_rows, 1:].mean(0)] if y.shape[1] > 1 else np.zeros(1)
    sd = np.r_[1.0, y[train_rows, 1:].std(0) + 1e-6] if y.shape[1] > 1 else np.ones(1)
    yt = torch.from_numpy(((y - mean) / sd).astype(np.float32))
    ids = torch.from_numpy(tokens.ids)
    net = AttentionBiLSTM(tokens.vectors, hidden, len(outputs))
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr)

    def loss_of(rows) -> torch.Tensor:
        out, _ = net(ids[rows])
        loss = nn.functional.binary_cross_entropy_with_logits(out[:, 0], yt[rows, 0])
        return loss + (nn.functional.mse_loss(out[:, 1:], yt[rows, 1:]) if out.shape[1] > 1 else 0.0)

    history, best, best_state = [], float("inf"), None
    train_t = torch.as_tensor(train_rows)
    for epoch in range(epochs):
        net.train()
        for part in torch.split(train_t[torch.randperm(len(train_t), generator=gen)], batch_size):
            loss = loss_of(part)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            val = float(loss_of(torch.as_tensor(val_rows)))
        history.append({"epoch": epoch + 1, "val_loss": val})
        if val < best:
            best, best_state = val, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    return AttentionModel(net, tokens, outputs, mean, sd, history)
