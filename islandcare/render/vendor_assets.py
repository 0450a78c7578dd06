"""Re-fetch the vendored Leaflet files from the npm registry.

Run from a checkout (needs ``npm`` and access to the npm registry)::

    python -m islandcare.render.vendor_assets          # rebuild static/
    python -m islandcare.render.vendor_assets --check  # compare, change nothing

For each entry of :data:`islandcare.render.assets.LIBRARIES` this runs
``npm pack <package>@<version>`` in a temporary folder (npm checks the
tarball's integrity against the registry), copies the listed files into
``islandcare/render/static/<name>/`` and rewrites ``static/SOURCES.md``.
Nothing is needed at test or map-writing time: the files are committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from islandcare.render.assets import LIBRARIES, STATIC_DIR, Library


def fetch(lib: Library, workdir: Path) -> dict[str, bytes]:
    """Download ``lib`` with ``npm pack`` and return its listed files.

    Parameters
    ----------
    lib
        The library to fetch.
    workdir
        Empty folder for the tarball.

    Returns
    -------
    dict[str, bytes]
        Path inside the package -> content, for every path in ``lib.files``.
    """
    out = subprocess.run(
        ["npm", "pack", f"{lib.package}@{lib.version}", "--json", "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tarball = workdir / json.loads(out)[0]["filename"]
    files: dict[str, bytes] = {}
    with tarfile.open(tarball) as tar:
        for name in lib.files:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise FileNotFoundError(f"{lib.package}@{lib.version} has no {name}")
            files[name] = member.read()
    return files


def sources_md(contents: dict[str, dict[str, bytes]]) -> str:
    """Render ``SOURCES.md`` for the fetched files."""
    lines = [
        "# Vendored JavaScript and CSS",
        "",
        "Copied verbatim from the npm registry by",
        "`python -m islandcare.render.vendor_assets` (do not edit by hand).",
        "Used by `islandcare.render.assets` so that maps work without a CDN.",
        "",
        "| folder | npm package | version | license | files | bytes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for lib in LIBRARIES:
        size = sum(len(b) for b in contents[lib.name].values())
        lines.append(
            f"| `{lib.name}/` | {lib.package} | {lib.version} | {lib.license} "
            f"| {len(lib.files)} | {size:,} |"
        )
    total = sum(len(b) for files in contents.values() for b in files.values())
    lines += [
        "",
        f"Total: {total:,} bytes.",
        "",
        "Not vendored on purpose: Bootstrap, Glyphicons, Font Awesome and",
        "Leaflet.awesome-markers (folium's Map links them, only `folium.Icon` needs",
        "them: use `folium.CircleMarker`, `folium.DivIcon` or a plain `folium.Marker`).",
        "",
        "## Files (sha256)",
        "",
    ]
    for lib in LIBRARIES:
        for name in lib.files:
            data = contents[lib.name][name]
            digest = hashlib.sha256(data).hexdigest()
            lines.append(f"- `{lib.name}/{name}` {len(data):,} B `{digest}`")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Fetch all libraries; write them (or only compare with ``--check``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only, change nothing")
    args = parser.parse_args(argv)

    contents: dict[str, dict[str, bytes]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for lib in LIBRARIES:
            workdir = Path(tmp) / lib.name
            workdir.mkdir()
            contents[lib.name] = fetch(lib, workdir)
            print(f"fetched {lib.package}@{lib.version}", file=sys.stderr)

    sources = sources_md(contents)
    if args.check:
        stale = [
            f"{lib.name}/{name}"
            for lib in LIBRARIES
            for name, data in contents[lib.name].items()
            if not (STATIC_DIR / lib.name / name).is_file()
            or (STATIC_DIR / lib.name / name).read_bytes() != data
        ]
        if (STATIC_DIR / "SOURCES.md").read_text(encoding="utf-8") != sources:
            stale.append("SOURCES.md")
        for item in stale:
            print(f"differs: {item}", file=sys.stderr)
        return 1 if stale else 0

    for lib in LIBRARIES:
        shutil.rmtree(STATIC_DIR / lib.name, ignore_errors=True)
        for name, data in contents[lib.name].items():
            dest = STATIC_DIR / lib.name / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
    (STATIC_DIR / "SOURCES.md").write_text(sources, encoding="utf-8")
    print(f"wrote {STATIC_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
