"""Clock-true travel times: earliest arrival when some edges follow a timetable.

Only sea legs depend on the clock. An edge whose ``departures`` attribute
holds clock minutes (0-1440, each day the same) is *timed*: a traveller who
reaches its tail at clock time ``t`` leaves at the next departure at or after
``t`` (the last sailing's successor is the next day's first) and reaches its
head then; every other edge takes its static ``minutes``. All edges are FIFO
(leaving later never arrives earlier), so earliest arrival is exact.

How: the timed edges are few (one per ferry direction with a timetable), the
rest of the graph is static. With ``d(x, y)`` the static shortest time
avoiding timed edges (scipy's C Dijkstra, computed once), the earliest arrival
is found by a small label-correcting search over the timed edges alone,
vectorised over departure times and origins::

    tail_k  = depart + d(origin, tail_k)
    head_k  = next_departure_k(tail_k)
    tail_j  = min(tail_j, head_k + d(head_k, tail_j))     (repeat to a fixed point)
    arrival = min(depart + d(origin, v), min_k head_k + d(head_k, v))

With no timed edge the result is the static engine's, exactly.
:meth:`ClockEngine.trip` runs a plain time-dependent Dijkstra (heap) for one
trip and returns its legs with clock times; tests check it against the batch
search.

API
---
``ClockEngine.compile(G) -> ClockEngine``
``engine.arrivals(sources, *, depart, delays=None, at=None) -> ndarray``
    Minutes from ``depart`` (clock minutes; scalar or array) to each node,
    over the best source. Shape ``(len(depart), len(at or nodes))``.
``engine.minutes_to(target, origins, *, depart) -> ndarray``
    Minutes from each origin, leaving at each ``depart``, to one target.
    Shape ``(len(depart), len(origins))``.
``engine.trip(source, target, *, depart) -> list[ClockLeg]``
"""

from __future__ import annotations

__all__ = ["DAY", "ClockEngine", "ClockLeg", "next_departure", "parse_clock"]

import heapq
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import networkx as nx
import numpy as np
from scipy.sparse import csr_array

from islandcare.engine import Engine

DAY = 1440.0


def parse_clock(text: str) -> float:
    """``"HH:MM"`` as minutes after midnight.

    Raises
    ------
    ValueError
        With what was expected, for anything but a 24-hour clock time.
    """
    parts = str(text).strip().split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        h, m = int(parts[0]), int(parts[1])
    except ValueError:
        msg = f"'{text}' is not a clock time: give HH:MM, e.g. 07:30"
        raise ValueError(msg) from None
    if not (0 <= h <= 23 and 0 <= m <= 59):
        msg = f"'{text}' is not a clock time: hours 00-23, minutes 00-59"
        raise ValueError(msg)
    return float(h * 60 + m)


