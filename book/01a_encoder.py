# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (chapter-encoder)=
# # A pretrained thumbnail encoder
#
# ## Overview
# Every published thumbnail study stands on a pretrained image model: CLIP's activations feed the
# sparse autoencoder of the feature study, ImageNet networks feed the attention and fusion studies,
# and generated images are judged in Inception's feature space. This chapter gives the book the
# same thing, built without a download: **one encoder, pretrained once on a large corpus of
# thumbnails, without any view count or element label. What does it see in a thumbnail, and how do we
# know?** After it you will be able to:
#
# - pretrain a label-free encoder on a corpus that no analysed dataset shares, and reuse it from
#   any chapter with one call;
# - measure an encoder as the field does: linear probes on frozen embeddings, held-out AUC per
#   element, against a floor (random weights) and a ceiling (the same network trained on labels);
# - say what an augmentation costs (here: on the palette and the scene) before choosing it;
# - test whether the encoder transfers to thumbnails drawn by a renderer it never saw;
# - name what even a supervised network cannot see at the book's resolution, and at which
#   resolution it becomes visible.

# %% tags=["parameters"]
source = "thumbworld"      # analysed dataset: "thumbworld" or a folder in the metadata.csv + images/ layout
scenario = "default"       # ThumbWorld world of the analysed dataset
n_videos = 6000            # analysed dataset size before cleaning (the dataset of chapter 01)
seed = 0                   # seeds the analysed data, the pretraining and every random sample shown
corpus_size = 20000        # pretraining thumbnails, drawn from seeds reserved for the corpus
corpus_seed = 0            # which reserved corpus (offset into the corpus's seed range)
pretrain_steps = 700       # optimiser steps of pretraining (and of the supervised ceiling)
batch_size = 128           # thumbnails per step
width = 32                 # channels after the network's stem (x4 in the last layer)
contrastive_weight = 0.0   # weight of the two-view contrastive loss (SimCLR); chosen by the ablation below
title_weight = 1.0         # weight of the title alignment (CLIP with MiniLM frozen); 0 switches it off
crop_min = 0.35            # augmentations of the training views: smallest crop area ...
colour_jitter = 0.3        # ... brightness/contrast/saturation jitter ...
hue = 0.0                  # ... hue rotation (turns) ...
grey = 0.0                 # ... and greyscale probability: chosen by the ablation below
ae_epochs = 4              # epochs of the pixel autoencoder (the contrast)
ablation_corpus = 4000     # corpus thumbnails and augmented images (all steps together) of each
ablation_images = 12000    # short pretraining in the objective and augmentation ablation
poster_n_videos = 3000     # PosterWorld thumbnails for the transfer test
resolution_n = 2400        # thumbnails, sizes and steps of the resolution study
resolution_steps = 150
resolution_sizes = [[64, 36], [96, 54], [128, 72]]
n_queries = 6              # random query thumbnails in the nearest-neighbour figure
n_neighbours = 4
threads = 2                # torch CPU threads (two pretrain in about half the time of one on an idle 2-core CPU)

# %%
from thumbnail_lab.chapter import setup
from thumbnail_lab.params import Rule, dataset_source, fraction
from thumbnail_lab.thumbworld import SCENARIOS

ch = setup("01a_encoder", globals(), rules={
    "source": Rule(check=dataset_source), "scenario": Rule(choices=SCENARIOS), "n_videos": Rule(min=1),
    "seed": Rule(min=0), "corpus_size": Rule(min=16), "pretrain_steps": Rule(min=1), "batch_size": Rule(min=4),
    "width": Rule(min=2), "contrastive_weight": Rule(min=0), "title_weight": Rule(min=0), "crop_min": fraction(),
    "colour_jitter": fraction(), "hue": Rule(min=0, max=0.5), "grey": fraction(), "ae_epochs": Rule(min=1),
    "ablation_corpus": Rule(min=16), "ablation_images": Rule(min=16), "poster_n_videos": Rule(min=50), "resolution_n": Rule(min=30), "n_queries": Rule(min=1), "threads": Rule(min=0)})
ch.require(contrastive_weight > 0 or title_weight > 0, "contrastive_weight or title_weight must be positive")

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import display

