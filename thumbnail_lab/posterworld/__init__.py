"""PosterWorld: a second thumbnail renderer, for transfer tests and for "the book on your own folder".

>>> from thumbnail_lab.posterworld import generate_posterworld
>>> generate_posterworld("data/posters", n_videos=300, seed=0)  # doctest: +SKIP

Flat poster graphics (silhouettes, rockets, charts, badges, captions in other faces, textures,
pastel and duotone palettes) with planted effects on views, written in the same
``metadata.csv`` + ``images/`` + ``truth.json`` layout as ThumbWorld. Modules: ``draw`` (the
elements), ``world`` (channels, titles, views and truth), ``generate`` (the writer).
"""
from .generate import GENERATOR_VERSION, generate_posterworld, posterworld_name
from .world import ELEMENT_EFFECTS, ELEMENTS

__all__ = ["generate_posterworld", "posterworld_name", "GENERATOR_VERSION", "ELEMENTS", "ELEMENT_EFFECTS"]
