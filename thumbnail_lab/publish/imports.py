"""Which package modules a chapter uses: its ``thumbnail_lab`` imports, followed transitively.

The runner hashes these files (and no others) into a chapter's stamp, so editing a module that
a chapter never imports does not re-execute it. Imports are read from the source with ``ast``
(nothing is imported), including imports inside functions, which the package uses to stay cheap.
"""
from __future__ import annotations

import ast
from pathlib import Path

from ..paths import REPO_ROOT

PACKAGE = "thumbnail_lab"
PACKAGE_DIR = REPO_ROOT / PACKAGE


def module_file(name: str, package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The file of module ``thumbnail_lab.a.b`` (``a/b.py`` or ``a/b/__init__.py``), or None."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path, package_dir: Path) -> str:
    """``thumbnail_lab.a.b`` for ``a/b.py`` (or ``a/b/__init__.py``)."""
    rel = path.relative_to(package_dir).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.AST, current: str | None = None, is_package: bool = False) -> set[str]:
    """Absolute names of every module (or ``module.attribute``) an AST imports anywhere in it."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and current:
                anchor = current.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(filter(None, [*anchor, base]))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _files_for(name: str, package_dir: Path) -> list[Path]:
    """The module files that importing ``name`` runs: each enclosing package's ``__init__`` and the module."""
    parts = name.split(".")
    return [f for i in range(1, len(parts) + 1) if (f := module_file(".".join(parts[:i]), package_dir))]


def package_modules_used(source: Path, package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Sorted package files that ``source`` (a chapter's py:percent file) imports, transitively."""
    seen: set[Path] = set()
    todo = [f for n in imported_names(ast.parse(source.read_text(encoding="utf-8"))) for f in _files_for(n, package_dir)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imported_names(tree, _module_name(path, package_dir), path.name == "__init__.py")
        todo.extend(f for n in names for f in _files_for(n, package_dir) if f not in seen)
    return sorted(seen)