from thumbnail_lab.dataset import ensure_dataset
from thumbnail_lab.encoder import Augmentations, ensure_encoder, figures, probe_table, settings_from
from thumbnail_lab.encoder import evaluation as ev
from thumbnail_lab.encoder.baselines import BaselineSettings, ensure_baselines
from thumbnail_lab.encoder.corpus import check_not_corpus_seed
from thumbnail_lab.plotting import save_fig

ENCODERS = ["pretrained", "autoencoder", "random_init", "supervised_ceiling"]

# %% [markdown]
# ## A corpus no analysed dataset shares
# CLIP learned from 400 million image-text pairs, none of them the thumbnails that the feature study
# later analysed. Our corpus is ThumbWorld again (the same renderer, channels, titles), but planned from
# seeds reserved for it, so not one of its thumbnails is in a dataset that a chapter analyses. The
# encoder sees the pixels and, for the title objective, the title. It never sees views or the element
# flags; those are read only by the probes and the supervised ceiling below.

# %%
check_not_corpus_seed(seed)
augment = Augmentations(crop_min=crop_min, brightness=colour_jitter, contrast=colour_jitter,
                        saturation=colour_jitter, hue=hue, grey=grey)
settings = settings_from(corpus_size=corpus_size, corpus_seed=corpus_seed, steps=pretrain_steps,
                         batch_size=batch_size, width=width, title_weight=title_weight,
                         contrastive_weight=contrastive_weight, seed=seed, threads=threads,
                         augment=augment.as_dict())
encoder = ensure_encoder(settings)
cost = encoder.info
ch.record("enc_corpus_size", corpus_size)
ch.record("enc_corpus_seconds", float(cost["corpus_seconds"]))
ch.record("enc_title_seconds", float(cost["title_seconds"]))
ch.record("enc_pretrain_seconds", float(cost["pretrain_seconds"]))
ch.record("enc_images_per_s", float(cost["images_per_s"]))
ch.record("enc_total_minutes", (cost["corpus_seconds"] + cost["title_seconds"] + cost["pretrain_seconds"]) / 60)
ch.record("enc_embed_dim", encoder.embed_dim)
print(f"encoder cached in {cost['folder']} ({'loaded' if cost['loaded_from_cache'] else 'trained now'})")

# %% [markdown]
# ## The objective: two views of a thumbnail, and its title
# The encoder is a small CNN for 64x36 thumbnails. Its embedding ({glue:text}`enc_embed_dim` numbers)
# concatenates the average of its last feature map (what the thumbnail is mostly made of), its maximum
# (whether something small is anywhere) and the averages of its four quadrants (where things are).
# Pretraining combines two label-free losses:
#
# - **contrastive** (SimCLR): two random views of the same thumbnail (crops, flips, colour jitter)
#   must be nearer to each other than to every other thumbnail in the batch; what survives the
#   augmentations is what the encoder is pushed to represent;
# - **title alignment** (CLIP's recipe with its text tower frozen): the image's projection must
#   find its own title's all-MiniLM-L6-v2 embedding among the batch's titles. Titles say what a video
#   is about ("My Dog Meets A Cat"), not how it looks, which is what pushes the encoder from colour
#   towards content.
#
# Which objective, and which augmentations? Colour jitter, hue rotation and greyscale remove the colour
# shortcut, but a thumbnail's palette is part of what it shows. So before choosing, we measure: a short
# pretraining per variant on part of the corpus, every variant passing the same number of augmented
# images through the network (the contrastive loss needs two views per thumbnail, so it gets half the
# steps), each probed on the analysed thumbnails ({numref}`fig-encoder-ablation`).

# %% [markdown] tags=["real-data"]
# Your dataset records no elements, and a probe needs them. So every measurement of this page runs on
# ThumbWorld's `scenario` world of the same size, a reference control: it says what the encoder that
# the later chapters apply to your thumbnails can read, and the transfer section below says how far
# that carries to thumbnails drawn by another renderer.

# %%
ds = ensure_dataset(source=source, scenario=scenario, n_videos=n_videos, seed=seed)
if not ev.has_element_labels(ds):   # real data: the probes run on a ThumbWorld reference (see above)
    ds = ensure_dataset(source="thumbworld", scenario=scenario, n_videos=n_videos, seed=seed)
