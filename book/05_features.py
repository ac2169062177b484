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
# (chapter-features)=
# # Which visual features go with more views, and is it real?
#
# ## Overview
# A published analysis split half a million thumbnails into interpretable visual features with a
# sparse autoencoder (SAE) on image embeddings, grouped the thumbnails each feature fires on most,
# and compared the groups' median views: some features went with up to several times the typical
# views, others with a fraction. This chapter rebuilds that pipeline step by step and then asks
# what the published analysis could not: **is it real?** Do the groups differ from random groups
# of videos; does the ranking hold on thumbnails that were not used to make it; does it survive
# a correction for many comparisons; is it the picture, or the upload date and the channel behind
# it? ThumbWorld knows what is in every thumbnail and what every element does to views, so each
# answer is checked against the truth, and a world where content has no effect at all (the
# `null` scenario) shows how often the procedure finds something that is not there.
#
# After this chapter you will be able to
# - embed thumbnails with a pretrained label-free encoder, train a TopK SAE on another corpus's
#   embeddings, and read its diagnostics (FVU, L0, dead latents);
# - check whether the features can stand for content at all, element by element, against a
#   pixel-level encoder;
# - run the published feature-group procedure and its random-group, KS and held-out tests;
# - measure how often each of those tests fires when nothing is there, and replace it with the
#   whole-pipeline test that fires as often as it says;
# - replace them with split-based selection, per-feature permutation p-values under a false discovery
#   rate, and bootstrap intervals that resample channels;
# - adjust views for upload age and channel, replicate across channels, and say which features survive;
# - read every check against the planted truth beside its chance level;
# - tell from the null world and from the single-channel variant what such analyses can and cannot show.

# %% tags=["parameters"]
source = "thumbworld"       # "thumbworld" or a dataset folder in the metadata.csv + images/ layout
scenario = "default"        # ThumbWorld world analysed in the main sections
n_videos = 6000             # videos simulated before cleaning (the dataset of chapter 01)
seed = 0
sae_corpus = "encoder_corpus"  # SAE trained on "encoder_corpus" (the encoder's pretraining corpus, as published),
                            # "second_draw" (another ThumbWorld seed) or "same" (the analysed thumbnails)
sae_n_videos = 4000         # size of the second draw (also the pixel autoencoder's corpus in the contrast)
image_width = 64            # thumbnails are resized to image_width x image_height for the encoder
image_height = 36
encoder = "pretrained"      # "pretrained" (chapter 01a's), "autoencoder" (pixel-level, trained here) or "clip"
encoder_corpus_size = 20000  # the pretrained encoder: chapter 01a's corpus size, steps, batch and width
encoder_steps = 700
encoder_batch_size = 128
encoder_width = 32
contrast = True             # also run the pixel autoencoder's pipeline, as the contrast
clip_checkpoint = ""        # path of a local open_clip checkpoint (for the clip encoder)
clip_model = "ViT-B-32"     # open_clip architecture of that checkpoint
clip_pretrained = ""        # online only: open_clip weights to DOWNLOAD instead (e.g. "laion2b_s34b_b79k")
embed_dim = 64              # autoencoder bottleneck
ae_width = 16               # channels of the autoencoder's first convolution
ae_epochs = 8
sae_expansion = 1           # SAE latents per embedding dimension (768-d pretrained embeddings: 768 latents)
sae_k = 8                   # active latents per thumbnail (TopK)
sae_epochs = 20             # epochs over the SAE corpus (20,000 embeddings in the default run)
contrast_expansion = 8      # the pixel autoencoder's SAE in the contrast (64-d embeddings: 512 latents) ...
contrast_epochs = 30        # ... and its epochs over the second draw
threshold = 0.05            # a latent is active above this activation (published: 0.05)
min_count = 60              # a feature needs this many active thumbnails (published: 400)
group_size = 60             # thumbnails per feature group (published: 400)
group_share = 0.0           # > 0: group_size and min_count become this share of the thumbnails (published: 400 / 524,288)
top_k = 10                  # high-view and low-view features listed (published: 100)
n_sim = 1_000_000           # simulated random groups for the held-out test (published: 1,000,000)
n_perm = 20_000             # permutations per p-value
n_boot = 1000               # bootstrap resamples per group median
alpha = 0.05                # false discovery rate and nominal level
age_df = 5                  # spline degrees of freedom of the age adjustment
null_n_videos = 4000        # size of the null-scenario world
n_shuffles = 400            # shuffled worlds over which each test's false-alarm rate is measured
n_reference = 1999          # shuffles behind each whole-pipeline p-value
n_random_groups = 2000      # random groups of thumbnails behind the chance level of a lift
single_n_videos = 330       # size of the single-channel world (published: about 330 videos)
single_group_size = 11      # published single-channel variant: features active on at least 11 videos ...
single_top_k = 10           # ... the mean of the lowest 10, the top-10 features
n_grid = 11                 # thumbnails per feature in the grids (published: 11)
grid_features = 3           # features shown per grid
threads = 1                 # torch CPU threads (1 is fastest on a shared CPU; 0 keeps the default)

# %%
from thumbnail_lab.chapter import setup
from thumbnail_lab.params import Rule, dataset_source
from thumbnail_lab.thumbworld import SCENARIOS

at_least = dict(n_videos=1, seed=0, sae_n_videos=1, image_width=1, image_height=1, embed_dim=1, ae_width=1,
                ae_epochs=1, sae_expansion=1, sae_k=1, sae_epochs=1, contrast_expansion=1, contrast_epochs=1, threshold=0,
                min_count=3, group_size=3, top_k=1,
                n_sim=1000, n_perm=100, n_boot=100, age_df=3, null_n_videos=1, n_shuffles=1, n_reference=19,
                n_random_groups=100, single_n_videos=1, single_group_size=3, single_top_k=1, threads=0)
ch = setup("05_features", globals(), rules={
    **{name: Rule(min=low) for name, low in at_least.items()}, "source": Rule(check=dataset_source),
    "scenario": Rule(choices=SCENARIOS), "sae_corpus": Rule(choices=("encoder_corpus", "second_draw", "same")),
    "encoder": Rule(choices=("pretrained", "autoencoder", "clip")),
    **{name: Rule(min=1) for name in ("encoder_corpus_size", "encoder_steps", "encoder_batch_size", "encoder_width")},
    "alpha": Rule(min=0, max=1), "group_share": Rule(min=0, max=1),
    "n_grid": Rule(min=1, max=20), "grid_features": Rule(min=1, max=10)})
ch.require(min_count >= group_size, f"min_count={min_count} must be at least group_size={group_size}")
ch.require(encoder != "clip" or bool(clip_checkpoint) != bool(clip_pretrained),
           "encoder='clip' needs clip_checkpoint (the path of a local open_clip checkpoint) or, online, "
           "clip_pretrained (open_clip weights to download), one of the two")

# %% tags=["hide-input"]
from functools import partial

import numpy as np
import pandas as pd
from IPython.display import display

from thumbnail_lab.dataset import ensure_dataset
from thumbnail_lab.features import figures
from thumbnail_lab.features.adjust import adjusted_views
from thumbnail_lab.features.calibration import calibration_record, calibration_table, pipeline_draws, pipeline_pvalues
from thumbnail_lab.features.encoder import embed_images, train_autoencoder
from thumbnail_lab.features.groups import group_overlap, group_size_for_share, member_table, top_activations
from thumbnail_lab.features.monosemantic import describe_features, truth_matrix
from thumbnail_lab.features.pipeline import GroupParams, analyse, reanalyse, status_changes
from thumbnail_lab.features.sae import SAEConfig, Standardiser, diagnostics, encode_sparse, train_sae
from thumbnail_lab.features.stats import pvalue_text
from thumbnail_lab.plotting import save_fig
from thumbnail_lab.popularity import clip

