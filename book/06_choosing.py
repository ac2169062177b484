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
# (chapter-choosing)=
# # Choosing a thumbnail
#
# ## Overview
# The earlier chapters ask what predicts views. A creator asks the next question: **of the
# thumbnails I could upload, which should I pick, how sure can I be, and is it worth an A/B test?**
# ThumbWorld can answer whether advice is *right*, because it knows the true effect of every
# element on every video. After this chapter you will be able to
#
# - score a ranking of a video's candidate thumbnails against the truth: how often it picks the best,
#   the share of the achievable uplift it captures, its regret, each beside a random pick;
# - plan an A/B test of thumbnails, and see why peeking at a fixed-horizon test daily declares false
#   winners while a mixture sequential probability ratio test (mSPRT) does not;
# - steer a diffusion model towards a popularity model and tell real gains from reward hacking.

# %% tags=["parameters"]
source = "thumbworld"      # "thumbworld" or a dataset folder in the metadata.csv + images/ layout
scenario = "default"       # ThumbWorld world: "default", "null" or "single_channel"
n_videos = 6000            # videos simulated before cleaning (the dataset of chapter 01)
seed = 0
threads = 1                # torch CPU threads
image_width = 64
image_height = 36
k_candidates = 6           # candidate thumbnails per held-out video
n_pick = 200               # held-out videos whose candidates are ranked
n_boot = 200               # bootstrap resamples (channels) for every interval
cnn_epochs = 6             # epochs of the CNN trained here when chapter 04's is missing
use_encoder = True         # rank with a ridge on the pretrained encoder's embeddings
encoder_corpus_size = 20000  # the pretrained encoder: chapter 01a's corpus size, steps, batch and width
encoder_steps = 700        # (the same values as 01a's in every profile load the encoder 01a measured)
encoder_batch_size = 128
encoder_width = 32
base_ctr = 0.04            # click-through rate of a video's average candidate (an assumption)
alpha = 0.05               # false-winner rate the A/B tests are designed for
daily_impressions = 2000   # impressions per arm per day
test_days = 14             # days a test runs (and is peeked at)
looks_per_day = [1, 4, 24, 96]  # how often the tests are looked at, in the study of looks
n_tests = 2000             # simulated A/B tests per setting
planted_uplift = 0.15      # relative CTR uplift planted for the positive control
tau_relative = 0.1         # mSPRT mixture sd, as a share of base_ctr
probe = "feature_extractor"  # element probe of generated images: "feature_extractor" or "encoder"
feature_epochs = 4         # epochs of that feature extractor (chapter 03's value shares its cache)
ae_steps = 300             # autoencoder steps when chapter 03's diffusion model is missing
diffusion_steps = 800      # UNet steps when chapter 03's diffusion model is missing
guidance_strengths = [0.0, 0.5, 1.0, 2.0, 4.0]
n_generated = 64           # samples per guidance strength
ddim_steps = 10
best_of = 8                # best-of-N selection
n_shown = 3                # videos whose candidates are shown

# %%
from thumbnail_lab.chapter import setup
from thumbnail_lab.params import Rule, dataset_source
from thumbnail_lab.thumbworld import SCENARIOS

ch = setup("06_choosing", globals(), rules={
    "source": Rule(check=dataset_source), "scenario": Rule(choices=SCENARIOS), "seed": Rule(min=0),
    **dict.fromkeys(["n_videos", "threads", "image_width", "image_height", "n_pick", "cnn_epochs", "encoder_steps",
                     "encoder_corpus_size", "encoder_batch_size", "encoder_width",
                     "daily_impressions", "test_days", "n_tests", "feature_epochs", "ae_steps", "diffusion_steps",
                     "n_generated", "ddim_steps", "best_of", "n_shown"], Rule(min=1)),
    "k_candidates": Rule(min=2, max=12), "n_boot": Rule(min=2),
    "base_ctr": Rule(min=1e-4, max=0.5), "alpha": Rule(min=1e-4, max=0.5), "planted_uplift": Rule(min=0),
    "tau_relative": Rule(min=1e-4), "probe": Rule(choices=("feature_extractor", "encoder")),
    "looks_per_day": Rule(check=lambda v: None if v and all(isinstance(x, int) and x > 0 for x in v)
                          else "must be a list of positive integers")})