elements = ev.dataset_elements(ds)
images = ds.images(64, 36)
labels = ev.dataset_labels(ds.metadata, elements)
split = ds.split("random")
train, test = np.concatenate([split["train"], split["val"]]), split["test"]
print(f"{ds.name}: {len(ds):,} thumbnails, probes fitted on {len(train):,} and scored on {len(test):,}")

# %%
jitter = dict(brightness=0.3, contrast=0.3, saturation=0.3)
crops = Augmentations(crop_min=crop_min, brightness=0, contrast=0, saturation=0)
mild = Augmentations(crop_min=crop_min, **jitter)
variants = {"contrastive": ev.Variant(1.0, 0.0, mild), "title": ev.Variant(0.0, 1.0, mild),
            "title + contrastive": ev.Variant(1.0, 1.0, mild), "title, crops + flips only": ev.Variant(0.0, 1.0, crops),
            "title + hue rotation": ev.Variant(0.0, 1.0, Augmentations(crop_min=crop_min, hue=0.5, **jitter)),
            "title + hue + greyscale": ev.Variant(0.0, 1.0, Augmentations(crop_min=crop_min, hue=0.5, grey=0.3, **jitter))}
ablation = ev.cached_ablation(settings, ablation_corpus, ablation_images, variants, images, labels, elements,
                              train, test)
display(pd.concat([ablation.loc[[e for e in ev.PALETTE_SCENE if e in elements]], ablation.mean().to_frame("mean").T]).round(3))

# %%
for key, name in {"contrastive": "contrastive", "title": "title", "both": "title + contrastive",
                  "crops": "title, crops + flips only", "hue": "title + hue rotation", "grey": "title + hue + greyscale"}.items():
    ch.record(f"abl_mean_{key}", float(ablation[name].mean()))
    ch.record(f"abl_palette_{key}", float(ablation.loc["warm_palette", name]) if "warm_palette" in elements else float("nan"))
objectives = ablation[["contrastive", "title", "title + contrastive"]].mean()
ch.record("abl_best_objective", str(objectives.idxmax()))

# %% mystnb={"figure": {"caption": "Probe AUC per element after a short pretraining (equal numbers of augmented images) with each objective and set of augmentations.", "name": "fig-encoder-ablation"}}
save_fig(figures.probe_figure(ablation, list(variants)), "objective_ablation", ch.name)

# %% [markdown]
# At equal compute, the contrastive objective reaches a mean probe AUC of {glue:text}`abl_mean_contrastive:.3f`,
# title alignment {glue:text}`abl_mean_title:.3f` and both together {glue:text}`abl_mean_both:.3f`. Title
# alignment needs one view per thumbnail where the contrastive loss needs two, so for the same compute it
# takes twice the steps; and a title names content ("My Dog Meets A Cat") that no augmentation can ask for.
# The default encoder therefore uses title alignment alone (`contrastive_weight` switches SimCLR back on).
#
# On the palette, hue rotation moves the warm-palette probe from {glue:text}`abl_palette_title:.3f` (mild
# brightness, contrast and saturation jitter) to {glue:text}`abl_palette_hue:.3f`, and greyscale on top to
# {glue:text}`abl_palette_grey:.3f`; without any colour jitter it is {glue:text}`abl_palette_crops:.3f`.
# The means over all elements: {glue:text}`abl_mean_crops:.3f` (crops and flips only),
# {glue:text}`abl_mean_title:.3f` (mild jitter), {glue:text}`abl_mean_hue:.3f` (hue rotation) and
# {glue:text}`abl_mean_grey:.3f` (hue and greyscale). The colour augmentations of the ImageNet recipe buy
# invariance to exactly what the palette probe measures, so the encoder keeps mild jitter and no hue
# rotation or greyscale (the `hue` and `grey` parameters switch them on).
#
# ## Linear probes: what the embedding makes readable
# For each element, a logistic regression on the frozen embeddings of the training thumbnails predicts
# whether the element is present; its ROC AUC on held-out thumbnails says how linearly readable the
# element is. The same probe is fitted on four encoders: the **pretrained** one; chapter 05's pixel
# **autoencoder** trained on the same corpus; the same network with **random weights** (the floor: what
# the architecture gives for free); and the same network trained for the same steps on the corpus's
# element labels (the **supervised ceiling**).