checkpoints = ch.dir / "checkpoints"   # a killed run resumes training from here
rng = ch.rng

# %% [markdown]
# ## The data, and an encoder that never saw a view count
# The published study embedded its thumbnails with CLIP and trained its SAE on the embeddings of
# ImageNet, not of the thumbnails it then analysed. This chapter does the same with the book's own
# pretrained encoder ({ref}`chapter-encoder`): pretrained without a view count or an element label on
# ThumbWorld thumbnails drawn from seeds that no analysed dataset uses, it embeds the analysed
# thumbnails, and the SAE is trained on the embeddings of its pretraining corpus (`sae_corpus`). The
# pixel-level autoencoder of earlier editions stays as the contrast (in the section on content below):
# what an encoder that only learned to redraw pixels finds.

# %%
from thumbnail_lab.encoder import book_encoder, book_settings, chapter_sizes
from thumbnail_lab.encoder.cache import load_corpus

ch.require(sae_corpus != "encoder_corpus" or encoder != "autoencoder" or (image_width, image_height) == (64, 36),
           "sae_corpus='encoder_corpus' with encoder='autoencoder' needs image_width=64, image_height=36 "
           "(the corpus's size); choose sae_corpus='second_draw' for other sizes")
ds = ensure_dataset(source, scenario, n_videos, seed)
images = ds.images(image_width, image_height)
views = ds.metadata["views"].to_numpy(dtype=float)
channels = ds.metadata["channel_id"].to_numpy()
ds_second = ds if source != "thumbworld" else ensure_dataset(source, scenario, sae_n_videos, seed + 1)
if sae_corpus == "encoder_corpus":
    images_sae = load_corpus(book_settings(**chapter_sizes(ch.params)))[0].images
    sae_name = "the pretrained encoder's corpus"
else:
    images_sae = images if sae_corpus == "same" else ds_second.images(image_width, image_height)
    sae_name = ds.name if sae_corpus == "same" else ds_second.name
one_channel = ch.record("features_one_channel", bool(len(np.unique(channels)) == 1))
ch.record("features_dataset", ds.name); ch.record("features_n_thumbnails", len(views))
ch.record("features_sae_dataset", sae_name); ch.record("features_n_sae_thumbnails", len(images_sae))
ch.record("features_encoder", encoder)

# %% [markdown]
# The analysed dataset, {glue:text}`features_dataset`, has {glue:text}`features_n_thumbnails`
# thumbnails; they are embedded with the {glue:text}`features_encoder` encoder, and the SAE is trained on
# the {glue:text}`features_n_sae_thumbnails` thumbnails of {glue:text}`features_sae_dataset`.

# %%
if encoder == "pretrained":
    pretrained = book_encoder(**chapter_sizes(ch.params))
    embed = pretrained.embed
    print(f"pretrained encoder: {pretrained.embed_dim}-dimensional embeddings, from {pretrained.info['folder']}")
elif encoder == "autoencoder":
    ae, ae_history = train_autoencoder(images_sae, embed_dim, ae_epochs, width_mult=ae_width, seed=seed,
                                       checkpoint_path=checkpoints / "autoencoder.pt")
    embed = partial(embed_images, ae)
    print("reconstruction MSE per epoch:", np.round(ae_history, 4))
else:
    clip_net = clip.load(clip_model, clip_checkpoint, clip_pretrained)
    embed = partial(clip.image_embeddings, model=clip_net)
emb_sae, emb = embed(images_sae), embed(images)

# %% [markdown]
# ## A TopK sparse autoencoder splits the embeddings into features
# The SAE maps each embedding to `sae_expansion` times as many latents, keeps the `sae_k` largest
# and reconstructs the embedding from them, with unit-norm decoder directions and an auxiliary loss
# that revives latents which stop firing. Three numbers say whether it works: the *fraction of
# variance unexplained* (FVU, 0 is perfect), the number of active latents per thumbnail (L0) and
# the share of latents that never fire (dead). They are computed on the SAE's own corpus and on
# the analysed thumbnails; the gap is the price of the domain shift.

# %%
standardise = Standardiser.fit(emb_sae)
sae, sae_history = train_sae(standardise(emb_sae), SAEConfig(expansion=sae_expansion, k=sae_k, epochs=sae_epochs, seed=seed),
                             checkpoint_path=checkpoints / "sae.pt")
acts, acts_sae = encode_sparse(sae, standardise(emb)), encode_sparse(sae, standardise(emb_sae))
diag = pd.DataFrame({"SAE corpus": diagnostics(sae, standardise(emb_sae)).as_dict(),
                     "analysed thumbnails": diagnostics(sae, standardise(emb)).as_dict()})
ch.record("sae", diag.to_dict())
ch.record("features_fvu", diag.loc["fvu", "analysed thumbnails"])
ch.record("features_fvu_sae", diag.loc["fvu", "SAE corpus"])
ch.record("features_dead", diag.loc["dead_share", "analysed thumbnails"])
ch.record("features_n_latents", int(diag.loc["n_latents", "SAE corpus"]))
diag.round(3)

# %% [markdown]
# The SAE has {glue:text}`features_n_latents` latents. On the analysed thumbnails it leaves
# {glue:text}`features_fvu:.2f` of the embeddings' variance unexplained
# ({glue:text}`features_fvu_sae:.2f` on its own corpus), and {glue:text}`features_dead:.1%` of its
# latents never fire there.
#
# ## Feature groups: the published procedure
# A latent counts as a *feature* when it is active (above `threshold`) on at least `min_count`
# thumbnails. Its *group* is its `group_size` highest-activating thumbnails; the top one is held
# out for later, and the group's median views is taken over the other `group_size - 1`. Features are
# ranked by that median. The published analysis used groups of 400 out of 524,288 thumbnails and
# listed 100 high-view and 100 low-view features; this run has far fewer thumbnails, so the
# sizes are scaled down (the `full` profile sets `group_share` to the published 400 of 524,288).
# The groups of different features can share thumbnails; how much they do decides what the
# published tests below can assume, so it is measured beside what random groups of the same size
# would share.

# %%
if group_share > 0:
    group_size = min_count = group_size_for_share(len(views), group_share)
params = GroupParams(threshold=threshold, min_count=min_count, group_size=group_size, top_k=top_k)
res = analyse(acts, views, params, rng, n_sim=n_sim, n_perm=n_perm, n_boot=n_boot, alpha=alpha, clusters=channels)
overlap = ch.record("overlap", group_overlap(res.groups, len(views)))
ch.record("params", params.as_dict()); ch.record("analysis", res.summary())
ch.record("features_group_size", group_size)
ch.record("features_group_share", overlap["group_share"])
ch.record("features_top_k", len(res.high))
ch.record("features_n_features", len(res.table))
for key in ("groups_per_member", "groups_per_member_random", "share_members_in_several_groups",
            "mean_pairwise_jaccard", "mean_pairwise_jaccard_random"):
    ch.record(f"features_overlap_{key}", overlap[key])
members_csv = member_table(res.groups, top_k, acts, ds.metadata["video_id"])
members_csv.to_csv(ch.dir / "feature_groups.csv", index=False)
ch.record("features_groups_csv", f"{ch.name}/feature_groups.csv")
pd.Series(overlap).to_frame("feature groups").round(4)

