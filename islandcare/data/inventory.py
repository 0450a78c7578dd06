"""What each area is made of: its file, the sources its pack is built from, and what it lacks.

An area is ``geodata/areas/<key>.toml`` (settings and the ``[sources]`` it names in
``../shared/geodata-sources/``), the data tables beside it in ``geodata/areas/<key>/``,
and the pack ``geodata/packs/<key>/`` built from them by ``geodata/build_packs.py``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from islandcare.config import area_keys, geodata_dir, load_area
from islandcare.errors import InputError

__all__ = ["AreaInventory", "area_inventory", "inventories", "shared_dir"]


def shared_dir() -> Path:
    """Return the shared data folder: ``$ISLANDCARE_SHARED`` or ``../shared`` beside the repository."""
    env = os.environ.get("ISLANDCARE_SHARED")
    return Path(env) if env else geodata_dir().resolve().parents[1] / "shared"


@dataclass
class AreaInventory:
    """One area's parts. ``problems`` make ``areas --check`` fail; ``lacks`` are data gaps."""

    key: str
    title: str
    level: str
    sources: dict[str, str] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    counties: list[dict] = field(default_factory=list)
    lacks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _layer_rows(path: Path) -> list[dict]:
    """Return the properties of a pack layer (GeoJSON read as JSON: fast, no geometry needed)."""
    return [f.get("properties", {}) for f in json.loads(path.read_text("utf-8")).get("features", [])]


def area_inventory(key: str, *, root: Path | None = None, shared: Path | None = None) -> AreaInventory:
    """Read one area's file, tables and pack, and say what it lacks.

    Raises
    ------
    InputError
        When the area file itself cannot be read (the message names the file).
    """
    from islandcare.data.pack import LAYERS, pack_dir

    root = root or geodata_dir()
    shared = shared or shared_dir()
    cfg = load_area(key, root=root)
    level = "city" if cfg.code.endswith("00") else "county"
    inv = AreaInventory(key=key, title=cfg.title, level=level,
                        sources=cfg.typed.sources.named())
    folder = root / "areas" / key
    inv.tables = sorted(p.name for p in folder.glob("*.csv")) if folder.is_dir() else []
    if not inv.sources:
        inv.lacks.append("no [sources] in the area file: the pack cannot be rebuilt by geodata/build_packs.py")
    elif shared.is_dir():
        for role, name in inv.sources.items():
            if not (shared / "geodata-sources" / name).exists():
                inv.problems.append(f"[sources] {role}: {shared / 'geodata-sources' / name} does not exist")
    pack = pack_dir(key, root=root)
    missing = [n for n in LAYERS if not (pack / f"{n}.geojson").exists()]
    if missing:
        inv.problems.append(f"pack {pack} lacks {', '.join(missing)}: build it with "
                            f"python geodata/build_packs.py --area {key}")
        return inv
    meta = json.loads((pack / "pack.json").read_text("utf-8")) if (pack / "pack.json").exists() else {}
    inv.counts = dict(meta.get("counts", {}))
    vil = _layer_rows(pack / "villages.geojson")
    tw = _layer_rows(pack / "townships.geojson")
    fac = _layer_rows(pack / "facilities.geojson")
    if not vil:
        inv.lacks.append("no register villages")
    no_point = sum(1 for v in vil if v.get("location_quality") == "none")
    if no_point:
        inv.lacks.append(f"village points: {no_point} of {len(vil)} villages have none (reported unknown)")
    if vil and "ur_code_2016" in vil[0]:
        no_class = sum(1 for v in vil if not v.get("ur_code_2016"))
        if no_class:
            inv.lacks.append(f"official urban–rural class: {no_class} of {len(vil)} villages unmatched "
                             "(register suffix used)")
    elif vil:
        inv.lacks.append("official urban–rural class: none in the pack (register suffix used)")
    no_pop = [t.get("name") for t in tw if pd.isna(t.get("population")) or t.get("population") is None]
    if no_pop and not meta.get("counties"):
        inv.lacks.append(f"township population: {len(no_pop)} of {len(tw)} townships have none")
    counties = meta.get("counties") or []
    inv.counties = counties
    no_cpop = [c["name"] for c in counties if c.get("population") is None]
    if no_cpop:
        inv.lacks.append(f"county population: none for {'、'.join(no_cpop)}")
    approx = sum(1 for f in fac if f.get("location_quality") == "approximate")
    if approx:
        inv.lacks.append(f"facility points: {approx} of {len(fac)} facilities placed by a rule (approximate)")
    kinds = {f.get("kind") for f in fac}
    for kind, what in (("ambulance_station", "ambulance stations (hospitals stand in as bases)"),
                       ("village_clinic", "village clinics"), ("helipad", "helipads")):
        if kind not in kinds:
            inv.lacks.append(f"no {what}")
    if cfg.get("area.islands") and not inv.counts.get("sealinks"):
        inv.lacks.append("no sea links, though the area has islands")
    if not inv.counts.get("roads"):
        inv.lacks.append("no mapped roads (a modelled lattice stands in; islandcare fetch adds OpenStreetMap)")
    return inv


def inventories(*, root: Path | None = None, shared: Path | None = None) -> list[AreaInventory]:
    """Every area's inventory; an area file that cannot be read is reported as a problem."""
    out = []
    for key in area_keys(root=root):
        try:
            out.append(area_inventory(key, root=root, shared=shared))
        except InputError as exc:
            lines = [f"{p.file}: {p.message}" for p in exc.problems] or [str(exc.args[0])]
            out.append(AreaInventory(key=key, title=key, level="?", problems=lines))
    return out
