"""Network node ids, in one place.

Every node of an area's network is a string ``<kind>:<key>``:

``f:<facility_id>``   a facility;
``v:<code>``          a village (12-digit register code);
``t:<code>``          a township seat (9-digit register code);
``p:<port_id>``       a port;
``l:<i>``             a point of the land lattice;
``r:<id>``            a road-graph node;
``sea:<link>:<s>:board`` / ``...:wait``  the boarding and waiting nodes of a sea link.

Build and read ids only through these functions, so that the format can
change in one place.
"""

from __future__ import annotations

__all__ = [
    "FACILITY",
    "LAND",
    "PORT",
    "ROAD",
    "SEA",
    "TOWNSHIP",
    "VILLAGE",
    "facility_id_of",
    "facility_node",
    "is_facility",
    "is_land",
    "is_road",
    "key_of",
    "kind_of",
    "land_node",
    "port_node",
    "road_node",
    "sea_node",
    "township_node",
    "village_node",
]

FACILITY, VILLAGE, TOWNSHIP, PORT, LAND, ROAD, SEA = "f", "v", "t", "p", "l", "r", "sea"


def _node(kind: str, key: object) -> str:
    return f"{kind}:{key}"


def facility_node(facility_id: object) -> str:
    """Return the node of a facility (``f:<facility_id>``)."""
    return _node(FACILITY, facility_id)


def village_node(code: object) -> str:
    """Return the node of a village (``v:<code>``)."""
    return _node(VILLAGE, code)


def township_node(code: object) -> str:
    """Return the node of a township seat (``t:<code>``)."""
    return _node(TOWNSHIP, code)


def port_node(port_id: object) -> str:
    """Return the node of a port (``p:<port_id>``)."""
    return _node(PORT, port_id)


def land_node(i: object) -> str:
    """Return the node of the land lattice's point ``i`` (``l:<i>``)."""
    return _node(LAND, i)


def road_node(road_id: object) -> str:
    """Return the node of a road-graph node (``r:<id>``)."""
    return _node(ROAD, road_id)


def sea_node(link_id: object, sailing: object, role: str) -> str:
    """Return a sea link's boarding (``role="board"``) or waiting (``"wait"``) node."""
    return f"{SEA}:{link_id}:{sailing}:{role}"


def kind_of(node: str) -> str:
    """Return the kind of a node (``f``, ``v``, ``t``, ``p``, ``l``, ``r``, ``sea``, ...)."""
    return node.split(":", 1)[0]


def key_of(node: str) -> str:
    """Return what follows the kind (a facility id, a register code, ...)."""
    return node.partition(":")[2]


def is_facility(node: object) -> bool:
    """Tell whether a node is a facility's."""
    return isinstance(node, str) and node.startswith(FACILITY + ":")


def is_land(node: object) -> bool:
    """Tell whether a node is a point of the land lattice."""
    return isinstance(node, str) and node.startswith(LAND + ":")


def is_road(node: object) -> bool:
    """Tell whether a node is a road-graph node."""
    return isinstance(node, str) and node.startswith(ROAD + ":")


def facility_id_of(node: str) -> str:
    """Return the facility id of a facility's node.

    Raises
    ------
    ValueError
        For a node that is not a facility's.
    """
    if not is_facility(node):
        msg = f"{node!r} is not a facility node"
        raise ValueError(msg)
    return key_of(node)
