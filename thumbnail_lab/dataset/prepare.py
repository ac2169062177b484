"""``ensure_dataset``: the one call every chapter makes to get a validated, cleaned, split dataset.

It builds what is missing and loads what exists: the raw dataset under
``data_root()/<name>`` (ThumbWorld generates it; a folder source is used as is) and the
prepared artifacts under ``artifacts_root()/datasets/<name>-<hash>/``, where the hash
covers the cleaning and split settings. A manifest, written last, records a fingerprint
of the inputs (the CSV, truth file and every file's size and modification time); when it
matches, loading takes a fraction of a second; when the inputs change, everything is
rebuilt. A file lock keeps two processes from building the same dataset at once.
"""
from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from ..atomic import write_json, write_text
from ..paths import artifacts_root, data_root
from .cache import build_image_cache, cache_path, open_image_cache
from .clean import CleaningParams, clean
from .layout import METADATA_FILE, REJECTIONS_FILE, TRUTH_FILE, TRUTH_PREFIX, DatasetError
from .splits import DEFAULT_FRACTIONS, SPLIT_NAMES, make_splits, save_splits
from .validate import validate_dataset

#: Bump when the preparation changes in a way that invalidates existing artifacts.
PIPELINE_VERSION = 2
MANIFEST_FILE = "manifest.json"

#: Column order of ``PreparedDataset.metadata`` (columns a dataset lacks are skipped).
LEADING_COLUMNS = ("file_name", "video_id", "channel_id", "title", "views", "log_views", "upload_date", "age_days",
                   "duration_s", "channel_subscribers", "collected_at",
                   "split_random", "split_channel", "split_temporal")


@dataclass
class PreparedDataset:
    """A cleaned dataset ready for the chapters: metadata row ``i`` belongs to image ``i``.

    Attributes
    ----------
    name : str
        E.g. ``"thumbworld-default-n4000-s0-v2"`` or a folder's name.
    metadata : DataFrame
        Cleaned rows with ``log_views`` (log10 of views, at least 0), ``age_days`` (days
        from upload to collection), ``split_random``/``split_channel``/``split_temporal``
        ("train"/"val"/"test"), ``true_*`` truth columns when the source has them, and
        ``image_*`` facts (size, format, mode, SHA-256, perceptual hash).
    truth : dict or None
        ``truth.json`` of a simulated dataset; None for real data.
    elements : tuple of str
        Element names with a ``true_<element>`` column (empty for real data).
    data_dir, artifacts_dir : Path
        The raw dataset and its prepared artifacts.
    cleaning_report : DataFrame
        One row per filter: ``filter``, ``removed``, ``remaining``, ``reason``.
    rejections : DataFrame
        Rows the validator refused: ``file``, ``row``, ``line``, ``column``, ``value``, ``reason``.
    removed : DataFrame
        Rows the cleaning removed: ``video_id``, ``filter``, ``detail``.
    notes : DataFrame
        Fixes applied on the fly (e.g. a CMYK image converted to RGB): ``file``, ``row``, ``note``.
    split_reasons : dict
        ``{"random"|"channel"|"temporal": why this split exists and what it contains}``.
    params : dict
        The cleaning and split settings used.
    """

    name: str
    metadata: pd.DataFrame
    truth: dict | None
    elements: tuple[str, ...]
    data_dir: Path
    artifacts_dir: Path
    cleaning_report: pd.DataFrame
    rejections: pd.DataFrame
    removed: pd.DataFrame
    notes: pd.DataFrame
    split_reasons: dict[str, str]
    params: dict[str, Any]
    show_progress: bool = True
    workers: int | None = None
    _images: dict[tuple[int, int], np.memmap] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.metadata)

    def image_paths(self) -> list[Path]:
        """Absolute paths of the image files, in row order."""
        return [self.data_dir / name for name in self.metadata["file_name"]]

    def images(self, width: int = 64, height: int = 36) -> np.memmap:
        """All thumbnails as a read-only uint8 array (N, height, width, 3), cached on disk.

        The first call at a size decodes every JPEG once (with a progress bar) into
        ``images_<width>x<height>.npy`` under ``artifacts_dir``; later calls, in this or any
        process, memory-map that file.
        """
        key = (int(width), int(height))
        if key in self._images:
            return self._images[key]
        path = cache_path(self.artifacts_dir, *key)
        array = open_image_cache(path, len(self), *key)
        if array is None:
            with _lock(self.artifacts_dir.name):
                array = open_image_cache(path, len(self), *key)
                if array is None:
                    build_image_cache(self.image_paths(), path, *key, workers=self.workers,
                                      show_progress=self.show_progress)
                    array = open_image_cache(path, len(self), *key)
        if array is None:
            raise DatasetError(f"{path}: the image cache could not be built")
        self._images[key] = array
        return array

    def split(self, kind: str = "random") -> dict[str, np.ndarray]:
        """Row positions of train / val / test for split ``kind`` ("random", "channel", "temporal")."""
        if kind not in SPLIT_NAMES:
            raise ValueError(f"unknown split {kind!r}; choose one of {', '.join(SPLIT_NAMES)}")
        labels = self.metadata[f"split_{kind}"].to_numpy()
        return {lab: np.flatnonzero(labels == lab) for lab in ("train", "val", "test")}


