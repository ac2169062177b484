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
# (chapter-dataset)=
# # Building the dataset
#
# ## Overview
# Every question in this book ("does a shocked face get more views?") is answered from a table of
# videos (views, upload date, channel, title) and a folder of thumbnails. This chapter asks:
# **how do we build such a dataset honestly, and how would we know whether an analysis of it finds
# something true?** After it you will be able to:
#
# - name the ways a naive thumbnail scraper silently corrupts a dataset, and measure them;
# - generate ThumbWorld, the simulated platform whose true effects are known, or load your own thumbnails
#   into the same layout;
# - read a data card: the distribution of views, the pull of video age and channel, what the thumbnails show;
# - say what each cleaning filter removed and why, and which train/test split answers which question.

# %% tags=["parameters"]
source = "thumbworld"      # "thumbworld" or the path of a folder in the metadata.csv + images/ layout
scenario = "default"       # ThumbWorld world: "default", "null" or "single_channel"
n_videos = 6000            # videos generated before cleaning (ThumbWorld only)
seed = 0                   # seeds the simulator, the splits and every random sample shown
min_views = 500            # cleaning: drop videos with fewer views
drop_shorts = True         # cleaning: drop videos shorter than 60 s
min_channel_videos = 3     # cleaning: channel-maturity cut (videos per channel after the other filters)
grid_size = 32             # thumbnails in the random sample grid

# %%
from thumbnail_lab.chapter import setup
from thumbnail_lab.params import Rule, dataset_source
from thumbnail_lab.thumbworld import SCENARIOS

ch = setup("01_dataset", globals(), rules={
    "source": Rule(check=dataset_source), "scenario": Rule(choices=SCENARIOS),
    "n_videos": Rule(min=1, max=2_000_000), "seed": Rule(min=0), "min_views": Rule(min=0),
    "min_channel_videos": Rule(min=0), "grid_size": Rule(min=1, max=128)})

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import display

from thumbnail_lab.dataset import ensure_dataset, figures
from thumbnail_lab.plotting import save_fig
from thumbnail_lab.thumbworld import realised_oracle_r2

# %% [markdown]
# ## Where thumbnails come from, and what goes wrong
# A video platform serves every thumbnail at a predictable address (for YouTube,
# `i.ytimg.com/vi/<video id>/hqdefault.jpg`, 480x360, always present; `maxresdefault.jpg` only
# sometimes), and tools such as `yt-dlp` return a video's title, view count, upload date, duration
# and channel. The package's collector (`python -m thumbnail_lab collect`) does exactly that, and the
# importer (`python -m thumbnail_lab import`) validates any folder of thumbnails plus a CSV into the
# layout every chapter reads: `metadata.csv` with one row per video and `images/<video_id>.jpg`
# (see `data/README.md`).
#
# The naive version of that scraper (a loop over search results that saves `title + ".jpg"`) fails
# quietly in ways that bias everything downstream:
#
# 1. **Titles are mangled.** Stripping non-ASCII characters to "fix" an encoding error deletes emoji,
#    accents and whole titles in Japanese, Arabic, Cyrillic or Hindi, exactly the titles whose
#    properties we want to study.
# 2. **File names come from titles**, so two videos called "Morning Routine" overwrite each other, and a
#    title with a `/` writes outside the folder. File names must come from the video id.
# 3. **View counts are scraped as text** ("1.2M views") and parsed inconsistently; we store integers.
# 4. **Re-uploads and shorts** enter the sample: the same thumbnail twice, or a vertical short whose
#    thumbnail is barely shown. Videos with a handful of views (unlisted, test or abandoned uploads)
#    add noise, not signal.
# 5. **The collection date is lost**, so a video's age, the strongest single driver of its views, cannot
#    be computed.
#
# We can measure the first two on this chapter's own titles once the data is loaded.

