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

# %%
from thumbnail_lab.params import Rule, check_params

check_params(globals(), {"results_file": Rule(kind=str)})

# %%
from thumbnail_lab import performance as perf
from thumbnail_lab.plotting import save_fig, use_book_style
from thumbnail_lab.report import glue_value

use_book_style()
results = perf.load_results(results_file or None)
machine = results["machine"]
glue_value("perf_machine", f"{machine['cpu_cores']} cores, {machine['processor']}, torch {machine['torch']}")
glue_value("perf_measured_at", machine["measured_at"] + (" (tiny sizes)" if results["tiny"] else ""))

# %% [markdown]
# The numbers below were measured on {glue:text}`perf_machine` at {glue:text}`perf_measured_at`.
#
# ## Ratios against same-run baselines

# %%
perf.ratio_table(results).set_index(["benchmark", "ratio"]).round(2)

# %% [markdown]
# ## How cost grows with the number of thumbnails
# A stage whose cost grows linearly with the number of thumbnails has slope 1 on log-log axes;
# a slope well above 1 is a stage that will not reach the published scale of 524,288
# thumbnails ({numref}`fig-perf-scaling`).

# %% mystnb={"figure": {"caption": "Seconds and peak memory against the number of thumbnails for each benchmarked stage, on log-log axes; the legend gives each fitted slope.", "name": "fig-perf-scaling"}}
scaling = perf.scaling_rows(results)
save_fig(perf.plot_scaling(scaling), "scaling", "appendix_performance")

# %% [markdown]
# ## Each benchmark's measurements

# %%
from IPython.display import Markdown, display

for bench in results["benchmarks"]:
    display(Markdown(f"**`{bench['name']}`**: {bench.get('description', '')}"))
    display(perf.benchmark_table(bench).round(4))
    for note in bench.get("notes", []):
        display(Markdown(f"- {note}"))
