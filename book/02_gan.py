# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (chapter-gan)=
# # A GAN that draws thumbnails
#
# ## Overview
# Can an adversarial generator learn what thumbnails look like? We train a small DCGAN on
# ThumbWorld's thumbnails, with the stabilisers practitioners reach for (spectral
# normalisation, one-sided label smoothing, instance noise, gradient clipping), watch its
# samples grow out of noise, and then switch the stabilisers off to see what fails, measured
# rather than eyeballed: sample diversity in a feature space and the coverage of ThumbWorld's
# elements. We end with a walk through the generator's latent space.
#
# After this chapter you will be able to train and evaluate a GAN with `thumbnail_lab.generative`,
# read its loss curves, and measure mode collapse instead of guessing it.
#
# The default profile trains each GAN for a few minutes at most on this CPU's two threads at
# 64x36 pixels; the `full` profile trains longer and wider.

# %% tags=["parameters"]
source = "thumbworld"      # "thumbworld" or a dataset folder
scenario = "default"
n_videos = 6000
seed = 0
width, height = 64, 36     # training resolution (16:9, multiples of 4)
gan_steps = 800            # training steps of the stabilised GAN (batches of batch_size)
ablation_steps = 800       # steps of the GAN without stabilisers
batch_size = 32
g_channels = 128           # generator width (channels of its first feature map, halved per upsampling)
n_eval_samples = 500       # samples scored against the training set
feature_epochs = 4         # epochs of the in-project feature extractor (shared with chapter 03)
walk_frames = 6            # frames per leg of the latent walk
encoder_corpus_size = 20000  # the pretrained encoder (the metrics' feature space): chapter 01a's corpus size,
encoder_steps = 700        # steps, batch and width
encoder_batch_size = 128
encoder_width = 32
threads = 2                # torch CPU threads (use 1 on a machine busy with other work)

# %%
from thumbnail_lab.chapter import setup
from thumbnail_lab.params import Rule, dataset_source, multiple_of
from thumbnail_lab.thumbworld import SCENARIOS

ch = setup("02_gan", globals(), rules={
    "source": Rule(check=dataset_source), "scenario": Rule(choices=SCENARIOS), "n_videos": Rule(min=1),
    "seed": Rule(min=0), "width": Rule(min=16, check=multiple_of(4).check),
    "height": Rule(min=8, check=multiple_of(4).check), "gan_steps": Rule(min=1), "ablation_steps": Rule(min=1),
    "batch_size": Rule(min=1), "g_channels": Rule(min=8), "n_eval_samples": Rule(min=20),
    "feature_epochs": Rule(min=1), "walk_frames": Rule(min=1), "threads": Rule(min=1),
    **{name: Rule(min=1) for name in ("encoder_corpus_size", "encoder_steps", "encoder_batch_size", "encoder_width")}})

# %% tags=["hide-input"]
import numpy as np
import pandas as pd

from thumbnail_lab.dataset import ensure_dataset
from thumbnail_lab.encoder import book_encoder, chapter_sizes
from thumbnail_lab.generative import evaluation, figures, interpolation
from thumbnail_lab.generative.feature_extractor import ensure_feature_extractor
from thumbnail_lab.generative.gan import Discriminator, GANConfig, Generator, n_parameters
from thumbnail_lab.generative.gan_training import (
    fixed_latents,
    gan_key,
    sample_from_latents,
    sample_gan,
    save_gan_outputs,
    train_gan,
)
from thumbnail_lab.generative.interpolation import latent_walk, save_gif
from thumbnail_lab.paths import chapter_dir
from thumbnail_lab.plotting import image_grid, save_fig

# %% [markdown]
# ## The data
# The generator sees the dataset's cleaned thumbnails of the train and validation rows,
# downscaled to the training resolution; the test rows stay out of training (chapter 03 uses
# them as the held-out control of its copy check).

# %%
ds = ensure_dataset(source, scenario=scenario, n_videos=n_videos, seed=seed)
split = ds.split("random")
train_rows = np.sort(np.concatenate([split["train"], split["val"]]))   # the test rows stay out of training
images = np.asarray(ds.images(width=width, height=height))[train_rows]
ch.record("gan_n_train", len(images))
print(f"{ds.name}: {len(images)} training thumbnails at {width}x{height}")

# %% mystnb={"figure": {"caption": "Sixteen training thumbnails drawn at random, at the resolution the GAN sees.", "name": "fig-gan-training-examples"}}
show = ch.rng.choice(len(images), 16, replace=False)
save_fig(image_grid(images[show], ncols=8), "training_examples", ch.name)

# %% [markdown]
# ## The model and its stabilisers
# The generator upsamples a latent vector twice (nearest-neighbour upsampling followed by a
# convolution, which avoids the checkerboard artefacts of transposed convolutions); the
# discriminator mirrors it with strided convolutions. Every stabiliser is a field of
# `GANConfig`, so the ablation below is the same model with those fields switched off.