# %% [markdown]
# Out of {glue:text}`features_n_thumbnails` thumbnails, {glue:text}`features_n_features` of the
# {glue:text}`features_n_latents` latents qualify as features with groups of
# {glue:text}`features_group_size` ({glue:text}`features_group_share:.2%` of the thumbnails;
# published: 0.08 %). A thumbnail in some group is in {glue:text}`features_overlap_groups_per_member:.2f`
# groups on average, against {glue:text}`features_overlap_groups_per_member_random:.2f` for random
# groups of the same size; {glue:text}`features_overlap_share_members_in_several_groups:.0%` of them
# are in more than one, and two groups share a Jaccard index of
# {glue:text}`features_overlap_mean_pairwise_jaccard:.3f` on average (random groups:
# {glue:text}`features_overlap_mean_pairwise_jaccard_random:.3f`). Every group's members, with their
# video ids, activations and whether they are held out, are saved in `feature_groups.csv` beside the
# chapter's results, so an analyst can see which of their videos make up each group. The
# {glue:text}`features_top_k` highest-ranked are listed as high-view features and as many
# lowest-ranked as low-view features. ThumbWorld records which elements every thumbnail contains,
# so each group gets an objective description in place of the published "author's assessment":
# its *dominant element* is the one most over-represented in the group compared with the whole
# dataset, its *lift* is how much more often the group contains it than the dataset does, and its
# *monosemanticity* is the share of the group that contains it.

# %%
has_truth = ds.truth is not None and len(ds.elements) > 0
table = describe_features(res, ds).set_index("feature")
cols = ["magnitude", "group_stat", "ci_low", "ci_high", "q_value", "dominant_element", "lift", "monosemanticity"]
high_table, low_table = table.loc[res.high["feature"], cols], table.loc[res.low["feature"], cols]
high_table.round(3)

# %% [markdown]
# The high-view features above (their group median views over the dataset median is the
# *magnitude*; `ci_low`/`ci_high` bound the group median with a bootstrap that resamples channels
# where a group holds several videos of one channel; `q_value` is the false discovery rate of the
# next sections); and the low-view features:

# %%
low_table.round(3)

# %% mystnb={"figure": {"caption": "The top-activating thumbnails of the highest-ranked features, one feature per row (the first thumbnail of each row is the held-out one). Row titles: feature, magnitude, dominant element.", "name": "fig-features-grid-high"}}
paths = ds.image_paths()
show = table.loc[res.high["feature"][:grid_features]].reset_index()
members = res.groups.members[pd.Index(res.table["feature"]).get_indexer(show["feature"])]
save_fig(figures.feature_grid(paths, members, show, n_grid), "grid_high", ch.name)

# %% mystnb={"figure": {"caption": "The top-activating thumbnails of the lowest-ranked features.", "name": "fig-features-grid-low"}}
show_low = table.loc[res.low["feature"][:grid_features]].reset_index()
members_low = res.groups.members[pd.Index(res.table["feature"]).get_indexer(show_low["feature"])]
save_fig(figures.feature_grid(paths, members_low, show_low, n_grid), "grid_low", ch.name)

# %% [markdown]
# {numref}`fig-features-grid-high` and {numref}`fig-features-grid-low` show what the extreme
# features fire on. The published analysis also showed, for every feature, the images of the
# SAE's own training corpus that it fires on most: where the two rows show different things, the
# feature means something else on the thumbnails than what it learned
# ({numref}`fig-features-corpus`).

# %% mystnb={"figure": {"caption": "Domain shift: for each of the highest- and lowest-ranked features shown above, its top thumbnails among the analysed ones (first row) and among the SAE's own training corpus (second row).", "name": "fig-features-corpus"}}
both = pd.concat([show, show_low], ignore_index=True)
corpus_top = top_activations(acts_sae, both["feature"].to_numpy(), n_grid, threshold=threshold)
save_fig(figures.corpus_grid(paths, np.vstack([members, members_low]), images_sae, corpus_top, both, n_grid),
         "corpus_grid", ch.name)

# %% [markdown]
# Before reading anything into these pictures, the rest of the chapter asks whether the features'
# view medians are any different from what random groups of videos would give.
#
# ## Are feature groups different from random groups?
# The published test: draw as many random groups of `group_size - 1` videos (with replacement) as
# there are features, and compare the two distributions of group medians with a two-sample
# Kolmogorov-Smirnov test.

# %% mystnb={"figure": {"caption": "Median views of the feature groups and of as many random groups of the same size. The KS test compares the two distributions.", "name": "fig-features-random"}}
ch.record("features_ks_d", res.ks.statistic)
ch.record("features_ks_p", res.ks.pvalue)
ch.record("features_ks_p_text", pvalue_text(res.ks.pvalue))
save_fig(figures.random_groups_figure(res), "random_groups", ch.name)

# %% [markdown]
# In {numref}`fig-features-random` the KS statistic is D = {glue:text}`features_ks_d:.3f`
# ({glue:text}`features_ks_p_text`). A p-value below $10^{-300}$ is printed as that bound: it is
# what a float can hold, and a KS p-value that underflows comes out as exactly 0, which is what
# the published "p = 0" was. The test assumes that the feature medians are independent draws; the
# groups share thumbnails, so they are not, and how far that matters is measured below.
#
# ## Do the rankings hold on held-out thumbnails?
# Each feature's top thumbnail was kept out of its group. The median views of the held-out
# thumbnails of the high-view features (HHM) and of the low-view features (LHM) are compared with
# the medians of as many random videos, simulated {glue:text}`features_n_sim:,` times. The
# simulation uses an exact order-statistic sampler (see `thumbnail_lab.features.null`): a median
# of $m$ draws costs one or two random numbers instead of $m$ and a sort. One thumbnail can be
# the top activation of several listed features; the published way counts it once per feature,
# which makes HHM look like a median of more independent videos than it is. Here each distinct
# thumbnail counts once, and the null is simulated with that many videos.

# %% mystnb={"figure": {"caption": "Medians of random groups of videos (grey) and the held-out medians of the high-view (HHM) and low-view (LHM) features, each over its distinct held-out thumbnails.", "name": "fig-features-held-out"}}
h = res.held_out
ch.record("features_n_sim", n_sim)
ch.record("features_hhm", h.high_held_out_stat)
ch.record("features_lhm", h.low_held_out_stat)
ch.record("features_p_high", h.p_random_ge_high)
ch.record("features_p_low", h.p_random_le_low)
ch.record("features_n_distinct_high", h.n_high)
ch.record("features_n_distinct_low", h.n_low)
save_fig(figures.held_out_figure(res), "held_out", ch.name)

# %% [markdown]
# The {glue:text}`features_top_k` high-view features have {glue:text}`features_n_distinct_high`
# distinct held-out thumbnails, with median views {glue:text}`features_hhm:,.0f` and
# P(random ≥ HHM) = {glue:text}`features_p_high:.3g`; the low-view features
# {glue:text}`features_n_distinct_low`, with median {glue:text}`features_lhm:,.0f` and P(random ≤ LHM) =
# {glue:text}`features_p_low:.3g` ({numref}`fig-features-held-out`).
#
# Both reference distributions still ignore how the features were found: the listed features were
# picked *because* their groups had extreme medians, and a held-out thumbnail of one feature can
# sit in the group that got another one picked. The test that accounts for all of it is the
# **whole-pipeline test**: shuffle the views over the thumbnails (so that no thumbnail can matter),
# re-rank the same groups, re-select the top and bottom features, recompute D, HHM and LHM, and do
# that {glue:text}`features_n_reference:,` times; the p-value is the share of shuffles at least as
# extreme as the observed value. The table puts the three p-values of each test side by side.

