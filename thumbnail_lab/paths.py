"""Where the book keeps data and artifacts.

Both roots can be moved with environment variables so that tests, CI and analysts
can point a chapter somewhere else without editing it.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """Folder holding datasets in the `metadata.csv` + `images/` layout (``$THUMBNAIL_LAB_DATA``)."""
    return Path(os.environ.get("THUMBNAIL_LAB_DATA", REPO_ROOT / "data")).resolve()


def artifacts_root() -> Path:
    """Folder holding everything chapters compute (``$THUMBNAIL_LAB_ARTIFACTS``)."""
    return Path(os.environ.get("THUMBNAIL_LAB_ARTIFACTS", REPO_ROOT / "artifacts")).resolve()


def chapter_dir(chapter: str) -> Path:
    """Artifacts folder of one chapter (figures, tables, checkpoints), created on demand."""
    path = artifacts_root() / "chapters" / chapter
    path.mkdir(parents=True, exist_ok=True)
    return path