# %%
config = GANConfig(height=height, width=width, g_channels=g_channels, batch_size=batch_size)
print(config)
ch.record("gan_g_params", n_parameters(Generator(config)))
_ = ch.record("gan_d_params", n_parameters(Discriminator(config)))

# %% [markdown]
# The generator has {glue:text}`gan_g_params:,` parameters and the discriminator
# {glue:text}`gan_d_params:,`.
#
# ## Training: from splotches to thumbnails
# We train for {glue:text}`gan_steps:,` steps of {glue:text}`gan_batch` images and keep the
# samples of eight fixed latent vectors at five points of training.

# %%
ch.record("gan_steps", gan_steps)
ch.record("gan_batch", batch_size)
snapshot_at = tuple(sorted({0, *np.linspace(0, gan_steps, 5).astype(int)[1:]}))
run = train_gan(images, config, gan_steps, seed=seed, snapshot_steps=snapshot_at, n_snapshot=8)
ch.record("gan_train_seconds", run.seconds)
_ = ch.record("gan_images_per_s", run.images_per_second)

# %% mystnb={"figure": {"caption": "Generator and discriminator losses of the stabilised GAN (rolling mean over 10 log points). The discriminator's loss includes the label-smoothing floor.", "name": "fig-gan-losses"}}
save_fig(figures.loss_curves({"stabilised GAN": run.history}, ["d_loss", "g_loss"], smooth=10), "losses", ch.name)

# %% mystnb={"figure": {"caption": "Samples from the same eight latent vectors after increasing numbers of training steps (one row per step).", "name": "fig-gan-snapshots"}}
rows = {f"step {s}": imgs for s, imgs in run.snapshots.items()}
save_fig(figures.labelled_rows(rows), "snapshots", ch.name)

# %% [markdown]
# Training took {glue:text}`gan_train_seconds:.0f` s ({glue:text}`gan_images_per_s:.0f`
# real images per second). {numref}`fig-gan-losses` shows the two losses and
# {numref}`fig-gan-snapshots` the same latent vectors as training proceeds. Judge the rows
# yourself: at the default budget (a few minutes on two CPU threads, a few tens of thousands
# of images seen) a GAN gets colour fields and the rough split between background and
# foreground, far from the detail of {numref}`fig-gan-training-examples`; the `full` profile
# trains more than ten times longer. The numbers below measure how far it got.
#
# ## Measuring the samples
# Looking is not measuring. A small CNN, trained on ThumbWorld's truth columns to recognise
# each element (face, text, food, logo...), labels the elements in any image. The space of every
# distance below is the pretrained encoder of {ref}`chapter-encoder`, which never saw a label: the
# average of its last feature map plays the part Inception's pooled features play in the
# literature (`evaluation.MetricSpace`). Collapse is
# read from coverage (Naeem et al., 2020): the share of real thumbnails whose neighbourhood
# holds at least one sample, against the share that samples of the data itself would reach.
# A set below half of that expectation is flagged as collapsed; {ref}`chapter-diffusion` shows
# the detector catching a planted collapse and sparing held-out thumbnails. The same extractor
# scores both generators there.

# %%
labels, label_names = evaluation.element_labels(ds.metadata.iloc[train_rows], ds.elements)
extractor, extractor_scores = ensure_feature_extractor(images, labels, label_names, ds.name,
                                                       chapter_dir("03_diffusion"), epochs=feature_epochs,
                                                       seed=seed)
ch.record("gan_extractor_auc", float(extractor_scores["auc"].mean()))
pretrained = book_encoder(**chapter_sizes(ch.params))
extractor = evaluation.MetricSpace(labeller=extractor, embed=pretrained.pooled)
ref_idx = ch.rng.choice(len(images), min(len(images), max(n_eval_samples, 200)), replace=False)
reference = evaluation.reference_from(extractor, images[ref_idx])

# %% [markdown]
# The extractor separates the elements with a mean held-out AUC of
# {glue:text}`gan_extractor_auc:.2f` across elements (chapter 03 lists them one by one).
#
# ## Switching the stabilisers off
# The ablation trains the same architecture for {glue:text}`gan_ablation_steps:,` steps with
# no spectral normalisation, hard labels, no instance noise and no gradient clipping.

# %%
ch.record("gan_ablation_steps", ablation_steps)
ablated = train_gan(images, config.without_stabilisers(), ablation_steps, seed=seed,
                    snapshot_steps=(ablation_steps,), n_snapshot=8)

# %% mystnb={"figure": {"caption": "Losses with (left) and without (right) the stabilisers (rolling mean over 10 log points).", "name": "fig-gan-ablation-losses"}}
fig = figures.loss_curves({"stabilised": run.history, "no stabilisers": ablated.history}, ["d_loss", "g_loss"],
                          smooth=10)