# %%
draws = pipeline_draws(res.groups, views, params, rng, n_reference, n_sim=100_000)
pvalues = pipeline_pvalues(res, draws)
ch.record("features_n_reference", n_reference)
ch.record("pipeline_pvalues", pvalues.to_dict(orient="index"))
for test, key in (("KS", "ks"), ("held-out high", "high"), ("held-out low", "low")):
    ch.record(f"features_pipeline_p_{key}", pvalues.loc[test, "pipeline_p"])
ch.record("features_published_p_high", pvalues.loc["held-out high", "published_p"])
ch.record("features_published_p_low", pvalues.loc["held-out low", "published_p"])
pvalues

# %% [markdown]
# On the whole pipeline, KS has p = {glue:text}`features_pipeline_p_ks:.3g`, the held-out high
# list {glue:text}`features_pipeline_p_high:.3g` and the low list {glue:text}`features_pipeline_p_low:.3g`
# (the published way gave {glue:text}`features_published_p_high:.3g` and
# {glue:text}`features_published_p_low:.3g` for the held-out lists). The smallest whole-pipeline
# p-value is 1 / ({glue:text}`features_n_reference:,` + 1). How often each way fires when nothing is
# there is measured in the null world below.
#
# ## How large are the differences?
# The magnitude of a feature is its group median over the dataset median. The bars in
# {numref}`fig-features-magnitude` carry bootstrap 95 % intervals of the group medians, which the
# published figures did not show. Read them for what they are: these features were *selected*
# for having the most extreme medians of all, so their intervals are centred on values that are
# extreme partly by luck, and they cover the groups' true medians less often than 95 %. The
# intervals that cover what they claim are those of the split-sample measurements further down,
# where features selected on one part of the thumbnails are measured on the other.

# %% mystnb={"figure": {"caption": "Magnitude (group median / dataset median) of the high-view (green) and low-view (red) features, with bootstrap 95 % intervals (channels resampled where a group repeats them), on a log scale. The features were selected for being extreme, so these intervals cover less than 95 %; see the split-sample intervals for ones that do not suffer from that.", "name": "fig-features-magnitude"}}
ch.record("features_top_magnitude", res.high["magnitude"].max())
ch.record("features_bottom_magnitude", res.low["magnitude"].min())
save_fig(figures.magnitude_figure(res.high.merge(res.table[["feature", "ci_low", "ci_high"]]),
                                  res.low.merge(res.table[["feature", "ci_low", "ci_high"]]), res.dataset_stat),
         "magnitude", ch.name)

# %% [markdown]
# The top feature's group has {glue:text}`features_top_magnitude:.2f` times the dataset median,
# the bottom one {glue:text}`features_bottom_magnitude:.2f` times.
#
# ## Doing better: one p-value per feature and a false discovery rate
# Ranking many features and listing the extremes guarantees extremes, real or not. Each feature
# therefore gets a permutation p-value: how often does a random set of the same number of videos
# (drawn without replacement, i.e. the views shuffled over thumbnails) have a median as far from
# the typical one? The Benjamini-Hochberg procedure then keeps the expected share of false
# discoveries among the declared ones at `alpha`.

# %%
fdr = table[table["significant"]].sort_values("magnitude", ascending=False)
ch.record("features_n_fdr", len(fdr))
ch.record("features_alpha", alpha)
ch.record("fdr_features", [int(f) for f in fdr.index])
fdr[["status", "magnitude", "p_value", "q_value", "dominant_element", "lift"]].round(4)

# %% [markdown]
# At a false discovery rate of {glue:text}`features_alpha`, {glue:text}`features_n_fdr` of the
# {glue:text}`features_n_features` features differ from random groups.
#
# ## Is it the picture, or the upload date and the channel?
# Older videos have had longer to collect views, and big channels get more views whatever their
# thumbnails show. If a feature fires mostly on thumbnails of one era or one kind of channel, its
# group median says more about those than about the picture. The views are therefore adjusted: a
# statsmodels regression of log views on channel effects and a spline in upload age, whose
# residuals (moved back to the dataset's scale) replace the views. The groups stay the same (they
# depend only on the thumbnails); only their medians, ranks and tests change.

# %%
adj, adj_r2 = adjusted_views(ds.metadata, age_df=age_df)
res_adj = reanalyse(res.groups, adj, params, rng, n_sim=n_sim, n_perm=n_perm, n_boot=n_boot, alpha=alpha,
                    clusters=channels)
changes = status_changes(res, res_adj).join(table["dominant_element"], on="feature")
ch.record("features_adj_r2", adj_r2)
ch.record("features_n_changed", len(changes))
ch.record("features_n_fdr_adj", int(res_adj.table["significant"].sum()))
ch.record("adjusted", dict(res_adj.summary(), r2=adj_r2, changed=[int(f) for f in changes["feature"]]))
changes.round(3)

# %% mystnb={"figure": {"caption": "Magnitude of every feature on raw views and on views adjusted for channel and upload age. Features that leave the high or low list are labelled with their dominant element.", "name": "fig-features-adjusted"}}
save_fig(figures.adjustment_figure(res, res_adj, table["dominant_element"]), "adjusted", ch.name)

# %%
changes.query("status_raw != 'middle'")[["feature", "dominant_element", "status_raw", "status_adjusted",
                                         "significant_raw", "significant_adjusted"]]

# %% [markdown]
# Channel and age explain R² = {glue:text}`features_adj_r2:.2f` of the variance of log views.
# After the adjustment {glue:text}`features_n_fdr_adj` features stay significant at the same false
# discovery rate (against {glue:text}`features_n_fdr` before), and {glue:text}`features_n_changed`
# features change status or significance ({numref}`fig-features-adjusted`); the table above lists
# the raw high-view and low-view features among them, with their dominant elements and their
# status and significance on raw and adjusted views. The adjustment has a cost worth stating: a
# channel effect also absorbs whatever that channel's thumbnails always show, so it is
# conservative about content effects that travel with channel identity.
#
# ## Does the ranking replicate, and across channels?
# Features are *selected* on the training part of a split (their own high and low lists, with
# groups scaled to that part) and *measured* on the other thumbnails, so the measurement is not
# the selection. Which split matters: on a random split both parts hold videos of the same
# channels, so a feature that fires on one big channel's thumbnails replicates through that
# channel even if its picture does nothing; on a channel split (each channel entirely on one side)
# it cannot. Each share of features that point the same way again comes with its chance level
# (the same share with the measured part's views shuffled, about one half) and the p-value
# against it.

# %%
from thumbnail_lab.features.pipeline import replication_table, split_replication

select_random = ds.metadata["split_random"].eq("train").to_numpy()
select_channel = ds.metadata["split_channel"].eq("train").to_numpy()
replication = replication_table(acts, {"raw": views, "adjusted": adj},
                                {"random split": select_random, "channel split": select_channel},
                                params, rng, clusters=channels, n_perm=n_perm, alpha=alpha, n_boot=n_boot)
ch.record("split_replication", {f"{s}, {v}": row for (s, v), row in replication.to_dict(orient="index").items()})
for (split, kind), row in replication.iterrows():
    key = f"{split.split()[0]}_{kind}"
    for col in ("share_same_direction", "chance_same_direction", "p_value_same_direction", "n_replicated", "n_measured"):
        ch.record(f"features_split_{key}_{col}", row[col])
ch.record("features_split_n_selected", int(replication["n_selected"].iloc[0]))
replication.round(3)

