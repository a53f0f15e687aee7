"""Shared helpers for rule kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..frames import RecordSet


def _no_validation(params: dict[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class FunctionKind:
    """A kind made of two functions; what most kind modules export in ``KINDS``."""

    name: str
    run_fn: Callable[[RecordSet, dict[str, Any]], pd.DataFrame]
    validate_fn: Callable[[dict[str, Any]], None] = _no_validation

    def validate(self, params: dict[str, Any]) -> None:
        self.validate_fn(params)

    def run(self, rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
        return self.run_fn(rs, params)


def require_keys(
    params: dict[str, Any], allowed: set[str], required: frozenset[str] | set[str] = frozenset()
) -> None:
    unknown = set(params) - allowed
    if unknown:
        raise KeyError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    missing = required - set(params)
    if missing:
        raise KeyError(f"missing parameter(s): {', '.join(sorted(missing))}")
