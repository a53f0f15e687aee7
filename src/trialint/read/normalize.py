"""Registry values in words -> API v2 codes, shared by the CSV and XML readers."""

from __future__ import annotations

from .ctgov_csv import _code as code
from .ctgov_csv import norm_date, norm_design, norm_phases, norm_status

__all__ = ["code", "norm_date", "norm_masking", "norm_phases", "norm_status"]


# older legacy-XML wordings
_OLD_MASKING = {"NO_MASKING": "None", "OPEN_LABEL": "None", "DOUBLE_BLIND": "Double", "SINGLE_BLIND": "Single"}


def norm_masking(value: str | None) -> tuple[str | None, str | None]:
    """'Double (Participant, Investigator)' -> ('DOUBLE', 'PARTICIPANT|INVESTIGATOR')."""
    if not value:
        return None, None
    level, paren, rest = value.partition("(")
    level = _OLD_MASKING.get(code(level), level.strip())
    d = norm_design(f"Masking: {level} {paren}{rest}")
    return d.get("masking"), d.get("who_masked")