save_fig(fig, "ablation_losses", ch.name)

# %%
samples = {"stabilised": sample_gan(run.generator, n_eval_samples, seed + 100),
           "no stabilisers": sample_gan(ablated.generator, n_eval_samples, seed + 100)}
scores = {name: evaluation.score_samples(extractor, s, reference, seed=seed) for name, s in samples.items()}
scores["stabilised"]["d_loss_final"] = float(run.history["d_loss"].tail(10).mean())
scores["no stabilisers"]["d_loss_final"] = float(ablated.history["d_loss"].tail(10).mean())
table = pd.DataFrame({k: evaluation.public(v) for k, v in scores.items()}).T
table[["n_samples", "fd", "kid", "kid_sd", "precision", "recall", "coverage", "expected_coverage", "collapsed",
       "mush", "elements_shown", "d_loss_final"]].round(3)

# %% mystnb={"figure": {"caption": "Random samples (not selected) of the stabilised GAN (top two rows) and of the GAN without stabilisers (bottom two rows).", "name": "fig-gan-ablation-samples"}}
rows = {"stabilised": samples["stabilised"][:10], "": samples["stabilised"][10:20],
        "no stabilisers": samples["no stabilisers"][:10], " ": samples["no stabilisers"][10:20]}
save_fig(figures.labelled_rows(rows), "ablation_samples", ch.name)

# %%
stab, ablation = scores["stabilised"], scores["no stabilisers"]
for name, s in (("stab", stab), ("ablation", ablation)):
    for metric in ("coverage", "expected_coverage", "elements_shown", "mush", "fd", "kid", "d_loss_final"):
        ch.record(f"gan_{name}_{metric}", s[metric])
ch.record("gan_n_eval", n_eval_samples)
ch.record("gan_collapse_verdict", evaluation.collapse_verdict(stab, ablation))
ch.record("gan_coverage_word", evaluation.coverage_word(stab, ablation))
ch.record("gan_fd_word", evaluation.fd_word(stab, ablation))
_ = ch.record("gan_discriminator_word", "won" if evaluation.discriminator_won(stab, ablation) else "did not win")

# %% [markdown]
# The table scores {glue:text}`gan_n_eval` random samples of each GAN against the same real
# thumbnails. Without the stabilisers the generator {glue:text}`gan_collapse_verdict`: its
# coverage is {glue:text}`gan_ablation_coverage:.2f`, against {glue:text}`gan_stab_coverage:.2f`
# with them (samples of the data itself would reach {glue:text}`gan_stab_expected_coverage:.2f`;
# below half of that counts as a collapse). Its share of mush (flat, black or white samples) is
# {glue:text}`gan_ablation_mush:.0%` against {glue:text}`gan_stab_mush:.0%`. It shows
# {glue:text}`gan_coverage_word` of ThumbWorld's elements (the share of elements shown at least
# half as often as in the data: {glue:text}`gan_ablation_elements_shown:.2f` against
# {glue:text}`gan_stab_elements_shown:.2f`), and its
# Fréchet distance to the training set is {glue:text}`gan_fd_word`:
# {glue:text}`gan_ablation_fd:.3g` against {glue:text}`gan_stab_fd:.3g`.
# Its discriminator {glue:text}`gan_discriminator_word` the game: its final loss is
# {glue:text}`gan_ablation_d_loss_final:.2f` against {glue:text}`gan_stab_d_loss_final:.2f` with
# the stabilisers (a discriminator that ends below half the stabilised one's loss has won, and
# leaves its generator little gradient to learn from). {numref}`fig-gan-ablation-losses` and
# {numref}`fig-gan-ablation-samples` show the losses and samples behind these numbers. The
# Fréchet distance and KID are explained in {ref}`chapter-diffusion`.
#
# ### Which batch-norm mode to sample in
# The generator trained with batch normalisation on batches of {glue:text}`gan_batch` images;
# sampling in eval mode uses the running statistics instead. The table scores the same latents
# both ways.

# %%
bn_modes = {"eval mode (running statistics)": samples["stabilised"],
            "training mode (batch statistics)": sample_gan(run.generator, n_eval_samples, seed + 100,
                                                           batch_stats=True, batch_size=batch_size)}
bn_scores = {k: evaluation.public(evaluation.score_samples(extractor, v, reference, seed=seed))
             for k, v in bn_modes.items()}
ch.record("gan_bn_modes", {k: {m: v[m] for m in ("fd", "kid", "kid_sd", "coverage")} for k, v in bn_scores.items()})
pd.DataFrame(bn_scores).T[["fd", "kid", "kid_sd", "precision", "recall", "coverage"]].round(3)

