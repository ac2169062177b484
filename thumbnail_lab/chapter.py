"""One set-up for every chapter, and one way to put a number into the prose and the results.

A chapter's second code cell is ::

    from thumbnail_lab.chapter import setup
    ch = setup("02_gan", globals(), rules={"width": multiple_of(4)})

``setup`` reads the defaults of the chapter's ``parameters`` cell, infers each parameter's type
from its default, checks the values papermill injected (plus any extra ``rules`` where a range or
a choice matters), seeds Python, NumPy and torch with ``seed``, sets the CPU threads of torch and of the
BLAS pools from ``threads`` and applies the figure style. ``ch.record(name, value)`` then glues a value for
``{glue:text}`name``` in the markdown and writes it to the chapter's ``results.json`` in one go.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .atomic import write_json
from .params import ParameterError, Rule, check_params
from .paths import REPO_ROOT, chapter_dir

GLUED_TYPES = (bool, int, float, str)


def chapter_source(chapter: str) -> Path:
    """The chapter's py:percent source: beside the kernel (it runs in ``book/``), else in ``book/``."""
    for folder in (Path.cwd(), REPO_ROOT / "book"):
        if (folder / f"{chapter}.py").is_file():
            return folder / f"{chapter}.py"
    raise FileNotFoundError(f"no source book/{chapter}.py for chapter {chapter!r}")


def parameter_defaults(source: Path) -> dict[str, Any]:
    """Name -> default value of every assignment in the chapter's ``parameters`` cell."""
    import jupytext

    return notebook_parameter_defaults(jupytext.read(source, fmt="py:percent"), source)


def notebook_parameter_defaults(notebook: Any, source: Path | str) -> dict[str, Any]:
    """``parameter_defaults`` of a notebook already read (``source`` names it in errors)."""
    cell = next((c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        raise ValueError(f"{source} has no cell tagged 'parameters'")
    namespace: dict[str, Any] = {}
    exec(compile(cell.source, str(source), "exec"), {}, namespace)  # literals only, by convention
    return {k: v for k, v in namespace.items() if not k.startswith("_")}


def inferred_rule(default: Any) -> Rule:
    """The rule a default implies: its type (an int default also accepts no float, a float accepts ints)."""
    if isinstance(default, bool):
        return Rule(kind=bool)
    if isinstance(default, int):
        return Rule(kind=int)
    if isinstance(default, float):
        return Rule(kind=(int, float))
    if default is None:
        return Rule()
    return Rule(kind=type(default))


def merged_rules(defaults: Mapping[str, Any], rules: Mapping[str, Rule] | None) -> dict[str, Rule]:
    """Inferred rules, each refined by the fields that an extra rule sets."""
    unknown = set(rules or {}) - set(defaults)
    if unknown:
        raise ValueError(f"rules for parameters the chapter does not declare: {sorted(unknown)}")
    out = {}
    for name, default in defaults.items():
        rule = inferred_rule(default)
        extra = (rules or {}).get(name)
        if extra is not None:
            changes = {f.name: getattr(extra, f.name) for f in dataclasses.fields(Rule)
                       if getattr(extra, f.name) is not None}
            rule = dataclasses.replace(rule, **changes)
        out[name] = rule
    return out


@dataclass
class Chapter:
    """A running chapter: its name, checked parameters, random stream and recorded results."""

    name: str
    params: dict[str, Any]
    rng: np.random.Generator
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        """The chapter's artifacts folder (created on demand)."""
        return chapter_dir(self.name)

    @property
    def results_path(self) -> Path:
        return self.dir / "results.json"

    def record(self, name: str, value: Any) -> Any:
        """Glue ``value`` (a number or a word) under ``name`` and write it to ``results.json``; return it."""
        if hasattr(value, "item") and np.ndim(value) == 0:  # NumPy scalar -> Python scalar
            value = value.item()
        if isinstance(value, GLUED_TYPES):
            from myst_nb import glue

            glue(name, value, display=False)
        self.results[name] = value
        write_json(self.results_path, self.results)
        return value

    def require(self, ok: bool, message: str) -> None:
        """Stop the chapter with ``message`` unless ``ok`` (for rules that tie two parameters)."""
        if not ok:
            raise ParameterError(message)


def earlier_results(chapter: str, expected: Mapping[str, Any]) -> dict[str, Any] | None:
    """Another chapter's ``results.json`` if it ran with the ``expected`` parameters, else None.

    A chapter that reads a measurement from an earlier one (chapter 05 reads the supervised ceiling
    of chapter 01a) uses this, so a run on another dataset or world is never read by mistake.
    """
    import json

    path = chapter_dir(chapter) / "results.json"
    if not path.is_file():
        return None
    results = json.loads(path.read_text())
    ran = results.get("parameters", {})
    return results if all(ran.get(k) == v for k, v in expected.items()) else None


def setup(chapter: str, namespace: Mapping[str, Any], rules: Mapping[str, Rule] | None = None,
          source: Path | None = None) -> Chapter:
    """Check the chapter's parameters, seed, set threads and the figure style; return the ``Chapter``."""
    from .plotting import use_book_style
    from .seeding import seed_everything

    defaults = parameter_defaults(source or chapter_source(chapter))
    params = {name: namespace.get(name, default) for name, default in defaults.items()}
    check_params(params, merged_rules(defaults, rules))
    # A page without a seed (the appendices) draws nothing at random: it need not import torch to seed it.
    rng = seed_everything(int(params["seed"])) if "seed" in params else np.random.default_rng(0)
    if params.get("threads"):  # one setting for torch and for the BLAS/OpenMP pools of numpy, scipy, sklearn
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(int(params["threads"]))
        threadpool_limits(limits=int(params["threads"]))
    use_book_style()
    ch = Chapter(chapter, params, rng, {"parameters": params})
    write_json(ch.results_path, ch.results)
    _show_dataset(params)
    return ch


def _show_dataset(params: Mapping[str, Any]) -> None:
    """Display, at the chapter's top, which dataset it analyses (nothing for a page without ``source``)."""
    if sentence := dataset_sentence(dict(params)):
        from IPython.display import Markdown, display

        display(Markdown(sentence))


def source_has_truth(source: str) -> bool:
    """Whether the dataset a chapter analyses has a planted truth: ThumbWorld, or a folder with ``truth.json``."""
    return source == "thumbworld" or (Path(source).expanduser() / "truth.json").is_file()


def dataset_sentence(params: dict[str, Any]) -> str:
    """Which dataset a chapter analyses, in one Markdown sentence shown at its top (empty without ``source``)."""
    source = str(params.get("source", ""))
    if not source:
        return ""
    if source == "thumbworld":
        size = f", {params['n_videos']:,} videos before cleaning" if "n_videos" in params else ""
        return (f"**Data of this run:** ThumbWorld, the book's simulated platform (world `{params.get('scenario', 'default')}`"
                f"{size}, seed {params.get('seed', 0)}). Its true effects are known, so the chapter checks its findings "
                "against them; pass `source=<your folder>` to analyse your own thumbnails.")
    import pandas as pd

    folder = Path(source).expanduser()
    channels = pd.read_csv(folder / "metadata.csv", usecols=["channel_id"])["channel_id"]
    truth = ("it has a `truth.json`, so the checks against planted effects run" if source_has_truth(source)
             else "it has no truth, so the checks against planted effects are left out")
    return (f"**Data of this run:** your folder `{folder}` ({len(channels):,} videos in `metadata.csv`, "
            f"{channels.nunique():,} channel{'s' if channels.nunique() != 1 else ''}); {truth}. Sections that run on "
            "ThumbWorld beside it are reference controls and say so.")