# %% mystnb={"figure": {"caption": "Selected on the training part, measured on the rest, on raw views: the magnitude where each feature was selected (x) against the magnitude measured on the other thumbnails (y), with bootstrap 95 % intervals of the measurement (channels resampled where a group repeats them). Left: random split; right: channel split. The dashed line is perfect replication; falling back towards 1 is the selection's regression to the mean.", "name": "fig-features-replication"}}
split_tables = {name: split_replication(acts, views, mask, ~mask, params, rng, n_perm=n_perm, alpha=alpha,
                                        clusters=channels, n_boot=n_boot, n_chance=1)[0]
                for name, mask in (("random split", select_random), ("channel split", select_channel))}
save_fig(figures.replication_figure(split_tables), "replication", ch.name)

# %% [markdown]
# Of the {glue:text}`features_split_n_selected` selected features, on a random split
# {glue:text}`features_split_random_raw_share_same_direction:.0%` of the measured ones point the same
# way again on raw views (chance {glue:text}`features_split_random_raw_chance_same_direction:.0%`,
# p = {glue:text}`features_split_random_raw_p_value_same_direction:.3g`), and on a channel split
# {glue:text}`features_split_channel_raw_share_same_direction:.0%` (chance
# {glue:text}`features_split_channel_raw_chance_same_direction:.0%`, p =
# {glue:text}`features_split_channel_raw_p_value_same_direction:.3g`). On adjusted views the random
# split gives {glue:text}`features_split_random_adjusted_share_same_direction:.0%` (p =
# {glue:text}`features_split_random_adjusted_p_value_same_direction:.3g`) and the channel split
# {glue:text}`features_split_channel_adjusted_share_same_direction:.0%` (p =
# {glue:text}`features_split_channel_adjusted_p_value_same_direction:.3g`). Significant after FDR
# control on the measured part, and pointing the same way: {glue:text}`features_split_random_raw_n_replicated`
# (random split) and {glue:text}`features_split_channel_raw_n_replicated` (channel split) on raw views.
# What a random split replicates beyond a channel split is what a channel carries from one part to
# the other: its audience as much as its pictures. Only what replicates across channels, and on
# adjusted views, can be the picture ({numref}`fig-features-replication`).

# %% [markdown] tags=["real-data"]
# ## No truth to check against
# On a simulated world this section compares each listed feature's dominant element with the effect
# planted for it, and asks whether the features can stand for the planted elements at all. Your
# dataset records neither the elements of a thumbnail nor their effects, so both checks are left out:
# what the grids above show is for you to name, and the held-out, FDR, adjustment and replication
# results are what says whether a feature's views are more than chance.

# %% [markdown] tags=["truth-only"]
# ## Checking against the truth
# ThumbWorld planted an effect on log views for every element. A high-view feature is *recovered*
# when its dominant element has a positive planted effect, a low-view feature when it has a
# negative one; the precision is the share of listed features that are recovered. None of these
# numbers means anything alone: most planted effects are positive, so random features already
# score a high "precision" on the high-view list. Each is therefore printed with two chance
# levels, a random list of as many features (exact, hypergeometric) and the list selected on
# shuffled views (the whole-pipeline draws above), and with the p-value of doing at least as well.
# *Recovery* counts how many of the three strongest planted elements of the list's sign dominate a
# listed feature, against random lists. The lift of the dominant element is compared with the lift
# of the dominant element of random groups of thumbnails, which is positive too: it is the best of
# many elements.

# %%
from thumbnail_lab.features.monosemantic import flat_truth_check, random_group_lift, truth_check, truth_summary, truth_table

checks, random_lifts = {}, None
if has_truth:
    random_lifts = random_group_lift(truth_matrix(ds.metadata, ds.elements), group_size, n_random_groups, rng)
    draws_adj = pipeline_draws(res_adj.groups, adj, params, rng, n_reference, n_sim=1000)
    effects = ds.truth["element_effects"]
    checks = {"raw": truth_check(describe_features(res, ds), res, effects, rng, draws, random_lifts),
              "adjusted": truth_check(describe_features(res_adj, ds), res_adj, effects, rng, draws_adj, random_lifts)}
else:
    print("This dataset has no truth (real data): the truth checks are skipped.")
ch.record("truth_check", truth_summary(checks))
ch.record("truth_check_detail", checks)
for name, value in flat_truth_check(checks).items():
    ch.record(f"features_truth_{name}", value)
truth_table(checks).round(3)

# %% [markdown] tags=["truth-only"]
# On raw views, {glue:text}`features_truth_high_precision:.0%` of the high-view features are
# dominated by an element whose planted effect is positive; a random list of as many features
# scores {glue:text}`features_truth_high_chance_precision:.0%` (p =
# {glue:text}`features_truth_high_p_value:.3g`) and the list selected on shuffled views
# {glue:text}`features_truth_high_chance_precision_shuffled:.0%` (p =
# {glue:text}`features_truth_high_p_value_shuffled:.3g`). For the low-view features the precision is
# {glue:text}`features_truth_low_precision:.0%` against {glue:text}`features_truth_low_chance_precision:.0%`
# (p = {glue:text}`features_truth_low_p_value:.3g`) and {glue:text}`features_truth_low_chance_precision_shuffled:.0%`
# on shuffled views (p = {glue:text}`features_truth_low_p_value_shuffled:.3g`). On adjusted views:
# {glue:text}`features_truth_high_precision_adj:.0%` (chance {glue:text}`features_truth_high_chance_precision_adj:.0%`,
# p = {glue:text}`features_truth_high_p_value_adj:.3g`) and {glue:text}`features_truth_low_precision_adj:.0%`
# (chance {glue:text}`features_truth_low_chance_precision_adj:.0%`, p = {glue:text}`features_truth_low_p_value_adj:.3g`).
#
# The high-view list recovers {glue:text}`features_truth_high_found:.0f` of the
# {glue:text}`features_truth_high_n_targets:.0f` strongest positive elements (random lists:
# {glue:text}`features_truth_high_chance_found:.2f`, p = {glue:text}`features_truth_high_p_value_found:.3g`),
# the low-view list {glue:text}`features_truth_low_found:.0f` of the
# {glue:text}`features_truth_low_n_targets:.0f` strongest negative ones (random lists:
# {glue:text}`features_truth_low_chance_found:.2f`, p = {glue:text}`features_truth_low_p_value_found:.3g`).
# The median lift of the dominant element is {glue:text}`features_truth_high_lift_median_lift:.3f`
# for the high-view and {glue:text}`features_truth_low_lift_median_lift:.3f` for the low-view
# features, against {glue:text}`features_truth_high_lift_chance_median_lift:.3f` for random groups
# of thumbnails (p = {glue:text}`features_truth_high_lift_p_value:.3g` and
# {glue:text}`features_truth_low_lift_p_value:.3g`; {numref}`fig-features-lift`).

# %% mystnb={"figure": {"caption": "Lift of the dominant element (its share in the group minus its share in the dataset) for random groups of thumbnails of the same size (grey) and for the high-view and low-view features. Random groups have a positive lift too: their dominant element is the best of many.", "name": "fig-features-lift"}}
if has_truth:
    lifts = {name: table.loc[a["feature"], "lift"].to_numpy() for name, a in (("high-view", res.high), ("low-view", res.low))}
    save_fig(figures.lift_figure(random_lifts, lifts), "lift", ch.name)
else:
    print("No truth, no lift.")