# %% [markdown]
# ## ThumbWorld: a control experiment with known truth
# No machine that builds this book reaches a video platform, and even with real data we could never
# check whether "thumbnails with faces get more views" is *true*. So the book's default dataset is
# **ThumbWorld**, a seeded simulation of a platform: channels of different sizes, topics and habits that
# upload over the years, videos with titles in several scripts, and a 320x180 thumbnail for each, drawn
# from interpretable elements (faces with expressions, headline text, food, sport fields, cars, animals,
# red arrows, money, rooms, landscapes, warm or cool palettes, a channel logo). Views come from a
# structural model,
#
# $$\log_{10}\text{views} = \text{channel} + \text{age} + \sum_e \beta_e\,\text{element}_e
#   + \beta_{\text{face}\times\text{text}} + \text{title effects} + \varepsilon,$$
#
# whose every coefficient is written next to the data in `truth.json`. Later chapters can therefore
# check their answers. In the `null` scenario the same platform and the same pixels get views in which
# content plays no part: any "effect" found there is a false positive. The `default` world also holds a
# deliberate confound: sport footage lives mostly on old, small archive channels.
#
# `ensure_dataset` generates the data (or reads the folder given as `source`), validates it, cleans it
# and splits it; a second call only loads the result.

# %%
ds = ensure_dataset(source=source, scenario=scenario, n_videos=n_videos, seed=seed, min_views=min_views,
                    drop_shorts=drop_shorts, min_channel_videos=min_channel_videos)
meta, truth = ds.metadata, ds.truth
print(f"{ds.name}: {len(meta):,} videos from {meta['channel_id'].nunique():,} channels after cleaning")

# %%
n_raw = int(ds.cleaning_report["remaining"].iloc[0] + ds.cleaning_report["removed"].iloc[0])
ch.record("data_n_raw", n_raw)
ch.record("data_n_clean", len(meta))
ch.record("data_n_channels", int(meta["channel_id"].nunique()))
ch.record("data_median_views", float(meta["views"].median()))
if truth is not None:
    effects = pd.Series(truth["element_effects"], name="true effect on log10(views)")
    print("Interactions:", truth["interactions"], "| title effects:", truth["title_effects"])
    print("Noise sd:", truth["noise_sd"], "| oracle R²:", {k: round(v, 3) for k, v in truth["oracle_r2"].items()})
    display(effects.to_frame())
else:
    print("This dataset has no truth.json (real data): the truth-based parts of this chapter are skipped.")

# %%
if truth is not None:  # recomputed on the cleaned videos (truth.json holds it for all generated ones)
    r2 = realised_oracle_r2(meta)
    ch.record("data_oracle_full", r2["full"]); ch.record("data_oracle_content", r2["content"])
else:
    ch.record("data_oracle_full", float("nan")); ch.record("data_oracle_content", float("nan"))

# %% [markdown]
# The oracle R² is the share of the variance of log views that a model knowing the *true* expected views
# would explain (here {glue:text}`data_oracle_full:.2f` on the cleaned videos); the remainder is the noise the world adds. A model
# that sees only what the thumbnail and title show, and knows the true content effect exactly, would reach
# about {glue:text}`data_oracle_content:.2f`: a ceiling for the popularity chapter (an image model can exceed
# it only by recognising channels from their logos and styles, a shortcut the channel split removes).
#
# Now the naive scraper's damage, measured on these titles:

# %%
damage = figures.naive_scraper_damage(meta["title"])
for k, v in damage.items():
    ch.record(f"data_{k}", 100 * v)
pd.Series(damage).map(lambda v: f"{100 * v:.1f}% of videos").to_frame("naive scraper")

# %% [markdown]
# Stripping non-ASCII characters would alter {glue:text}`data_titles_altered:.1f`% of the titles and leave
# {glue:text}`data_titles_without_letters:.1f`% with no letter at all; naming files after titles would make
# {glue:text}`data_file_name_collisions:.1f`% of the videos collide with another video's file, and one of
# the two thumbnails would silently overwrite the other. (ThumbWorld's titles come from a small vocabulary,
# so real titles collide less often; but a single collision already loses a thumbnail without a trace.)
#
# ## What the thumbnails look like
# {numref}`fig-dataset-sample-grid` is a uniformly random sample of the cleaned thumbnails, not a selection
# of good-looking ones.

# %% mystnb={"figure": {"caption": "A uniformly random sample of thumbnails after cleaning, with each video's views.", "name": "fig-dataset-sample-grid"}}
save_fig(figures.sample_grid(meta, ds.data_dir, n=grid_size, seed=seed), "sample_grid", ch.name)