def thumbworld_name(scenario: str, n_videos: int, seed: int) -> str:
    """The folder name of a ThumbWorld dataset, e.g. ``thumbworld-default-n4000-s0-v2``.

    It ends with the generator's version, so data drawn by an older generator is not reused.
    """
    from ..thumbworld import GENERATOR_VERSION

    return f"thumbworld-{scenario}-n{n_videos}-s{seed}-v{GENERATOR_VERSION}"


def ensure_dataset(source: str | os.PathLike = "thumbworld", scenario: str = "default", n_videos: int = 4000,
                   seed: int = 0, *, min_views: int = 500, drop_shorts: bool = True, shorts_max_s: float = 60.0,
                   min_channel_videos: int = 3, drop_exact_duplicates: bool = True,
                   drop_near_duplicates: bool = True, phash_threshold: int = 4, colour_tolerance: float = 12.0,
                   split_fractions: tuple[float, float, float] = DEFAULT_FRACTIONS, split_seed: int | None = None,
                   workers: int | None = None, show_progress: bool = True, rebuild: bool = False) -> PreparedDataset:
    """Build the dataset if needed, else load it; validated, cleaned, split, with an image cache.

    Parameters
    ----------
    source : str or path
        ``"thumbworld"`` to simulate (into ``data_root()/thumbworld-<scenario>-n<n_videos>-s<seed>``),
        or the path of a folder in the layout (``metadata.csv`` + images), e.g. from ``import``
        or ``collect``.
    scenario, n_videos, seed : str, int, int
        ThumbWorld's world, size and seed (``scenario`` and ``n_videos`` are ignored for a
        folder; ``seed`` also seeds the splits unless ``split_seed`` is given).
    min_views, drop_shorts, shorts_max_s, min_channel_videos : int, bool, float, int
        Cleaning filters, see ``CleaningParams``.
    drop_exact_duplicates, drop_near_duplicates, phash_threshold, colour_tolerance : bool, bool, int, float
        Duplicate filters, see ``CleaningParams``.
    split_fractions : (float, float, float)
        Shares of train, val and test.
    split_seed : int, optional
        Seed of the random and channel splits (default: ``seed``).
    workers : int, optional
        Threads for image checks and caching (and ThumbWorld's generation).
    show_progress : bool
        Print progress bars and a one-line summary.
    rebuild : bool
        Rebuild the artifacts even when they are up to date.

    Returns
    -------
    PreparedDataset

    Raises
    ------
    DatasetError
        The source is neither ``"thumbworld"`` nor a dataset folder, or the data is unusable.
    """
    params = CleaningParams(min_views=min_views, drop_shorts=drop_shorts, shorts_max_s=shorts_max_s,
                            min_channel_videos=min_channel_videos, drop_exact_duplicates=drop_exact_duplicates,
                            drop_near_duplicates=drop_near_duplicates, phash_threshold=phash_threshold,
                            colour_tolerance=colour_tolerance)
    split_seed = seed if split_seed is None else split_seed
    name, data_dir, is_simulated = _resolve_source(source, scenario, n_videos, seed)
    settings = {"cleaning": params.as_dict(), "split_fractions": list(split_fractions), "split_seed": split_seed,
                "pipeline_version": PIPELINE_VERSION}
    key_material = dict(settings, data_dir=None if is_simulated else str(data_dir))
    digest = hashlib.sha256(json.dumps(key_material, sort_keys=True).encode()).hexdigest()[:10]
    artifacts_dir = artifacts_root() / "datasets" / f"{name}-{digest}"
    if is_simulated and not _complete(data_dir):
        with _lock(name):  # one generator per ThumbWorld folder, whatever the cleaning settings
            if not _complete(data_dir):
                _generate(data_dir, scenario, n_videos, seed, workers, show_progress)
    with _lock(artifacts_dir.name):
        fingerprint = input_fingerprint(data_dir)
        loaded = None if rebuild else _load(artifacts_dir, fingerprint)
        if loaded is None:
            _build(data_dir, artifacts_dir, fingerprint, params, settings, split_seed, tuple(split_fractions),
                   workers, show_progress)
            loaded = _load(artifacts_dir, fingerprint)
        if loaded is None:
            raise DatasetError(f"{artifacts_dir}: the prepared dataset could not be read back after building it")
    metadata, report, rejections, removed, notes, reasons = loaded
    truth = _read_truth(data_dir)
    return PreparedDataset(name=name, metadata=metadata, truth=truth, elements=_elements(metadata, truth),
                           data_dir=data_dir, artifacts_dir=artifacts_dir, cleaning_report=report,
                           rejections=rejections, removed=removed, notes=notes, split_reasons=reasons,
                           params=settings, show_progress=show_progress, workers=workers)


