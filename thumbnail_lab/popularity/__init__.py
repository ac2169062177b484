"""Predicting views from a thumbnail and a title (chapter 04).

One module per concern: ``targets`` (what is predicted), ``metrics`` (how it is scored, with
bootstrap intervals), ``baselines``, ``handcrafted``, ``image_models``, ``text_models``,
``fusion``, ``oracle`` (the best achievable score from ThumbWorld's truth), ``explain``
(Grad-CAM, attention maps, word attributions, recovered vs planted effects), ``clip``
(optional CLIP embeddings) and ``study`` (the loops that tie them together for the chapter).
Nothing is imported eagerly, so ``import thumbnail_lab.popularity`` stays cheap.
"""
