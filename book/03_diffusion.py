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
# (chapter-diffusion)=
# # Diffusion: better, and is it copying?
#
# ## Overview
# Does a denoising diffusion model draw better thumbnails than the GAN of
# {ref}`chapter-gan`, and when it does, is it inventing or remembering? We train a DDPM
# (Hugging Face diffusers' `UNet2DModel` with its `DDPMScheduler`, EMA weights) on the same
# thumbnails, in the latent space of a small autoencoder as Stable Diffusion does, sample it
# with the full ancestral sampler and with few-step DDIM, and compare
# random samples of both generators with the training data on the same footing: Fréchet
# distance, KID, precision and recall in the pretrained encoder's feature space, and the frequencies of
# ThumbWorld's elements. Then we look for copies: the nearest training thumbnails of every
# sample.
#
# After this chapter you will be able to train and sample a small latent diffusion model on a
# CPU, choose a sampler knowing its cost, compare generators with numbers that say what they
# measure, and run a memorisation check.
#
# Budget: the default profile trains the autoencoder and then the UNet for a few minutes each
# on this CPU; the autoencoder turns a 64x36 thumbnail into a 16x9 map of a few channels,
# which is what makes that budget enough. The `full` profile trains a wider UNet on more
# thumbnails for much longer.

# %% tags=["parameters"]
source = "thumbworld"      # "thumbworld" or a dataset folder
scenario = "default"
n_videos = 6000
seed = 0
width, height = 64, 36     # training resolution (16:9)
latent_channels = 4        # latent diffusion with this many latent channels (0 to diffuse the pixels)
ae_channels = 24           # autoencoder width at full resolution
ae_steps = 600             # optimiser steps of the autoencoder (batches of 32)
diffusion_steps = 3000     # optimiser steps of the UNet
batch_size = 32
channels = [64]            # UNet block widths, one level per entry (a 16x9 latent map allows one)
patch = 1                  # pixel space only, 2 to denoise 2x2-patchified images (4x cheaper)
prediction_type = "v_prediction"  # the UNet's target: "v_prediction", "epsilon" or "sample" (the clean input)
snr_gamma = 5.0            # Min-SNR-gamma loss weighting (0 for a plain MSE)
num_train_timesteps = 1000  # diffusion steps T (the DDPM sampler walks all of them)
lr = 2e-3
ddim_steps = [10, 25, 50]  # DDIM step counts compared with the full DDPM sampler
main_ddim_steps = 25       # the sampler used for the comparison samples
n_samples = 300            # random samples per generator for the comparison table
n_tradeoff = 128           # samples per sampler in the speed/quality trade-off
copy_noise = 0.25          # std of the noise added to latents for the planted noisy copies
memo_sizes = [64, 512]     # training-set sizes of the copy-share curve (the full training set is added)
memo_steps = 400           # UNet steps of each model of the copy-share curve
gan_steps = 800            # the GAN of chapter 02 (reused if it matches, else trained here)
gan_channels = 128
race_budgets = [20, 40, 80]  # the equal-time race: training seconds at which both generators are scored
race_seeds = 3             # training seeds per generator in the race (seed, seed + 1, ...)
race_samples = 128         # samples scored per generator, seed and budget
feature_epochs = 4         # epochs of the shared feature extractor
encoder_corpus_size = 20000  # the pretrained encoder (the metrics' feature space): chapter 01a's corpus size,
encoder_steps = 700        # steps, batch and width
encoder_batch_size = 128
encoder_width = 32
threads = 2                # torch CPU threads (use 1 on a machine busy with other work)

# %%
from thumbnail_lab.chapter import setup
from thumbnail_lab.params import Rule, dataset_source
from thumbnail_lab.thumbworld import SCENARIOS

ch = setup("03_diffusion", globals(), rules={
    "source": Rule(check=dataset_source), "scenario": Rule(choices=SCENARIOS), "n_videos": Rule(min=1),
    "seed": Rule(min=0), "width": Rule(min=16), "height": Rule(min=8), "latent_channels": Rule(min=0),
    "ae_channels": Rule(min=4), "ae_steps": Rule(min=1), "diffusion_steps": Rule(min=1), "batch_size": Rule(min=1),
    "channels": Rule(check=lambda v: None if v and all(isinstance(c, int) and c % 8 == 0 for c in v)
                     else "must be a list of multiples of 8"),
    "patch": Rule(choices=[1, 2, 4]), "prediction_type": Rule(choices=["v_prediction", "epsilon", "sample"]),
    "snr_gamma": Rule(min=0.0), "num_train_timesteps": Rule(min=10), "lr": Rule(min=1e-6, max=1.0),
    "ddim_steps": Rule(check=lambda v: None if v and all(isinstance(s, int) and s > 0 for s in v)
                       else "must be a list of positive integers"),
    "main_ddim_steps": Rule(min=1), "n_samples": Rule(min=20), "n_tradeoff": Rule(min=8), "gan_steps": Rule(min=1),
    "gan_channels": Rule(min=8), "feature_epochs": Rule(min=1), "threads": Rule(min=1), "copy_noise": Rule(min=0.0),
    "memo_sizes": Rule(check=lambda v: None if all(isinstance(n, int) and n > 1 for n in v) else "must be sizes > 1"),
    "memo_steps": Rule(min=1), "race_seeds": Rule(min=1), "race_samples": Rule(min=20),
    "race_budgets": Rule(check=lambda v: None if v and all(isinstance(b, (int, float)) and b > 0 for b in v)
                         else "must be a list of positive seconds"),
    **{name: Rule(min=1) for name in ("encoder_corpus_size", "encoder_steps", "encoder_batch_size", "encoder_width")}})

