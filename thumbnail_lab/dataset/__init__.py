"""Datasets in the ``metadata.csv`` + ``images/`` layout: validate, import, collect, clean, split, cache.

The chapters need one call::

    from thumbnail_lab.dataset import ensure_dataset
    ds = ensure_dataset(source="thumbworld", scenario="default", n_videos=4000, seed=0)
"""
from .clean import CleaningParams, clean
from .layout import IMAGES_DIR, METADATA_FILE, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, DatasetError, read_csv_rows
from .prepare import PreparedDataset, ensure_dataset, thumbworld_name
from .validate import ValidationResult, validate_dataset

__all__ = ["ensure_dataset", "PreparedDataset", "thumbworld_name", "DatasetError", "validate_dataset",
           "ValidationResult", "read_csv_rows", "clean", "CleaningParams", "REQUIRED_COLUMNS",
           "OPTIONAL_COLUMNS", "METADATA_FILE", "IMAGES_DIR", "import_dataset", "collect"]


def __getattr__(name: str):
    """Import the importer and the collector lazily (the collector pulls in yt-dlp)."""
    if name == "import_dataset":
        from .importer import import_dataset
        return import_dataset
    if name == "collect":
        from .collect import collect
        return collect
    raise AttributeError(name)
