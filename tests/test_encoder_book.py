"""Chapters 02-06 load the encoder chapter 01a pretrained and measured, in every profile."""
import pytest

from thumbnail_lab.chapter import chapter_source, parameter_defaults
from thumbnail_lab.encoder import Augmentations, book_settings, chapter_sizes, settings_from
from thumbnail_lab.encoder.cache import BOOK_OBJECTIVE
from thumbnail_lab.publish.profiles import PROFILE_NAMES, chapter_parameters

USERS = ["02_gan", "03_diffusion", "04_popularity", "05_features", "06_choosing"]


def parameters(chapter: str, profile: str) -> dict:
    return {**parameter_defaults(chapter_source(chapter)), **chapter_parameters(chapter, profile)}


def settings_of_01a(profile: str):
    """The settings chapter 01a builds from its parameters (the same construction as its first code cell)."""
    p = parameters("01a_encoder", profile)
    augment = Augmentations(crop_min=p["crop_min"], brightness=p["colour_jitter"], contrast=p["colour_jitter"],
                            saturation=p["colour_jitter"], hue=p["hue"], grey=p["grey"])
    return settings_from(corpus_size=p["corpus_size"], corpus_seed=p["corpus_seed"], steps=p["pretrain_steps"],
                         batch_size=p["batch_size"], width=p["width"], title_weight=p["title_weight"],
                         contrastive_weight=p["contrastive_weight"], seed=p["seed"], threads=p["threads"],
                         augment=augment.as_dict())


def test_book_objective_is_01a_default_choice():
    p = parameter_defaults(chapter_source("01a_encoder"))
    assert settings_of_01a("default").pretrain == book_settings(seed=p["seed"]).pretrain
    assert BOOK_OBJECTIVE["title_weight"] == p["title_weight"] and BOOK_OBJECTIVE["augment"]["hue"] == p["hue"]


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@pytest.mark.parametrize("chapter", USERS)
def test_chapter_encoder_is_01a_encoder(chapter, profile):
    expected = settings_of_01a(profile).stamp()
    got = book_settings(**chapter_sizes(parameters(chapter, profile))).stamp()
    assert got == expected, f"{chapter} ({profile}) would pretrain another encoder than chapter 01a measured"


def test_a_changed_size_is_another_encoder():
    assert book_settings(steps=701).stamp() != book_settings().stamp()
