"""ThumbWorld: a seeded thumbnail platform whose true effects are known.

>>> from thumbnail_lab.thumbworld import generate_thumbworld, ELEMENTS, SCENARIOS
>>> generate_thumbworld("data/tw", n_videos=400, scenario="default", seed=0)  # doctest: +SKIP

Modules: ``palette`` (colours, fonts), ``elements`` (drawing each visual element),
``compose`` (one thumbnail from its spec), ``platform`` (channels, videos, titles),
``views`` (the structural model and its truth), ``generate`` (the writer).
"""
from .generate import GENERATOR_VERSION, generate_thumbworld
from .platform import ELEMENTS, SCENARIOS
from .views import realised_oracle_r2, title_features

__all__ = ["generate_thumbworld", "GENERATOR_VERSION", "ELEMENTS", "SCENARIOS", "title_features", "realised_oracle_r2"]
