"""The words the generative chapters glue into their prose follow the numbers they are given."""
import math

from thumbnail_lab.generative import evaluation as ev

BASE = {"fd": 10.0, "kid": 0.5, "precision": 0.5, "recall": 0.4, "coverage": 0.8, "diversity_ratio": 0.9}


def test_collapse_is_named_only_when_flagged():
    stab = {**BASE, "collapsed": False, "elements_shown": 0.8}
    collapsed = {**BASE, "collapsed": True, "coverage": 0.1, "elements_shown": 0.3, "fd": 30.0}
    assert ev.collapse_verdict(stab, collapsed) == "collapsed"
    assert ev.coverage_word(stab, collapsed) == "fewer" and ev.fd_word(stab, collapsed) == "worse"
    less = {**stab, "coverage": 0.5}
    assert ev.collapse_verdict(stab, less) == "covers less of the data"
    assert ev.collapse_verdict(stab, stab) == "covers as much of the data"
    # flagged, but so is the stabilised GAN: not a collapse caused by the ablation
    assert ev.collapse_verdict({**stab, "collapsed": True}, collapsed) == "covers less of the data"
    assert ev.coverage_word(stab, {**stab, "elements_shown": 1}) == "more" and ev.coverage_word(stab, stab) == "as many"
    assert ev.flagged_word(True) == "flagged" and ev.flagged_word(False) == "not flagged"


def test_discriminator_wins_below_half_the_stabilised_loss():
    assert ev.discriminator_won({**BASE, "d_loss_final": 1.0}, {**BASE, "d_loss_final": 0.4})
    assert not ev.discriminator_won({**BASE, "d_loss_final": 1.0}, {**BASE, "d_loss_final": 0.6})
    assert not ev.discriminator_won(BASE, BASE)  # no losses recorded


def test_comparison_picks_the_closer_model_and_how_far_the_other_is():
    better = {**BASE, "fd": 2.0, "kid": 0.1, "element_error": 0.1}
    gan = {**BASE, "element_error": 0.3}
    assert ev.closer_model(gan, better) == "diffusion model" and ev.closer_model(better, gan) == "GAN"
    assert ev.closer_model(gan, better, "element_error") == "diffusion model"
    assert ev.fd_factor(gan, better) == 5.0 and ev.fd_factor(better, gan) == 5.0
    assert ev.kid_agrees(gan, better) and ev.kid_agrees(better, gan)
    assert not ev.kid_agrees(gan, {**better, "kid": 0.9})


def test_decoder_floor_and_copy_words():
    assert ev.floor_share({"fd": 1.5, "kid": 0.05}, {**BASE, "fd": 2.0}) == 0.75
    assert ev.copy_word(0.0) == "no" and ev.copy_word(0.05) == "some"


def test_legible_needs_the_auc_threshold_and_a_label():
    assert ev.legible(0.9) and not ev.legible(0.6) and ev.legible(0.6, min_auc=0.5)
    assert not ev.legible(math.nan)


def test_metric_space_measures_in_the_encoder_and_labels_with_the_element_cnn():
    import numpy as np
    import torch

    from thumbnail_lab.generative.feature_extractor import FeatureExtractor, predict_labels

    torch.manual_seed(0)
    cnn = FeatureExtractor(3, width=4, embed_dim=8).eval()
    images = np.random.default_rng(0).integers(0, 256, (20, 36, 64, 3), dtype=np.uint8)
    embed_calls = []

    def embed(x):
        embed_calls.append(len(x))
        return np.asarray(x, np.float32).reshape(len(x), -1)[:, :5]

    space = ev.MetricSpace(labeller=cnn, embed=embed)
    ref = ev.reference_from(space, images)
    assert ref.features.shape == (20, 5) and embed_calls == [20]
    np.testing.assert_allclose(ref.probabilities, predict_labels(cnn, images))
    assert ev.metric_features(ev.MetricSpace(cnn), images).shape == (20, 8)     # no encoder: the CNN's features
    scores = ev.score_samples(space, images[:10], ref)
    assert scores["n_samples"] == 10 and np.isfinite(scores["fd"])
