"""Parameter profiles (``book/profiles.yml``) and command-line overrides."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..paths import REPO_ROOT

PROFILES_FILE = REPO_ROOT / "book" / "profiles.yml"
PROFILE_NAMES = ("smoke", "default", "full")
#: File-name pattern of numbered chapters and the pages between them (``01_dataset``, ``01a_encoder``).
CHAPTER_PATTERN = "[0-9][0-9]*_*"


def load_profiles(path: Path = PROFILES_FILE) -> dict[str, dict[str, dict[str, Any]]]:
    """Read the profiles file: ``{chapter: {profile: {parameter: value}}}``."""
    with open(path, encoding="utf-8") as fh:
        profiles = yaml.safe_load(fh) or {}
    for chapter, block in profiles.items():
        unknown = set(block or {}) - set(PROFILE_NAMES)
        if unknown:
            raise ValueError(f"{path}: chapter {chapter!r} has unknown profiles {sorted(unknown)}; "
                             f"expected {', '.join(PROFILE_NAMES)}")
    return profiles


def chapter_parameters(chapter: str, profile: str, overrides: dict[str, Any] | None = None,
                       path: Path = PROFILES_FILE) -> dict[str, Any]:
    """Parameters papermill injects into ``chapter``: its profile's values, then ``overrides``."""
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    block = load_profiles(path).get(chapter) or {}
    params = dict(block.get(profile) or {})
    params.update(overrides or {})
    return params


def parse_overrides(text: str | list[str] | None) -> dict[str, Any]:
    """Parse ``"epochs=3 scenario=null"`` (or a list of ``k=v``) into typed values via YAML."""
    if not text:
        return {}
    items = text.split() if isinstance(text, str) else list(text)
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"cannot read parameter override {item!r}; write it as name=value")
        overrides[key] = _typed(value)
    return overrides


def _typed(text: str) -> Any:
    """Numbers, lists and true/false as YAML reads them; anything else stays a string.

    YAML would read ``null`` (a ThumbWorld scenario) as None and ``no`` as False, so only the
    literal words true/false become booleans and nothing becomes None.
    """
    value = yaml.safe_load(text) if text else ""
    if value is None or (isinstance(value, bool) and text.lower() not in ("true", "false")):
        return text
    return value
