"""A per-user cache of what trialint derives from its own files and would otherwise redo on every
start (the parsed and validated rule catalog): an optimisation only, never a source of truth.

An entry is named by a digest of everything it was derived from (the inputs' contents, the
trialint code, the Python and library versions), so a stale entry is never found, only left
unused. Whatever goes wrong with the cache (a folder that cannot be written, a damaged entry)
is silently the same as no cache. ``TRIALINT_CACHE_DIR`` sets the folder (empty: no cache);
otherwise ``$XDG_CACHE_HOME/trialint`` or ``~/.cache/trialint``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from .version import __version__

FORMAT = 1  # bump when what is stored changes shape
# libraries whose version can change what is derived (parsing YAML, checking patterns)
LIBRARIES = ("yaml", "pyarrow", "pandas", "pandera")
T = TypeVar("T")
KEEP = 8  # entries kept per kind of entry (older ones are removed when a new one is written)


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off (``TRIALINT_CACHE_DIR`` set but empty)."""
    chosen = os.environ.get("TRIALINT_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        root = Path(base) if base else Path.home() / ".cache"
    except RuntimeError:  # no home folder to be found
        return None
    return root / "trialint"


@functools.cache
def code_fingerprint() -> str:
    """A digest of the trialint code that runs (every module's path, size and modification
    time) and of the versions of Python and the libraries that derived data depends on."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    h.update(f"{FORMAT}|{__version__}|{sys.version}|".encode())
    files = sorted(here.rglob("*.py"))
    for lib in LIBRARIES:  # their code, found without importing them
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(lib)
            if spec is not None and spec.origin:
                files.append(Path(spec.origin))
    for path in files:
        with contextlib.suppress(OSError):
            st = path.stat()
            h.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def cached(
    kind: str, parts: list[bytes], build: Callable[[], T], valid: Callable[[Any], bool]
) -> T:
    """``build()``, or what it gave before for the same ``parts`` (and code): the stored value
    when there is one that ``valid`` accepts, else a fresh one, stored."""
    name = key(kind, parts)
    value = load(name)
    if valid(value):
        return cast(T, value)
    value = build()
    store(name, value)
    return value


def key(kind: str, parts: list[bytes]) -> str:
    """The name of an entry of ``kind`` derived from ``parts`` (and the code fingerprint)."""
    h = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return f"{kind}-{h.hexdigest()[:40]}.pickle"


def load(name: str) -> Any | None:
    """The object stored under ``name``, or None (no cache, no entry, or a damaged one)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return pickle.loads((folder / name).read_bytes())
    except Exception:  # absent, unreadable or damaged (the entry's kind decides what is valid)
        return None


def store(name: str, value: Any) -> None:
    """Store ``value`` under ``name`` (written whole or not at all); keep the ``KEEP`` newest
    entries of the same kind. Never raises: a cache that cannot be written is no cache."""
    folder = cache_dir()
    if folder is None:
        return
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, folder / name)
        tmp = None
        kind = name.split("-", 1)[0]
        others = [p for p in folder.glob(f"{kind}-*.pickle") if p.name != name]
        others.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in others[KEEP - 1 :]:
            old.unlink()
    except Exception:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
