"""Sentences built from a run's numbers, so the chapters' discussions never type a result by hand."""
from __future__ import annotations


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def ablation_verdict(stabilised: dict, ablated: dict, collapse_ratio: float = 0.6) -> str:
    """Say whether turning the stabilisers off hurt, by diversity, coverage and Fréchet distance.

    ``stabilised`` and ``ablated`` are :func:`~thumbnail_lab.generative.evaluation.score_samples`
    outputs (plus ``d_loss_final``). A diversity ratio below ``collapse_ratio`` is called a collapse.
    """
    parts = []
    d_s, d_a = stabilised["diversity_ratio"], ablated["diversity_ratio"]
    if d_a < collapse_ratio <= d_s:
        parts.append(f"Without the stabilisers the generator collapsed: its samples are only {_pct(d_a)} as "
                     f"varied as the training thumbnails in feature space, against {_pct(d_s)} with them.")
    elif d_a < d_s:
        parts.append(f"Without the stabilisers the samples are less varied ({_pct(d_a)} of the training "
                     f"thumbnails' diversity against {_pct(d_s)}).")
    else:
        parts.append(f"In this run the unstabilised GAN did not lose diversity ({_pct(d_a)} of the training "
                     f"thumbnails' diversity against {_pct(d_s)} with the stabilisers), so the failure, if any, "
                     f"lies elsewhere.")
    c_s, c_a = stabilised["coverage"], ablated["coverage"]
    if c_a < c_s:
        parts.append(f"It covers fewer of ThumbWorld's elements ({_pct(c_a)} against {_pct(c_s)}).")
    elif c_a > c_s:
        parts.append(f"It covers more of ThumbWorld's elements ({_pct(c_a)} against {_pct(c_s)}).")
    else:
        parts.append(f"Element coverage is the same ({_pct(c_a)}).")
    better = "worse" if ablated["fd"] > stabilised["fd"] else "better"
    parts.append(f"Its Fréchet distance to the training set is {better}: {ablated['fd']:.2f} against "
                 f"{stabilised['fd']:.2f}.")
    if "d_loss_final" in ablated and ablated["d_loss_final"] < 0.5 * stabilised.get("d_loss_final", 0.0):
        parts.append(f"Its discriminator won the game (final loss {ablated['d_loss_final']:.2f} against "
                     f"{stabilised['d_loss_final']:.2f}), leaving the generator little gradient to learn from.")
    return " ".join(parts)


def comparison_verdict(gan: dict, diffusion: dict, copy_share_gan: float, copy_share_diffusion: float,
                       threshold: float = 1 / 3, decoder_ceiling: dict | None = None) -> str:
    """Which model did better on Fréchet distance, KID, precision/recall and coverage, and what the copy check says.

    ``decoder_ceiling`` scores real thumbnails passed through a latent model's autoencoder: the
    part of the diffusion model's distance that its decoder alone costs.
    """
    winner, loser = ("diffusion model", "GAN") if diffusion["fd"] < gan["fd"] else ("GAN", "diffusion model")
    w, l_ = (diffusion, gan) if winner == "diffusion model" else (gan, diffusion)
    parts = [f"On this run the {winner} is closer to the training thumbnails in the project's feature space: "
             f"Fréchet distance {w['fd']:.2f} against {l_['fd']:.2f} for the {loser} "
             f"({l_['fd'] / max(w['fd'], 1e-12):.1f} times as far), KID {w['kid']:.3f} against {l_['kid']:.3f}."]
    kid_agrees = (w["kid"] < l_["kid"])
    if not kid_agrees:
        parts.append("KID disagrees with the Fréchet distance, so the ranking is not clear-cut.")
    if decoder_ceiling is not None:
        share = decoder_ceiling["fd"] / max(diffusion["fd"], 1e-12)
        parts.append(f"Real thumbnails passed through the diffusion model's autoencoder already sit at a Fréchet "
                     f"distance of {decoder_ceiling['fd']:.2f} (KID {decoder_ceiling['kid']:.3f}), "
                     f"{_pct(share)} of the diffusion model's: its decoder's blur alone sets that floor, "
                     f"whatever its denoiser learns.")
    parts.append(f"Precision (realism) is {diffusion['precision']:.2f} for diffusion and {gan['precision']:.2f} "
                 f"for the GAN; recall (variety covered) {diffusion['recall']:.2f} against {gan['recall']:.2f}.")
    parts.append(f"The diffusion samples show {_pct(diffusion['coverage'])} of the elements at least half as often "
                 f"as the training data, the GAN's {_pct(gan['coverage'])}.")
    if "element_error" in gan and "element_error" in diffusion:
        closer = "diffusion model" if diffusion["element_error"] < gan["element_error"] else "GAN"
        parts.append(f"Element frequencies differ from the training data's by {diffusion['element_error']:.2f} on "
                     f"average for diffusion and {gan['element_error']:.2f} for the GAN, so the {closer}'s mix of "
                     f"elements is closer to the data's (the classifier learned on real thumbnails and can fire "
                     f"on elements that are not there in unrealistic images, which inflates coverage).")
    for name, share in (("diffusion model", copy_share_diffusion), ("GAN", copy_share_gan)):
        if share == 0:
            parts.append(f"No {name} sample has a nearest training thumbnail three times closer than the "
                         f"second nearest: no sign of copying at this scale.")
        else:
            parts.append(f"{_pct(share)} of the {name}'s samples have a nearest training thumbnail more than "
                         f"{1 / threshold:.0f} times closer than the second nearest; look at those pairs below "
                         f"before calling it copying.")
    return " ".join(parts)
