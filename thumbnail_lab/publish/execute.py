"""Execute the book's chapters with papermill, in order (or several at once), only when something changed.

``python -m thumbnail_lab.publish.execute [CHAPTER ...] --profile default --params "epochs=3" [--jobs 2]``

Each chapter's py:percent source is read with jupytext and handed to papermill in memory
(papermill cannot read ``.py``). Every chapter runs in its own child process so that its
kernel's peak memory can be read back with ``getrusage``; the executed notebook records its
profile, parameters, run time and peak memory in its metadata, where the appendix
"Reproducing this book" reads them.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from ..chapter import notebook_parameter_defaults
from ..paths import REPO_ROOT
from .imports import PACKAGE_DIR, package_modules_used
from .profiles import CHAPTER_PATTERN, PROFILE_NAMES, chapter_parameters, parse_overrides
from .truth import keep_cells, source_has_truth

BOOK_DIR = REPO_ROOT / "book"
KERNEL_SITE = Path(__file__).resolve().parent / "kernel_site"


@dataclass
class RunRecord:
    """What one chapter execution did; stored in the notebook's ``thumbnail_lab`` metadata."""

    chapter: str
    profile: str
    parameters: dict[str, Any]
    seconds: float
    peak_memory_mb: float
    stamp: str
    finished_at: str


def chapters(book_dir: Path = BOOK_DIR) -> list[str]:
    """Chapter names in book order: numbered chapters, then appendices (which summarise them).

    A page named ``NNx_name`` (a letter after the number, e.g. ``01a_encoder``) runs after chapter
    ``NN`` and before ``NN+1``; the table of contents shows it as a section of chapter ``NN``.
    """
    numbered = sorted(p.stem for p in book_dir.glob(f"{CHAPTER_PATTERN}.py"))
    appendices = sorted(p.stem for p in book_dir.glob("appendix_*.py"))
    return numbered + appendices


