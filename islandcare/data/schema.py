"""The data model: the columns of every table islandcare reads or writes.

Each table is a GeoDataFrame in WGS-84 (EPSG:4326). A column spec names the
column, its kind (``str``, ``int``, ``float``, ``time``, ``bool``), whether it
is required in a planner's table, and what it means. Loaders check tables
against these specs; the offline packs are written with these columns.

Location quality (column ``location_quality``) is one of

``exact``
    the point comes from a source that states it (OpenStreetMap, a planner's
    survey, a register with coordinates);
``approximate``
    the point was placed by a stated rule (for instance at the township seat);
    ``location_note`` says which rule;
``none``
    no point is known; the row is kept, with an empty geometry, and reported
    as "unknown" by every analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FACILITY_COLUMNS",
    "FACILITY_KINDS",
    "LOCATION_QUALITIES",
    "PORT_COLUMNS",
    "SEALINK_COLUMNS",
    "SETTLEMENT_CLASSES",
    "SETTLEMENT_COLUMNS",
    "TABLE_SCHEMAS",
    "VESSEL_KINDS",
    "WATER_KINDS",
    "ColumnSpec",
]

#: Facility kinds islandcare knows. Analyses pick facilities by kind.
FACILITY_KINDS: dict[str, str] = {
    "hospital": "hospital (医院)",
    "health_centre": "township health centre (乡镇卫生院 / 社区卫生服务中心)",
    "community_station": "community health station (社区卫生服务站)",
    "village_clinic": "village clinic (村卫生室)",
    "night_clinic": "night clinic (夜间诊疗点)",
    "ambulance_station": "ambulance station or emergency point (急救站 / 急救点)",
    "boat_station": "emergency boat station (海上急救艇)",
    "helipad": "helipad (直升机停机坪 / 起降点)",
    "landing_site": "helicopter landing site, not a built pad (直升机临时起降点)",
    "air_base": "air rescue base (航空救援基地)",
}

#: Kinds that work from the water: their point may lie in the sea.
WATER_KINDS: frozenset[str] = frozenset({"boat_station", "port"})

LOCATION_QUALITIES: tuple[str, ...] = ("exact", "approximate", "none")

#: town (城区 / 城市) or countryside (农村), as the plans use the words.
SETTLEMENT_CLASSES: tuple[str, ...] = ("town", "countryside")

VESSEL_KINDS: tuple[str, ...] = ("ferry", "fast_ferry", "vehicle_ferry", "emergency_boat")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table.

    Parameters
    ----------
    name
        Column name as it stands in the file.
    kind
        ``str``, ``int``, ``float``, ``time`` (``HH:MM``) or ``bool``.
    required
        Whether a planner's table must have the column.
    description
        What the column means, shown in error messages and docs.
    choices
        Allowed values, when the column is an enumeration.
    """

    name: str
    kind: str
    required: bool
    description: str
    choices: tuple[str, ...] | None = None


_SOURCE = ColumnSpec("source", "str", False, "where the row comes from (page, file, survey)")
_AS_OF = ColumnSpec("as_of", "str", False, "date of the source")
_LICENSE = ColumnSpec("license", "str", False, "license of the source")
_LOCQ = ColumnSpec(
    "location_quality", "str", False, "exact, approximate or none", LOCATION_QUALITIES
)
_LOCNOTE = ColumnSpec("location_note", "str", False, "how an approximate point was placed")

#: Facilities. Geometry: Point (or empty when location_quality is none).
FACILITY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("facility_id", "str", True, "unique id of the facility"),
    ColumnSpec("name", "str", True, "name as written (Chinese)"),
    ColumnSpec("kind", "str", True, "one of " + ", ".join(FACILITY_KINDS), tuple(FACILITY_KINDS)),
    ColumnSpec("township_code", "str", False, "9-digit statistical code of its township"),
    ColumnSpec("opens", "time", False, "opening time HH:MM (empty: always open)"),
    ColumnSpec("closes", "time", False, "closing time HH:MM (empty: always open)"),
    ColumnSpec("ambulances", "int", False, "ambulances based here (empty: unknown)"),
    ColumnSpec("beds", "int", False, "beds (empty: unknown)"),
    ColumnSpec("activation_min", "float", False, "minutes from call to departure"),
    ColumnSpec("status", "str", False, "existing or proposed", ("existing", "proposed", "planned")),
    _LOCQ,
    _LOCNOTE,
    _SOURCE,
    _AS_OF,
    _LICENSE,
)

#: Settlements (villages and communities). Geometry: Point or empty.
SETTLEMENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("code", "str", True, "12-digit statistical code of the village or community"),
    ColumnSpec("name", "str", True, "name as written (Chinese)"),
    ColumnSpec("township_code", "str", False, "9-digit code of its township"),
    ColumnSpec("township", "str", False, "township name"),
    ColumnSpec("population", "int", False, "residents (empty: unknown)"),
    ColumnSpec("population_year", "str", False, "year the population refers to"),
    ColumnSpec("settlement_class", "str", False, "town or countryside", SETTLEMENT_CLASSES),
    ColumnSpec("class_rule", "str", False, "what decided town or countryside"),
    _LOCQ,
    _LOCNOTE,
    _SOURCE,
    _AS_OF,
    _LICENSE,
)

#: Ports (piers). Geometry: Point near the shore.
PORT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("port_id", "str", True, "unique id of the port"),
    ColumnSpec("name", "str", True, "name as written"),
    ColumnSpec("island", "str", False, "island the port is on"),
    ColumnSpec("township_code", "str", False, "township served"),
    _LOCQ,
    _LOCNOTE,
    _SOURCE,
)

#: Sea links between two ports. Geometry: LineString port to port (or empty).
SEALINK_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("link_id", "str", True, "unique id of the link"),
    ColumnSpec("from_port", "str", True, "port_id where the boat leaves"),
    ColumnSpec("to_port", "str", True, "port_id where the boat arrives"),
    ColumnSpec("vessel", "str", True, "one of " + ", ".join(VESSEL_KINDS), VESSEL_KINDS),
    ColumnSpec("crossing_min", "float", False, "crossing minutes (empty: modelled from distance)"),
    ColumnSpec("crossing_quality", "str", False, "stated or modelled", ("stated", "modelled")),
    ColumnSpec("headway_min", "float", False, "minutes between sailings"),
    ColumnSpec("departures", "str", False, "departure times HH:MM separated by ';'"),
    ColumnSpec("first_sailing", "time", False, "first sailing HH:MM"),
    ColumnSpec("last_sailing", "time", False, "last sailing HH:MM"),
    ColumnSpec("boarding_min", "float", False, "boarding minutes (empty: area default)"),
    ColumnSpec("bidirectional", "bool", False, "whether boats sail both ways"),
    _SOURCE,
    _AS_OF,
    _LICENSE,
)

#: The planner table kinds ``islandcare validate --as`` accepts.
TABLE_SCHEMAS: dict[str, tuple[ColumnSpec, ...]] = {
    "facilities": FACILITY_COLUMNS,
    "villages": SETTLEMENT_COLUMNS,
    "ports": PORT_COLUMNS,
    "sealinks": SEALINK_COLUMNS,
}