ch.require(len(guidance_strengths) >= 1 and min(guidance_strengths) >= 0,
           "parameter 'guidance_strengths': give at least one strength, none negative")

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import display

from thumbnail_lab.choosing import abtest, figures, rankers, sources, study
from thumbnail_lab.dataset import ensure_dataset
from thumbnail_lab.plotting import save_fig
from thumbnail_lab.popularity.counterfactual import thumbworld_specs

# %% [markdown]
# ## The data and the models that rank
# We load chapter 01's dataset and the popularity CNN of chapter 04 (trained here, smaller, if
# chapter 04 has not run on this dataset), and a ridge regression of log views on the embeddings of
# the pretrained encoder of {ref}`chapter-encoder`.

# %%
ds = ensure_dataset(source=source, scenario=scenario, n_videos=n_videos, seed=seed)
images = np.asarray(ds.images(width=image_width, height=image_height))
has_truth = ds.truth is not None and "n_videos" in ds.truth  # candidates are redrawn from ThumbWorld's plan
cnn, cnn_out, cnn_from = sources.popularity_cnn(ds, images, ch.params, cnn_epochs, seed)
ch.record("cho_cnn_from", cnn_from)
split = ds.split("random")
embed = sources.encoder_embed(ch.params) if use_encoder else None
ch.record("cho_encoder_used", embed is not None)
print(ds.name, images.shape, "| CNN:", cnn_from, "| encoder:", embed is not None, "| truth:", has_truth)

# %%
log_views = ds.metadata["log_views"].to_numpy()
ranker_fns = {"CNN": rankers.regressor_ranker(cnn, cnn_out),
              "checklist": rankers.checklist_ranker(images[split["train"]]),
              "random": rankers.random_ranker(seed)}
if embed is not None:
    ranker_fns["encoder ridge"] = rankers.embedding_ranker(embed, images, log_views, split["train"])
list(ranker_fns)

# %% [markdown]
# ## Picking among candidates
# For {glue:text}`cho_n_pick` held-out (test) videos ThumbWorld draws {glue:text}`cho_k` candidate
# thumbnails each: the video's own and variants that switch the face on or off, change its
# expression, take a close-up or a long shot, add or drop the headline and the arrow, and swap the
# palette. Channel, age, title and the placement of everything else stay the same, so the true
# difference between two candidates is the difference of their true content effects. The
# checklist grades what rule-of-thumb checkers grade (a face, large text, contrast, saturation,
# each against the median training thumbnail).

# %%
if has_truth:
    from thumbnail_lab.choosing.candidates import draw_candidate_sets

    rows = ch.rng.choice(split["test"], min(n_pick, len(split["test"])), replace=False)
    meta = ds.metadata.iloc[rows]
    specs = thumbworld_specs(ds.truth, meta["video_id"].tolist())
    cands = draw_candidate_sets(specs, ds.truth, meta["channel_id"].to_numpy(), meta["video_id"].to_numpy(),
                                k_candidates, image_width, image_height, seed)
    scores, pick_table = study.rank_candidates(cands, ranker_fns, n_boot, seed)
    display(pick_table[["p_best", "p_best_low", "p_best_high", "p_best_chance", "uplift_share",
                        "uplift_share_low", "uplift_share_high", "regret", "regret_chance", "ci_unit"]])
else:
    print("this dataset has no ThumbWorld plan: candidates cannot be redrawn, the picking section is skipped")

# %%
ch.record("cho_n_pick", len(cands.true) if has_truth else 0)
ch.record("cho_k", k_candidates)
ch.record("picking", study.picking_record(pick_table) if has_truth else {})
best_name = pick_table.drop(index=["random", "checklist"])["uplift_share"].astype(float).idxmax() if has_truth else "none"
ch.record("cho_best_ranker", best_name)
for key, name in (("best", best_name), ("check", "checklist"), ("rand", "random")):
    for m in ("p_best", "p_best_chance", "uplift_share", "uplift_share_low", "uplift_share_high", "regret"):
        ch.record(f"cho_{key}_{m}", float(pick_table.loc[name, m]) if has_truth else float("nan"))

