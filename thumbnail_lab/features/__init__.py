"""Interpretable visual features and the statistics that ask whether they matter (chapter 05).

One module per concern:

- ``encoder``: image embeddings from an encoder that never saw a view count;
- ``sae``: a TopK sparse autoencoder that splits embeddings into sparse latents;
- ``groups``: feature groups (the thumbnails a latent fires on most) and their view medians;
- ``null``: fast, exact simulation of medians (and means) of random groups;
- ``stats``: KS test, held-out probabilities, permutation p-values with FDR, bootstrap intervals;
- ``adjust``: views adjusted for upload age and channel;
- ``monosemantic``: how far a feature's group is dominated by one ThumbWorld element;
- ``pipeline``: the whole analysis of one dataset in one call (used on several worlds);
- ``figures``: the chapter's figures; ``synthetic``: sparse activations with planted effects
  (tests and the 524,288-thumbnail benchmark).

Nothing is imported eagerly: ``from thumbnail_lab.features import groups`` loads only what it needs.
"""