def _resolve_source(source, scenario: str, n_videos: int, seed: int) -> tuple[str, Path, bool]:
    """(name, data folder, simulated?) for a source, or a clear DatasetError."""
    if isinstance(source, str) and source == "thumbworld":
        if isinstance(n_videos, bool) or not isinstance(n_videos, (int, np.integer)) or n_videos < 1:
            raise DatasetError(f"n_videos must be a positive integer, got {n_videos!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise DatasetError(f"seed must be a non-negative integer, got {seed!r}")
        scenarios = _scenarios()
        if scenarios and scenario not in scenarios:
            raise DatasetError(f"unknown ThumbWorld scenario {scenario!r}; choose one of {', '.join(scenarios)}")
        name = thumbworld_name(scenario, int(n_videos), int(seed))
        return name, data_root() / name, True
    if not isinstance(source, (str, os.PathLike)):
        raise DatasetError(f"source must be 'thumbworld' or a dataset folder path, got {source!r}")
    folder = Path(source).expanduser()
    if not folder.is_absolute() and not folder.exists() and (data_root() / folder).exists():
        folder = data_root() / folder  # a bare dataset name under data/
    if not folder.is_dir():
        raise DatasetError(f"source {str(source)!r} is neither 'thumbworld' nor an existing dataset folder")
    if not (folder / METADATA_FILE).is_file():
        raise DatasetError(f"source folder {str(folder)!r} has no {METADATA_FILE}; bring your data into the layout "
                           f"with `python -m thumbnail_lab import`")
    folder = folder.resolve()
    return folder.name, folder, False


def _scenarios() -> tuple[str, ...]:
    """ThumbWorld's scenarios, or () if the simulator is not importable."""
    try:
        from ..thumbworld import SCENARIOS
    except ImportError:
        return ()
    return tuple(SCENARIOS)


def _complete(data_dir: Path) -> bool:
    """True when a ThumbWorld folder has finished generating (CSV and truth written last)."""
    return (data_dir / METADATA_FILE).is_file() and (data_dir / TRUTH_FILE).is_file()


def _generate(data_dir: Path, scenario: str, n_videos: int, seed: int, workers: int | None,
              show_progress: bool) -> None:
    """Run the ThumbWorld simulator into ``data_dir`` (it resumes an interrupted run itself)."""
    from ..thumbworld import generate_thumbworld

    generate_thumbworld(data_dir, n_videos, scenario=scenario, seed=seed, workers=workers,
                        show_progress=show_progress)
    if not (data_dir / METADATA_FILE).is_file():
        raise DatasetError(f"{data_dir}: ThumbWorld finished without writing {METADATA_FILE}")


def input_fingerprint(data_dir: Path) -> str:
    """Hash of the CSV and truth bytes plus every other file's name, size and modification time."""
    digest = hashlib.sha256()
    for special in (METADATA_FILE, TRUTH_FILE):
        path = data_dir / special
        digest.update(special.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<missing>") + b"\0")
    entries = []
    for root, dirs, files in os.walk(data_dir):
        dirs.sort()
        for name in files:
            path = Path(root) / name
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            entries.append(f"{path.relative_to(data_dir).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}")
    digest.update("\n".join(sorted(entries)).encode())
    return digest.hexdigest()


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    """An exclusive inter-process lock named ``name`` (held while building)."""
    folder = artifacts_root() / "datasets" / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _build(data_dir: Path, artifacts_dir: Path, fingerprint: str, params: CleaningParams, settings: dict,
           split_seed: int, fractions: tuple[float, float, float], workers: int | None, show_progress: bool) -> None:
    """Validate, clean, split and save; the manifest is written last, as the commit mark."""
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    (artifacts_dir / MANIFEST_FILE).unlink(missing_ok=True)
    for stale in artifacts_dir.glob("images_*x*.npy"):  # arrays of the old inputs
        stale.unlink()
    validation = validate_dataset(data_dir, extra_columns="keep", workers=workers, show_progress=show_progress)
    result = clean(validation.metadata, params)
    if result.kept.empty:
        raise DatasetError(f"{data_dir}: cleaning removed every row ({result.report.to_dict('records')}); "
                           f"relax the filters (e.g. min_views, min_channel_videos)")
    metadata = _finish_columns(result.kept, newest_upload=validation.metadata["upload_date"].max())
    splits, reasons = make_splits(metadata, split_seed, fractions)
    metadata = _order_columns(pd.concat([metadata, splits], axis=1))
    n_input = len(validation.metadata) + len(validation.rejections)
    validation_row = pd.DataFrame([{
        "filter": "validation", "removed": len(validation.rejections), "remaining": len(validation.metadata),
        "reason": f"rows refused by the validator out of {n_input:,} (bad or blank values, duplicate ids, unsafe "
                  f"paths, unreadable images): each is listed with file, row and reason in {REJECTIONS_FILE}"}])
    report = pd.concat([validation_row, result.report], ignore_index=True)

    metadata.to_pickle(artifacts_dir / "metadata.pkl.tmp")
    os.replace(artifacts_dir / "metadata.pkl.tmp", artifacts_dir / "metadata.pkl")
    # A readable copy for people; quoting every text field keeps titles with line breaks intact.
    write_text(artifacts_dir / "metadata.csv", metadata.to_csv(index=False, lineterminator="\n",
                                                               quoting=csv.QUOTE_NONNUMERIC))
    write_text(artifacts_dir / "cleaning_report.csv", report.to_csv(index=False, lineterminator="\n"))
    write_text(artifacts_dir / REJECTIONS_FILE, validation.rejections.to_csv(index=False, lineterminator="\n"))
    write_text(artifacts_dir / "removed.csv", result.removed.to_csv(index=False, lineterminator="\n"))
    write_text(artifacts_dir / "notes.csv", validation.notes.to_csv(index=False, lineterminator="\n"))
    save_splits(artifacts_dir / "splits", metadata["video_id"], splits, reasons)
    write_json(artifacts_dir / MANIFEST_FILE, {"fingerprint": fingerprint, "settings": settings,
                                               "data_dir": str(data_dir), "rows": len(metadata),
                                               "pandas": pd.__version__})
    if show_progress:
        print(f"{data_dir.name}: {n_input:,} rows read, {len(validation.rejections):,} rejected, "
              f"{len(validation.metadata) - len(metadata):,} removed by cleaning, {len(metadata):,} kept")


def _load(artifacts_dir: Path, fingerprint: str):
    """The saved tables if the manifest matches ``fingerprint``, else None."""
    try:
        manifest = json.loads((artifacts_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != fingerprint or manifest.get("pandas") != pd.__version__:
            return None
        metadata = pd.read_pickle(artifacts_dir / "metadata.pkl")
        if len(metadata) != manifest.get("rows"):
            return None
        tables = [pd.read_csv(artifacts_dir / name, keep_default_na=False, na_values=[""])
                  for name in ("cleaning_report.csv", REJECTIONS_FILE, "removed.csv", "notes.csv")]
        reasons = json.loads((artifacts_dir / "splits" / "reasons.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, EOFError, KeyError, ImportError, AttributeError):
        return None
    return (metadata, *tables, reasons)


def _finish_columns(frame: pd.DataFrame, newest_upload: pd.Timestamp) -> pd.DataFrame:
    """Add ``log_views`` and ``age_days``; turn 0/1 truth columns into integers; drop bookkeeping.

    Age is counted to ``collected_at`` when the row has it, else to the newest upload in
    the validated data (the best guess at when a collection without dates was made).
    """
    frame = frame.copy()
    frame["log_views"] = np.log10(np.maximum(frame["views"].to_numpy(dtype=np.float64), 1.0))
    reference = frame["collected_at"].fillna(newest_upload) if "collected_at" in frame.columns else newest_upload
    frame["age_days"] = ((reference - frame["upload_date"]).dt.total_seconds() / 86400.0).clip(lower=0.0)
    for name in frame.columns:
        if name.startswith(TRUTH_PREFIX):
            values = frame[name].to_numpy(dtype=np.float64)
            if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
                frame[name] = values.astype(np.int64)
    return frame.rename(columns={"_row": "csv_row"}).drop(columns=["_line"], errors="ignore")


def _order_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract columns first, then truth columns, then the rest, then image facts."""
    lead = [c for c in LEADING_COLUMNS if c in frame.columns]
    truth = [c for c in frame.columns if c.startswith(TRUTH_PREFIX)]
    image = [c for c in frame.columns if c.startswith("image_")]
    rest = [c for c in frame.columns if c not in lead and c not in truth and c not in image]
    return frame[lead + truth + rest + image].reset_index(drop=True)


def _read_truth(data_dir: Path) -> dict | None:
    """``truth.json`` of a simulated dataset, or None."""
    path = data_dir / TRUTH_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DatasetError(f"{path}: cannot be read as JSON ({err})") from None


def _elements(metadata: pd.DataFrame, truth: dict | None) -> tuple[str, ...]:
    """Element names with a truth column: ThumbWorld's in the simulator's order, then any other element
    the dataset's ``truth.json`` plants an effect for (another renderer's, e.g. PosterWorld's)."""
    from ..thumbworld import ELEMENTS

    planted = tuple((truth or {}).get("element_effects", {}))
    candidates = ELEMENTS + tuple(e for e in planted if e not in ELEMENTS)
    return tuple(e for e in candidates if f"{TRUTH_PREFIX}{e}" in metadata.columns)