# %%
from thumbnail_lab.choosing.picking import paired_share_difference

diff = (paired_share_difference(cands.true, scores[best_name], scores["checklist"], cands.channel_id, n_boot, seed)
        if has_truth else {"difference": float("nan"), "low": float("nan"), "high": float("nan")})
ch.record("cho_vs_check", diff["difference"])
ch.record("cho_vs_check_low", diff["low"]); ch.record("cho_vs_check_high", diff["high"])
verdict = "beats" if diff["low"] > 0 else "does not clearly beat"
ch.record("cho_vs_check_word", verdict if has_truth else "cannot be compared with")
ch.record("cho_share_word", "above" if has_truth and pick_table.loc[best_name, "uplift_share_low"] > 0 else "not above")
useful = has_truth and diff["low"] > 0 and pick_table.loc[best_name, "uplift_share_low"] > 0
ch.record("cho_decision_word", "In this run a model can make much of a thumbnail decision, not all of it" if useful else
          "In this run the model's pick is not clearly better than the checklist's or above zero: the decision "
          "is not the model's to make yet")

# %% [markdown] tags=["real-data"]
# Which candidate is truly best is known only where the candidates are drawn from a simulated world
# whose effects are known; for your own thumbnails, the rankers' predictions are all this section can
# give, and an A/B test (next section) is how to find out.

# %% [markdown] tags=["truth-only"]
# {numref}`fig-choosing-picking` sets the rankers side by side. The best model, the
# {glue:text}`cho_best_ranker`, picks the truly best candidate in {glue:text}`cho_best_p_best:.0%`
# of the videos, against {glue:text}`cho_best_p_best_chance:.0%` for a random pick, and captures
# {glue:text}`cho_best_uplift_share:.0%` of the achievable uplift (interval
# {glue:text}`cho_best_uplift_share_low:.0%` to {glue:text}`cho_best_uplift_share_high:.0%`, which is
# {glue:text}`cho_share_word` zero). The checklist captures {glue:text}`cho_check_uplift_share:.0%`;
# the model {glue:text}`cho_vs_check_word` it (difference {glue:text}`cho_vs_check:.2f`, paired
# interval {glue:text}`cho_vs_check_low:.2f` to {glue:text}`cho_vs_check_high:.2f`). Regret is in
# log10 views: the model's pick is {glue:text}`cho_best_regret:.3f` below the best, a random pick
# {glue:text}`cho_rand_regret:.3f`.

# %% mystnb={"figure": {"caption": "How often each ranker picks a truly best candidate, and the share of the achievable uplift (best minus a random pick) that its pick captures, with 95 % intervals resampling channels. Black ticks: the chance level, a random pick.", "name": "fig-choosing-picking"}}
if has_truth:
    save_fig(figures.picking_bars(pick_table), "picking", ch.name)
else:
    print("no truth: nothing to score")

# %% mystnb={"figure": {"caption": "Candidates of random held-out videos (rows). Under each: its true content effect and each ranker's score, both relative to the video's mean (log10 views for the truth and the models; grades for the checklist). Green frame: a truly best candidate.", "name": "fig-choosing-candidates"}}
if has_truth:
    shown = ch.rng.choice(len(cands.true), min(n_shown, len(cands.true)), replace=False)
    shown_scores = {name: s[shown] for name, s in scores.items() if name != "random"}
    save_fig(figures.candidate_grid(cands.images[shown], cands.true[shown], shown_scores), "candidates", ch.name)
else:
    print("no truth: no candidates")

# %% [markdown]
# ## Planning an A/B test
# Platforms let a creator split a video's impressions between thumbnails and declare the one with
# the higher click-through rate (CTR) the winner. To simulate such a test we need clicks, and
# ThumbWorld plants effects on views, so we state an assumption: **impressions do not depend on the
# thumbnail, so a thumbnail's true effect on views acts through its CTR alone**, and a video's
# average candidate has a CTR of {glue:text}`cho_base_ctr:.1%`. Every impression is then clicked
# independently with its arm's rate.
#
# How many impressions does a test need? statsmodels' power calculation for two proportions answers
# ({numref}`fig-choosing-planning`, left): at {glue:text}`cho_alpha` and 80 % power, a relative
# uplift of {glue:text}`cho_planted_pct:.0f` % needs {glue:text}`cho_needed:,.0f` impressions per arm.

