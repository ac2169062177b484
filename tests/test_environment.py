"""The environment the README's commands install: conda file, torch and torchvision as a pair."""
from __future__ import annotations

import tomllib

import yaml

from thumbnail_lab.paths import REPO_ROOT
from thumbnail_lab.publish.profiles import (
    CHAPTER_PATTERN,
)

BOOK = REPO_ROOT / "book"
SOURCES = sorted(BOOK.glob(f"{CHAPTER_PATTERN}.py")) + sorted(BOOK.glob("appendix_*.py"))


def test_environment_yml_installs_the_package_instead_of_repeating_its_dependencies():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert pip_section == ["-e .[dev]"]
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "dev" in extras


def test_torchvision_operators_load_and_run():
    import torch
    import torchvision.ops

    boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]])
    keep = torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