# %% [markdown] tags=["truth-only"]
# ## Can the features see content?
# The question of this chapter is which *visual content* goes with views, so before reading the lists
# as content we test whether the features can stand for content at all, element by element: every
# planted element with an effect of at least 0.1 on log10 views that the supervised ceiling of
# {ref}`chapter-encoder` detects (held-out AUC of at least 0.9) should be the dominant element of at least
# one qualifying feature, and at least twice as common in that feature's group as in the dataset. The
# same test on the features of a pixel-level autoencoder (trained here on
# {glue:text}`features_contrast_dataset`, with its own SAE) is the contrast: what an encoder that only
# learned to redraw pixels finds.

# %%
from thumbnail_lab.chapter import earlier_results
from thumbnail_lab.features.contrast import PixelContrast, coverage_records, pixel_features
from thumbnail_lab.features.monosemantic import planted_element_coverage

run_01a = earlier_results("01a_encoder", {k: ch.params[k] for k in ("source", "scenario", "n_videos", "seed")})
ceiling_auc = (run_01a or {}).get("encoder_probe", {}).get("supervised_ceiling")
ch.record("features_ceiling_from", "chapter 01a" if ceiling_auc else "not measured (run chapter 01a first)")
run_contrast = contrast and encoder != "autoencoder"
dead = {encoder: float(diag.loc["dead_share", "analysed thumbnails"])}
if run_contrast:
    px = PixelContrast(embed_dim, ae_width, ae_epochs, contrast_expansion, sae_k, contrast_epochs, seed)
    acts_px, dead["pixel autoencoder"] = pixel_features(ds_second.images(image_width, image_height), images, px,
                                                        checkpoints)
    res_px = analyse(acts_px, views, params, np.random.default_rng(seed + 7),  # its own stream: nothing above moves
                     n_sim=2000, n_perm=200, n_boot=100, alpha=alpha, clusters=channels)
_ = ch.record("features_contrast_dataset", ds_second.name if run_contrast else "nothing (contrast off)")

# %%
coverage = {}
if has_truth:
    base_rates = truth_matrix(ds.metadata, ds.elements).mean().to_dict()
    described = {encoder: table}   # describe_features(res, ds), from the feature-group section
    if run_contrast:
        described["pixel autoencoder"] = describe_features(res_px, ds)
    coverage = {name: planted_element_coverage(d, ds.truth["element_effects"], ceiling_auc, base_rates)
                for name, d in described.items()}
ch.record("content_coverage", {name: t.round(4).to_dict(orient="records") for name, t in coverage.items()})
ch.record("dead_latents", dead)
for key, value in coverage_records(coverage, dead, encoder).items():
    ch.record(key, value)
ch.record("features_dead_target", "met" if dead[encoder] < 0.2 else "missed")
if coverage:
    side = pd.concat({name: t.set_index("element")[["best_ratio", "met"]] for name, t in coverage.items()}, axis=1)
    first = next(iter(coverage.values())).set_index("element")[["effect", "ceiling_auc", "base_rate", "max_ratio",
                                                                 "eligible"]]
    display(pd.concat([first, side], axis=1).round(3))
else:
    print("This dataset has no truth (real data): which element a feature stands for cannot be checked.")

# %% mystnb={"figure": {"caption": "For each planted element (its effect on log10 views in brackets), the largest over-representation it reaches in the group of a feature it dominates, with the pretrained encoder and with the pixel autoencoder; 0 means it dominates no feature. The dashed line is the target (twice the base rate), the black ticks the largest ratio an element's base rate allows; hatched bars are elements the supervised ceiling cannot see at this resolution, outside the target.", "name": "fig-features-content"}}
if coverage:
    save_fig(figures.content_coverage_figure(coverage), "content_coverage", ch.name)
else:
    print("No truth, no element to look for.")

# %% [markdown] tags=["truth-only"]
# With the {glue:text}`features_encoder` encoder, {glue:text}`features_cov_main_met` of the
# {glue:text}`features_cov_main_eligible` planted elements the ceiling sees (supervised ceiling from
# {glue:text}`features_ceiling_from`) dominate a feature at twice their base rate or more (the figure
# above shows each element); of the {glue:text}`features_cov_main_achievable` whose base rate allows it,
# {glue:text}`features_cov_main_achievable_met` do (not reached: {glue:text}`features_cov_main_missed`), and {glue:text}`features_cov_main_dead:.1%` of the SAE's latents never fire
# on the analysed thumbnails (target: under 20 %, {glue:text}`features_dead_target`). With the pixel
# autoencoder's features the count is {glue:text}`features_cov_pixel_met` of
# {glue:text}`features_cov_pixel_eligible` ({glue:text}`features_cov_pixel_achievable_met` of
# {glue:text}`features_cov_pixel_achievable` reachable), with {glue:text}`features_cov_pixel_dead:.1%` dead latents.
# Two things keep an element from the target, and the table tells them apart. An element on more than
# half of the thumbnails cannot be twice as common in any group as in the dataset (`max_ratio` below 2):
# there the target measures the base rate, not the encoder. An element that can reach the target but
# dominates no feature is one the encoder does not make visible to the SAE ({ref}`chapter-encoder` lists
# the elements its probes miss). An element no feature stands for cannot show up in the lists above,
# however strong its effect: its absence from them says nothing about whether it moves views.

# %% [markdown] tags=["real-data"]
# ## Reference controls, beside your data
# The next two sections run on ThumbWorld, not on your thumbnails: a world where the pictures do
# nothing (`null`), and the worlds of its shuffled views. They are controls: they show how often this
# chapter's tests find features in a world without any, so a result on your data no stronger than it
# is not a finding. The single-channel section after them analyses {glue:text}`features_single_what`.

# %% [markdown]
# ## A world where thumbnails do not matter
# The `null` scenario is the same platform with every content effect set to zero: channels and
# upload dates still move views, the pictures do not. The encoder and SAE from above are applied
# to its thumbnails and the whole procedure is repeated. On raw views, features can still "work"
# through channel and era; on adjusted views, a calibrated procedure must declare about `alpha` of
# the features significant by their raw p-values and almost none after FDR control.

# %%
ds_null = ensure_dataset("thumbworld", "null", null_n_videos, seed)
acts_null = encode_sparse(sae, standardise(embed(ds_null.images(image_width, image_height))))
views_null, channels_null = ds_null.metadata["views"].to_numpy(dtype=float), ds_null.metadata["channel_id"].to_numpy()
null_kw = dict(n_sim=n_sim, n_perm=n_perm, n_boot=n_boot, alpha=alpha, clusters=channels_null)
res_null = analyse(acts_null, views_null, params, rng, **null_kw)
res_null_adj = reanalyse(res_null.groups, adjusted_views(ds_null.metadata, age_df=age_df)[0], params, rng, **null_kw)
res_null_perm = reanalyse(res_null.groups, rng.permutation(views_null), params, rng, **null_kw)

# %%
null_rows = {"default, raw views": res, "null, raw views": res_null, "null, adjusted views": res_null_adj,
             "null, views shuffled": res_null_perm}
one_world = pd.DataFrame({name: {
    "features": len(a.table), "share p < alpha": (a.table["p_value"] < alpha).mean(),
    "significant after BH": int(a.table["significant"].sum()), "KS p": a.ks.pvalue,
    "P(random >= HHM)": a.held_out.p_random_ge_high, "P(random <= LHM)": a.held_out.p_random_le_low}
    for name, a in null_rows.items()}).T
ch.record("null", one_world.to_dict(orient="index"))
for key, name in (("raw", "null, raw views"), ("adj", "null, adjusted views"), ("perm", "null, views shuffled")):
    ch.record(f"features_null_share_{key}", one_world.loc[name, "share p < alpha"])
    ch.record(f"features_null_bh_{key}", int(one_world.loc[name, "significant after BH"]))
