"""Where the data that ships with trialint lives: the rule catalog and the frame schemas."""

from __future__ import annotations

from pathlib import Path


def _data_dir(name: str) -> Path:
    """``name``/ inside the installed wheel, or the repository's ``name``/ in a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / name
    if packaged.is_dir():
        return packaged
    return here.parents[1] / name


def builtin_checks_dir() -> Path:
    return _data_dir("checks")


def builtin_schemas_dir() -> Path:
    return _data_dir("schemas")