# %%
ch.record("cho_base_ctr", base_ctr); ch.record("cho_alpha", alpha)
ch.record("cho_planted_pct", 100 * planted_uplift)
uplifts = np.array([0.02, 0.05, 0.1, 0.2, 0.5])
needed = np.array([abtest.impressions_needed(base_ctr, base_ctr * (1 + u), alpha) for u in uplifts])
ch.record("cho_needed", abtest.impressions_needed(base_ctr, base_ctr * (1 + planted_uplift), alpha))
pd.Series(needed.round(), index=[f"{u:.0%}" for u in uplifts], name="impressions per arm (80 % power)").to_frame()

# %% [markdown]
# A creator who looks at the test every day and stops as soon as it is significant reads a
# fixed-horizon test in a way it was not designed for. We simulate {glue:text}`cho_n_tests:,`
# tests of two thumbnails with *the same* CTR (the negative control: every winner declared is a
# false one), {glue:text}`cho_daily:,` impressions per arm per day for {glue:text}`cho_days` days,
# read three ways: the fixed-horizon test read once at the end, the same test peeked at daily, and
# the mSPRT (mixture sd {glue:text}`cho_tau_relative:.0%` of the base CTR) peeked at daily. The
# same three then run on a planted uplift of {glue:text}`cho_planted_pct:.0f` % (the positive
# control: the share of winners found is the test's power).

# %%
tau2 = (tau_relative * base_ctr) ** 2
peek = study.peeking_study(base_ctr, planted_uplift, daily_impressions, test_days, n_tests, alpha, tau2, seed)
ch.record("cho_n_tests", n_tests); ch.record("cho_daily", daily_impressions); ch.record("cho_days", test_days)
ch.record("cho_tau_relative", tau_relative)
ch.record("ab_test", study.ab_record(peek, alpha))
for reading in peek.index:
    ch.record(f"cho_{reading}_fwr", peek.loc[reading, "false_winner_rate"])
    ch.record(f"cho_{reading}_power", peek.loc[reading, "power"])
lo, hi = study.alpha_interval(alpha, n_tests)
ch.record("cho_alpha_lo", lo); ch.record("cho_alpha_hi", hi)
ch.record("cho_seq_days", peek.attrs["sequential_days_planted"])
peek

# %% mystnb={"figure": {"caption": "Left: impressions per arm needed to detect a relative CTR uplift at 80 % power (statsmodels). Right: false-winner rates of simulated tests between identical thumbnails, read once at the end, peeked at daily, and with the mSPRT peeked at daily (95 % Clopper-Pearson intervals); dotted: alpha.", "name": "fig-choosing-planning"}}
rates = {k: (peek.loc[k, "false_winner_rate"], peek.loc[k, "low"], peek.loc[k, "high"]) for k in peek.index}
save_fig(figures.planning_panel(uplifts, needed, rates, alpha), "planning", ch.name)

# %% [markdown]
# Read once, the fixed-horizon test declares a false winner in {glue:text}`cho_fixed_once_fwr:.1%`
# of the identical pairs: inside the range {glue:text}`cho_alpha_lo:.1%` to
# {glue:text}`cho_alpha_hi:.1%` that {glue:text}`cho_n_tests:,` tests at a true rate of alpha give,
# which says the simulation is right. Peeked at daily, it declares {glue:text}`cho_fixed_peeking_fwr:.1%`.
# The mSPRT, peeked at just as often, declares {glue:text}`cho_sequential_fwr:.1%`: its guarantee
# (at most alpha however often one looks) holds, and since it is looked at once a day rather than
# after every impression it sits at or below alpha. Its price is power: on the planted uplift it
# finds the winner in {glue:text}`cho_sequential_power:.0%` of the tests (the fixed test read once:
# {glue:text}`cho_fixed_once_power:.0%`), after {glue:text}`cho_seq_days:.1f` days on average.
#
# Does the mSPRT reach alpha if one looks more often? The same identical pairs, with the same
# impressions, looked at several times a day:

