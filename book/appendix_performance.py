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
# (appendix-performance)=
# # Performance
#
# Readers re-execute this book on laptops, and analysts point it at hundreds of thousands of
# thumbnails, so speed and memory are features here. This page is generated from the results
# file that `make bench` writes (`bench/results/results.json`): every benchmark in `bench/`
# measures its stage on this machine and reports a **ratio against a baseline measured in the
# same run**, because absolute seconds on a shared machine are noisy while ratios are not.
#
# ```bash
# make bench                    # every benchmark at full size, then rebuild this page
# python -m bench.bench_null    # one benchmark, printed as a table
# ```

# %% tags=["parameters"]
results_file = ""  # empty: bench/results/results.json in the repository
scale_file = ""    # empty: artifacts/scale/scale.json, written by make scale

# %%
from thumbnail_lab.chapter import setup

ch = setup("appendix_performance", globals())

# %% tags=["hide-input"]
from IPython.display import display

from thumbnail_lab.plotting import save_fig
from thumbnail_lab.publish import performance as perf

# %%
results = perf.load_results(results_file or None)
machine = results["machine"]
for key in ("cpu_cores", "processor", "torch", "measured_at"):
    ch.record(f"perf_{key}", machine[key])
ch.record("perf_sizes", "tiny" if results["tiny"] else "full")

# %% [markdown]
# ## Budgets
# A student should be able to re-execute the whole book on a 2-core laptop in under 25 minutes and
# 6 GB, and `make scale` should reach the published 524,288 thumbnails in under an hour and 8 GB.
# The table reads this build's chapter records and `make scale`'s file; a budget is met only
# where it was measured in the `default` profile (smoke runs are far smaller).

# %%
from thumbnail_lab.publish.reproducibility import executed_dir, run_records

perf.budget_table(run_records(executed_dir(".")), perf.load_scale(scale_file or None)).round(2)

# %% [markdown]
# The numbers below were measured on {glue:text}`perf_cpu_cores` CPU cores ({glue:text}`perf_processor`,
# torch {glue:text}`perf_torch`) at {glue:text}`perf_measured_at`, with the benchmarks at their
# {glue:text}`perf_sizes` sizes.
#
# ## Ratios against same-run baselines

# %%
perf.ratio_table(results).set_index(["benchmark", "ratio"]).round(2)

# %% [markdown]
# ## How cost grows with the number of thumbnails
# A stage whose cost grows linearly with the number of thumbnails has slope 1 on log-log axes;
# a slope well above 1 is a stage that will not reach the published scale of 524,288
# thumbnails ({numref}`fig-perf-scaling`).

# %% mystnb={"figure": {"caption": "Seconds and peak memory against the number of thumbnails for each benchmarked stage (and each stage of make scale: this machine's run, else the record kept with the book), on log-log axes; the legend gives each fitted slope.", "name": "fig-perf-scaling"}}
scale_run = perf.load_scale(scale_file or None)   # this machine's make scale, else the record kept with the book
scaling = perf.scaling_rows(perf.with_scale(results, scale_run))
save_fig(perf.plot_scaling(scaling), "scaling", ch.name)

# %% [markdown]
# ## The published scale on one machine
# `make scale` runs chapter 05's feature study end to end at the published 524,288 thumbnails: it
# draws a ThumbWorld platform of that size (thumbnails rendered in memory at 64x36), embeds it with
# the book's pretrained encoder, encodes the embeddings with the SAE trained on the encoder's corpus
# (chapter 05's default, the published set-up), finds the feature groups with the published
# parameters (groups of 400, 1,000,000 simulated medians) and runs every statistic. It repeats the
# same stages at 1,024, 4,096, 16,384 and 65,536 thumbnails for the slopes in
# {numref}`fig-perf-scaling`, records each stage's seconds and peak resident memory (this process
# and its workers, sampled every 0.2 s), and resumes after a kill from the last finished stage or
# block of 16,384 thumbnails. It is not part of `make book`.
#
# ```bash
# make scale    # then make book (or make execute), and this section shows what it measured
# ```
#
# A clean clone has not run it, so this section then shows the record kept with the book
# (`bench/recorded/scale.json`, a copy of one `make scale` run's `artifacts/scale/scale.json`), and
# says so.
#
# {glue:text}`perf_scale_sentence`