# %% [markdown]
# The samples saved for chapters 03 and 04 are drawn in eval mode; where the two rows differ
# by more than the KID standard deviation, the mode matters at this budget.
#
# ## A walk through latent space
# A generator that has learned a smooth map turns a straight (spherical) path between two
# latent vectors into a gradual morph between two images, not a jump.

# %% mystnb={"figure": {"caption": "A latent walk through four random points of the stabilised generator (read left to right, top to bottom); the animation follows.", "name": "fig-gan-latent-walk"}}
anchors = fixed_latents(4, config.z_dim, seed + 7)
frames = sample_from_latents(run.generator, latent_walk(anchors, walk_frames))
gif_path = save_gif(frames, ch.dir / "figures" / "latent_walk.gif")
save_fig(image_grid(frames, ncols=min(len(frames), 2 * walk_frames)), "latent_walk", ch.name)

# %%
from IPython.display import Image

Image(filename=str(gif_path))  # the animated walk, embedded in the page

# %% [markdown]
# Is the walk smooth? We measure it: the pixel distance between consecutive frames against the
# distance between two random samples of the same generator (the step a walk would take if
# every frame were a fresh draw). As a control, the same frames in shuffled order must fail.

# %%
walk = interpolation.walk_smoothness(frames, samples["stabilised"], seed=seed)
control = interpolation.walk_smoothness(interpolation.shuffled(frames, seed), samples["stabilised"], seed=seed)
for name, w in (("walk", walk), ("shuffled", control)):
    ch.record(f"gan_{name}_max_ratio", w["max_ratio"])
    ch.record(f"gan_{name}_mean_ratio", w["mean_ratio"])
    ch.record(f"gan_{name}_smooth", evaluation.flagged_word(not w["smooth"]))
_ = ch.record("gan_smooth_step", interpolation.SMOOTH_STEP)

# %% [markdown]
# Consecutive frames are on average {glue:text}`gan_walk_mean_ratio:.2f` and at most
# {glue:text}`gan_walk_max_ratio:.2f` of the distance between random samples; the shuffled
# control's largest step is {glue:text}`gan_shuffled_max_ratio:.2f`. A walk whose largest step
# exceeds {glue:text}`gan_smooth_step:.1f` of that distance is flagged as jumping: the walk is
# {glue:text}`gan_walk_smooth`, the shuffled control {glue:text}`gan_shuffled_smooth`.

# %% [markdown]
# ## Saving what later chapters read
# The stabilised generator's weights and {glue:text}`gan_n_eval` random samples go under the
# chapter's artifacts: chapter 03 compares them with diffusion, chapter 04 scores them.

# %%
key = gan_key(ds.name, config, gan_steps, seed)
saved = save_gan_outputs(run, ch.dir, key, n_eval_samples)
ch.record("dataset", ds.name); ch.record("n_train", len(images)); ch.record("resolution", [width, height])
ch.record("ablation_steps", ablation_steps)  # gan_steps is recorded above
ch.record("scores", {k: evaluation.public(v) for k, v in scores.items()})
ch.record("final_losses", {k: {c: float(r.history[c].tail(10).mean()) for c in ("d_loss", "g_loss")}
                           for k, r in (("stabilised", run), ("no stabilisers", ablated))})
print(f"saved {saved.shape[0]} samples and gan.pt under {ch.dir}")

# %% [markdown]
# ## What we found
# - A {glue:text}`gan_g_params:,`-parameter DCGAN trained for {glue:text}`gan_steps:,` steps
#   ({glue:text}`gan_train_seconds:.0f` s on this CPU) moves from grey noise to colour fields
#   and coarse layouts ({numref}`fig-gan-snapshots`); its Fréchet distance to the training
#   thumbnails is {glue:text}`gan_stab_fd:.3g` in the pretrained encoder's feature space.
# - With the stabilisers its samples reach a coverage of {glue:text}`gan_stab_coverage:.2f`
#   (expected for the data itself: {glue:text}`gan_stab_expected_coverage:.2f`); without them
#   {glue:text}`gan_ablation_coverage:.2f`: without the stabilisers the generator
#   {glue:text}`gan_collapse_verdict`.
# - The latent walk ({numref}`fig-gan-latent-walk`) is {glue:text}`gan_walk_smooth` as jumping
#   (largest step {glue:text}`gan_walk_max_ratio:.2f` of a random pair's distance), the
#   shuffled control {glue:text}`gan_shuffled_smooth`.
#
# ## Exercises
# 1. Set `ablation_steps` to three times `gan_steps`. Predict: does the unstabilised GAN's
#    coverage recover or fall further with more training?
# 2. Turn off one stabiliser at a time (`config.without("spectral_norm")`, see `STABILISERS`).
#    Which one matters most for coverage here? Predict before you run.
# 3. Halve `g_channels`. How do the Fréchet distance and the training time change?