# %%
baselines = ensure_baselines(settings, BaselineSettings(ae_epochs=ae_epochs))
embedders = {"pretrained": encoder, **baselines}
embeddings = ev.embed_all(embedders, images, threads)
probes = probe_table(embeddings, labels, elements, train, test)[["prevalence", *ENCODERS]]
summary = ev.probe_summary(probes, ENCODERS)
display(probes.round(3))
display(summary.round(3))

# %%
ch.record("encoder_probe", {name: probes[name].round(4).to_dict() for name in ENCODERS})
for name in ENCODERS:
    ch.record(f"enc_mean_{name}", float(summary.loc[name, "mean_auc"]))
ch.record("enc_gap", float(summary.loc["pretrained", "gap_to_ceiling"]))
check = ev.ceiling_check(probes)
ch.record("enc_ceiling_seen", int(len(check)))
ch.record("enc_ceiling_seen_met", int(check["met"].sum()))
ch.record("enc_target_gap_met", bool(summary.loc["pretrained", "gap_to_ceiling"] <= 0.03))
display(check.round(3))

# %% mystnb={"figure": {"caption": "Held-out AUC of a linear probe per element, for the pretrained encoder, the pixel autoencoder, the same network with random weights, and the same network trained on the labels. Dotted: chance; dashed: 0.9.", "name": "fig-encoder-probes"}}
save_fig(figures.probe_figure(probes, ENCODERS), "probes", ch.name)

# %% [markdown]
# Averaged over the elements, the pretrained encoder reaches {glue:text}`enc_mean_pretrained:.3f`,
# against {glue:text}`enc_mean_autoencoder:.3f` for the pixel autoencoder, {glue:text}`enc_mean_random_init:.3f`
# for random weights and {glue:text}`enc_mean_supervised_ceiling:.3f` for the ceiling
# ({numref}`fig-encoder-probes`): a gap of {glue:text}`enc_gap:.3f` to the ceiling (the target is at most 0.03;
# met: {glue:text}`enc_target_gap_met`). Of the {glue:text}`enc_ceiling_seen` elements that the ceiling reads
# with AUC of at least 0.9, the pretrained encoder reads {glue:text}`enc_ceiling_seen_met` with at least 0.85
# (the table above lists them). A random network is a strong floor here, as in the literature: large
# blobs of colour (a warm palette, a sport field, a landscape) are linearly readable from almost any
# convolutional features. The differences are in the small and the fine: expressions, arrows, money, logos.
#
# ## Nearest neighbours
# A probe asks one question at a time; neighbours show what the embedding considers similar overall.
# {numref}`fig-encoder-neighbours` shows random held-out query thumbnails (not picked) and their nearest
# neighbours among all analysed thumbnails, under the pretrained encoder and under the pixel autoencoder.

# %%
queries = ch.rng.choice(test, size=min(n_queries, len(test)), replace=False)
neighbours = {name: ev.nearest_neighbours(embeddings[name], queries, n_neighbours) for name in ("pretrained", "autoencoder")}
for name, nb in neighbours.items():
    ch.record(f"enc_nn_agree_{name}", ev.neighbour_agreement(labels, queries, nb))

# %% mystnb={"figure": {"caption": "Random held-out query thumbnails (framed) and their nearest neighbours by cosine similarity under the pretrained encoder (left block) and the pixel autoencoder (right block).", "name": "fig-encoder-neighbours"}}
save_fig(figures.neighbours_figure(images, queries, list(neighbours.values()), list(neighbours)), "neighbours", ch.name)