ch.record("features_null_ks_adj", one_world.loc["null, adjusted views", "KS p"])
one_world

# %% mystnb={"figure": {"caption": "Per-feature permutation p-values: sorted p-values against the uniform distribution (left) and their histograms (right). A calibrated test on a world without effects follows the diagonal; the default world's features bend below it.", "name": "fig-features-calibration"}}
save_fig(figures.calibration_figure({k: a.table["p_value"] for k, a in null_rows.items()}, alpha), "calibration", ch.name)

# %% [markdown]
# In the null world, {glue:text}`features_null_share_adj:.0%` of the features have p < α on adjusted
# views and {glue:text}`features_null_bh_adj` survive FDR control (KS p =
# {glue:text}`features_null_ks_adj:.2g`); with the views shuffled over thumbnails, where nothing
# can be found by construction, {glue:text}`features_null_share_perm:.0%` and
# {glue:text}`features_null_bh_perm`. On raw null views the share is
# {glue:text}`features_null_share_raw:.0%` ({glue:text}`features_null_bh_raw` after FDR):
# whatever exceeds the nominal rate there is channel and era, not content
# ({numref}`fig-features-calibration`).
#
# ## How often does each test fire when nothing is there?
# One null world gives one KS test and one held-out test, which says nothing about how often
# they fire by chance. So the null world's views are shuffled over its thumbnails
# {glue:text}`features_n_shuffles` times, and in every shuffled world each test is run three ways:
# the published way, the held-out test with duplicates collapsed, and the whole-pipeline test
# (against {glue:text}`features_n_reference:,` further shuffles). A calibrated test fires in a share
# of the worlds that lies within the binomial 95 % interval around α,
# [{glue:text}`features_cal_interval_low:.3f`, {glue:text}`features_cal_interval_high:.3f`] for this
# many repeats.

# %%
repeats = pipeline_draws(res_null.groups, views_null, params, rng, n_shuffles, n_sim=100_000)
reference = pipeline_draws(res_null.groups, views_null, params, rng, n_reference, n_sim=100_000)
rates = calibration_table(repeats, reference, alpha)
ch.record("calibration", calibration_record(rates))
ch.record("features_n_shuffles", n_shuffles)
ch.record("features_cal_interval_low", rates["interval_low"].iloc[0])
ch.record("features_cal_interval_high", rates["interval_high"].iloc[0])
for test, key in (("KS", "ks"), ("held-out high", "high"), ("held-out low", "low")):
    for col in ("published_rate", "distinct_rate", "corrected_rate"):
        ch.record(f"features_cal_{key}_{col}", rates.loc[test, col])
ch.record("features_cal_share_duplicates", (repeats.table["n_high"] < len(res_null.high)).mean())
ch.record("features_cal_mean_distinct_high", repeats.table["n_high"].mean())
ch.record("features_null_pipeline", pipeline_pvalues(res_null, reference).to_dict(orient="index"))
rates.round(4)

# %% mystnb={"figure": {"caption": "False-alarm rates in the null world with its views shuffled: the share of shuffled worlds in which each test gives p < \u03b1, the published way (red), with held-out duplicates collapsed (orange; KS has none) and as a whole-pipeline test (blue). The grey band is where a calibrated test's rate falls in 95 % of runs of this many repeats.", "name": "fig-features-false-alarms"}}
save_fig(figures.calibration_rates_figure(rates), "false_alarms", ch.name)

# %% [markdown]
# Over {glue:text}`features_n_shuffles` shuffled null worlds ({numref}`fig-features-false-alarms`),
# the published KS test fired in {glue:text}`features_cal_ks_published_rate:.1%` of them and the
# whole-pipeline KS test in {glue:text}`features_cal_ks_corrected_rate:.1%`. The published held-out
# tests fired in {glue:text}`features_cal_high_published_rate:.1%` (high) and
# {glue:text}`features_cal_low_published_rate:.1%` (low); with duplicates collapsed in
# {glue:text}`features_cal_high_distinct_rate:.1%` and {glue:text}`features_cal_low_distinct_rate:.1%`;
# as whole-pipeline tests in {glue:text}`features_cal_high_corrected_rate:.1%` and
# {glue:text}`features_cal_low_corrected_rate:.1%`, against a nominal {glue:text}`features_alpha`.
# In {glue:text}`features_cal_share_duplicates:.0%` of the shuffled worlds a thumbnail was held out
# for more than one high-view feature (on average {glue:text}`features_cal_mean_distinct_high:.1f`
# distinct thumbnails for {glue:text}`features_top_k` features). A thumbnail held out for several
# features is counted once per feature by the published held-out test: a median of a few videos
# then passes for a median of many, and one extreme video counts several times. Where such
# duplicates are common, that pushes the published rate above the band (the package's tests build
# a small world with heavily overlapping groups where it does); where they are rare, as the share
# above says for this run, the published and de-duplicated rates hardly differ. What collapsing
# duplicates cannot remove is the selection itself (a held-out thumbnail of one feature can sit in
# the group that got another feature selected), which only the whole-pipeline test puts into its
# null. The KS test's feature medians are not independent draws, since the groups share
# thumbnails, so its published p-value has no guaranteed rate; the whole-pipeline version
# shuffles with the overlap in place. The whole-pipeline tests are exact by construction
# (permutation tests, conservative where statistics tie); these rates check that the construction
# is implemented right, and they are the rates to read a published-way p-value against.
#
# ## One channel: what a few hundred videos can show
# The published single-channel variant works on one creator's few hundred videos: features active
# on at least 11 videos, the *mean* views of the lowest 10 of each group (the top one held out),
# the top-10 features, and the held-out mean against a million random 10-video means. Magnitudes
# here divide a group mean by the channel's mean views (a mean by a mean). This section analyses
# {glue:text}`features_single_what`; on a dataset of one channel it is the analysis a creator runs on
# their own channel, and it runs on that channel automatically.

# %%
if one_channel:   # the analysed data is one channel: its thumbnails, embedded and encoded above
    ds_single, acts_single = ds, acts
else:
    ds_single = ensure_dataset("thumbworld", "single_channel", single_n_videos, seed)
    acts_single = encode_sparse(sae, standardise(embed(ds_single.images(image_width, image_height))))
ch.record("features_single_what", f"the analysed dataset itself, which is one channel ({ds.name})" if one_channel else
          "a simulated ThumbWorld channel, as a control: it shows what a few hundred videos of one channel can show")
views_single = ds_single.metadata["views"].to_numpy(dtype=float)
single_params = GroupParams(threshold=threshold, min_count=single_group_size, group_size=single_group_size,
                            top_k=single_top_k, statistic="mean")
res_single = analyse(acts_single, views_single, single_params, rng, n_sim=n_sim, n_perm=n_perm, n_boot=n_boot, alpha=alpha)
single_table = describe_features(res_single, ds_single).set_index("feature")
ch.record("single_channel", res_single.summary())
ch.record("features_single_statistic", res_single.held_out.statistic)
ch.record("features_single_share_above_one", (res_single.table["magnitude"] > 1).mean())
single_table.loc[res_single.high["feature"], ["magnitude", "group_stat", "p_value", "q_value", "dominant_element"]].round(3)

# %% mystnb={"figure": {"caption": "Single channel: means of random 10-video groups (grey) and the held-out means of the top-10 and bottom-10 features, each over its distinct held-out thumbnails.", "name": "fig-features-single"}}
hs = res_single.held_out
spread = np.quantile(res_single.null_high, [0.025, 0.975]) / res_single.dataset_stat
ch.record("features_single_n", len(views_single))
ch.record("features_single_n_features", len(res_single.table))
ch.record("features_single_p_high", hs.p_random_ge_high)
ch.record("features_single_n_distinct_high", hs.n_high)
ch.record("features_single_n_fdr", int(res_single.table["significant"].sum()))
ch.record("features_single_lo", spread[0])
ch.record("features_single_hi", spread[1])
save_fig(figures.held_out_figure(res_single), "single_channel", ch.name)

