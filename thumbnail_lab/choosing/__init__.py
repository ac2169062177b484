"""Choosing a thumbnail (chapter 06): from a prediction to a decision, checked against the truth.

Modules: ``candidates`` (K thumbnails of one ThumbWorld video with known true values), ``rankers``
(popularity models, the pretrained-encoder model, a rule-of-thumb checklist, random), ``picking``
(how often a ranker picks the best, the share of the achievable uplift, regret), ``abtest`` (click
model, impressions needed, peeking simulations, pre-screening), ``sequential`` (the mixture
sequential probability ratio test), ``guidance`` (popularity-guided diffusion sampling and its
truth estimate), ``figures`` and ``cli`` (the ``rank`` command). Nothing is imported eagerly.
"""