# %% [markdown]
# A neighbour shares the query's value of an element flag in {glue:text}`enc_nn_agree_pretrained:.1%` of
# the (query, neighbour, element) triples under the pretrained encoder, and in
# {glue:text}`enc_nn_agree_autoencoder:.1%` under the autoencoder, whose neighbours mostly share colours
# and layout.
#
# ## Transfer: thumbnails from another renderer
# The feature study's SAE was trained on ImageNet and applied to YouTube. To see what happens when our
# encoder meets thumbnails it was not trained on, `thumbnail_lab.posterworld` draws a second world with
# nothing in common with ThumbWorld but the format: flat poster graphics, faceless silhouettes, rockets,
# bar charts, star badges, captions in other typefaces, textures and pastel or duotone palettes, with
# effects on views of their own. The same probes, fitted and scored on PosterWorld thumbnails:

# %%
posters = ev.ensure_posterworld(poster_n_videos, seed)
poster_elements = list(posters.truth["elements"])
transfer = ev.transfer_probes(embedders, posters, poster_elements, threads)[["prevalence", *ENCODERS]]
display(transfer.round(3))
ch.record("transfer_auc", transfer["pretrained"].round(4).to_dict())
ch.record("enc_transfer_mean", float(transfer["pretrained"].mean()))
ch.record("enc_transfer_mean_random", float(transfer["random_init"].mean()))
ch.record("enc_transfer_mean_ceiling", float(transfer["supervised_ceiling"].mean()))
ch.record("enc_transfer_target_met", bool(transfer["pretrained"].mean() >= 0.85))

# %% mystnb={"figure": {"caption": "Probe AUC per PosterWorld element, for encoders that never saw a PosterWorld thumbnail.", "name": "fig-encoder-transfer"}}
save_fig(figures.probe_figure(transfer[ENCODERS], ENCODERS), "transfer", ch.name)

# %% [markdown]
# On PosterWorld the pretrained encoder's probes reach a mean AUC of {glue:text}`enc_transfer_mean:.3f`
# (target: at least 0.85; met: {glue:text}`enc_transfer_target_met`), against {glue:text}`enc_transfer_mean_random:.3f`
# for random weights and {glue:text}`enc_transfer_mean_ceiling:.3f` for the ThumbWorld-supervised network
# ({numref}`fig-encoder-transfer`).
#
# ## What 64x36 pixels cannot show
# Some elements are a few pixels at 64x36: a channel logo is a 26-pixel badge at 320x180, about five pixels
# here, and an expression is a mouth and two brows. Is an element the encoder misses hidden by the
# resolution, or missed by the objective? The ceiling answers the first half: an element it cannot read at
# 64x36 is invisible to this network at this size. For the elements it reads worst, we train it again on a
# fresh corpus draw at several resolutions (the same renders, shrunk less; a shorter training of
# `resolution_steps` steps) and probe each element at each size.

# %%
hard = [e for e in elements if probes.loc[e, "supervised_ceiling"] < 0.9]
missed = [e for e in check.index if not check.loc[e, "met"]]
ch.record("enc_hard_elements", ", ".join(hard) or "none")
ch.record("enc_missed_elements", ", ".join(missed) or "none")
studied = hard or list(probes["supervised_ceiling"].nsmallest(3).index)
study = ev.resolution_study(settings, studied, [tuple(s) for s in resolution_sizes], n=resolution_n,
                            steps=resolution_steps)
display(pd.concat([study.auc.round(3), study.visible_at], axis=1))
ch.record("enc_visible_at", study.visible_at.to_dict())
ch.record("enc_visible_text", "; ".join(f"{e}: {v}" for e, v in study.visible_at.items()))

# %% mystnb={"figure": {"caption": "Probe AUC of the ceiling, retrained briefly at each thumbnail size, for the elements it reads worst at 64x36 (dashed: 0.9).", "name": "fig-encoder-resolution"}}
save_fig(figures.resolution_figure(study.auc), "resolution", ch.name)