# %% [markdown]
# The channel has {glue:text}`features_single_n` videos after cleaning and
# {glue:text}`features_single_n_features` features qualify; {glue:text}`features_single_share_above_one:.0%`
# of them have a group {glue:text}`features_single_statistic` above the channel's. The held-out
# {glue:text}`features_single_statistic` of the top-10 features ({glue:text}`features_single_n_distinct_high`
# distinct videos) has P(random ≥) = {glue:text}`features_single_p_high:.3g`
# ({numref}`fig-features-single`), and {glue:text}`features_single_n_fdr` features survive FDR
# control. The honest account is in the spread: 95 % of random 10-video means fall between
# {glue:text}`features_single_lo:.2f` and {glue:text}`features_single_hi:.2f` times the channel's
# mean, so a feature group of 10 would need an effect of that size to stand out from one draw,
# and the top-10 of many features will show ratios that large by chance alone.
#
# The published single-channel analysis dropped its low-view features because they tracked upload
# time: old videos of a growing channel have few views whatever their thumbnails show. The same
# check here: views adjusted for upload age (one channel, so age is the only term), the same
# groups re-ranked, and each listed feature's fate, beside the median age of its group.

# %%
from thumbnail_lab.features.pipeline import top_list_survivors

meta_single = ds_single.metadata
adj_single, adj_single_r2 = adjusted_views(meta_single, age_df=age_df)
res_single_adj = reanalyse(res_single.groups, adj_single, single_params, rng, n_sim=n_sim, n_perm=n_perm,
                           n_boot=n_boot, alpha=alpha)
group_age = pd.Series(np.median(meta_single["age_days"].to_numpy()[res_single.groups.kept], axis=1),
                      index=res_single.table["feature"].to_numpy(), name="median_age_days")
survivors = top_list_survivors(res_single, res_single_adj).join(group_age, on="feature")
survivors = survivors.join(single_table["dominant_element"], on="feature")
stays = survivors.groupby("status")["stays"].sum()
ch.record("features_single_adj_r2", adj_single_r2)
ch.record("features_single_median_age", float(meta_single["age_days"].median()))
ch.record("features_single_stay_high", int(stays.get("high", 0)))
ch.record("features_single_stay_low", int(stays.get("low", 0)))
ch.record("features_single_listed", len(res_single.high))
ch.record("features_single_chance_stay", len(res_single.high) ** 2 / len(res_single.table))
ch.record("features_single_n_fdr_adj", int(res_single_adj.table["significant"].sum()))
ch.record("single_channel_adjusted", dict(res_single_adj.summary(), r2=adj_single_r2,
                                          survivors=survivors.to_dict(orient="records")))
survivors.round(3)

# %% [markdown]
# Upload age explains R² = {glue:text}`features_single_adj_r2:.2f` of the channel's log views (its
# median video is {glue:text}`features_single_median_age:.0f` days old). Of the
# {glue:text}`features_single_listed` high-view features, {glue:text}`features_single_stay_high`
# stay on the high list after the adjustment, and {glue:text}`features_single_stay_low` of the
# low-view features stay on the low list; two unrelated rankings would share
# {glue:text}`features_single_chance_stay:.1f` per list by chance. The table names them (`stays`),
# with the median age of each group: a listed feature whose group is much older or younger than
# the channel's median tracked upload time rather than its picture. {glue:text}`features_single_n_fdr_adj`
# features survive FDR control on adjusted views. One channel's few hundred videos can flag
# candidates for the creator to test; they cannot establish that a visual feature causes views.

# %% [markdown]
# ## What we found
# - The SAE leaves {glue:text}`features_fvu:.2f` of the analysed embeddings' variance unexplained, and
#   {glue:text}`features_n_features` latents qualify as features with groups of
#   {glue:text}`features_group_size`, whose thumbnails sit in {glue:text}`features_overlap_groups_per_member:.2f`
#   groups on average (random groups: {glue:text}`features_overlap_groups_per_member_random:.2f`).
# - The extreme feature groups reach {glue:text}`features_top_magnitude:.2f` and
#   {glue:text}`features_bottom_magnitude:.2f` times the dataset median; the published KS test gives
#   {glue:text}`features_ks_p_text`, the whole-pipeline KS test p = {glue:text}`features_pipeline_p_ks:.3g`;
#   the held-out lists have whole-pipeline p-values {glue:text}`features_pipeline_p_high:.3g` (high) and
#   {glue:text}`features_pipeline_p_low:.3g` (low).
# - In shuffled null worlds the published held-out tests fired in
#   {glue:text}`features_cal_high_published_rate:.1%` and {glue:text}`features_cal_low_published_rate:.1%`
#   of them, the whole-pipeline tests in {glue:text}`features_cal_high_corrected_rate:.1%` and
#   {glue:text}`features_cal_low_corrected_rate:.1%` (calibrated: between
#   {glue:text}`features_cal_interval_low:.3f` and {glue:text}`features_cal_interval_high:.3f`).
# - {glue:text}`features_n_fdr` features pass a false discovery rate of {glue:text}`features_alpha`.
#   Selected on one part and measured on another, {glue:text}`features_split_random_raw_share_same_direction:.0%`
#   point the same way on a random split and {glue:text}`features_split_channel_raw_share_same_direction:.0%`
#   on a channel split (chance about {glue:text}`features_split_channel_raw_chance_same_direction:.0%`).
# - Adjusting for channel and upload age leaves {glue:text}`features_n_fdr_adj` significant features
#   and changes the status of {glue:text}`features_n_changed`.
# - Against the planted truth, {glue:text}`features_truth_high_precision:.0%` of the high-view features point
#   the right way (random lists: {glue:text}`features_truth_high_chance_precision:.0%`, p =
#   {glue:text}`features_truth_high_p_value:.3g`) and {glue:text}`features_truth_low_precision:.0%` of the
#   low-view features (random lists: {glue:text}`features_truth_low_chance_precision:.0%`, p =
#   {glue:text}`features_truth_low_p_value:.3g`).
# - In the null world with adjusted views, {glue:text}`features_null_share_adj:.0%` of features have
#   p < α and {glue:text}`features_null_bh_adj` survive FDR control.
# - One channel's {glue:text}`features_single_n` videos give {glue:text}`features_single_n_fdr`
#   features that survive FDR control; after the age adjustment {glue:text}`features_single_stay_high`
#   high-view and {glue:text}`features_single_stay_low` low-view features keep their place.
#
# ## Exercises
# 1. Set `sae_corpus = "same"`. Predict whether the FVU on the analysed thumbnails drops, whether
#    the two rows of {numref}`fig-features-corpus` start to agree, and whether the list of
#    high-view features changes; run it and check.
# 2. Halve `group_size` and `min_count`. More features qualify and their groups overlap less:
#    predict what happens to the number of FDR-significant features, to the duplicates among the
#    held-out thumbnails and to the published held-out test's false-alarm rate.
# 3. Set `alpha = 0.2`. Predict where the calibrated band of {numref}`fig-features-false-alarms`
#    moves, and whether the whole-pipeline tests stay inside it.
# 4. Raise `single_n_videos` to 1200. Predict how the interval of random 10-video means changes,
#    and whether any feature survives FDR control and the age adjustment.