# %%
looks = abtest.false_winners_by_looks(base_ctr, daily_impressions, test_days, n_tests, alpha, tau2, looks_per_day,
                                      seed + 2)
ch.record("false_winners_by_looks", looks)
ch.record("cho_most_looks", max(looks)); ch.record("cho_seq_fwr_most_looks", looks[max(looks)]["sequential"])
ch.record("cho_peek_fwr_most_looks", looks[max(looks)]["fixed_peeking"])
pd.DataFrame(looks).T.rename_axis("looks per day")

# %% [markdown]
# At {glue:text}`cho_most_looks` looks a day the peeked fixed test declares
# {glue:text}`cho_peek_fwr_most_looks:.1%` false winners, and the mSPRT
# {glue:text}`cho_seq_fwr_most_looks:.1%`: more looks move it towards alpha, but it stays well below. Its
# guarantee is an upper bound (the chance that its likelihood ratio ever crosses 1 / alpha), and the ratio
# usually passes that bar by a margin when it crosses at all, so a test that is valid at every look is
# conservative at any finite number of them. A false-winner rate *at* alpha under daily peeking would
# need a boundary tuned to those fourteen looks (a group-sequential design), which is no longer safe to
# look at more often.

# %% [markdown] tags=["truth-only"]
# ### What pre-screening buys
# With {glue:text}`cho_k` candidates and room to test two, which two? We compare, per video and in
# extra clicks per 1,000 impressions over uploading a random candidate: uploading the model's pick
# untested, A/B testing the model's top two, A/B testing two random ones (each test
# {glue:text}`cho_test_impressions:,` impressions per arm, the winner being the arm with more
# clicks), and the truly best candidate ({numref}`fig-choosing-prescreen`).

# %% [markdown] tags=["real-data"]
# ### What pre-screening buys
# What testing the model's top two candidates is worth against testing two at random needs each
# candidate's true click-through rate, which only a simulated world has; on your own data this
# comparison is left out.

# %%
test_impressions = daily_impressions * test_days
ch.record("cho_test_impressions", test_impressions)
if has_truth:
    pre = study.prescreen_table(cands, scores[best_name], base_ctr, test_impressions, n_boot, seed)
    display(pre)
for name in ("model_top1", "test_model_top2", "test_random2", "best"):
    ch.record(f"cho_pre_{name}", float(pre.loc[name, "value"]) if has_truth else float("nan"))

# %% mystnb={"figure": {"caption": "Extra clicks per 1,000 impressions over uploading a random candidate: the model's pick untested, an A/B test of the model's top two, an A/B test of two random candidates, and the truly best candidate (95 % intervals resampling channels).", "name": "fig-choosing-prescreen"}}
if has_truth:
    save_fig(figures.prescreen_bars(pre), "prescreen", ch.name)
else:
    print("no truth: no click model")

# %% [markdown] tags=["truth-only"]
# Testing the model's top two gains {glue:text}`cho_pre_test_model_top2:.2f` clicks per 1,000
# impressions, testing two at random {glue:text}`cho_pre_test_random2:.2f`, and the model's pick
# alone, without a test, {glue:text}`cho_pre_model_top1:.2f`; the best candidate would gain
# {glue:text}`cho_pre_best:.2f`.

# %% [markdown]
# ## Generating towards popularity, and catching the model fooling itself
# Chapter 03's latent diffusion model (trained here, tiny, if it is missing) is steered by the
# popularity CNN in two ways: best-of-{glue:text}`cho_best_of` selection, and gradient guidance,
# which at every DDIM step moves the model's estimate of the clean image along the CNN's gradient.
# What comes out is scored twice: by the CNN that steered it (*predicted* uplift) and by the truth,
# estimated: an element probe (here the {glue:text}`cho_probe` probe) reads which elements each
# generated image shows, and ThumbWorld's true element effects turn them into a content effect
# (*true* uplift). A probe trained on clean thumbnails may misread generated ones, so we first check
# it on images that look generated but whose elements are known: held-out thumbnails passed through
# the diffusion model's autoencoder.

