"""Writing outputs so that no reader ever sees a partial file.

Every output (``-o``, ``--html``, ``report -o``, baselines) is written to a temporary file in the
target's own folder, flushed to disk, then renamed over the target: an interrupted or failed
write (Ctrl-C, a full disk) leaves the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import TrialintError


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_text(
    path: str | Path,
    text: str | Iterable[str],
    *,
    encoding: str = "utf-8",
    make_parents: bool = False,
) -> Path:
    """Write ``text`` (a string, or its pieces: a large output is never held whole) to ``path``
    atomically (temp file in the same folder + rename). Keeps the permissions of a file it
    replaces; writes through a symbolic link to the file it points at; creates missing parent
    folders only with ``make_parents``. Raises OSError."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            if isinstance(text, str):
                fh.write(text)
            else:
                fh.writelines(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = _new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:  # also Ctrl-C: never leave the temporary file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def _is_within(child: Path, folder: Path) -> bool:
    try:
        child.relative_to(folder)
        return True
    except ValueError:
        return False


def refuse_overwriting_inputs(
    outputs: Iterable[tuple[str, str | Path | None]],
    inputs: Sequence[str | Path],
    record_extensions: tuple[str, ...],
) -> None:
    """Raise TrialintError (exit 2) when an output path is also an input of the run: an input
    file given by name, or a record file inside an input folder (which the run reads).
    ``outputs``: (option name, path or None)."""
    given = [Path(p) for p in inputs if str(p) != "-"]
    for option, out in outputs:
        if out is None:
            continue
        o = Path(out)
        if not o.exists():
            continue  # a new file is no input of this run
        resolved = o.resolve()
        for inp in given:
            if inp.is_dir():
                if (
                    _is_within(resolved, inp.resolve())
                    and o.name.lower().endswith(record_extensions)
                    and not o.name.startswith(".")
                ):
                    raise TrialintError(
                        f"{option} {out}: that file is inside the input folder {inp} and is read "
                        "as an input: write the output elsewhere"
                    )
            elif inp.exists() and os.path.samefile(inp, o):
                raise TrialintError(
                    f"{option} {out}: that file is an input of this run: refusing to overwrite it"
                )