# %% [markdown]
# ## The data card
# ### How views are distributed
# Views span orders of magnitude, which is why every chapter models log10 views
# ({numref}`fig-dataset-log-views`). The median video has {glue:text}`data_median_views:,.0f` views.

# %% mystnb={"figure": {"caption": "Distribution of log10 views after cleaning; the dashed line is the median, the red line the minimum-views cut.", "name": "fig-dataset-log-views"}}
save_fig(figures.log_views_histogram(meta["log_views"].to_numpy(), min_views=min_views), "log_views", ch.name)

# %% [markdown]
# ### Video age and channel explain much of it
# A video collects views over its first months, so a week-old upload cannot be compared with a
# year-old one ({numref}`fig-dataset-views-age`). Channels differ even more
# ({numref}`fig-dataset-views-channel`): the same thumbnail does far better on a channel with a million
# subscribers. Any claim about thumbnails has to hold once age and channel are accounted for.

# %% mystnb={"figure": {"caption": "log10 views against video age (log scale), with a LOWESS smoother.", "name": "fig-dataset-views-age"}}
save_fig(figures.views_vs_age(meta["age_days"].to_numpy(), meta["log_views"].to_numpy(), seed=seed),
         "views_vs_age", ch.name)

# %%
age_corr = float(pd.Series(meta["log_views"]).corr(np.log10(meta["age_days"] + 1), method="spearman"))
channel_share = float(meta.groupby("channel_id")["log_views"].transform("mean").var() / meta["log_views"].var())
ch.record("data_age_spearman", age_corr); ch.record("data_channel_share", channel_share)

# %% mystnb={"figure": {"caption": "Left: log10 views of the channels with most videos, sorted by median. Right: each channel's median against its subscribers (dot size grows with its number of videos).", "name": "fig-dataset-views-channel"}}
save_fig(figures.views_by_channel(meta), "views_by_channel", ch.name)

# %% [markdown]
# Channel means alone account for {glue:text}`data_channel_share:.0%` of the variance of log views, and
# the Spearman correlation of log views with log age is {glue:text}`data_age_spearman:.2f`.
#
# ### What the thumbnails show

# %% [markdown] tags=["truth-only"]
# ThumbWorld records which elements each thumbnail contains ({numref}`fig-dataset-elements`, left). The
# right panel compares the naive difference (mean log views of videos with the element minus those
# without) with the true effect. The gap between the two is confounding: elements travel with channels,
# topics and upload years.

# %% [markdown] tags=["real-data"]
# Only a simulated world records which elements each thumbnail shows, so on this dataset there is
# nothing to count here. The book reads content off your thumbnails in two other ways: the pretrained
# encoder of {ref}`chapter-encoder` and the sparse-autoencoder features of {ref}`chapter-features`.

# %% mystnb={"figure": {"caption": "Left: share of thumbnails showing each element. Right: naive difference in mean log10 views (with minus without) against the true effect planted in ThumbWorld.", "name": "fig-dataset-elements"}}
if ds.elements:
    elements_table = figures.naive_element_effects(meta, ds.elements)
    save_fig(figures.element_figure(elements_table, truth["element_effects"] if truth else None), "elements", ch.name)
else:
    elements_table = None
    print("No element truth columns in this dataset (real data): element frequencies need the simulator's truth.")

# %%
if elements_table is not None and "sport_field" in ds.elements:
    sport = elements_table.set_index("element").loc["sport_field"]
    naive_sport, true_sport = float(sport["naive_diff"]), float(truth["element_effects"]["sport_field"])
else:
    naive_sport = true_sport = float("nan")
ch.record("data_sport_naive", naive_sport); ch.record("data_sport_true", true_sport)

# %% [markdown]
# Sport fields are the planted confound: the naive difference is {glue:text}`data_sport_naive:+.2f` in
# log10 views, while the true effect is {glue:text}`data_sport_true:+.2f`. Most of the apparent penalty
# comes from where sport thumbnails live (small archive channels that stopped uploading years ago), not
# from what they show. Chapter 05 comes back to this.
#
# ### Titles
# Titles carry numbers, CAPS words, emoji and several scripts ({numref}`fig-dataset-titles`); they are kept
# byte for byte.

