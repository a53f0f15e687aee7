"""Shared helpers for rule kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..frames import RecordSet


def _no_validation(params: dict[str, Any]) -> None:
    return None


Prefilter = Callable[[RecordSet, dict[str, Any]], "np.ndarray | pd.Series | None"]


@dataclass(frozen=True)
class FunctionKind:
    """A kind made of functions; what most kind modules export in ``KINDS``.

    ``prefilter_fn`` (optional) is the cheap first stage of the two-stage contract: vectorized
    over whole columns of the chunk, it returns a boolean mask over ``rs.studies`` rows (True =
    the record may fire) or None (every record may). The engine runs ``run_fn`` only on the
    records it keeps, so a prefilter must never drop a record that the full check would flag
    (tests compare both on the whole corpus).
    """

    name: str
    run_fn: Callable[[RecordSet, dict[str, Any]], pd.DataFrame]
    validate_fn: Callable[[dict[str, Any]], None] = _no_validation
    prefilter_fn: Prefilter | None = None

    def validate(self, params: dict[str, Any]) -> None:
        self.validate_fn(params)

    def run(self, rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
        return self.run_fn(rs, params)

    def prefilter(self, rs: RecordSet, params: dict[str, Any]) -> np.ndarray | pd.Series | None:
        return None if self.prefilter_fn is None else self.prefilter_fn(rs, params)


def require_keys(
    params: dict[str, Any], allowed: set[str], required: frozenset[str] | set[str] = frozenset()
) -> None:
    unknown = set(params) - allowed
    if unknown:
        raise KeyError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    missing = required - set(params)
    if missing:
        raise KeyError(f"missing parameter(s): {', '.join(sorted(missing))}")