def next_departure(departures: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Absolute minutes of the first departure at or after ``t`` (``inf`` stays ``inf``).

    Parameters
    ----------
    departures
        Sorted clock minutes in [0, 1440) of one day's sailings.
    t
        Absolute minutes (day 0 starts at 0); may run past midnight.
    """
    t = np.asarray(t, dtype=np.float64)
    finite = np.isfinite(t)
    tt = np.where(finite, t, 0.0)
    day = np.floor(tt / DAY)
    tod = tt - day * DAY
    i = np.searchsorted(departures, tod - 1e-9, side="left")
    wrap = i >= len(departures)
    dep = np.where(wrap, (day + 1) * DAY + departures[0],
                   day * DAY + departures[np.minimum(i, len(departures) - 1)])
    return np.where(finite, dep, np.inf)


@dataclass(frozen=True)
class ClockLeg:
    """One leg of a clock-true trip.

    Parameters
    ----------
    mode
        Edge mode (``road``, ``wait``, ``ferry``, ...).
    minutes
        Minutes of the leg.
    mapped
        True when the leg rests on mapped data (a timetable wait is mapped).
    from_node, to_node
        Node ids.
    leaves, arrives
        Absolute clock minutes (minutes after midnight of the departure day).
    note
        ``"timetable"`` for a wait for a timed sailing, else empty.
    """

    mode: str
    minutes: float
    mapped: bool
    from_node: Hashable
    to_node: Hashable
    leaves: float
    arrives: float
    note: str = ""


class ClockEngine:
    """A travel-time graph where timed edges follow their timetables.

    Build it with :meth:`ClockEngine.compile`.
    """

    def __init__(self, static: Engine, reverse: Engine, tails: np.ndarray, heads: np.ndarray,
                 departures: list[np.ndarray]) -> None:
        self.static = static
        self.reverse = reverse
        self.nodes = static.nodes
        self.node_index = static.node_index
        self.tails = tails
        self.heads = heads
        self.departures = departures
        self._from_heads: np.ndarray | None = None
        self._to_tails: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"ClockEngine({self.static.n_nodes} nodes, {len(self.tails)} timed edges)"

    @property
    def n_timed(self) -> int:
        """Number of timed edges."""
        return len(self.tails)

    @classmethod
    def compile(cls, G: nx.Graph, *, weight: str = "minutes",
                timetable: str = "departures") -> ClockEngine:
        """Compile a graph; edges with a non-empty ``timetable`` attribute are timed.

        Parameters
        ----------
        G
            Directed graph as for :meth:`islandcare.engine.Engine.compile`.
        weight, timetable
            Edge attributes of the static minutes and of the departures.
        """
        timed, untimed = _timed_edges(G, weight=weight, timetable=timetable)
        return cls.from_engine(Engine.compile(G, weight=weight), timed, untimed)

    @classmethod
    def from_engine(cls, full: Engine, timed: dict[tuple[Hashable, Hashable], np.ndarray],
                    untimed: dict[tuple[Hashable, Hashable], tuple[float, str, bool]] | None = None
                    ) -> ClockEngine:
        """From a compiled engine of the whole graph and the timetables of its timed edges.

        The timed edges' static minutes are dropped from the matrix (no Python
        loop over the graph), or replaced by the quickest untimed parallel edge
        (``untimed``: minutes, mode, mapped); the reverse engine is the
        transposed matrix.
        """
        m = full.matrix
        data = m.data.copy()
        edge_mode, edge_mapped = full._edge_mode.copy(), full._edge_mapped.copy()
        drop = np.zeros(m.nnz, dtype=bool)
        for u, v in timed:
            k = full._edge_position(u, v)
            if untimed and (u, v) in untimed:
                w, mode, is_mapped = untimed[(u, v)]
                data[k], edge_mode[k], edge_mapped[k] = w, full._mode_names.index(mode), is_mapped
            else:
                drop[k] = True
        keep = ~drop
        n = full.n_nodes
        rows = np.repeat(np.arange(n), np.diff(m.indptr))[keep]
        cols = m.indices[keep]
        data = data[keep]
        modes, mapped = edge_mode[keep], edge_mapped[keep]

        # the kept entries stay in the full matrix's order (by tail, then head)
        indptr = np.zeros(n + 1, dtype=m.indptr.dtype)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        mat = csr_array((data, cols, indptr), shape=(n, n))
        if mat.nnz != len(data):  # explicit zeros must survive
            raise RuntimeError("internal error: the sparse matrix lost edges")
        static = Engine(full.nodes, mat, modes, mapped, full._mode_names)
        reverse = static.turned()
        index = static.node_index
        tails = np.array([index[u] for u, _ in timed], dtype=np.int64)
        heads = np.array([index[v] for _, v in timed], dtype=np.int64)
        return cls(static, reverse, tails, heads, list(timed.values()))

    @classmethod
    def from_network(cls, net) -> ClockEngine:
        """Return the clock engine of a :class:`islandcare.network.assemble.Network`.

        With no timed edge it reuses the network's compiled engines (no work).
        """
        edges = getattr(net, "edges", None)
        timed, untimed = _timed_edges(net.graph) if edges is None else _timed_edge_arrays(edges)
        if not timed:
            return cls(net.engine, net.reverse_engine, np.zeros(0, dtype=np.int64),
                       np.zeros(0, dtype=np.int64), [])
        return cls.from_engine(net.engine, timed, untimed)

    # --- static pieces (computed once) ---------------------------------------

    @property
    def from_heads(self) -> np.ndarray:
        """Static minutes from each timed edge's head to every node, shape (K, n)."""
        if self._from_heads is None:
            heads = [self.nodes[i] for i in self.heads]
            self._from_heads = (self.static.times(heads) if heads
                                else np.zeros((0, self.static.n_nodes)))
        return self._from_heads

    @property
    def to_tails(self) -> np.ndarray:
        """Static minutes from every node to each timed edge's tail, shape (K, n)."""
        if self._to_tails is None:
            tails = [self.nodes[i] for i in self.tails]
            self._to_tails = (self.reverse.times(tails) if tails
                              else np.zeros((0, self.static.n_nodes)))
        return self._to_tails

    def _relax(self, tail_arr: np.ndarray) -> np.ndarray:
        """Earliest arrival at each timed edge's head, given first arrivals at the tails.

        ``tail_arr`` has the timed edges on its last axis (absolute minutes).
        """
        K = self.n_timed
        link = self.from_heads[:, self.tails]  # (K, K): head k -> tail j, static
        tail_arr = tail_arr.copy()
        head_arr = np.full(tail_arr.shape, np.inf)
        for _ in range(K + 1):
            new = np.stack([next_departure(self.departures[k], tail_arr[..., k]) for k in range(K)],
                           axis=-1)
            if np.all(new >= head_arr):
                break
            head_arr = np.minimum(head_arr, new)
            via = np.min(head_arr[..., :, None] + link, axis=-2)  # best over heads, per tail
            tail_arr = np.minimum(tail_arr, via)
        return head_arr

    # --- queries -------------------------------------------------------------

    def arrivals(self, sources: Iterable[Hashable], *, depart: float | Sequence[float] | np.ndarray,
                 delays: Sequence[float] | np.ndarray | None = None,
                 at: Sequence[Hashable] | None = None) -> np.ndarray:
        """Minutes from leaving (at each ``depart`` clock minute) to reaching each node.

        Parameters
        ----------
        sources
            Source node ids; the best of them counts (as :meth:`Engine.nearest`).
        depart
            Clock minutes the trip leaves its source (before any delay).
        delays
            Start delay of each source in minutes.
        at
            Node ids to report (default: every node).

        Returns
        -------
        numpy.ndarray
            Shape ``(len(depart), len(at))``, ``inf`` where not reached.
        """
        T = np.atleast_1d(np.asarray(depart, dtype=np.float64))
        d0 = self.static.nearest(list(sources), delays=delays).minutes
        cols = (np.arange(self.static.n_nodes) if at is None
                else np.array([self.node_index[n] for n in at], dtype=np.int64))
        out = np.repeat(d0[cols][None, :], len(T), axis=0)  # elapsed minutes, static
        if self.n_timed:
            head_arr = self._relax(T[:, None] + d0[self.tails][None, :]) - T[:, None]  # (m, K)
            for k in range(self.n_timed):
                out = np.minimum(out, head_arr[:, k, None] + self.from_heads[k, cols][None, :])
        return out

    def minutes_to(self, target: Hashable | Sequence[Hashable], origins: Sequence[Hashable], *,
                   depart: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Minutes from each origin, leaving at each ``depart``, to a target (or the best of several).

        Parameters
        ----------
        target
            A node id, or a list of node ids: the quickest to reach counts.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(depart), len(origins))``, ``inf`` where not reached.
        """
        T = np.atleast_1d(np.asarray(depart, dtype=np.float64))
        targets = list(target) if isinstance(target, (list, tuple)) else [target]
        j = np.array([self.node_index[t] for t in targets], dtype=np.int64)
        cols = np.array([self.node_index[n] for n in origins], dtype=np.int64)
        if not len(j):
            return np.full((len(T), len(cols)), np.inf)
        direct = self.reverse.nearest(targets).minutes[cols]  # d(origin, nearest target)
        out = np.repeat(direct[None, :], len(T), axis=0)  # elapsed minutes, static
        if self.n_timed:
            tail_arr = T[:, None, None] + self.to_tails[:, cols].T[None, :, :]  # (m, o, K)
            head_arr = self._relax(tail_arr) - T[:, None, None]
            onward = self.from_heads[:, j].min(axis=1)  # (K,): head -> best target
            out = np.minimum(out, np.min(head_arr + onward[None, None, :], axis=-1))
        return out

    def trip(self, source: Hashable, target: Hashable, *, depart: float) -> list[ClockLeg]:
        """Return the earliest-arrival trip, edge by edge, with clock times (``[]`` if not reached).

        A plain time-dependent Dijkstra (one heap), used for one trip's legs.
        """
        m = self.static.matrix
        s, goal = self.node_index[source], self.node_index[target]
        timed_out: dict[int, list[int]] = {}
        for k, u in enumerate(self.tails):
            timed_out.setdefault(int(u), []).append(k)
        best = {s: float(depart)}
        pred: dict[int, tuple[int, int]] = {}  # node -> (previous node, timed edge k or -1)
        heap = [(float(depart), s)]
        done = set()
        while heap:
            t, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            if u == goal:
                break
            lo, hi = m.indptr[u], m.indptr[u + 1]
            for v, w in zip(m.indices[lo:hi], m.data[lo:hi], strict=True):
                v = int(v)
                if t + w < best.get(v, np.inf):
                    best[v] = t + float(w)
                    pred[v] = (u, -1)
                    heapq.heappush(heap, (best[v], v))
            for k in timed_out.get(u, []):
                v = int(self.heads[k])
                tv = float(next_departure(self.departures[k], np.array([t]))[0])
                if tv < best.get(v, np.inf):
                    best[v] = tv
                    pred[v] = (u, k)
                    heapq.heappush(heap, (tv, v))
        if goal not in done:
            return []
        chain = [goal]
        while chain[-1] != s:
            chain.append(pred[chain[-1]][0])
        chain.reverse()
        legs: list[ClockLeg] = []
        for u, v in pairwise(chain):
            a, b = self.nodes[u], self.nodes[v]
            if pred[v][1] >= 0:
                legs.append(ClockLeg("wait", best[v] - best[u], True, a, b, best[u], best[v],
                                     "timetable"))
            else:
                (lg,) = self.static.legs([a, b])
                legs.append(ClockLeg(lg.mode, best[v] - best[u], lg.mapped, a, b, best[u], best[v]))
        return _merged(legs)


def _timed_edges(G: nx.Graph, *, weight: str = "minutes", timetable: str = "departures"
                 ) -> tuple[dict[tuple[Hashable, Hashable], np.ndarray],
                            dict[tuple[Hashable, Hashable], tuple[float, str, bool]]]:
    """Timetables of the timed (tail, head) pairs, and their quickest untimed parallel edge."""
    multi = G.is_multigraph()
    timed: dict[tuple[Hashable, Hashable], np.ndarray] = {}
    for e in (G.edges(keys=True, data=True) if multi else G.edges(data=True)):
        u, v, data = e[0], e[1], e[-1]
        deps = data.get(timetable) or ()
        if len(deps) and u != v:
            arr = np.sort(np.asarray(deps, dtype=np.float64) % DAY)
            timed[(u, v)] = np.union1d(timed[(u, v)], arr) if (u, v) in timed else arr
    untimed: dict[tuple[Hashable, Hashable], tuple[float, str, bool]] = {}
    for u, v in timed:
        rest = [d for d in (G[u][v].values() if multi else [G[u][v]])
                if not len(d.get(timetable) or ()) and float(d[weight]) < np.inf]
        if rest:
            d = min(rest, key=lambda d: float(d[weight]))
            untimed[(u, v)] = (float(d[weight]), str(d["mode"]), bool(d["mapped"]))
    return timed, untimed


def _timed_edge_arrays(e) -> tuple[dict[tuple[Hashable, Hashable], np.ndarray],
                                   dict[tuple[Hashable, Hashable], tuple[float, str, bool]]]:
    """:func:`_timed_edges` from a network's edge arrays (its sea edges carry the timetables)."""
    timed: dict[tuple[Hashable, Hashable], np.ndarray] = {}
    for k, x in e.extra.items():
        deps = x.get("departures") or ()
        u, v = e.nodes[e.tail[k]], e.nodes[e.head[k]]
        if len(deps) and u != v:
            arr = np.sort(np.asarray(deps, dtype=np.float64) % DAY)
            timed[(u, v)] = np.union1d(timed[(u, v)], arr) if (u, v) in timed else arr
    untimed: dict[tuple[Hashable, Hashable], tuple[float, str, bool]] = {}
    for k, x in e.extra.items():  # timed pairs join sea nodes only: parallels are sea edges too
        u, v = e.nodes[e.tail[k]], e.nodes[e.head[k]]
        if (u, v) in timed and not len(x.get("departures") or ()) and float(e.minutes[k]) < np.inf:
            cand = (float(e.minutes[k]), str(e.mode_names[e.mode[k]]), bool(e.mapped[k]))
            if (u, v) not in untimed or cand[0] < untimed[(u, v)][0]:
                untimed[(u, v)] = cand
    return timed, untimed


def _merged(legs: list[ClockLeg]) -> list[ClockLeg]:
    """Consecutive legs of the same mode, mapped flag and note merged into one."""
    out: list[ClockLeg] = []
    for lg in legs:
        if out and (out[-1].mode, out[-1].mapped, out[-1].note) == (lg.mode, lg.mapped, lg.note):
            p = out[-1]
            out[-1] = ClockLeg(p.mode, p.minutes + lg.minutes, p.mapped, p.from_node, lg.to_node,
                               p.leaves, lg.arrives, p.note)
        else:
            out.append(lg)
    return out
