"""Run every benchmark in ``bench/`` and write ``bench/results/results.json``.

``python -m bench.run_all [--tiny] [--only NAME ...]``

Each benchmark runs in its own process, so that one benchmark's memory peak or thread
settings cannot leak into the next. A benchmark prints its own table; this script collects
what each ``run()`` returned, with the machine it ran on, into one file that the book's
performance appendix reads.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from thumbnail_lab.machine import describe

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "results.json"


def benchmark_names() -> list[str]:
    """Module names of the benchmarks, e.g. ``bench_null``."""
    return sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))


def run_one(name: str, tiny: bool) -> dict:
    """Run ``bench/<name>.py`` in a child process and return what its ``run`` returned."""
    code = (f"import json, sys; from bench.{name} import run; "
            f"result = run(tiny={tiny}); sys.stdout.write('\\n@@RESULT@@' + json.dumps(result))")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=BENCH_DIR.parent, capture_output=True, text=True,
                          env=dict(os.environ, THUMBNAIL_LAB_BLOCK_NETWORK="1"))
    seconds = time.perf_counter() - start
    head, _, payload = done.stdout.rpartition("@@RESULT@@")
    print(head.rstrip(), flush=True)
    if done.returncode != 0 or not payload:
        print(done.stderr[-3000:], file=sys.stderr)
        error = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"name": name, "module": name, "error": error, "wall_seconds": seconds}
    result = json.loads(payload)
    result["module"] = name
    result["wall_seconds"] = round(seconds, 2)
    summarise(result)
    return result


def summarise(result: dict) -> None:
    """Print one benchmark's rows and ratios as tables."""
    import pandas as pd

    print(result.get("description", ""))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(pd.DataFrame(result.get("rows") or []).to_string(index=False))
    for key, value in (result.get("ratios") or {}).items():
        print(f"  ratio {key}: {value:.3g}")
    for note in result.get("notes") or []:
        print(f"  note: {note}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the results file; exit 1 if any benchmark failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes (seconds), as the tests use")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names to run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = args.only or benchmark_names()
    results = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        results.append(run_one(name, args.tiny))
    from thumbnail_lab.atomic import write_json

    write_json(args.out, {"machine": describe(), "tiny": args.tiny, "benchmarks": results})
    failed = [r["name"] for r in results if "error" in r]
    print(f"\nwrote {args.out}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
