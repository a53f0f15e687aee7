"""Rule kinds: the code a YAML rule points at with ``kind:``. One module per kind.

A kind is an object with
  - ``name``: the string used in rule files,
  - ``validate(params) -> None``: raise ValueError/TypeError/KeyError on bad params,
  - ``run(rs: RecordSet, params: dict) -> DataFrame`` with columns
    record_id, field, start, end, message (and optionally related_field/_start/_end),
    vectorized over the frames of one chunk of records,
  - ``prefilter(rs, params) -> bool mask over rs.studies rows | None``: the cheap vectorized
    first stage (None: no narrowing); the engine runs ``run`` only on the records it keeps.
A *pair* kind (``pairwise = True``, see outcome_change.PairKind) compares two versions of
records instead: ``run_pair(VersionPairs, params)``; its ``run`` on one version finds nothing.
A *run-level* kind (``run_level = True``) also has ``keys(rs, params)`` (compact rows per chunk)
and ``run_keys(keys, params)`` (findings over the whole run); see ``engine``.
Register a new kind by adding its module to ``_MODULES``.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

import pandas as pd

from ..frames import RecordSet


class Kind(Protocol):
    name: str

    def validate(self, params: dict[str, Any]) -> None: ...

    def run(self, rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame: ...

    def prefilter(self, rs: RecordSet, params: dict[str, Any]) -> Any: ...


_MODULES: tuple[str, ...] = (
    "duplicate_text",
    "randomization_single_arm",
    "cycle_length",
    "endpoint_coverage",
    "design_conflict",
    "schema",
    "field_conditions",
    "outcome_text",
    "design_wording",
    "arms_links",
    "completeness",
    "content_text",
    "term_text",
    "outcome_change",
    "duplicate_registration",
    "repeated_text",
    "intervention_checks",
    "field_shape",
)


def _load() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for mod_name in _MODULES:
        mod = importlib.import_module(f"{__name__}.{mod_name}")
        for kind in getattr(mod, "KINDS", ()):
            kinds[kind.name] = kind
    return kinds


KINDS: dict[str, Kind] = _load()
