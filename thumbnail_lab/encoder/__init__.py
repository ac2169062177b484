"""The book's pretrained thumbnail encoder (its CLIP): label-free, view-free, pretrained once per machine.

>>> from thumbnail_lab.encoder import book_encoder
>>> encoder = book_encoder()                                                # doctest: +SKIP
>>> embeddings = encoder.embed(ds.images(64, 36))                           # doctest: +SKIP

Modules: ``corpus`` (ThumbWorld thumbnails from reserved seeds), ``model`` (the network and the
frozen ``PretrainedEncoder``), ``augment`` (measurable augmentations), ``pretrain`` (contrastive
and title-alignment objectives), ``supervised`` (the label-trained ceiling), ``baselines``
(floor, ceiling and the pixel autoencoder), ``probes`` (linear probes), ``cache``
(``ensure_encoder``; ``book_encoder`` is chapter 01a's choice), ``evaluation`` (the page's measurements:
transfer, neighbours, resolution).
"""
from .augment import Augmentations
from .cache import EncoderSettings, book_encoder, book_settings, chapter_sizes, encoder_root, ensure_encoder, settings_from
from .model import PretrainedEncoder, ThumbEncoder
from .pretrain import PretrainConfig, pretrain
from .probes import linear_probes, probe_auc, probe_table

__all__ = ["ensure_encoder", "book_encoder", "book_settings", "chapter_sizes", "EncoderSettings", "settings_from",
           "PretrainedEncoder",
           "ThumbEncoder",
           "PretrainConfig", "Augmentations", "pretrain", "linear_probes", "probe_auc", "probe_table",
           "encoder_root"]
