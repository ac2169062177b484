"""Predicting views from a thumbnail and a title (chapter 04).

One module per concern. What is predicted and how it is scored: ``targets``, ``metrics`` (with
bootstrap intervals), ``oracle`` (the best achievable score from ThumbWorld's truth). The models:
``registry`` (model ids, labels, inputs, oracles), ``baselines``, ``handcrafted``, ``image_models``,
``text_models``, ``fusion``, ``clip`` (optional CLIP embeddings). The chapter's study: ``data``
(what the models read), ``fitting`` (every model of one split), ``evaluation`` (the scoring loop
over splits), ``tables`` (numbers and tables read off the results), ``null`` (checks in the null
world), ``panels`` and ``explain`` (Grad-CAM, attention maps, word attributions), ``recovery``
(recovered vs planted element effects, via ``counterfactual``), ``generated`` (scoring the
generators' samples), ``outputs`` (saved files and the results summary) and ``figures``.
Nothing is imported eagerly, so ``import thumbnail_lab.popularity`` stays cheap.
"""