# %%
model, config, autoencoder, diff_from = sources.diffusion_model(ds, images, ae_steps, diffusion_steps, seed)
probe_fn, names = sources.element_probe(probe, ds, images, feature_epochs, seed, embed)
ch.record("cho_diffusion_from", diff_from); ch.record("cho_probe", probe)
ch.record("cho_best_of", best_of)
print("diffusion model:", diff_from, "| probe:", probe, "| elements:", len(names))

# %%
from thumbnail_lab.choosing.candidates import true_content
from thumbnail_lab.generative.latent import decode_to_images, encode_images

world_truth = ds.truth is not None
held = split["test"][:400]
decoded = decode_to_images(autoencoder, encode_images(autoencoder, images[held]))
if world_truth:
    labels = ds.metadata.iloc[held][[f"true_{e}" for e in names]].to_numpy(float)
    content = np.array([true_content([e for e, on in zip(names, row) if on], ds.truth) for row in labels])
    check = study.probe_check(probe_fn, names, ds.truth, decoded, labels, content)
    display(pd.Series(check["accuracy"], name="probe accuracy on decoded thumbnails").to_frame().T.round(2))
ch.record("cho_probe_accuracy", check["mean_accuracy"] if world_truth else float("nan"))
ch.record("cho_probe_corr", check["truth_corr"] if world_truth else float("nan"))
ch.record("cho_probe_bias", check["truth_bias"] if world_truth else float("nan"))

# %% [markdown]
# On decoded thumbnails the probe reads the elements with a mean accuracy of
# {glue:text}`cho_probe_accuracy:.2f`, and its truth estimate correlates {glue:text}`cho_probe_corr:.2f`
# with the true content effect (mean error {glue:text}`cho_probe_bias:+.3f` log10 views). The truth
# estimate is as good as that, and no better; swap `probe = "encoder"` for linear probes on the
# pretrained encoder.

# %%
from thumbnail_lab.choosing.guidance import cnn_input


def steer(x):  # images in [-1, 1] -> the CNN's predicted log10 views (differentiable)
    return cnn.model(cnn_input(x, image_height, image_width))[:, cnn_out] * float(cnn.y_sd[cnn_out])

predict = rankers.regressor_ranker(cnn, cnn_out)
if world_truth:
    gtable, samples, base = study.guidance_study(model, config, autoencoder, steer, predict, probe_fn, names, ds.truth,
                                                 guidance_strengths, n_generated, ddim_steps, seed, n_boot)
    btable, chosen = study.best_of_study(model, config, autoencoder, predict, probe_fn, names, ds.truth, base,
                                         best_of, ddim_steps, seed, n_boot)
    display(pd.concat([gtable, btable.assign(strength=np.nan)]).round(3))
ch.record("guidance", study.guidance_record(gtable, btable) if world_truth else {})

# %% mystnb={"figure": {"caption": "Random (not picked) samples of the diffusion model from the same starting noise: unguided (first row), with the strongest gradient guidance (second row), and chosen by best-of-N (third row).", "name": "fig-choosing-samples"}}
if world_truth:
    rows_shown = {"unguided": base, f"guidance {max(guidance_strengths):g}": samples[max(guidance_strengths)],
                  f"best of {best_of}": chosen}
    save_fig(figures.sample_rows(rows_shown, min(8, n_generated)), "guided_samples", ch.name)
else:
    print("no truth: no truth estimate for generated images")

# %% mystnb={"figure": {"caption": "Uplift over unguided samples as the guidance strength grows: predicted by the CNN that steers (red) and true, estimated from the probed elements and ThumbWorld's true effects (blue), with 95 % intervals (samples paired by starting noise). Squares at the right: best-of-N selection.", "name": "fig-choosing-guidance"}}
if world_truth:
    save_fig(figures.guidance_gap(gtable, btable), "guidance_gap", ch.name)
else:
    print("no truth: nothing to plot")

# %%
strongest = gtable.iloc[-1] if world_truth else {}
for k in ("predicted_uplift", "true_uplift", "true_low", "true_high"):
    ch.record(f"cho_strong_{k}", float(strongest[k]) if world_truth else float("nan"))
    ch.record(f"cho_bon_{k}", float(btable.iloc[0][k]) if world_truth else float("nan"))