def source_stamp(chapter: str, profile: str, params: dict[str, Any], book_dir: Path = BOOK_DIR,
                 package_dir: Path = PACKAGE_DIR) -> str:
    """Hash of what decides a chapter's output: its source, the package modules it uses, its parameters."""
    source = book_dir / f"{chapter}.py"
    digest = hashlib.sha256(source.read_bytes())
    for path in package_modules_used(source, package_dir):
        digest.update(str(path.relative_to(package_dir)).encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps({"profile": profile, "params": params}, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def recorded_stamp(notebook: Path) -> str | None:
    """The stamp stored in an executed notebook, or None if it has none (or does not exist)."""
    try:
        meta = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]
        if meta.get("papermill", {}).get("exception"):
            return None  # a failed run is never up to date
        return meta.get("thumbnail_lab", {}).get("stamp")
    except (OSError, ValueError, KeyError):
        return None


def kernel_environment(out_dir: Path) -> dict[str, str]:
    """Environment for chapter kernels: offline model hubs, the network guard, the package."""
    env = dict(os.environ)
    env["THUMBNAIL_LAB_EXECUTED_DIR"] = str(out_dir.resolve())  # read by the appendices
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(KERNEL_SITE), str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("THUMBNAIL_LAB_BLOCK_NETWORK", "1")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Forced, not defaulted: a caller's MPLBACKEND=Agg (pytest sets it) would leave figures out of the book.
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def execute_one(chapter: str, profile: str, params: dict[str, Any], out_dir: Path, stamp: str,
                book_dir: Path = BOOK_DIR) -> RunRecord:
    """Run one chapter in this process (called in a child process by ``execute``, which made ``stamp``)."""
    import jupytext
    import papermill

    source = book_dir / f"{chapter}.py"
    notebook = jupytext.read(source, fmt="py:percent")
    default_source = notebook_parameter_defaults(notebook, source).get("source", "thumbworld")
    keep_cells(notebook, source_has_truth(str(params.get("source", default_source))))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    output = out_dir / f"{chapter}.ipynb"
    start = time.perf_counter()
    try:
        _papermill_with_kernel_retry(papermill.execute_notebook, chapter, notebook, output, params, book_dir)
    finally:
        # The kernel was this process's child: its peak resident memory is in RUSAGE_CHILDREN (KiB).
        record = RunRecord(chapter, profile, params, round(time.perf_counter() - start, 1),
                           round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
                           stamp, time.strftime("%Y-%m-%dT%H:%M:%S"))
        _store_record(output, record)
    return record


#: Kernels started at the same moment by two chapters (``--jobs``) can pick the same free TCP port, since
#: jupyter_client chooses ports in each process unaware of the other; the loser dies while starting
#: ("Address already in use"), before it runs a cell. Its chapter starts another kernel, this many times.
KERNEL_START_TRIES = 3
KERNEL_START_FAILURE = "Kernel died before replying to kernel_info"


def _papermill_with_kernel_retry(run: Callable[..., Any], chapter: str, notebook: Any, output: Path,
                                 params: dict[str, Any], book_dir: Path) -> None:
    """``papermill.execute_notebook`` (``run``), with a fresh kernel when one dies while starting."""
    for attempt in range(1, KERNEL_START_TRIES + 1):
        try:
            run(copy.deepcopy(notebook), str(output), parameters=params, kernel_name="python3", cwd=str(book_dir),
                progress_bar=False, log_output=True)
            return
        except RuntimeError as err:
            if KERNEL_START_FAILURE not in str(err) or attempt == KERNEL_START_TRIES:
                raise
            print(f"[execute] {chapter}: its kernel died while starting (try {attempt} of {KERNEL_START_TRIES}, "
                  f"most likely a port taken by another chapter's kernel); starting another", flush=True)
            time.sleep(attempt)


def _store_record(notebook_path: Path, record: RunRecord) -> None:
    """Write the run record into the executed notebook's metadata (atomically)."""
    import nbformat

    from ..atomic import write_text

    if not notebook_path.exists():
        return
    nb = nbformat.read(notebook_path, as_version=4)
    nb.metadata["thumbnail_lab"] = asdict(record)
    write_text(notebook_path, nbformat.writes(nb))


#: The earlier chapters whose artifacts a chapter reads. It builds what is missing itself, but running it
#: before them would do their work twice (or, run beside them, at the same time); appendices read every chapter.
NEEDS = {
    "01a_encoder": {"01_dataset"},
    "02_gan": {"01_dataset", "01a_encoder"},
    "03_diffusion": {"02_gan", "01a_encoder"},
    "04_popularity": {"01_dataset", "01a_encoder"},
    "05_features": {"01_dataset", "01a_encoder"},
    "06_choosing": {"03_diffusion", "04_popularity", "01a_encoder"},
}


def needs(chapter: str, names: list[str]) -> set[str]:
    """The chapters among ``names`` that must finish before ``chapter`` starts."""
    if chapter.startswith("appendix_"):
        return {n for n in names if not n.startswith("appendix_")}
    return NEEDS.get(chapter, set()) & set(names)


def shared_cpu_overrides(chapter: str, profile: str, overrides: dict[str, Any], jobs: int,
                         book_dir: Path = BOOK_DIR) -> dict[str, Any]:
    """``overrides``, plus ``threads`` = cores / ``jobs``: what ``chapter`` runs with beside another chapter.

    A chapter that declares a ``threads`` parameter (torch's CPU threads) and starts while another
    chapter runs (or with one) gets its share of the cores, so that two chapters at once do not ask for
    more threads than there are cores; one that starts alone keeps its own (it keeps them to the end),
    and a ``threads`` given in the profile or on the command line always wins.
    """
    if jobs == 1 or "threads" in chapter_parameters(chapter, profile, overrides):
        return overrides
    import jupytext

    source = book_dir / f"{chapter}.py"
    if "threads" not in notebook_parameter_defaults(jupytext.read(source, fmt="py:percent"), source):
        return overrides
    return {**overrides, "threads": max(1, (os.cpu_count() or 1) // jobs)}


def _current(chapter: str, profile: str, variants: list[dict[str, Any]], out_dir: Path, book_dir: Path) -> bool:
    """Whether the executed notebook ran this source with one of ``variants`` of the overrides (its own
    threads or its share of the cores: where it ran is not what it computes)."""
    recorded = recorded_stamp(out_dir / f"{chapter}.ipynb")
    return recorded is not None and any(
        recorded == source_stamp(chapter, profile, chapter_parameters(chapter, profile, v), book_dir) for v in variants)


def execute(names: list[str], profile: str, overrides: dict[str, Any], out_dir: Path = BOOK_DIR,
            force: bool = False, book_dir: Path = BOOK_DIR, jobs: int = 1) -> list[str]:
    """Execute ``names``, each in a fresh process, skipping the up-to-date ones; returns the failures.

    ``jobs`` > 1 runs up to that many chapters at once, each as soon as the chapters it ``needs`` have
    finished (their output then goes to ``<out_dir>/<chapter>.log``), one that starts beside another on
    its share of the cores (``shared_cpu_overrides``); a failed chapter's dependants are not run.
    With ``jobs`` = 1 the chapters run in book order and the first failure stops the run.
    """
    todo, failures, running = list(names), [], {}
    while todo or running:
        for chapter in [c for c in todo if needs(c, names) & set(failures)]:
            todo.remove(chapter)
            failures.append(chapter)
            print(f"[execute] {chapter}: not run, because {sorted(needs(chapter, names) & set(failures))} failed",
                  flush=True)
        waiting = set(todo) | set(running)
        launch = []
        for chapter in [c for c in todo if not needs(c, names) & waiting][:max(0, jobs - len(running))]:
            todo.remove(chapter)
            shared = shared_cpu_overrides(chapter, profile, overrides, jobs, book_dir)
            variants = [overrides] if shared == overrides else [overrides, shared]
            if not force and _current(chapter, profile, variants, out_dir, book_dir):
                print(f"[execute] {chapter}: up to date ({profile})", flush=True)
            else:
                launch.append((chapter, shared))
        beside = len(running) + len(launch) > 1
        for chapter, shared in launch:
            running[chapter] = _start(chapter, profile, shared if beside else overrides, out_dir, book_dir,
                                      log=jobs > 1)
        if not running:
            continue  # what was ready was up to date: look again
        chapter = _wait_any(running)
        proc, start, sink = running.pop(chapter)
        if sink:
            sink.close()
        if proc.returncode != 0:
            failures.append(chapter)
            print(f"[execute] {chapter}: FAILED; the executed notebook {out_dir / f'{chapter}.ipynb'} shows the "
                  f"failing cell", flush=True)
            if jobs == 1:
                break  # later chapters read this one's artifacts
        else:
            print(f"[execute] {chapter}: done in {time.perf_counter() - start:.0f} s", flush=True)
    return failures


def _start(chapter: str, profile: str, overrides: dict[str, Any], out_dir: Path, book_dir: Path,
           log: bool) -> tuple[subprocess.Popen, float, Any]:
    """Launch one chapter's child process: (process, start time, log file)."""
    params = chapter_parameters(chapter, profile, overrides)
    stamp = source_stamp(chapter, profile, params, book_dir)
    log_path = out_dir / f"{chapter}.log"
    print(f"[execute] {chapter}: running with profile {profile} {params}" + (f" (output in {log_path})" if log else ""),
          flush=True)
    cmd = [sys.executable, "-m", "thumbnail_lab.publish.execute", "--child", chapter, "--profile", profile,
           "--params-json", json.dumps(params), "--out-dir", str(out_dir), "--book-dir", str(book_dir),
           "--stamp", stamp]
    sink = open(log_path, "w", encoding="utf-8") if log else None  # noqa: SIM115 (closed when it exits)
    proc = subprocess.Popen(cmd, env=kernel_environment(out_dir), cwd=REPO_ROOT, stdout=sink,
                            stderr=subprocess.STDOUT if sink else None)
    return proc, time.perf_counter(), sink


def _wait_any(running: dict[str, tuple[subprocess.Popen, float, Any]]) -> str:
    """Block until one running chapter exits; returns its name."""
    while True:
        for chapter, (proc, _, _) in running.items():
            if proc.poll() is not None:
                return chapter
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: all, in book order)")
    parser.add_argument("--profile", default="default", choices=PROFILE_NAMES)
    parser.add_argument("--params", default="", help='overrides, e.g. "epochs=3 scenario=null"')
    parser.add_argument("--out-dir", type=Path, default=BOOK_DIR, help="where executed notebooks go")
    parser.add_argument("--book-dir", type=Path, default=BOOK_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--force", action="store_true", help="run even if up to date")
    parser.add_argument("--jobs", type=int, default=1, help="chapters run at once, each after the chapters it reads "
                        "(default 1: in book order)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--params-json", help=argparse.SUPPRESS)
    parser.add_argument("--stamp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        execute_one(args.child, args.profile, json.loads(args.params_json), args.out_dir, args.stamp, args.book_dir)
        return 0
    known = chapters(args.book_dir)
    names = [n.removesuffix(".py").removesuffix(".ipynb") for n in args.chapters] or known
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"no chapter named {', '.join(unknown)}; chapters are: {', '.join(known)}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        overrides = parse_overrides(args.params)
    except ValueError as err:
        parser.error(str(err))
    failures = execute(names, args.profile, overrides, args.out_dir, args.force, args.book_dir, max(1, args.jobs))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