# %% [markdown]
# Elements that the fully trained ceiling reads with AUC under 0.9 at 64x36: {glue:text}`enc_hard_elements`.
# Elements it reads with at least 0.9 but the pretrained encoder reads under 0.85:
# {glue:text}`enc_missed_elements`; those are visible at this size (a network trained on the labels finds
# them), so the pretrained encoder misses them through its objective, not the resolution. No title names
# an expression, an arrow or a logo, and the probe of a label-free embedding has to find a few pixels
# among 768 numbers that were never asked to keep them. With the study's short training
# ({numref}`fig-encoder-resolution`), the first size at which each of its elements reaches 0.9 is:
# {glue:text}`enc_visible_text`; a larger thumbnail makes them cheaper to learn.
#
# ## Cost
# Drawing the {glue:text}`enc_corpus_size:,` corpus thumbnails took {glue:text}`enc_corpus_seconds:.0f` s,
# embedding their titles {glue:text}`enc_title_seconds:.0f` s and pretraining {glue:text}`enc_pretrain_seconds:.0f` s
# ({glue:text}`enc_images_per_s:.0f` augmented images per second through the network, forward and backward):
# {glue:text}`enc_total_minutes:.1f` minutes in all, once per machine. Every later call of `ensure_encoder`
# with the same settings loads the cached encoder in a fraction of a second; `bench/bench_encoder.py`
# reports the same throughput as a share of this CPU's matmul peak.
#
# ## Where the encoder is used
# Every later chapter that needs image features loads this encoder with `book_encoder`, whose sizes
# are this chapter's (a test checks, profile by profile, that they load the encoder measured here
# and do not pretrain another): chapters {ref}`chapter-gan` and {ref}`chapter-diffusion` measure
# generated thumbnails in its space (the part Inception plays for FID), chapter
# {ref}`chapter-popularity` compares it as a backbone (frozen with a ridge head, fine-tuned, and the
# same network from scratch), chapter {ref}`chapter-features` trains its sparse autoencoder on the
# embeddings of this corpus and applies it to the analysed thumbnails, as the published study trained
# on ImageNet and applied to YouTube, and chapter {ref}`chapter-choosing` ranks candidates with a ridge
# on its embeddings.
#
# ## What we found
# - Pretrained without labels or views, the encoder's linear probes reach a mean held-out AUC of
#   {glue:text}`enc_mean_pretrained:.3f`, against {glue:text}`enc_mean_supervised_ceiling:.3f` for the same
#   network trained on the labels (gap {glue:text}`enc_gap:.3f`; target at most 0.03: {glue:text}`enc_target_gap_met`),
#   {glue:text}`enc_mean_autoencoder:.3f` for the pixel autoencoder and {glue:text}`enc_mean_random_init:.3f`
#   for random weights.
# - Of the {glue:text}`enc_ceiling_seen` elements the ceiling reads with AUC >= 0.9, the encoder reads
#   {glue:text}`enc_ceiling_seen_met` with AUC >= 0.85.
# - At equal compute, the best objective in this run was {glue:text}`abl_best_objective` (mean probe AUC:
#   title alignment {glue:text}`abl_mean_title:.3f`, contrastive {glue:text}`abl_mean_contrastive:.3f`,
#   both {glue:text}`abl_mean_both:.3f`).
# - Hue rotation and greyscale cost the palette probe ({glue:text}`abl_palette_title:.3f` with mild jitter,
#   {glue:text}`abl_palette_hue:.3f` with hue rotation, {glue:text}`abl_palette_grey:.3f` with greyscale too),
#   so the encoder keeps colour.
# - On thumbnails from another renderer its probes reach {glue:text}`enc_transfer_mean:.3f` (target 0.85:
#   {glue:text}`enc_transfer_target_met`).
# - Not visible at 64x36 even for the ceiling: {glue:text}`enc_hard_elements`. Visible to the ceiling but missed
#   by the pretrained encoder: {glue:text}`enc_missed_elements`; with a short training, they reach AUC 0.9 at:
#   {glue:text}`enc_visible_text`.
# - Pretraining cost {glue:text}`enc_total_minutes:.1f` minutes once per machine.
#
# ## Exercises
# 1. Set `title_weight=0` and `contrastive_weight=1` (SimCLR only). Predict which probes lose most: those whose element a
#    title names (animal, vehicle, money, food) or those it does not (logo, arrow)?
# 2. Set `hue=0.5` and `grey=0.3`. What happens to the warm-palette probe, and to the mean?
# 3. Double `pretrain_steps`. Does the gap to the ceiling close, or does the ceiling move too?
# 4. Run the chapter with `source=` a PosterWorld folder (`thumbnail_lab.posterworld.generate_posterworld`)
#    or your own thumbnails: which sections still say something without ThumbWorld's truth?