# %% tags=["hide-input"]
import numpy as np
import pandas as pd

from thumbnail_lab.dataset import ensure_dataset
from thumbnail_lab.encoder import book_encoder, chapter_sizes
from thumbnail_lab.generative import collapse, diffusion, evaluation, figures, latent, memorisation
from thumbnail_lab.generative.feature_extractor import ensure_feature_extractor
from thumbnail_lab.generative.gan import GANConfig, n_parameters
from thumbnail_lab.generative.gan_training import gan_samples, gan_training_seconds, save_samples
from thumbnail_lab.generative.metrics import element_frequencies
from thumbnail_lab.paths import chapter_dir
from thumbnail_lab.plotting import save_fig

problem = diffusion.main_steps_problem(main_ddim_steps, ddim_steps)
ch.require(problem is None, problem or "")

# %%
ds = ensure_dataset(source, scenario=scenario, n_videos=n_videos, seed=seed)
split, all_images = ds.split("random"), np.asarray(ds.images(width=width, height=height))
train_rows = np.sort(np.concatenate([split["train"], split["val"]]))   # the rows chapter 02's GAN trains on
images, held_out_real = all_images[train_rows], all_images[split["test"]][:n_samples]   # never trained on
ch.record("diff_n_train", len(images))
_ = ch.record("diff_n_held_out", len(held_out_real))

# %% [markdown]
# ## Step one: a space that is cheap to model
# A diffusion model spends its compute on every number of its input, three per pixel of a
# thumbnail. Stable Diffusion's answer, used here, is to diffuse in the latent space
# of an autoencoder trained beforehand on reconstruction alone: the encoder turns each
# thumbnail into a small map, the decoder turns maps back into thumbnails, and the diffusion
# model only has to learn which maps look like thumbnails. The decoder draws the edges and
# flat colours; the denoiser places them. While the autoencoder trains, noise is added to its
# latents, so that its decoder tolerates the small errors of generated ones
# (`thumbnail_lab.generative.latent`).

# %%
if latent_channels:
    ae_config = latent.AutoencoderConfig(height=height, width=width, channels=ae_channels,
                                         latent_channels=latent_channels)
    ae_run = latent.train_autoencoder(images, ae_config, ae_steps, seed=seed)
    autoencoder, train_data = ae_run.model, latent.encode_images(ae_run.model, images)
else:  # pixel space: the UNet sees the thumbnails themselves
    ae_run, autoencoder, train_data = None, None, images
space = ae_config.latent_shape if latent_channels else (3, height, width)
shown = ch.rng.choice(len(images), 10, replace=False)
recon = latent.decode_to_images(autoencoder, train_data[shown]) if autoencoder else images[shown]
ae_error = float(np.abs(recon.astype(float) - images[shown]).mean())

# %%
ch.record("diff_ae_seconds", ae_run.seconds if ae_run else 0.0)
ch.record("diff_ae_images_seen", ae_run.images_seen if ae_run else 0)
ch.record("diff_ae_compression", float(height * width * 3 / np.prod(space)))
ch.record("diff_space_shape", "x".join(map(str, space)))
_ = ch.record("diff_ae_error", ae_error)

# %% [markdown]
# The autoencoder trained for {glue:text}`diff_ae_seconds:.0f` s
# ({glue:text}`diff_ae_images_seen:,` thumbnails seen) and compresses each thumbnail
# {glue:text}`diff_ae_compression:.0f`-fold, into a {glue:text}`diff_space_shape` map. On the
# thumbnails below, its reconstructions are off by {glue:text}`diff_ae_error:.1f` grey levels
# (of 255) on average. (With `latent_channels = 0` no autoencoder is involved: the UNet
# denoises the pixels themselves, and these numbers read 0 s, 1-fold and 0 grey levels.)

# %% mystnb={"figure": {"caption": "Ten random training thumbnails (top) and what the diffusion model's space keeps of them (bottom): the autoencoder's reconstructions, or the thumbnails themselves when the model works on pixels.", "name": "fig-diff-autoencoder"}}
save_fig(figures.labelled_rows({"thumbnail": images[shown], "decoded latent": recon}), "autoencoder", ch.name)

# %% [markdown]
# {numref}`fig-diff-autoencoder` shows what survives the compression: layouts, faces,
# objects and the colour of the text survive; the letters themselves mostly do not. That is
# the ceiling of every sample below.
#
# ## The forward process: burying a thumbnail in noise
# A diffusion model learns to undo a fixed noising process. At step $t$ of $T$ =
# {glue:text}`diff_T` the input is $\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$
# (here with the cosine schedule); by the last step nothing of the thumbnail is left. The
# noise is added to the latent map; the figure shows what the decoder makes of it.

# %%
config = diffusion.DiffusionConfig(height=space[1], width=space[2], channels=space[0], pixel_space=not latent_channels,
                                   patch=patch,
                                   block_out_channels=tuple(channels), num_train_timesteps=num_train_timesteps,
                                   prediction_type=prediction_type, snr_gamma=snr_gamma or None, lr=lr,
                                   batch_size=batch_size)
ch.record("diff_T", num_train_timesteps)
shown_t = sorted({0, *np.linspace(0, num_train_timesteps - 1, 6).astype(int)[1:]})
noised = diffusion.forward_noising(images[shown[:4]], config, shown_t, seed=seed, autoencoder=autoencoder)

# %% mystnb={"figure": {"caption": "The forward (noising) process on four training thumbnails (columns): one row per timestep t, from the clean image (top) to pure noise (bottom), each decoded from its noised latent.", "name": "fig-diff-forward"}}
rows = {f"t = {t}": noised[i] for i, t in enumerate(shown_t)}
save_fig(figures.labelled_rows({k: v for k, v in rows.items()}, ncols=4), "forward_noising", ch.name)