# %%
if scale_run is None:
    _ = ch.record("perf_scale_sentence", "make scale has not run on this machine and the book keeps no record of "
                  "it, so there are no numbers here: run it, then rebuild this page (`make book`).")
else:
    budget = ch.record("perf_scale", perf.scale_budget(scale_run))
    _ = ch.record("perf_scale_sentence", f"{perf.scale_provenance(scale_run)} {perf.scale_sentence(budget)}")
    display(perf.scale_stage_table(scale_run).round(2))

# %% [markdown]
# What the study found at each size (the planted truth of the ThumbWorld platform it drew is known,
# so the planted elements that raise or lower views can be looked for in the high- and low-view lists):

# %%
perf.scale_findings(scale_run) if scale_run is not None else "make scale has not run on this machine"

# %% [markdown]
# ## Each benchmark's measurements

# %% [markdown]
# First what each benchmark measures, in the words its file gives, then its rows.

# %%
perf.benchmark_overview(results)

# %%
for bench in results["benchmarks"]:
    display(perf.benchmark_table(bench).style.format(precision=4).set_caption(bench["name"]))

# %% [markdown]
# ## Plan past one machine
# The published analyses worked at 524,288 thumbnails with a CLIP-size image encoder. The table below
# extrapolates each stage to that scale from the per-thumbnail costs measured above. Two rows are
# estimates rather than measurements, and say so in their basis: a CLIP ViT-B/32 forward pass costs
# about 4.4 GFLOPs per image, which bounds its CPU time from below at the measured matrix-product peak,
# and on one GPU we assume about half of a current data-centre GPU's dense bf16 peak.

# %%
plan = perf.plan_table(results)
ch.record("perf_plan_cpu_clip_hours", float(plan.loc[plan["stage"].str.contains("CPU, at"), "hours"].sum()))
ch.record("perf_plan_gpu_clip_minutes", 60 * float(plan.loc[plan["stage"].str.contains("one GPU"), "hours"].sum()))
plan.round(3)

# %%
shards = next((b for b in results["benchmarks"] if b.get("name") == "shards" and "ratios" in b), None)
_ = ch.record("perf_shards_speedup", f"{shards['ratios']['speedup_two_workers_over_one']:.2f}" if shards
              else "not measured (run make bench)")

# %% [markdown]
# What follows from it:
#
# - **Embedding is the only stage that needs more than a laptop.** A CLIP-size encoder would need at
#   least {glue:text}`perf_plan_cpu_clip_hours:.0f` hours on this CPU, against roughly
#   {glue:text}`perf_plan_gpu_clip_minutes:.0f` minutes of compute on one GPU (plus image decoding,
#   which parallelises on the GPU host's cores).
# - **Collection and embedding parallelise across machines without change.** Both are pure maps over
#   thumbnails: a stage takes a shard of `metadata.csv` rows (a list of `video_id`) and writes one file
#   per shard (`images/` for collection, an `embeddings_<shard>.npy` for the encoder). The collector is
#   already resumable per video, so shards can be run by separate processes or machines and merged by
#   concatenating journals. The stages that grow with the number of thumbnails run on Dask as they are:
#   `python -m thumbnail_lab embed FOLDER --out embeddings.npy --workers N` starts a local cluster of N
#   worker processes, `--scheduler tcp://HOST:8786` uses a running one, and either maps the same shard
#   function with Dask's `client.map` and writes the same file as one process does; `validate FOLDER
#   --workers N` checks the images the same way, and `make scale` draws, embeds and encodes its blocks on
#   a local cluster of two workers by default (the tests compare each with one process, on a two-worker
#   cluster on loopback). The `shards` benchmark measured a speed-up of
#   {glue:text}`perf_shards_speedup` from one worker to two on this machine, start-up left out; its
#   rows project the hours at 524,288 and 10 million thumbnails on one and ten machines.
# - **The statistics stay on one machine.** The feature-group procedure and the million-draw null
#   simulation take minutes at the published scale, so distributing them would cost more in
#   coordination than it saves.
# - **The order of work**: collect in shards (network-bound, many small machines), embed on one GPU,
#   then run chapter 05 on a laptop from the saved embeddings.
