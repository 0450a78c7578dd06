"""An area's output folder, written whole or not at all.

``islandcare run`` writes each area into a hidden temporary folder beside
the final one, adds a ``run.json`` manifest (what was written, when, from which
inputs) and only then moves it into place. An interrupted run leaves the old
folder as it was, never a mix within an area. The output folder's own
``run.json`` is removed when a run starts and written when every area is done,
so a run of several areas that stopped half-way has none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from islandcare import __version__
from islandcare.errors import InputError

__all__ = ["MANIFEST", "discard_partial_folders", "finish_area_folder", "start_area_folder",
           "write_run_manifest"]

#: The manifest written last into every area folder.
MANIFEST = "run.json"

_PARTIAL: set[Path] = set()  # started, not yet finished


def discard_partial_folders() -> None:
    """Remove the temporary folders of areas whose run stopped (an error, Ctrl-C)."""
    while _PARTIAL:
        shutil.rmtree(_PARTIAL.pop(), ignore_errors=True)


def start_area_folder(out_root: Path, key: str) -> Path:
    """Return a new empty temporary folder in ``out_root`` for area ``key``."""
    out_root = Path(out_root)
    if out_root.exists() and not out_root.is_dir():
        raise InputError(f"--out {out_root} is a file, not a folder: give a folder name "
                         f"(it is created if needed)")
    out_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}.partial-", dir=out_root))
    _PARTIAL.add(work)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(work, 0o777 & ~umask)  # mkdtemp makes 0700: give the folder ordinary permissions
    return work


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def finish_area_folder(work: Path, final: Path, *, area: str, started: dt.datetime,
                       inputs: dict[str, Path | None], options: dict[str, object]) -> Path:
    """Write the manifest into ``work`` and move it to ``final`` (replacing an older run)."""
    work, final = Path(work), Path(final)
    files = sorted(p for p in work.rglob("*") if p.is_file())
    manifest = {
        "area": area,
        "islandcare": __version__,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "options": options,
        "inputs": {k: {"path": str(v), "sha256": _sha256(v)} for k, v in inputs.items() if v},
        "files": [{"path": p.relative_to(work).as_posix(), "bytes": p.stat().st_size}
                  for p in files],
    }
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                 encoding="utf-8")
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
        os.replace(final, old / final.name)
    os.replace(work, final)
    _PARTIAL.discard(work)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final


def write_run_manifest(out_root: Path, *, areas: list[str], started: dt.datetime) -> Path:
    """Write ``out_root/run.json``: the areas of a run that finished, each with its manifest."""
    from islandcare._io import atomic_write_text

    manifest = {
        "islandcare": __version__,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "areas": {key: f"{key}/{MANIFEST}" for key in areas},
    }
    return atomic_write_text(Path(out_root) / MANIFEST,
                             json.dumps(manifest, ensure_ascii=False, indent=1))