ch.record("cho_strong", float(max(guidance_strengths)))
gap = strongest["predicted_uplift"] - strongest["true_uplift"] if world_truth else float("nan")
ch.record("cho_gap", gap)
ch.record("cho_hacking_word", "exploits" if world_truth and gap > 0 and strongest["true_low"] <= 0 else
          "does not clearly exploit")

# %% [markdown]
# At the strongest guidance ({glue:text}`cho_strong`) the CNN predicts an uplift of
# {glue:text}`cho_strong_predicted_uplift:.3f` log10 views, while the estimated true uplift is
# {glue:text}`cho_strong_true_uplift:.3f` (interval {glue:text}`cho_strong_true_low:.3f` to
# {glue:text}`cho_strong_true_high:.3f`): by this run's reading the guided generator
# {glue:text}`cho_hacking_word` its reward. Best-of-{glue:text}`cho_best_of` predicts
# {glue:text}`cho_bon_predicted_uplift:.3f` and truly gains {glue:text}`cho_bon_true_uplift:.3f`
# (interval {glue:text}`cho_bon_true_low:.3f` to {glue:text}`cho_bon_true_high:.3f`). A useful
# generator is one whose true uplift rises with its predicted uplift; a gap that grows with the
# strength is the signature of a generator gaming its reward.
#
# ## Ranking your own candidates
# The chapter saves its CNN with what it measured, so a creator can rank their own candidate images:
#
# ```
# python -m thumbnail_lab rank path/to/candidates --title "My video title"
# ```
#
# It prints each image's predicted log10 views relative to the folder's mean, with an interval from
# the spread of the model's errors on the candidates above, and the caveat this chapter measured.

# %%
from thumbnail_lab.choosing.cli import calibration_from

calibration = calibration_from(cands.true, scores["CNN"], pick_table.loc["CNN"]) if has_truth else {}
saved = rankers.save_ranker(ch.dir / "ranker.pt", cnn, cnn_out, image_width, image_height,
                            cnn.model.features[0].out_channels, calibration)
print(saved.name, calibration)

# %% [markdown]
# ## What we found
# - Picking: the {glue:text}`cho_best_ranker` picks the best of {glue:text}`cho_k` candidates in
#   {glue:text}`cho_best_p_best:.0%` of {glue:text}`cho_n_pick` held-out videos (a random pick:
#   {glue:text}`cho_best_p_best_chance:.0%`) and captures {glue:text}`cho_best_uplift_share:.0%` of the
#   achievable uplift; the checklist captures {glue:text}`cho_check_uplift_share:.0%`, and the model
#   {glue:text}`cho_vs_check_word` it. {glue:text}`cho_decision_word`.
# - Testing: peeking daily at a fixed-horizon test declares false winners in
#   {glue:text}`cho_fixed_peeking_fwr:.1%` of tests between identical thumbnails; the mSPRT in
#   {glue:text}`cho_sequential_fwr:.1%` (alpha {glue:text}`cho_alpha`), with
#   {glue:text}`cho_sequential_power:.0%` power on a {glue:text}`cho_planted_pct:.0f` % uplift. Testing the
#   model's top two gains {glue:text}`cho_pre_test_model_top2:.2f` clicks per 1,000 impressions against
#   {glue:text}`cho_pre_test_random2:.2f` for two random candidates: a test is still worth running where
#   the model's top two are close, and pre-screening decides what to test.
# - Generating: at guidance {glue:text}`cho_strong` the CNN predicts {glue:text}`cho_strong_predicted_uplift:.3f`
#   and the estimated truth gives {glue:text}`cho_strong_true_uplift:.3f` (a gap of {glue:text}`cho_gap:.3f`),
#   read through a probe of accuracy {glue:text}`cho_probe_accuracy:.2f` on decoded thumbnails.
#
# ## Exercises
# 1. Run with `scenario = "null"`. Which numbers should fall to their chance levels, and which
#    (the A/B simulations) should not change at all?
# 2. Set `k_candidates = 3`, the number of thumbnails a platform test allows. Predict how p(best), its
#    chance level and the uplift share move.
# 3. Set `tau_relative = 0.5`. Is the mSPRT still valid? What happens to its power on a 15 % uplift?
# 4. Double the largest guidance strength. Does the predicted uplift keep rising? Does the true one?
