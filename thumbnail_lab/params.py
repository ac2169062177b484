"""Checking a chapter's parameters before any work starts.

A chapter calls ``check_params`` in the cell after its ``parameters`` cell. A wrong value
stops the run with one sentence that names the parameter, not with a traceback from deep
inside a training loop.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping


class ParameterError(ValueError):
    """A chapter parameter has a value the chapter cannot use."""

    def _render_traceback_(self) -> list[str]:  # IPython shows only this sentence
        return [f"ParameterError: {self}"]


@dataclass(frozen=True)
class Rule:
    """What one parameter must be: a type, bounds, a set of choices, or a custom check."""

    kind: type | tuple[type, ...] | None = None
    min: float | None = None
    max: float | None = None
    choices: Iterable[Any] | None = None
    check: Callable[[Any], str | None] | None = None  # returns a complaint, or None if fine


def positive_int(max: float | None = None) -> Rule:
    """An integer of at least 1."""
    return Rule(kind=int, min=1, max=max)


def fraction() -> Rule:
    """A number in [0, 1]."""
    return Rule(kind=(int, float), min=0.0, max=1.0)


def existing_path(value: Any) -> str | None:
    """Complain unless ``value`` names an existing file or folder."""
    return None if Path(str(value)).expanduser().exists() else f"the path {value!r} does not exist"


def check_params(values: Mapping[str, Any], rules: Mapping[str, Rule]) -> None:
    """Raise ``ParameterError`` for the first parameter that breaks its rule."""
    for name, rule in rules.items():
        if name not in values:
            raise ParameterError(f"parameter {name!r} is missing")
        complaint = _complaint(values[name], rule)
        if complaint:
            raise ParameterError(f"parameter {name!r}: {complaint}")


def _complaint(value: Any, rule: Rule) -> str | None:
    """Say what is wrong with ``value`` under ``rule``, or None."""
    if rule.kind is not None:
        kinds = rule.kind if isinstance(rule.kind, tuple) else (rule.kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            return f"expected {names}, got {type(value).__name__} {value!r}"
    if rule.min is not None and value < rule.min:
        return f"must be at least {rule.min}, got {value!r}"
    if rule.max is not None and value > rule.max:
        return f"must be at most {rule.max}, got {value!r}"
    if rule.choices is not None:
        choices = list(rule.choices)
        if value not in choices:
            return f"must be one of {', '.join(map(repr, choices))}, got {value!r}"
    if rule.check is not None:
        return rule.check(value)
    return None


def multiple_of(n: int) -> Rule:
    """An integer that ``n`` divides."""
    return Rule(kind=int, min=n, check=lambda v: None if v % n == 0 else f"must be a multiple of {n}, got {v!r}")


def dataset_source(value: Any) -> str | None:
    """Complain unless ``value`` is ``"thumbworld"`` or an existing dataset folder."""
    return None if value == "thumbworld" else existing_path(value)