# %% mystnb={"figure": {"caption": "Left: title length in characters, Latin and other scripts. Right: share of titles with a number, an all-caps word, an emoji, a question mark, or in a non-Latin script.", "name": "fig-dataset-titles"}}
titles = figures.title_table(meta["title"])
ch.record("data_title_median_length", float(titles["length"].median()))
ch.record("data_title_emoji", 100 * float(titles["has_emoji"].mean()))
ch.record("data_title_non_latin", 100 * float(titles["non_latin"].mean()))
save_fig(figures.title_figure(titles), "titles", ch.name)

# %% [markdown]
# {glue:text}`data_title_non_latin:.1f`% of the titles are in a non-Latin script.
#
# ## The most and the least viewed
# {numref}`fig-dataset-extremes` sets the most-viewed thumbnails beside the least-viewed ones that survived
# cleaning. It is tempting to read a recipe off such a picture; the rest of the book tests whether the
# differences hold once channel and age are taken into account.

# %% mystnb={"figure": {"caption": "Top row: the most-viewed thumbnails. Bottom row: the least-viewed ones kept by the cleaning.", "name": "fig-dataset-extremes"}}
save_fig(figures.extremes_grid(meta, ds.data_dir, k=6), "extremes", ch.name)

# %% [markdown]
# ## Cleaning: what each filter removed, and why
# The filters run in order; each row of the report says how many videos it removed and why
# ({numref}`fig-dataset-cleaning`). Nothing is dropped silently: every removed video is listed with its
# filter in `removed.csv` next to the prepared data.

# %%
report = ds.cleaning_report
ch.record("cleaning", {row["filter"]: int(row["removed"]) for _, row in report.iterrows()})
ch.record("data_removed_total", int(report["removed"].sum()))
report

# %% mystnb={"figure": {"caption": "Videos removed by each cleaning step, in the order the steps run.", "name": "fig-dataset-cleaning"}}
save_fig(figures.cleaning_figure(report), "cleaning", ch.name)

# %% [markdown]
# ## Splits: which question does a test score answer?
# Three splits are saved with the data ({numref}`fig-dataset-splits`). A *random* split asks "how well
# does the model do on more videos like these?"; a *channel* split keeps every channel in one part and
# asks "on channels it has never seen?"; a *temporal* split trains on older uploads and asks "on future
# uploads?". The gap between the random and the channel scores in chapter 04 measures how much a model
# leans on recognising channels.

# %% mystnb={"figure": {"caption": "Left: train, validation and test sizes of the random, channel and temporal splits. Right: upload dates of the temporal split's parts.", "name": "fig-dataset-splits"}}
save_fig(figures.split_figure(meta), "splits", ch.name)

# %%
for _kind, reason in ds.split_reasons.items():
    print(f"- {reason}\n")
_ = ch.record("splits", {k: meta[f"split_{k}"].value_counts().to_dict() for k in ("random", "channel", "temporal")})

# %% [markdown]
# ## What we found
# - From {glue:text}`data_n_raw:,` generated videos, cleaning kept {glue:text}`data_n_clean:,` from
#   {glue:text}`data_n_channels:,` channels; the median video has {glue:text}`data_median_views:,.0f` views.
# - A naive scraper would have altered {glue:text}`data_titles_altered:.1f`% of the titles and made
#   {glue:text}`data_file_name_collisions:.1f`% of the videos collide on file names.
# - Age and channel dominate views: channel means alone carry {glue:text}`data_channel_share:.0%` of the
#   variance of log views.
# - The oracle R² of the full model is {glue:text}`data_oracle_full:.2f`; of thumbnail and title content
#   alone about {glue:text}`data_oracle_content:.2f`.
# - The naive "sport field" difference ({glue:text}`data_sport_naive:+.2f`) overstates its true effect
#   ({glue:text}`data_sport_true:+.2f`): confounding by channel and date, planted on purpose.
#
# ## Exercises
# 1. Run the chapter with `scenario="null"`. Predict the right panel of the elements figure:
#    which naive differences stay away from zero although no element has any effect, and why?
# 2. Set `min_views=0` and `drop_shorts=False`. How do the log-views histogram and the oracle R² change?
# 3. Raise `min_channel_videos` to 20. Which channels disappear, and what happens to the sport confound?
# 4. Import a folder of your own thumbnails (`python -m thumbnail_lab import`) and run the chapter with
#    `source=<that folder>`. Which sections still say something, and which need the truth?