# %% [markdown]
# {numref}`fig-diff-forward` shows one row per timestep.
#
# ## Training the denoiser
# The UNet sees a noised latent and its timestep and predicts a target (`prediction_type`):
# here the velocity $v = \sqrt{\bar\alpha_t}\,\varepsilon - \sqrt{1-\bar\alpha_t}\,x_0$, which
# stays well scaled at every noise level. The loss weights each timestep as in Min-SNR-$\gamma$
# (Hang et al., 2023; `snr_gamma`): nearly clean inputs, easy to denoise and useless for
# layout, stop dominating the gradient, which the paper found to speed up training about
# threefold. One loss, one network, no adversary: the loss curve is the whole story.

# %%
ch.record("diff_params", n_parameters(diffusion.PatchedUNet(config)))
ch.record("diff_steps", diffusion_steps)
ch.record("diff_batch", batch_size)
checkpoints = tuple(sorted({max(1, diffusion_steps // 2 ** k) for k in range(5)}))   # kept to score below
run = diffusion.train_diffusion(train_data, config, diffusion_steps, seed=seed, snapshot_steps=checkpoints)
ch.record("diff_train_seconds", run.seconds)
ch.record("diff_total_seconds", run.seconds + (ae_run.seconds if ae_run else 0.0))
_ = ch.record("diff_images_per_s", run.images_per_second)

# %% mystnb={"figure": {"caption": "Training loss of the denoiser (mean over windows of 10 steps), log scale.", "name": "fig-diff-loss"}}
save_fig(figures.loss_curves({"DDPM (UNet2DModel)": run.history}, ["loss"], ylabel="MSE on the target",
                             logy=True), "loss", ch.name)

# %% [markdown]
# The UNet has {glue:text}`diff_params:,` parameters; {glue:text}`diff_steps:,` steps of
# {glue:text}`diff_batch` thumbnails took {glue:text}`diff_train_seconds:.0f` s
# ({glue:text}`diff_images_per_s:.0f` images per second), see {numref}`fig-diff-loss`.
#
# ## The reverse process: thumbnails out of noise
# Sampling runs the learned denoiser backwards from pure noise. {numref}`fig-diff-reverse`
# follows four samples through a DDIM trajectory.

# %% mystnb={"figure": {"caption": "Reverse (denoising) trajectories of four samples with DDIM: one row per kept timestep, from pure noise (top) to the final sample (bottom).", "name": "fig-diff-reverse"}}
_, trajectory = diffusion.sample(run.ema_model, config, 4, seed=seed + 3, sampler="ddim", num_steps=main_ddim_steps,
                                 keep_every=max(1, main_ddim_steps // 6), autoencoder=autoencoder)
save_fig(figures.labelled_rows({f"t = {t}": x for t, x in trajectory}, ncols=4), "reverse", ch.name)

# %% [markdown]
# ## Few steps or all of them? The sampler trade-off
# The ancestral DDPM sampler takes all {glue:text}`diff_T` steps; DDIM takes a deterministic
# shortcut through a subset. We time each on the same {glue:text}`diff_n_tradeoff` latent
# noises and score the images (KID and Fréchet distance against real thumbnails, in the
# feature space introduced below; with so few samples only the differences between rows mean
# anything).

# %%
labels, label_names = evaluation.element_labels(ds.metadata.iloc[train_rows], ds.elements)
extractor, extractor_scores = ensure_feature_extractor(images, labels, label_names, ds.name, ch.dir,
                                                       epochs=feature_epochs, seed=seed)
element_cnn = extractor
pretrained = book_encoder(**chapter_sizes(ch.params))
extractor = evaluation.MetricSpace(labeller=element_cnn, embed=pretrained.pooled)
ref_idx = ch.rng.permutation(len(images))
reference = evaluation.reference_from(extractor, images[ref_idx[:max(n_samples, 200)]])

# %%
ch.record("diff_n_tradeoff", n_tradeoff)
tradeoff = []
for sampler, steps in [("ddim", s) for s in ddim_steps] + [("ddpm", num_train_timesteps)]:
    imgs, seconds = diffusion.time_sampler(run.ema_model, config, n_tradeoff, seed + 5, sampler, steps, autoencoder)
    s = evaluation.public(evaluation.score_samples(extractor, imgs, reference, seed=seed))
    tradeoff.append({"sampler": sampler.upper(), "steps": steps, "seconds": seconds,
                     "ms_per_image": 1000 * seconds / n_tradeoff, "kid": s["kid"], "kid_sd": s["kid_sd"], "fd": s["fd"]})
tradeoff = pd.DataFrame(tradeoff)
tradeoff.round(3)

# %% mystnb={"figure": {"caption": "Sampling time against quality for DDIM with few steps and the full DDPM sampler (same noise, same number of images; lower KID is better).", "name": "fig-diff-tradeoff"}}
save_fig(figures.sampler_tradeoff(tradeoff, n_tradeoff), "tradeoff", ch.name)

# %%
ddpm_row = tradeoff[tradeoff["sampler"] == "DDPM"].iloc[0]
main_row = tradeoff[(tradeoff["sampler"] == "DDIM") & (tradeoff["steps"] == main_ddim_steps)].iloc[0]
ch.record("diff_ddpm_vs_ddim_time", ddpm_row["seconds"] / main_row["seconds"])
ch.record("diff_main_steps", int(main_row["steps"]))
ch.record("diff_sampler_ddpm_kid", ddpm_row["kid"])
_ = ch.record("diff_sampler_ddim_kid", main_row["kid"])

# %% [markdown]
# The full sampler took {glue:text}`diff_ddpm_vs_ddim_time:.1f` times as long as DDIM with
# {glue:text}`diff_main_steps` steps (KID {glue:text}`diff_sampler_ddpm_kid:.3g` against
# {glue:text}`diff_sampler_ddim_kid:.3g`), see {numref}`fig-diff-tradeoff`. The comparison below
# therefore uses DDIM with {glue:text}`diff_main_steps` steps.
#
# ## What more training buys
# The EMA weights were kept at {glue:text}`diff_n_checkpoints` points of training, each twice
# as far as the last. Each is scored like the samplers above: the same
# {glue:text}`diff_n_tradeoff` latent noises, DDIM with {glue:text}`diff_main_steps` steps, KID
# and FD against the same real thumbnails. (A checkpoint mid-way has not had the end of the
# learning-rate schedule, so it is a little worse than a run stopped there would be.)

# %%
along = []
for step, snapshot in run.snapshots.items():
    imgs = diffusion.sample(snapshot, config, n_tradeoff, seed + 5, "ddim", main_ddim_steps, autoencoder=autoencoder)
    s = evaluation.public(evaluation.score_samples(extractor, imgs, reference, seed=seed))
    along.append({"step": step, "images_seen": step * batch_size, "fd": s["fd"], "kid": s["kid"], "kid_sd": s["kid_sd"]})
along = pd.DataFrame(along)
ch.record("diff_n_checkpoints", len(along))
for name, i in (("first", 0), ("last", -1)):
    ch.record(f"diff_{name}_ckpt_images", int(along["images_seen"].iloc[i]))
    ch.record(f"diff_{name}_ckpt_fd", float(along["fd"].iloc[i]))
along.round(3)

# %% mystnb={"figure": {"caption": "Quality along training: Fréchet distance (left) and KID (right) of samples drawn from the EMA weights at each kept point (same noise, same sampler, same real thumbnails; log scale of training images seen).", "name": "fig-diff-along-training"}}
save_fig(figures.quality_along_training(along, n_tradeoff), "along_training", ch.name)

# %% [markdown]
# From {glue:text}`diff_first_ckpt_images:,` to {glue:text}`diff_last_ckpt_images:,` training
# images the Fréchet distance went from {glue:text}`diff_first_ckpt_fd:.3g` to
# {glue:text}`diff_last_ckpt_fd:.3g` ({numref}`fig-diff-along-training`). Where the curve still
# falls at its right end, the model was stopped by the budget, not by what it can learn; the
# `full` profile trains many times longer and draws the same curve out to there.
#
# ## Random samples, side by side
# Neither generator's samples are selected: rows are the first images drawn.

# %%
gan_config = GANConfig(height=height, width=width, g_channels=gan_channels)
sets = {"training": images[ch.rng.choice(len(images), n_samples, replace=False)],
        "GAN": gan_samples(images, ds.name, gan_config, gan_steps, seed, n_samples, chapter_dir("02_gan")),
        "diffusion": diffusion.sample(run.ema_model, config, n_samples, seed + 100, "ddim", main_ddim_steps,
                                      autoencoder=autoencoder)}

# %%
ch.record("diff_gan_seconds", gan_training_seconds(chapter_dir("02_gan")))
_ = ch.record("diff_main_seconds", float(main_row["seconds"]))

# %% mystnb={"figure": {"caption": "Random training thumbnails (top two rows), random GAN samples (middle) and random diffusion samples (bottom), none selected.", "name": "fig-diff-side-by-side"}}
rows = {}
for name, imgs in sets.items():
    rows[name], rows[" " * len(rows)] = imgs[:10], imgs[10:20]
save_fig(figures.labelled_rows(rows), "side_by_side", ch.name)

# %% [markdown]
# ## GAN against diffusion, on the same footing
# Samples are measured in the space of the pretrained encoder of {ref}`chapter-encoder`, which
# never saw a label or a view: the average of its last feature map (as many numbers as it has
# channels) plays the part of Inception's pooled features, and is the space of the Fréchet distance
# (FD, the formula of FID), of KID, of precision/recall and of coverage. Which elements a sample
# shows is read by a separate small CNN trained on ThumbWorld's truth columns (the table below gives
# its held-out AUC per element). **These numbers are not
# comparable with Inception-based FID/KID from papers**: a different network, different
# images, a different scale. They compare the rows of this table, computed with the same
# reference set and sample sizes. Precision (share of samples that fall inside the real
# data's k-NN balls, k = 3) measures realism, recall (share of real thumbnails inside the
# samples' balls) measures variety; coverage and density (Naeem et al., 2020) are the sturdier
# pair, and `collapsed` flags a coverage below half of what the data itself would reach. The
# first row scores real thumbnails of the test rows, which no model here trained on: the best
# a generator can hope for at this sample size. When the diffusion
# model works in a latent space, the second row scores the same real thumbnails passed
# through its autoencoder: the best that model can hope for, since every sample it draws
# goes through the same decoder (the "reconstruction FID" that latent diffusion papers
# report beside their FID).

# %%
extractor_scores.set_index("label").round(3).T

# %%
scores = {"real (held out)": evaluation.score_samples(extractor, held_out_real, reference, seed=seed)}
scores["planted collapse (3 images)"] = evaluation.score_samples(
    extractor, collapse.planted_collapse(held_out_real, n_samples, 3, seed), reference, seed=seed)
scores["uniform noise"] = evaluation.score_samples(extractor, collapse.uniform_noise(n_samples, height, width, seed),
                                                   reference, seed=seed)
if autoencoder is not None:  # the ceiling of a latent model: every sample goes through the same decoder
    decoded_real = latent.decode_to_images(autoencoder, latent.encode_images(autoencoder, held_out_real))
    scores["real, through the autoencoder"] = evaluation.score_samples(extractor, decoded_real, reference, seed=seed)
scores.update({k: evaluation.score_samples(extractor, v, reference, seed=seed) for k, v in sets.items()
               if k != "training"})
table = pd.DataFrame({k: evaluation.public(v) for k, v in scores.items()}).T
comparison = table[["n_samples", "fd", "kid", "kid_sd", "precision", "recall", "density", "coverage",
                    "expected_coverage", "distinct_neighbours", "collapsed", "mush", "elements_shown", "element_error"]]
comparison.round(3)

# %%
for name, key in (("gan", "GAN"), ("ddpm", "diffusion"), ("real", "real (held out)")):
    for metric in ("fd", "kid", "precision", "recall", "elements_shown", "element_error", "coverage", "mush",
                   "distinct_neighbours"):
        ch.record(f"diff_{name}_{metric}", scores[key][metric])
ch.record("diff_expected_coverage", scores["real (held out)"]["expected_coverage"])
for name, key in (("planted", "planted collapse (3 images)"), ("noise", "uniform noise")):
    ch.record(f"diff_{name}_coverage", scores[key]["coverage"])
    ch.record(f"diff_{name}_distinct", scores[key]["distinct_neighbours"])
for name, key in (("planted", "planted collapse (3 images)"), ("noise", "uniform noise"), ("real", "real (held out)"),
                  ("ddpm", "diffusion"), ("gan", "GAN")):
    ch.record(f"diff_{name}_flag", evaluation.flagged_word(scores[key]["collapsed"]))
_ = ch.record("diff_n_samples", n_samples)

# %% [markdown]
# The budgets, on this CPU: the GAN trained for {glue:text}`diff_gan_seconds:.0f` s, the
# diffusion model for {glue:text}`diff_total_seconds:.0f` s (autoencoder included); drawing
# {glue:text}`diff_n_tradeoff` diffusion samples then takes {glue:text}`diff_main_seconds:.1f` s,
# where the GAN needs one forward pass.
# With {glue:text}`diff_n_samples` samples per generator: FD {glue:text}`diff_ddpm_fd:.3g`
# for diffusion, {glue:text}`diff_gan_fd:.3g` for the GAN, {glue:text}`diff_real_fd:.3g` for
# held-out real thumbnails; KID {glue:text}`diff_ddpm_kid:.3g`, {glue:text}`diff_gan_kid:.3g`
# and {glue:text}`diff_real_kid:.3g`.
#
# ### Does the collapse detector catch a collapse?
# Two planted failures sit in the table. The planted collapse draws its samples from three
# held-out thumbnails: its coverage is {glue:text}`diff_planted_coverage:.2f` and its samples
# occupy {glue:text}`diff_planted_distinct` distinct real neighbours, so it is
# {glue:text}`diff_planted_flag`. Uniform noise reaches {glue:text}`diff_noise_coverage:.2f`
# ({glue:text}`diff_noise_flag`; {glue:text}`diff_noise_distinct` distinct neighbours). The
# held-out real thumbnails reach {glue:text}`diff_real_coverage:.2f` against an expectation of
# {glue:text}`diff_expected_coverage:.2f` for samples of the data itself, with
# {glue:text}`diff_real_distinct_neighbours` distinct neighbours (the base rate), and are
# {glue:text}`diff_real_flag`. With the detector seen to work both ways: the diffusion model is
# {glue:text}`diff_ddpm_flag` (coverage {glue:text}`diff_ddpm_coverage:.2f`,
# {glue:text}`diff_ddpm_distinct_neighbours` distinct neighbours) and the GAN
# {glue:text}`diff_gan_flag` ({glue:text}`diff_gan_coverage:.2f`,
# {glue:text}`diff_gan_distinct_neighbours`). Mush (flat, black or white samples):
# {glue:text}`diff_ddpm_mush:.0%` for diffusion, {glue:text}`diff_gan_mush:.0%` for the GAN,
# {glue:text}`diff_real_mush:.0%` for real thumbnails.
#
# ### Which elements do the generators draw?
# The extractor's element labels (probability > 0.5) give each element's frequency in the
# training thumbnails and in each generator's samples. Two summaries are in the table above:
# `elements_shown`, the share of elements a generator shows at least half as often as the data,
# and `element_error`, the mean absolute difference between its frequencies and the data's.
# Read the frequencies with the classifier's held-out AUC in mind: an element it cannot
# recognise in real thumbnails (AUC near 0.5) says nothing about the samples.

# %% mystnb={"figure": {"caption": "How often the element classifier detects each element in random training thumbnails, GAN samples and diffusion samples (same sample sizes).", "name": "fig-diff-elements"}}
probs = {"training": evaluation.reference_from(extractor, sets["training"]).probabilities,
         "GAN": scores["GAN"]["_probabilities"], "diffusion": scores["diffusion"]["_probabilities"]}
freq = element_frequencies(probs, label_names)
save_fig(figures.frequency_bars(freq), "elements", ch.name)

# %%
freq.round(3).T

# %% [markdown]
# ## An equal-time race
# The comparison above gives each generator its own budget: the GAN trained for
# {glue:text}`diff_gan_seconds:.0f` s, the diffusion model for {glue:text}`diff_total_seconds:.0f` s,
# so a difference there mixes the method with the budget. The race gives both the same wall-clock
# seconds, on the same thumbnails at the same resolution: each generator is trained once per seed for
# as many steps as the largest budget allows (a few probe steps measure its speed first), its weights are
# kept where each smaller budget runs out, and every kept model is scored like the table above
# ({glue:text}`diff_race_samples` samples, the same real thumbnails). The diffusion model's clock starts
# with the {glue:text}`diff_ae_seconds:.0f` s its autoencoder trained, so a budget shorter than that
# leaves it nothing. Intervals are 95 % t intervals over {glue:text}`diff_race_n_seeds` training seeds
# (the sample noise of each score is inside that spread). The networks are the book's own and differ:
# a DCGAN generator against a UNet with residual blocks and attention; the race compares the two methods
# as built here, on this machine's clock.

# %%
from thumbnail_lab.generative import race

race_settings = race.RaceSettings(tuple(race_budgets), tuple(range(seed, seed + race_seeds)), race_samples,
                                  main_ddim_steps)


def race_score(imgs):
    return evaluation.score_samples(extractor, imgs, reference, seed=seed)


race_rows = race.race_table({
    "GAN": lambda s: race.gan_points(images, gan_config, race_settings, s),
    "diffusion": lambda s: race.diffusion_points(train_data, config, race_settings, s, autoencoder,
                                                 ae_run.seconds if ae_run else 0.0)}, race_settings, race_score)
race_result = ch.record("race", race.race_summary(race_rows))
ch.record("diff_race_verdict", race.verdict(race_result, "fd"))
ch.record("diff_race_n_seeds", race_seeds)
_ = ch.record("diff_race_samples", race_samples)

# %% mystnb={"figure": {"caption": "The equal-time race: Fréchet distance, KID, precision, recall and coverage of each generator's samples against the seconds it trained (log scale), means over training seeds with 95 % t intervals; dashed, the held-out real thumbnails.", "name": "fig-diff-race"}}
save_fig(figures.race_figure(race_result, {m: scores["real (held out)"][m] for m in race.RACE_METRICS}), "race", ch.name)

# %% [markdown]
# Who has the lower mean Fréchet distance at equal seconds: {glue:text}`diff_race_verdict`
# ({numref}`fig-diff-race`). Where the intervals of the two overlap, the race does not separate them at
# that budget with this many seeds. The seconds are this machine's: on another machine, or with other
# work running beside the book, both curves move, and which is ahead at a small budget can change.

# %% [markdown]
# ## Is it copying? Nearest training thumbnails, in the model's own space
# For every sample we find its 50 nearest training thumbnails among all
# {glue:text}`diff_n_train` and divide the distance to the nearest by half the mean distance
# to the 50 (the normalisation of Carlini et al., 2023); a score below 1/3 means one training
# thumbnail is far closer than the crowd: a copy. A latent model can only draw what its decoder
# draws, so its samples are compared with the decoder's *reconstructions* of the training
# thumbnails, the GAN's with the thumbnails themselves. Before we trust the check on the
# models, it must catch planted copies (exact and noisy latent copies of training thumbnails,
# decoded) and spare held-out thumbnails through the same decoder.

# %%
train_space = memorisation.reconstructions(autoencoder, images) if autoencoder is not None else images
pick = ch.rng.choice(len(images), n_samples, replace=False)
if autoencoder is not None:
    exact, noisy = memorisation.latent_copies(autoencoder, images[pick], copy_noise, seed=seed)
    held_space = memorisation.reconstructions(autoencoder, held_out_real)
else:  # pixel space: a copy is the thumbnail itself, a noisy one has pixel noise of copy_noise (in [-1, 1] units)
    exact = images[pick]
    noisy = np.clip(exact + ch.rng.normal(0, 127.5 * copy_noise, exact.shape), 0, 255).astype(np.uint8)
    held_space = held_out_real
controls = memorisation.copy_controls(train_space, exact, noisy, held_space)
pd.Series(controls).round(3)

# %%
checks = {"GAN": memorisation.copy_check(sets["GAN"], images),
          "diffusion": memorisation.copy_check(sets["diffusion"], train_space)}
copy = {k: memorisation.share_interval(c["copy"]) for k, c in checks.items()}
for k, name in (("diffusion", "ddpm"), ("GAN", "gan")):
    ch.record(f"diff_copy_share_{name}", copy[k][0])
    ch.record(f"diff_copy_high_{name}", copy[k][2])
for k in ("copy_recall_exact", "copy_recall_noisy", "copy_false_positive"):
    ch.record(f"diff_{k}", controls[k])
    ch.record(f"diff_{k}_high", controls[k + "_high"])
_ = ch.record("diff_copy_noise", copy_noise)

# %% [markdown]
# The check flags {glue:text}`diff_copy_recall_exact:.0%` of the planted exact copies and
# {glue:text}`diff_copy_recall_noisy:.0%` of the noisy ones (latent noise of standard deviation
# {glue:text}`diff_copy_noise`), and {glue:text}`diff_copy_false_positive:.0%` of the held-out
# thumbnails (95% upper bound {glue:text}`diff_copy_false_positive_high:.0%`). With the check
# seen to work: {glue:text}`diff_copy_share_ddpm:.1%` of the diffusion samples (upper bound
# {glue:text}`diff_copy_high_ddpm:.1%`) and {glue:text}`diff_copy_share_gan:.1%` of the GAN
# samples (upper bound {glue:text}`diff_copy_high_gan:.1%`) are flagged;
# {numref}`fig-diff-closest` shows the closest pairs.

# %% mystnb={"figure": {"caption": "The eight diffusion samples with the lowest copy score: each sample (first row) above the reconstruction of its nearest training thumbnail, with the score (below 1/3 = flagged).", "name": "fig-diff-closest"}}
check = checks["diffusion"]
closest = np.argsort(check["score"].to_numpy())[:8]
rows = {"sample": sets["diffusion"][closest], "nearest training": train_space[check["nearest"].to_numpy()[closest]]}
fig = figures.labelled_rows(rows)
for ax, i in zip(fig.axes[1:9], closest):
    ax.set_title(f"score {check['score'].iloc[i]:.2f}", fontsize=7, pad=1)
save_fig(fig, "closest_pairs", ch.name)

# %% [markdown]
# ### Does more data mean fewer copies?
# The creator's remedy for copying was more data. We train the same UNet for
# {glue:text}`diff_memo_steps:,` steps on random subsets of growing size and run the same check
# on each model's samples against its own subset.

# %%
ch.record("diff_memo_steps", memo_steps)
sizes = sorted({*[n for n in memo_sizes if n < len(images)], len(images)})
by_size = memorisation.copy_share_by_size(images, sizes, config, memo_steps, n_tradeoff, seed, main_ddim_steps,
                                          autoencoder=autoencoder)
ch.record("copy_share_by_size", by_size.to_dict("records"))
by_size.round(3)

# %% mystnb={"figure": {"caption": "Share of samples flagged as copies against the size of the training set (same steps for every size; bars: exact 95% intervals).", "name": "fig-diff-copy-by-size"}}
save_fig(figures.copy_share_by_size(by_size), "copy_by_size", ch.name)

# %%
ch.record("diff_memo_small", int(by_size["n_train"].iloc[0]))
ch.record("diff_memo_small_share", float(by_size["copy_share"].iloc[0]))
_ = ch.record("diff_memo_large_share", float(by_size["copy_share"].iloc[-1]))

# %% [markdown]
# Trained on {glue:text}`diff_memo_small` thumbnails, {glue:text}`diff_memo_small_share:.0%` of
# the samples are flagged; on all {glue:text}`diff_n_train`, {glue:text}`diff_memo_large_share:.0%`
# ({numref}`fig-diff-copy-by-size`).
#
# ### Channel logos
# ThumbWorld's channels stamp a logo (a coloured disc or square with initials) in a fixed
# corner. A model that memorises would reproduce specific logos; a model that generalises
# draws logo-like marks at roughly the data's rate without copying any one of them.

# %%
logo = dict.fromkeys(["auc", "training", "diffusion", "gan", "n_detected", "n_copies"], float("nan"))
if "logo" in label_names:
    logo_rows = np.flatnonzero(probs["diffusion"][:, label_names.index("logo")] > 0.5)
    logo.update(auc=float(extractor_scores.set_index("label").loc["logo", "auc"]), n_detected=len(logo_rows),
                n_copies=int(checks["diffusion"]["copy"].to_numpy()[logo_rows].sum()),
                training=float(freq.loc["logo", "training"]),
                diffusion=float(freq.loc["logo", "diffusion"]), gan=float(freq.loc["logo", "GAN"]))
for k, v in logo.items():
    ch.record(f"diff_logo_{k}", v)
ch.record("diff_legible_auc", evaluation.LEGIBLE_AUC)
_ = ch.record("diff_logo_word", "tells" if evaluation.legible(logo["auc"]) else "barely tells")

# %% [markdown]
# The logo classifier's held-out AUC is {glue:text}`diff_logo_auc:.2f`. It detects a logo in
# {glue:text}`diff_logo_training:.0%` of the training thumbnails,
# {glue:text}`diff_logo_diffusion:.0%` of the diffusion samples and
# {glue:text}`diff_logo_gan:.0%` of the GAN samples; {glue:text}`diff_logo_n_copies` of the
# {glue:text}`diff_logo_n_detected` diffusion samples with a detected logo are flagged as copies. At this resolution the classifier
# {glue:text}`diff_logo_word` logos apart (we say it barely does below an AUC of
# {glue:text}`diff_legible_auc:.1f`: a logo is a few pixels in a corner, its logo frequencies
# are then noise, and the pixel-space copy check is the evidence). On a dataset without logo
# labels these numbers read nan, and the copy check above covers whole thumbnails only.

# %%
ceiling = scores.get("real, through the autoencoder")
gan_scores, diff_scores = evaluation.public(scores["GAN"]), evaluation.public(scores["diffusion"])
ch.record("diff_fd_closer", evaluation.closer_model(gan_scores, diff_scores))
ch.record("diff_fd_factor", evaluation.fd_factor(gan_scores, diff_scores))
ch.record("diff_kid_agreement", "agrees" if evaluation.kid_agrees(gan_scores, diff_scores) else "disagrees")
ch.record("diff_ceiling_fd", ceiling["fd"] if ceiling else float("nan"))
ch.record("diff_ceiling_kid", ceiling["kid"] if ceiling else float("nan"))
ch.record("diff_ceiling_share", evaluation.floor_share(ceiling, diff_scores) if ceiling else float("nan"))
ch.record("diff_elements_closer", evaluation.closer_model(gan_scores, diff_scores, "element_error"))
ch.record("diff_copy_word_ddpm", evaluation.copy_word(copy["diffusion"]))
_ = ch.record("diff_copy_word_gan", evaluation.copy_word(copy["GAN"]))

# %% [markdown]
# ## Discussion
# On this run the {glue:text}`diff_fd_closer` is closer to the training thumbnails in the
# pretrained encoder's feature space: Fréchet distance {glue:text}`diff_ddpm_fd:.3g` for diffusion against
# {glue:text}`diff_gan_fd:.3g` for the GAN (the farther model is
# {glue:text}`diff_fd_factor:.1f` times as far), KID {glue:text}`diff_ddpm_kid:.3g` against
# {glue:text}`diff_gan_kid:.3g`. KID {glue:text}`diff_kid_agreement` with the Fréchet distance;
# where the two disagree, the ranking is not clear-cut.
#
# Real thumbnails passed through the diffusion model's autoencoder already sit at a Fréchet
# distance of {glue:text}`diff_ceiling_fd:.3g` (KID {glue:text}`diff_ceiling_kid:.3g`),
# {glue:text}`diff_ceiling_share:.0%` of the diffusion model's: its decoder's blur alone sets
# that floor, whatever its denoiser learns (with `latent_channels = 0` there is no decoder, and
# these numbers read nan).
#
# Precision (realism) is {glue:text}`diff_ddpm_precision:.2f` for diffusion and
# {glue:text}`diff_gan_precision:.2f` for the GAN; recall (variety covered)
# {glue:text}`diff_ddpm_recall:.2f` against {glue:text}`diff_gan_recall:.2f`. The diffusion
# samples show {glue:text}`diff_ddpm_elements_shown:.0%` of the elements at least half as often as
# the training data, the GAN's {glue:text}`diff_gan_elements_shown:.0%`. Element frequencies differ
# from the training data's by {glue:text}`diff_ddpm_element_error:.2f` on average for diffusion
# and {glue:text}`diff_gan_element_error:.2f` for the GAN, so the
# {glue:text}`diff_elements_closer`'s mix of elements is closer to the data's (the classifier
# learned on real thumbnails and can fire on elements that are not there in unrealistic images,
# which inflates coverage).
#
# The copy check finds {glue:text}`diff_copy_word_ddpm` sign of copying in the diffusion
# model's samples ({glue:text}`diff_copy_share_ddpm:.0%` of them have a copy score below 1/3) and
# {glue:text}`diff_copy_word_gan` sign of copying in the GAN's
# ({glue:text}`diff_copy_share_gan:.0%`). Where there is some, look at the closest pairs of
# {numref}`fig-diff-closest` before calling it copying.

# %%
diffusion.save_diffusion(run, ch.dir / "ddpm.pt", extra={"dataset": ds.name}, autoencoder=autoencoder)
save_samples(sets["diffusion"], ch.dir / "samples.npy",
             {"dataset": ds.name, "sampler": "ddim", "steps": main_ddim_steps, "n_samples": n_samples, "seed": seed})
ch.record("dataset", ds.name); ch.record("n_train", len(images)); ch.record("diffusion_steps", diffusion_steps)
ch.record("config", str(config)); ch.record("autoencoder", str(autoencoder.config) if autoencoder else None)
ch.record("autoencoder_error", ae_error); ch.record("comparison", comparison.to_dict("index"))
ch.record("tradeoff", tradeoff.drop(columns=["seconds", "ms_per_image"]).to_dict("records"))  # timings vary
ch.record("element_frequencies", freq.to_dict()); ch.record("copy_share", {k: v[0] for k, v in copy.items()})
ch.record("controls", {"copy_recall_exact": controls["copy_recall_exact"],
                       "copy_recall_noisy": controls["copy_recall_noisy"],
                       "copy_false_positive": controls["copy_false_positive"],
                       "collapse_flagged_planted": scores["planted collapse (3 images)"]["collapsed"],
                       "collapse_flagged_noise": scores["uniform noise"]["collapsed"],
                       "collapse_flagged_real": scores["real (held out)"]["collapsed"]})
ch.record("element_rates", evaluation.element_rates(freq, labels, label_names))
_ = ch.record("final_loss", float(run.history["loss"].iloc[-1]))

# %% [markdown]
# ## What we found
# - A {glue:text}`diff_params:,`-parameter UNet, trained with its autoencoder for
#   {glue:text}`diff_total_seconds:.0f` s in all ({glue:text}`diff_gan_seconds:.0f` s for the GAN),
#   draws thumbnails whose Fréchet distance to real ones is {glue:text}`diff_ddpm_fd:.3g`,
#   against {glue:text}`diff_gan_fd:.3g` for the GAN and {glue:text}`diff_real_fd:.3g` for real
#   held-out thumbnails (in the pretrained encoder's feature space, not Inception's).
# - Precision and recall: {glue:text}`diff_ddpm_precision:.2f` / {glue:text}`diff_ddpm_recall:.2f`
#   for diffusion, {glue:text}`diff_gan_precision:.2f` / {glue:text}`diff_gan_recall:.2f` for
#   the GAN.
# - Given the same training seconds ({numref}`fig-diff-race`), who has the lower Fréchet distance:
#   {glue:text}`diff_race_verdict`.
# - DDIM with {glue:text}`diff_main_steps` steps is {glue:text}`diff_ddpm_vs_ddim_time:.1f`
#   times faster than the full sampler.
# - {glue:text}`diff_copy_share_ddpm:.1%` of diffusion samples are flagged as copies by a check
#   that flags {glue:text}`diff_copy_recall_exact:.0%` of planted exact copies and
#   {glue:text}`diff_copy_false_positive:.0%` of held-out thumbnails; the collapse detector
#   flags the planted collapse ({glue:text}`diff_planted_flag`) and not the held-out thumbnails
#   ({glue:text}`diff_real_flag`).
#
# ## Exercises
# 1. Diffuse pixels instead: set `latent_channels = 0`, `channels = [32, 64]` and `patch = 2`,
#    and lower `diffusion_steps` until training takes as long as here. Predict the FD before
#    you look at the samples.
# 2. Set `prediction_type = "sample"` (predict the clean latent). Predict: sharper or smoother
#    samples at this budget, and what happens to FD?
# 3. Cut `n_videos` to a tenth and train as long. Predict the change in the copy share, then
#    check it: small datasets are where diffusion models memorise.
# 4. Extend the race: add a budget of ten times the largest to `race_budgets`. Predict whether the
#    leader at the smallest budget is still ahead there.
# 5. Add `5` to `ddim_steps`. Where does the quality curve of {numref}`fig-diff-tradeoff` bend?
