"""Command line: ``python -m thumbnail_lab {thumbworld,import,collect,validate,rank,embed,scale} ...``.

Each command fills (or checks) a dataset folder in the ``metadata.csv`` + ``images/`` layout;
``data/README.md`` documents them. Every failure ends in one sentence on standard error that
names the file (and the row) and says what to do, without a traceback unless ``--debug``:

* exit status 2: bad input (an unreadable CSV, a destination that exists or is not a dataset...);
* exit status 1: a system failure (disk full, permission denied, read-only file system), or,
  for ``import --strict`` and ``validate``, rows that were refused;
* exit status 130: interrupted (Ctrl-C), with a message that says whether a re-run resumes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence


def _thumbworld(args: argparse.Namespace) -> int:
    from .dataset.layout import DatasetError
    from .dataset.prepare import thumbworld_name
    from .paths import data_root
    from .thumbworld import generate_thumbworld

    out = Path(args.out) if args.out else data_root() / thumbworld_name(args.scenario, args.n_videos, args.seed)
    try:
        generate_thumbworld(out, args.n_videos, scenario=args.scenario, seed=args.seed, workers=args.workers,
                            show_progress=not args.quiet)
    except ValueError as err:  # the simulator's refusals (another world in that folder, bad sizes) are bad input
        raise DatasetError(str(err)) from None
    print(f"ThumbWorld ({args.scenario}, {args.n_videos:,} videos, seed {args.seed}) written to {out}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from .dataset.importer import import_dataset

    result = import_dataset(args.source, args.dest, csv_path=args.csv, name=args.name,
                            extra_columns=args.extra_columns, overwrite=args.overwrite, show_progress=not args.quiet)
    print(result.summary())
    _print_rejections(result.rejections)
    return 1 if args.strict and len(result.rejections) else 0


def _collect(args: argparse.Namespace) -> int:
    from .dataset.collect import DEFAULT_THUMBNAIL_BASE, RetryPolicy, collect
    from .paths import data_root

    out = Path(args.out) if args.out else data_root() / args.name
    retry = RetryPolicy(retries=args.retries, timeout_s=args.timeout)
    report = collect(out, queries=args.query, channels=args.channel, ids_csv=args.ids_csv, video_ids=args.video_id,
                     max_per_query=args.max_per_query, max_per_channel=args.max_per_channel, workers=args.workers,
                     retry=retry, collected_at=args.collected_at,
                     thumbnail_base=args.thumbnail_base or DEFAULT_THUMBNAIL_BASE, show_progress=not args.quiet)
    print(report.summary())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .dataset.validate import validate_dataset

    result = validate_dataset(args.folder, extra_columns=args.extra_columns, show_progress=not args.quiet,
                              cluster=args.workers, scheduler=args.scheduler)
    print(result.summary())
    _print_rejections(result.rejections)
    for note in result.notes.itertuples():
        print(f"  note: {note.file} (row {note.row}): {note.note}")
    return 1 if len(result.rejections) else 0


def _rank(args: argparse.Namespace) -> int:
    from .choosing.cli import RankError, caveat, rank_folder
    from .paths import chapter_dir

    model = Path(args.model) if args.model else chapter_dir("06_choosing") / "ranker.pt"
    try:
        table, calibration = rank_folder(Path(args.folder), model)
    except RankError as err:  # bad input: one sentence naming the file, exit status 2
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.title:
        print(f"title: {args.title} (the same for every candidate, so it does not change the order)")
    print("predicted log10 views relative to the folder's mean, 95 % interval:")
    for row in table.itertuples():
        print(f"  {row.image}: {row.relative_log10_views:+.3f} [{row.low:+.3f}, {row.high:+.3f}]")
    print(caveat(calibration))
    return 0


def _embed(args: argparse.Namespace) -> int:
    from .cluster import where
    from .dataset.layout import DatasetError
    from .encoder.cache import book_settings
    from .encoder.shards import embed_folder

    if not (Path(args.folder) / "metadata.csv").is_file():
        raise DatasetError(f"{args.folder}: no metadata.csv there; point embed at a dataset folder (import one first)")
    settings = book_settings(args.encoder_corpus_size, args.encoder_steps, args.encoder_batch_size, args.encoder_width)
    out = embed_folder(args.folder, args.out, settings, shard_size=args.shard_size, workers=args.workers,
                       scheduler=args.scheduler, show_progress=not args.quiet)
    print(f"embedded {args.folder} on {where(args.workers, args.scheduler)} into {out} "
          f"(shard sizes and encoder in {out.with_suffix('.json')})")
    return 0


def _scale(args: argparse.Namespace) -> int:
    from .dataset.layout import DatasetError
    from .features.scale import ScaleSettings, run_scale

    if any(n < 64 for n in args.sizes):
        raise DatasetError(f"--sizes {' '.join(map(str, args.sizes))}: every size must be at least 64 thumbnails")
    encoder = {"corpus_size": args.encoder_corpus_size, "steps": args.encoder_steps,
               "batch_size": args.encoder_batch_size, "width": args.encoder_width}
    settings = ScaleSettings(sizes=tuple(args.sizes), seed=args.seed, workers=args.workers,
                             scheduler=args.scheduler, encoder=encoder,
                             sae_epochs=args.sae_epochs, n_sim=args.n_sim, n_perm=args.n_perm, n_boot=args.n_boot)
    path = run_scale(settings, Path(args.out) if args.out else None, show_progress=not args.quiet)
    print(f"the feature study at {', '.join(f'{n:,}' for n in sorted(args.sizes))} thumbnails: stages in {path}")
    return 0


def _encoder_options(parser: argparse.ArgumentParser) -> None:
    for name, default in (("corpus-size", 20_000), ("steps", 700), ("batch-size", 128), ("width", 32)):
        parser.add_argument(f"--encoder-{name}", type=int, default=default,
                            help=f"the book's encoder: chapter 01a's {name.replace('-', ' ')} (default {default})")


def _print_rejections(table, limit: int = 20) -> None:
    """The first rejections, one line each."""
    for item in table.head(limit).itertuples():
        print(f"  rejected: {item.file} row {item.row}: {item.reason}")
    if len(table) > limit:
        print(f"  ... and {len(table) - limit:,} more (see rejections.csv)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m thumbnail_lab",
                                     description="Fill or check a thumbnail dataset (metadata.csv + images/).")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True)

    tw = commands.add_parser("thumbworld", parents=[common], help="simulate a ThumbWorld dataset with known truth")
    tw.add_argument("--scenario", default="default", help="default | null | single_channel")
    tw.add_argument("--n-videos", type=int, default=4000)
    tw.add_argument("--seed", type=int, default=0)
    tw.add_argument("--out", help="folder to write (default: data/thumbworld-<scenario>-n<N>-s<seed>)")
    tw.add_argument("--workers", type=int, default=None)
    tw.add_argument("--quiet", action="store_true")
    tw.set_defaults(run=_thumbworld)

    imp = commands.add_parser("import", parents=[common], help="validate a folder of images + a CSV into a new dataset")
    imp.add_argument("source", help="folder holding the images (and by default the CSV)")
    imp.add_argument("--csv", help="metadata CSV (default: SOURCE/metadata.csv or the only CSV in SOURCE)")
    imp.add_argument("--name", help="dataset name under data/ (default: the source folder's name)")
    imp.add_argument("--dest", help="exact destination folder (overrides --name)")
    imp.add_argument("--extra-columns", choices=["error", "keep", "drop"], default="error",
                     help="columns outside the layout: refuse (default), carry over, or leave out")
    imp.add_argument("--overwrite", action="store_true",
                     help="replace an existing dataset at the destination (only a folder that is a dataset, "
                          "after the new one is complete)")
    imp.add_argument("--strict", action="store_true", help="exit with status 1 if any row was rejected")
    imp.add_argument("--quiet", action="store_true")
    imp.set_defaults(run=_import)

    col = commands.add_parser("collect", parents=[common],
                              help="collect thumbnails and metadata from YouTube (yt-dlp + i.ytimg.com)")
    col.add_argument("--name", default="collected", help="dataset name under data/ (default: collected)")
    col.add_argument("--out", help="exact destination folder (overrides --name); re-use it to resume, or point it "
                                   "at an existing dataset to add videos to it (earlier rows are kept)")
    col.add_argument("--query", action="append", default=[], help="a YouTube search (repeatable)")
    col.add_argument("--channel", action="append", default=[], help="a channel URL on youtube.com (repeatable)")
    col.add_argument("--ids-csv", help="CSV with a video_id column, e.g. a YouTube-8M sample")
    col.add_argument("--video-id", action="append", default=[], help="a video id (repeatable)")
    col.add_argument("--max-per-query", type=int, default=50)
    col.add_argument("--max-per-channel", type=int, default=500)
    col.add_argument("--workers", type=int, default=8)
    col.add_argument("--retries", type=int, default=5)
    col.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    col.add_argument("--collected-at", help="collection date written in every row (default: today, UTC)")
    col.add_argument("--thumbnail-base", help=argparse.SUPPRESS)  # tests point it at a local server
    col.add_argument("--quiet", action="store_true")
    col.set_defaults(run=_collect)

    val = commands.add_parser("validate", parents=[common], help="check a dataset folder without changing it")
    val.add_argument("folder")
    val.add_argument("--extra-columns", choices=["error", "keep", "drop"], default="keep")
    val.add_argument("--workers", type=int, default=0, help="check the images on a local Dask cluster of N workers")
    val.add_argument("--scheduler", help="or on a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (its workers must "
                                         "see the folder)")
    val.add_argument("--quiet", action="store_true")
    val.set_defaults(run=_validate)

    rank = commands.add_parser("rank", parents=[common], help="rank a folder of candidate thumbnails (chapter 06's model)")
    rank.add_argument("folder", help="folder of candidate images for one video")
    rank.add_argument("--title", default="", help="the video's title (shown; it is common to all candidates)")
    rank.add_argument("--model", help="ranker file (default: artifacts/chapters/06_choosing/ranker.pt)")
    rank.set_defaults(run=_rank)
    emb = commands.add_parser("embed", parents=[common],
                              help="embed a dataset folder with the pretrained encoder, here or on a Dask cluster")
    emb.add_argument("folder", help="dataset folder (metadata.csv + images/)")
    emb.add_argument("--out", required=True, help="the .npy file to write (one float32 row per metadata.csv row)")
    emb.add_argument("--workers", type=int, default=0, help="start a local Dask cluster of N worker processes")
    emb.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    emb.add_argument("--shard-size", type=int, default=1024, help="thumbnails per task (default 1024)")
    _encoder_options(emb)
    emb.add_argument("--quiet", action="store_true")
    emb.set_defaults(run=_embed)

    from .features.scale import SIZES, ScaleSettings

    sc = commands.add_parser("scale", parents=[common],
                             help="chapter 05's feature study at the published scale, stage by stage (resumable)")
    sc.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="thumbnails per run (default: 1,024, "
                    "4,096, 16,384, 65,536 and 524,288; the small ones give the slopes)")
    sc.add_argument("--out", help="working folder (default: artifacts/scale); run again to resume")
    sc.add_argument("--seed", type=int, default=0)
    sc.add_argument("--workers", type=int, default=2, help="a local Dask cluster of N worker processes draws, embeds "
                    "and encodes the blocks (default 2; 0: this process alone)")
    sc.add_argument("--scheduler", help="address of a running Dask scheduler instead, e.g. tcp://10.0.0.5:8786 "
                    "(its workers must see this disk)")
    for name in ("sae_epochs", "n_sim", "n_perm", "n_boot"):
        sc.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(ScaleSettings, name))
    _encoder_options(sc)
    sc.add_argument("--quiet", action="store_true")
    sc.set_defaults(run=_scale)
    return parser


#: What an interrupted command leaves behind, and whether running it again resumes.
INTERRUPTED = {
    "import": "interrupted; nothing was written to the destination (the partial copy was removed); run the "
              "same command again to import from the start (an import does not resume)",
    "collect": "interrupted; every finished video is kept in collect_journal.jsonl; run the same command again "
               "to resume",
    "validate": "interrupted; nothing was changed (validate only reads); run it again to check the folder",
    "thumbworld": "interrupted; the thumbnails written so far are kept; run the same command again to resume",
    "rank": "interrupted; nothing was written (rank only reads); run it again",
    "embed": "interrupted; no embeddings file was written (it is written whole at the end); run it again",
    "scale": "interrupted; every finished stage and block is kept; run the same command again to resume",
}


def describe_failure(err: BaseException) -> tuple[int, str]:
    """(exit status, one-sentence message) for an exception that ended a command."""
    from .dataset.collect import CollectError
    from .dataset.layout import DatasetError, DatasetSystemError, system_error

    if isinstance(err, (DatasetError, CollectError)):
        return 2, str(err)
    if isinstance(err, DatasetSystemError):
        return 1, str(err)
    if isinstance(err, OSError):
        return 1, str(system_error(err, "a file", "fix that and run the same command again"))
    if isinstance(err, MemoryError):
        return 1, "out of memory; close other programs or use a smaller dataset, then run the command again"
    return 1, (f"internal error ({type(err).__name__}: {str(err)[:300]}); run the command again with --debug to "
               f"see where it happened, and report it")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(INTERRUPTED.get(args.command, "interrupted"), file=sys.stderr)
        return 130
    except Exception as err:
        if args.debug:
            raise
        status, message = describe_failure(err)
        print(f"error: {message}", file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())
