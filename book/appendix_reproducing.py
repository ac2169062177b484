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
# (appendix-reproducing)=
# # Reproducing this book
#
# Every number and figure in this book comes from one execution of its chapters. This page is
# generated from the executed notebooks themselves: for each chapter it shows the parameter
# profile it ran with, the parameters papermill injected, how long it took and the peak memory
# of its kernel. Re-running a chapter with the same parameters gives the same saved numbers
# (the test suite checks this).
#
# ## How to re-run it
# ```bash
# make book                                    # default profile, then the HTML book
# make book PROFILE=full                       # the scale of the published studies (hours)
# make chapter NB=04_popularity PARAMS="scenario=null"   # one chapter with your own values
# ```
# `make execute` skips any chapter whose source, package code and parameters are unchanged
# since its last successful run.

# %% tags=["parameters"]
notebooks_dir = ""  # where the executed notebooks are; empty: the folder the runner used

# %%
from thumbnail_lab.chapter import setup

ch = setup("appendix_reproducing", globals())

# %% tags=["hide-input"]
from thumbnail_lab.plotting import save_fig
from thumbnail_lab.publish.reproducibility import (
    environment_table,
    executed_dir,
    plot_run_budget,
    run_records,
    slowest_cells,
    wall_minutes,
)

# %%
records = run_records(executed_dir(notebooks_dir or "."))
records = records[records["chapter"] != "appendix_reproducing"]
ch.record("repro_total_minutes", records["seconds"].sum() / 60)
ch.record("repro_wall_minutes", wall_minutes(records))
ch.record("repro_peak_gb", records["peak_memory_mb"].max() / 1024)
ch.record("repro_profiles", ", ".join(sorted(set(records["profile"]))))

# %% [markdown]
# ## What each chapter cost
# This run used the profile(s) {glue:text}`repro_profiles`. All chapters together took
# {glue:text}`repro_total_minutes:.1f` minutes of chapter time, {glue:text}`repro_wall_minutes:.1f` minutes
# from the first chapter's start to the last one's end (less than the sum where chapters ran at once,
# `make book JOBS=2`; a chapter that starts beside another then gets its share of the cores as its
# `threads` parameter, shown in the table below), and no chapter's kernel used more than
# {glue:text}`repro_peak_gb:.2f` GB of memory ({numref}`fig-repro-budget`).

# %% mystnb={"figure": {"caption": "Run time and peak kernel memory of each chapter in this build, with the budgets of the default profile on a 2-core laptop CPU.", "name": "fig-repro-budget"}}
save_fig(plot_run_budget(records), "run_budget", ch.name)

# %%
records.drop(columns=["title"]).set_index("chapter")

# %% [markdown]
# ## Where the time goes
# Papermill times every cell it runs. The cells below took longest in this run; together they are
# the profile of the book at the grain a reader can act on (a parameter, a section). Inside a cell,
# `py-spy record -- python -m thumbnail_lab.publish.execute --child ...` or pyinstrument go further.

# %%
slow = slowest_cells(executed_dir(notebooks_dir or "."))
ch.record("repro_slowest_share", float(slow["share of run"].sum()) if len(slow) else float("nan"))
ch.record("repro_slowest_n", len(slow))
slow.round(3)

# %% [markdown]
# These {glue:text}`repro_slowest_n` cells hold {glue:text}`repro_slowest_share:.0%` of the run's cell time.

# %% [markdown]
# ## The software that produced these numbers

# %%
environment_table()
