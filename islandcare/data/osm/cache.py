"""Keep an area's OpenStreetMap layers under ``cache_dir/<area>/`` and read them back.

Cache layout (``cache_dir/<area>/``)::

    graph.graphml        drive network (osmnx GraphML)
    ferries.geojson      ferry route lines
    facilities.geojson   health facilities (FACILITY_COLUMNS)
    ports.geojson        ferry terminals and harbours
    places.geojson       named villages, hamlets, towns, ...
    meta.json            area, fetch date, source, attribution, counts

``meta.json`` is written last: a folder without it is an unfinished cache and
:func:`load_cached` ignores it. :func:`save_cache` writes a new cache beside
the old one and swaps it in (:func:`replace_folder`), so a failed write leaves
the old cache whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import numpy as np

from islandcare.data.osm.graphml import graphml_road_columns
from islandcare.data.osm.layers import (
    ATTRIBUTION,
    LAYER_COLUMNS,
    LAYERS,
    LICENSE,
    OsmData,
    _check_area,
    _typed,
)
from islandcare.data.osm.lazy import LazyModule
from islandcare.errors import InputError

if TYPE_CHECKING:
    import osmnx as ox
else:
    ox = LazyModule("osmnx")


def save_cache(
    data: OsmData,
    *,
    area: str,
    cache_dir: Path,
    fetched: datetime | None = None,
) -> Path:
    """Write layers to ``cache_dir/<area>/`` (GraphML, GeoJSON, ``meta.json``).

    Parameters
    ----------
    data
        The layers.
    area
        Area name: the folder name.
    cache_dir
        Folder that holds the caches.
    fetched
        When the data was fetched (default: now).

    Returns
    -------
    Path
        The area's cache folder.
    """
    _check_area(area)
    final = Path(cache_dir) / area
    final.parent.mkdir(parents=True, exist_ok=True)
    # written beside the cache, then swapped in: a failure leaves the old cache whole
    folder = Path(tempfile.mkdtemp(prefix=f".{area}.new-", dir=final.parent))
    meta_path = folder / "meta.json"
    try:
        _write_layers(data, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    fetched = fetched or datetime.now(UTC)
    meta = {
        "area": area,
        "fetched": fetched.isoformat(timespec="seconds"),
        "as_of": data.as_of or fetched.date().isoformat(),
        "source": data.source,
        "attribution": ATTRIBUTION,
        "license": LICENSE,
        "created_with": f"islandcare, osmnx {ox.__version__}",
        "graph": {"nodes": data.graph.number_of_nodes(), "edges": data.graph.number_of_edges()},
        "layers": {layer: len(getattr(data, layer)) for layer in LAYERS},
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    replace_folder(folder, final)
    return final


def _write_layers(data: OsmData, folder: Path) -> None:
    ox.save_graphml(data.graph, folder / "graph.graphml")
    for layer in LAYERS:
        frame: gpd.GeoDataFrame = getattr(data, layer)
        frame.to_file(folder / f"{layer}.geojson", driver="GeoJSON")


def replace_folder(new: Path, final: Path) -> None:
    """Put the finished folder ``new`` in place of ``final`` (two renames)."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    try:
        os.replace(new, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_cached(area: str, cache_dir: Path) -> OsmData | None:
    """Read the layers cached by :func:`fetch_area` (or :func:`save_cache`).

    Parameters
    ----------
    area
        Area name.
    cache_dir
        Folder that holds the caches.

    Returns
    -------
    OsmData or None
        None when there is no finished cache for the area.

    Raises
    ------
    InputError
        When the cache is there but damaged (delete the folder and fetch again).
    """
    _check_area(area)
    folder = Path(cache_dir) / area
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        return None
    graph_file = folder / "graph.graphml"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        # with the road layer saved beside it (stamped), the graph is read only if asked for
        graph = None if road_layer_stamp(graph_file) is not None else _road_layer_or_graph(graph_file)
        layers = {
            # DATE_AS_STRING: keep "2024-05-01" and "08:00" as text, not dates and times
            layer: _typed(
                gpd.read_file(folder / f"{layer}.geojson", DATE_AS_STRING="YES"),
                LAYER_COLUMNS[layer],
            )
            for layer in LAYERS
        }
    except Exception as exc:  # a damaged file fails in many ways (XML, GeoJSON, JSON, I/O)
        raise _damaged(folder, exc) from exc
    return CachedOsmData(
        graph_file=graph_file, graph=graph, **layers, as_of=meta.get("as_of", ""),
        source=meta.get("source", ""), fetched=meta.get("fetched", ""),
    )


def _damaged(folder: Path, exc: BaseException) -> InputError:
    return InputError(
        f"{folder}: the OpenStreetMap cache is damaged ({exc}); delete the folder and fetch again"
    )


def _load_graph(graph_file: Path) -> nx.MultiDiGraph:
    return ox.load_graphml(graph_file)


def _road_layer_or_graph(graph_file: Path) -> nx.MultiDiGraph | None:
    """Save the roads layer of a cache's GraphML read directly (None: the graph waits), or load the graph.

    Reading the few attributes the layer needs is several times faster than
    building the networkx graph; a file that reader does not take, or a folder
    the layer cannot be saved in, is loaded with osmnx as before.
    """
    try:
        columns = graphml_road_columns(graph_file, keep=True)
    except Exception:  # noqa: BLE001 - osmnx reads it or says why (reported as a damaged cache)
        columns = None
    if columns is not None:
        _save_road_columns(graph_file, columns)
        if road_layer_stamp(graph_file) is not None:
            return None
    return _load_graph(graph_file)


class CachedOsmData(OsmData):
    """:class:`OsmData` read from a cache; its road graph is read from the GraphML on first use.

    The roads layer made from the graph is kept beside it
    (:data:`ROAD_LAYER_FILE`, stamped with the GraphML's size and time), so a
    run or a ``serve`` start that needs only that layer does not parse the
    XML again.
    """

    graph_file: Path | None

    def __init__(self, *, graph: nx.MultiDiGraph | None, graph_file: Path | None = None, **kwargs: Any) -> None:
        # (graph_file is optional so that dataclasses.replace, which passes the fields only, still works)
        self.graph_file = None if graph_file is None else Path(graph_file)
        super().__init__(graph=graph, **kwargs)  # type: ignore[arg-type]

    @property  # type: ignore[override]
    def graph(self) -> nx.MultiDiGraph:
        """The road graph (read from the cache on first use)."""
        if self.__dict__.get("_graph") is None:
            if self.graph_file is None:
                msg = "internal error: OpenStreetMap data without a graph or its file"
                raise RuntimeError(msg)
            try:
                self.__dict__["_graph"] = _load_graph(self.graph_file)
            except Exception as exc:  # as in load_cached
                raise _damaged(self.graph_file.parent, exc) from exc
        return self.__dict__["_graph"]

    @graph.setter
    def graph(self, value: nx.MultiDiGraph | None) -> None:
        self.__dict__["_graph"] = value


#: The roads layer of a cache's graph, beside ``graph.graphml`` (numpy arrays, no pickles).
ROAD_LAYER_FILE = "graph.graphml.roadlayer.npz"


def _stamp(graph_file: Path) -> np.ndarray | None:
    try:
        st = graph_file.stat()
    except OSError:
        return None
    return np.array([st.st_mtime_ns, st.st_size], dtype=np.int64)


def road_layer_stamp(graph_file: Path) -> Path | None:
    """Return the saved roads layer of a cache graph when it is there and made from this GraphML, else None."""
    side = graph_file.with_name(ROAD_LAYER_FILE)
    stamp = _stamp(graph_file)
    if stamp is None or not side.is_file():
        return None
    try:
        with np.load(side, allow_pickle=False) as z:
            return side if np.array_equal(z["stamp"], stamp) else None
    except (OSError, KeyError, ValueError):
        return None


def read_road_layer(data: OsmData) -> dict[str, np.ndarray] | None:
    """Return the saved road columns of a cache (see :func:`save_road_layer`), or None."""
    if not isinstance(data, CachedOsmData) or data.graph_file is None:
        return None
    side = road_layer_stamp(data.graph_file)
    if side is None:
        return None
    try:
        with np.load(side, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, KeyError, ValueError):
        return None


def save_road_layer(data: OsmData, columns: dict[str, np.ndarray]) -> None:
    """Keep road columns beside a cache's GraphML, stamped with it (nothing for other data, or read-only)."""
    if not isinstance(data, CachedOsmData) or data.graph_file is None:
        return
    _save_road_columns(data.graph_file, columns)


def _save_road_columns(graph_file: Path, columns: dict[str, np.ndarray]) -> None:
    stamp = _stamp(graph_file)
    if stamp is None:
        return
    side = graph_file.with_name(ROAD_LAYER_FILE)
    tmp = side.with_name(side.name + ".tmp.npz")
    try:
        arrays: dict[str, Any] = {"stamp": stamp, **columns}
        np.savez(tmp, **arrays)
        tmp.replace(side)
    except OSError:
        tmp.unlink(missing_ok=True)
