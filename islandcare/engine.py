"""Fast batch travel times on a compiled travel-time graph.

The travel-time model is a networkx directed graph (``DiGraph`` or
``MultiDiGraph``; an undirected graph counts each edge both ways). Every edge
carries ``minutes`` (float >= 0), ``mode`` (``road``, ``offroad``, ``access``,
``ferry``, ``boat``, ``air``, ...) and ``mapped`` (True when the edge rests on
mapped data, False when it is modelled). :meth:`Engine.compile` turns it once
into a scipy CSR matrix; every query then runs scipy's C Dijkstra.

API
---
``Engine.compile(G, *, weight="minutes") -> Engine``
    Node index (``engine.nodes``, ``engine.node_index``) and CSR matrix
    (``engine.matrix``). Of parallel edges the quickest is kept, with its
    ``mode`` and ``mapped`` for :meth:`Engine.legs`. ``Engine.from_arrays``
    compiles edges given as numpy arrays, without networkx. Zero-minute edges are
    kept as explicit zeros (scipy's csgraph honours explicit zeros of a sparse
    matrix; the engine never passes through a dense array or an operation
    that prunes them), so they stay real, free edges. Edges of infinite
    minutes are left out (impassable); negative or NaN minutes are an error.
``engine.times(sources, *, cutoff=None, delays=None) -> ndarray``
    Shape ``(len(sources), n_nodes)``: minutes from each source to each node,
    ``inf`` when unreachable or beyond ``cutoff``.
``engine.nearest(sources, *, cutoff=None, delays=None) -> Nearest``
    Per node the best minutes over all sources, which source gives them
    (index into ``sources``, -1 for none) and the predecessor tree.
``engine.path(nearest_or_source, target) -> list``
    The node ids of the quickest path, from a :class:`Nearest` or from one
    source node id; ``[]`` when the target is not reached.
``engine.legs(path) -> list[Leg]``
    The path as legs: consecutive edges of the same ``mode`` and ``mapped``
    merged into one :class:`Leg`.
``engine.coverage(sources, *, cutoff=None, delays=None) -> SourceTimes``
    Per-source times kept for what-if questions (sparse: only the nodes each
    source reaches within the cutoff), with ``best_minutes`` and
    ``best_source``.
``engine.with_source_added(state, node, *, delay=0.0) -> SourceTimes``
    One more source: one single-source Dijkstra and an elementwise minimum.
``engine.with_source_removed(state, source_index) -> SourceTimes``
    One source fewer: no Dijkstra; only the nodes that source served are
    re-minimised over the remaining sources.

Delays and cutoff
-----------------
``delays`` are per-source start delays in minutes (for instance ambulance
activation), added to every time from that source. ``cutoff`` bounds the
*total* minutes, delay included: a node is reached when delay + travel
<= cutoff. A :class:`SourceTimes` keeps its cutoff, so what-if updates use the
same one as the full computation and agree with it exactly.

Nodes may be isolated or lie on other islands (components): they get ``inf``
and source -1.
"""

from __future__ import annotations

__all__ = ["NO_PREDECESSOR", "Engine", "Leg", "Nearest", "SourceTimes"]

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

#: Predecessor value for a node with none (a source, or not reached); scipy's.
NO_PREDECESSOR = -9999

# Relative slack on scipy's ``limit``, so rounding never drops a node whose
# total time is within the cutoff; the exact cutoff is applied afterwards.
_LIMIT_SLACK = 1e-9

# Sources per scipy call when building a what-if state (bounds its memory).
_CHUNK = 64


@dataclass(frozen=True)
class Leg:
    """A stretch of a path travelled in one mode.

    Parameters
    ----------
    mode
        Edge mode (``road``, ``ferry``, ``boat``, ``air``, ...).
    minutes
        Travel minutes of the stretch.
    mapped
        True when the stretch rests on mapped data, False when modelled.
    from_node, to_node
        Node ids where the stretch starts and ends.
    """

    mode: str
    minutes: float
    mapped: bool
    from_node: Hashable
    to_node: Hashable


@dataclass(frozen=True, eq=False)
class Nearest:
    """Best times from a set of sources, with the tree to rebuild paths.

    Parameters
    ----------
    minutes
        Per node: minutes from the best source, start delay included; ``inf``
        when no source reaches it (within the cutoff).
    source
        Per node: index into ``sources`` of the best source, -1 for none.
    predecessors
        Per node: index of the previous node on its best path,
        :data:`NO_PREDECESSOR` for sources and unreached nodes.
    sources
        The source node ids, as given.
    delays
        The start delay of each source, in minutes.
    cutoff
        The cutoff used, or None.
    """

    minutes: np.ndarray
    source: np.ndarray
    predecessors: np.ndarray
    sources: tuple[Hashable, ...]
    delays: np.ndarray
    cutoff: float | None


@dataclass(frozen=True, eq=False)
class SourceTimes:
    """Per-source travel times, kept for what-if questions.

    Build it with :meth:`Engine.coverage`; update it with
    :meth:`Engine.with_source_added` and :meth:`Engine.with_source_removed`.
    Rows are sparse (only the nodes a source reaches within the cutoff),
    read-only and shared between states, so an update copies no times.

    Parameters
    ----------
    rows
        Per source, ``(nodes, minutes)``: the indices of the nodes it reaches
        (ascending) and their minutes, delay included; read-only arrays.
    sources
        The source node ids.
    delays
        The start delay of each source, in minutes.
    cutoff
        The cutoff every row was computed with, or None.
    best_minutes
        Per node: the minimum over the rows (``inf`` for none).
    best_source
        Per node: the row giving ``best_minutes`` (the first on ties), -1 for
        none.
    """

    rows: tuple[tuple[np.ndarray, np.ndarray], ...]
    sources: tuple[Hashable, ...]
    delays: tuple[float, ...]
    cutoff: float | None
    best_minutes: np.ndarray
    best_source: np.ndarray

    @property
    def matrix(self) -> np.ndarray:
        """The times as one array of shape ``(n_sources, n_nodes)``."""
        out = np.full((len(self.rows), len(self.best_minutes)), np.inf)
        for k, (nodes, minutes) in enumerate(self.rows):
            out[k, nodes] = minutes
        return out


class Engine:
    """A travel-time graph compiled for fast batch queries.

    Build it with :meth:`Engine.compile`.

    Parameters
    ----------
    nodes
        Node ids; a node's position is its index.
    matrix
        CSR matrix of minutes, one entry per (tail, head) pair, with explicit
        zeros for free edges.
    edge_mode
        Per matrix entry: code of the edge mode in ``mode_names``.
    edge_mapped
        Per matrix entry: whether the edge rests on mapped data.
    mode_names
        The edge modes, by code.
    """

    def __init__(
        self,
        nodes: Sequence[Hashable],
        matrix: csr_array,
        edge_mode: np.ndarray,
        edge_mapped: np.ndarray,
        mode_names: tuple[str, ...],
        *,
        node_index: Mapping[Any, int] | None = None,
    ) -> None:
        self.nodes = nodes
        self.node_index: Mapping[Any, int] = (
            {node: i for i, node in enumerate(nodes)} if node_index is None else node_index
        )
        self.matrix = matrix
        self._edge_mode = edge_mode
        self._edge_mapped = edge_mapped
        self._mode_names = mode_names

    def __repr__(self) -> str:
        return f"Engine({self.n_nodes} nodes, {self.matrix.nnz} edges)"

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @classmethod
    def compile(cls, G: nx.Graph, *, weight: str = "minutes") -> Engine:
        """Compile a travel-time graph.

        Parameters
        ----------
        G
            Graph whose edges carry ``weight`` (minutes, >= 0), ``mode`` and
            ``mapped``. An undirected graph counts each edge both ways.
        weight
            Edge attribute holding the minutes.

        Returns
        -------
        Engine
            The compiled engine.

        Raises
        ------
        ValueError
            If an edge lacks ``weight``, ``mode`` or ``mapped``, or its minutes
            are negative or NaN.
        """
        nodes = list(G.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        tails: list[int] = []
        heads: list[int] = []
        minutes: list[float] = []
        modes: list[int] = []
        mapped: list[bool] = []
        mode_codes: dict[str, int] = {}
        two_way = not G.is_directed()
        for u, v, data in G.edges(data=True):
            if u == v:
                continue  # a loop never shortens a path
            w = _edge_minutes(u, v, data, weight)
            if w == np.inf:
                continue
            try:
                mode, is_mapped = str(data["mode"]), bool(data["mapped"])
            except KeyError as err:
                msg = f"edge {u!r} -> {v!r} has no {err.args[0]!r} attribute"
                raise ValueError(msg) from None
            code = mode_codes.setdefault(mode, len(mode_codes))
            for a, b in ((u, v), (v, u)) if two_way else ((u, v),):
                tails.append(index[a])
                heads.append(index[b])
                minutes.append(w)
                modes.append(code)
                mapped.append(is_mapped)
        return cls.from_arrays(nodes, np.asarray(tails, dtype=np.int64), np.asarray(heads, dtype=np.int64),
                               np.asarray(minutes, dtype=np.float64), modes=np.asarray(modes, dtype=np.int32),
                               mapped=np.asarray(mapped, dtype=bool), mode_names=tuple(mode_codes),
                               node_index=index)

    @classmethod
    def from_arrays(cls, nodes: Sequence[Hashable], tail: np.ndarray, head: np.ndarray,
                    minutes: np.ndarray, *, modes: np.ndarray, mapped: np.ndarray,
                    mode_names: tuple[str, ...],
                    node_index: Mapping[Any, int] | None = None) -> Engine:
        """Compile edges given as arrays (no networkx graph needed).

        Parameters
        ----------
        nodes
            Node ids; ``tail`` and ``head`` index into it.
        tail, head
            Per directed edge, the positions of its ends.
        minutes
            Per edge, minutes >= 0; ``inf`` leaves the edge out (closed).
        modes
            Per edge, the code of its mode in ``mode_names``.
        mapped
            Per edge, whether it rests on mapped data.
        mode_names
            The edge modes, by code.
        node_index
            ``{node: position}`` when the caller has it already (not copied).

        Returns
        -------
        Engine
            The compiled engine; of parallel edges the quickest is kept (the
            first given on ties).

        Raises
        ------
        ValueError
            If some minutes are negative or NaN.
        """
        tail = np.asarray(tail, dtype=np.int64)
        head = np.asarray(head, dtype=np.int64)
        w_arr = np.asarray(minutes, dtype=np.float64)
        if not np.all(w_arr >= 0):  # also catches NaN
            k = int(np.flatnonzero(~(w_arr >= 0))[0])
            msg = (f"edge {nodes[tail[k]]!r} -> {nodes[head[k]]!r} has minutes={w_arr[k]}; "
                   "minutes must be >= 0")
            raise ValueError(msg)
        order = np.flatnonzero((tail != head) & (w_arr != np.inf))  # loops never shorten a path
        n = len(nodes)
        # Sort by (tail, head), stable; of each run of parallel edges keep the
        # quickest (the first given on ties).
        pair = tail[order] * max(n, 1) + head[order]
        by_pair = np.argsort(pair, kind="stable")
        order, pair = order[by_pair], pair[by_pair]
        start = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]) if len(pair) else pair
        if len(start) < len(pair):
            w_sorted = w_arr[order]
            group = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(pair)]))
            quickest = np.flatnonzero(w_sorted == np.minimum.reduceat(w_sorted, start)[group])
            first = np.r_[True, group[quickest][1:] != group[quickest][:-1]]
            order = order[quickest[first]]
        tail, head, w_arr = tail[order], head[order], w_arr[order]

        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
        idx_dtype = np.int32 if len(head) < np.iinfo(np.int32).max else np.int64
        matrix = csr_array((w_arr, head.astype(idx_dtype), indptr.astype(idx_dtype)), shape=(n, n))
        if matrix.nnz != len(w_arr):  # explicit zeros must survive
            msg = "internal error: the sparse matrix lost edges"
            raise RuntimeError(msg)
        return cls(
            nodes,
            matrix,
            np.asarray(modes, dtype=np.int32)[order],
            np.asarray(mapped, dtype=bool)[order],
            tuple(mode_names),
            node_index=node_index,
        )

    def turned(self) -> Engine:
        """Return the engine of the reversed graph (every edge turned round): times *to* each node.

        The transposed matrix, without a new sort of the edges: the same engine
        as :meth:`from_arrays` with ``tail`` and ``head`` swapped (parallel
        edges were already reduced to their quickest, the same one either way),
        each entry keeping its minutes, mode and mapped flag.
        """
        m = self.matrix
        # the entries' numbers, transposed (scipy's CSR to CSC conversion, which keeps every entry):
        # per head, the tails ascending, and which entry of this matrix each one is
        turned = csr_array((np.arange(m.nnz), m.indices, m.indptr), shape=m.shape).tocsc()
        order = turned.data
        matrix = csr_array((m.data[order], turned.indices, turned.indptr), shape=m.shape)
        if matrix.nnz != len(order):  # explicit zeros must survive
            msg = "internal error: the sparse matrix lost edges"
            raise RuntimeError(msg)
        return Engine(self.nodes, matrix, self._edge_mode[order], self._edge_mapped[order], self._mode_names,
                      node_index=self.node_index)

    # --- queries -------------------------------------------------------------

    def times(
        self,
        sources: Iterable[Hashable],
        *,
        cutoff: float | None = None,
        delays: Sequence[float] | np.ndarray | None = None,
    ) -> np.ndarray:
        """Minutes from each source to every node.

        Parameters
        ----------
        sources
            Source node ids (repeats allowed).
        cutoff
            Largest total minutes (delay included) to report; beyond it
            ``inf``. None for no limit.
        delays
            Start delay of each source in minutes, added to all its times.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(sources), n_nodes)``; ``inf`` for unreached nodes.
        """
        idx = self._indices(sources)
        delay = _check_delays(delays, len(idx))
        _check_cutoff(cutoff)
        groups = np.unique(delay)
        if len(groups) == 1 and _limit(cutoff, groups[0]) >= 0:
            # One delay for all (the usual case): no copy of the result.
            out = dijkstra(self.matrix, directed=True, indices=idx, limit=_limit(cutoff, groups[0]))
            if groups[0]:
                out += groups[0]
        else:
            out = np.full((len(idx), self.n_nodes), np.inf)
            for value in groups:
                rows = np.flatnonzero(delay == value)
                limit = _limit(cutoff, value)
                if limit >= 0:
                    dist = dijkstra(self.matrix, directed=True, indices=idx[rows], limit=limit)
                    out[rows] = dist + value
        if cutoff is not None:
            out[out > cutoff] = np.inf
        return out

    def nearest(
        self,
        sources: Iterable[Hashable],
        *,
        cutoff: float | None = None,
        delays: Sequence[float] | np.ndarray | None = None,
    ) -> Nearest:
        """Best minutes over all sources, per node.

        One Dijkstra from a virtual node joined to every source by an edge of
        that source's delay, so a far source without delay can beat a near
        one with a long delay.

        Parameters
        ----------
        sources
            Source node ids (repeats allowed).
        cutoff
            Largest total minutes (delay included) to report. None for no
            limit.
        delays
            Start delay of each source in minutes.

        Returns
        -------
        Nearest
            Minutes, best source and predecessors per node.
        """
        ids = tuple(sources)
        idx = self._indices(ids)
        delay = _check_delays(delays, len(idx))
        _check_cutoff(cutoff)
        n = self.n_nodes
        minutes = np.full(n, np.inf)
        source = np.full(n, -1, dtype=np.int64)
        pred = np.full(n, NO_PREDECESSOR, dtype=np.int64)
        if len(idx) == 0 or _limit(cutoff, float(delay.min())) < 0:
            return Nearest(minutes, source, pred, ids, delay, cutoff)

        # Of sources at the same node, keep the one with least delay (first on ties).
        order = np.lexsort((np.arange(len(idx)), delay, idx))
        first = np.ones(len(order), dtype=bool)
        first[1:] = idx[order][1:] != idx[order][:-1]
        kept = order[first]  # positions in sources, sorted by node index

        m = self.matrix
        virtual = csr_array(
            (
                np.concatenate([m.data, delay[kept]]),
                np.concatenate([m.indices, idx[kept].astype(m.indices.dtype)]),
                np.concatenate([m.indptr, [m.nnz + len(kept)]]).astype(m.indptr.dtype),
            ),
            shape=(n + 1, n + 1),
        )
        dist, pred_all = dijkstra(
            virtual, directed=True, indices=n, return_predecessors=True, limit=_limit(cutoff, 0.0)
        )
        minutes, pred = dist[:n], pred_all[:n].astype(np.int64)
        if cutoff is not None:
            beyond = minutes > cutoff
            minutes[beyond] = np.inf
            pred[beyond] = NO_PREDECESSOR
        reached = np.isfinite(minutes)

        # Root of each node's tree = the source node it hangs from (pointer jumping).
        nodes = np.arange(n)
        root = np.where(reached & (pred != n), pred, nodes)
        while True:
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
        source_at = np.full(n, -1, dtype=np.int64)
        source_at[idx[kept]] = kept
        source = np.where(reached, source_at[root], -1)
        pred[pred == n] = NO_PREDECESSOR
        return Nearest(minutes, source, pred, ids, delay, cutoff)

    def path(self, nearest_or_source: Nearest | Hashable, target: Hashable) -> list[Hashable]:
        """Return the quickest path to ``target``, as node ids.

        Parameters
        ----------
        nearest_or_source
            A :class:`Nearest` (path from the target's best source) or one
            source node id (a single-source Dijkstra is run).
        target
            Target node id.

        Returns
        -------
        list
            Node ids from the source to ``target``; ``[]`` if not reached.
        """
        t = self._index(target)
        if isinstance(nearest_or_source, Nearest):
            if not np.isfinite(nearest_or_source.minutes[t]):
                return []
            pred = nearest_or_source.predecessors
        else:
            s = self._index(nearest_or_source)
            dist, pred = dijkstra(self.matrix, directed=True, indices=s, return_predecessors=True)
            if not np.isfinite(dist[t]):
                return []
        chain = [t]
        while pred[chain[-1]] != NO_PREDECESSOR:
            chain.append(int(pred[chain[-1]]))
        return [self.nodes[i] for i in reversed(chain)]

    def legs(self, path: Sequence[Hashable]) -> list[Leg]:
        """Split a path into legs of one mode and one ``mapped`` flag.

        Parameters
        ----------
        path
            Node ids, as from :meth:`path`.

        Returns
        -------
        list of Leg
            Consecutive edges of the same mode and mapped flag merged; empty
            for a path of fewer than two nodes. Each edge is the quickest of
            its parallel edges, as compiled.

        Raises
        ------
        ValueError
            If two consecutive nodes are not joined by an edge.
        """
        legs: list[Leg] = []
        for u, v in pairwise(path):
            k = self._edge_position(u, v)
            mode = self._mode_names[self._edge_mode[k]]
            mapped = bool(self._edge_mapped[k])
            minutes = float(self.matrix.data[k])
            if legs and legs[-1].mode == mode and legs[-1].mapped == mapped:
                last = legs[-1]
                legs[-1] = Leg(mode, last.minutes + minutes, mapped, last.from_node, v)
            else:
                legs.append(Leg(mode, minutes, mapped, u, v))
        return legs

    # --- what-if -------------------------------------------------------------

    def coverage(
        self,
        sources: Iterable[Hashable],
        *,
        cutoff: float | None = None,
        delays: Sequence[float] | np.ndarray | None = None,
    ) -> SourceTimes:
        """Per-source times, kept for what-if updates.

        Parameters
        ----------
        sources
            Source node ids.
        cutoff
            Largest total minutes to report, kept for later updates.
        delays
            Start delay of each source in minutes.

        Returns
        -------
        SourceTimes
            The per-source rows with best minutes and best source per node.
        """
        ids = tuple(sources)
        delay = _check_delays(delays, len(ids))
        n = self.n_nodes
        best_minutes = np.full(n, np.inf)
        best_source = np.full(n, -1, dtype=np.int64)
        rows: list[tuple[np.ndarray, np.ndarray]] = []
        for lo in range(0, len(ids), _CHUNK):  # a few sources at a time: no sources x nodes array
            chunk = self.times(ids[lo:lo + _CHUNK], cutoff=cutoff, delays=delay[lo:lo + _CHUNK])
            for row in chunk:
                sparse = _sparse(row)
                _improve(best_minutes, best_source, sparse, len(rows))
                rows.append(sparse)
        return SourceTimes(
            tuple(rows),
            ids,
            tuple(float(d) for d in delay),
            cutoff,
            _frozen(best_minutes),
            _frozen(best_source),
        )

    def with_source_added(
        self, state: SourceTimes, node: Hashable, *, delay: float = 0.0
    ) -> SourceTimes:
        """Return the state with one more source: one Dijkstra and a minimum.

        Parameters
        ----------
        state
            State from :meth:`coverage` (its cutoff is used).
        node
            The new source's node id; it becomes the last source.
        delay
            Its start delay in minutes.

        Returns
        -------
        SourceTimes
            The updated state; ``state`` is unchanged. No time gets longer.
        """
        self._check_state(state)
        row = _sparse(self.times([node], cutoff=state.cutoff, delays=[delay])[0])
        best_minutes = state.best_minutes.copy()
        best_source = state.best_source.copy()
        _improve(best_minutes, best_source, row, len(state.rows))
        return SourceTimes(
            (*state.rows, row),
            (*state.sources, node),
            (*state.delays, float(delay)),
            state.cutoff,
            _frozen(best_minutes),
            _frozen(best_source),
        )

    def with_source_removed(self, state: SourceTimes, source_index: int) -> SourceTimes:
        """Return the state without one source; sources after it move down by one.

        Only the nodes the removed source served best are re-minimised over
        the remaining rows; no Dijkstra is run.

        Parameters
        ----------
        state
            State from :meth:`coverage`.
        source_index
            Index of the source to remove (negative counts from the end).

        Returns
        -------
        SourceTimes
            The updated state; ``state`` is unchanged.
        """
        self._check_state(state)
        k = len(state.rows)
        if not -k <= source_index < k:
            msg = f"source_index {source_index} is out of range for {k} sources"
            raise ValueError(msg)
        r = source_index % k
        keep = [i for i in range(k) if i != r]
        rows = tuple(state.rows[i] for i in keep)
        best_source = state.best_source.copy()
        best_minutes = state.best_minutes.copy()
        best_source[best_source > r] -= 1
        lost = np.flatnonzero(state.best_source == r)
        best_minutes[lost], best_source[lost] = np.inf, -1
        sub_minutes, sub_source = best_minutes[lost], best_source[lost]
        for k, (nodes, minutes) in enumerate(rows):  # first row on ties, as a full computation
            pos = np.minimum(np.searchsorted(nodes, lost), max(len(nodes) - 1, 0))
            hit = (nodes[pos] == lost) if len(nodes) else np.zeros(len(lost), dtype=bool)
            values = np.where(hit, minutes[pos] if len(nodes) else np.inf, np.inf)
            better = values < sub_minutes
            sub_minutes[better], sub_source[better] = values[better], k
        best_minutes[lost], best_source[lost] = sub_minutes, sub_source
        return SourceTimes(
            rows,
            tuple(state.sources[i] for i in keep),
            tuple(state.delays[i] for i in keep),
            state.cutoff,
            _frozen(best_minutes),
            _frozen(best_source),
        )

    # --- helpers -------------------------------------------------------------

    def _index(self, node: Hashable) -> int:
        try:
            return self.node_index[node]
        except (KeyError, TypeError):
            msg = f"node {node!r} is not in the network"
            raise ValueError(msg) from None

    def _indices(self, nodes: Iterable[Hashable]) -> np.ndarray:
        return np.array([self._index(node) for node in nodes], dtype=np.int64)

    def _edge_position(self, u: Hashable, v: Hashable) -> int:
        i, j = self._index(u), self._index(v)
        lo, hi = self.matrix.indptr[i], self.matrix.indptr[i + 1]
        k = lo + int(np.searchsorted(self.matrix.indices[lo:hi], j))
        if k == hi or self.matrix.indices[k] != j:
            msg = f"no edge {u!r} -> {v!r} in the network"
            raise ValueError(msg)
        return k

    def _check_state(self, state: SourceTimes) -> None:
        if len(state.best_minutes) != self.n_nodes:
            msg = (
                f"state has {len(state.best_minutes)} nodes, "
                f"the engine {self.n_nodes}: it was made by another engine"
            )
            raise ValueError(msg)


def _edge_minutes(u: Hashable, v: Hashable, data: dict[str, Any], weight: str) -> float:
    try:
        w = float(data[weight])
    except KeyError:
        msg = f"edge {u!r} -> {v!r} has no {weight!r} attribute"
        raise ValueError(msg) from None
    if not w >= 0:  # also catches NaN
        msg = f"edge {u!r} -> {v!r} has {weight}={w}; minutes must be >= 0"
        raise ValueError(msg)
    return w


def _check_delays(delays: Sequence[float] | np.ndarray | None, k: int) -> np.ndarray:
    if delays is None:
        return np.zeros(k)
    out = np.asarray(delays, dtype=np.float64)
    if out.shape != (k,):
        msg = f"delays must have one value per source ({k}), got shape {out.shape}"
        raise ValueError(msg)
    if not (np.all(np.isfinite(out)) and np.all(out >= 0)):
        msg = "delays must be finite minutes >= 0"
        raise ValueError(msg)
    return out


def _check_cutoff(cutoff: float | None) -> None:
    if cutoff is not None and not cutoff >= 0:
        msg = f"cutoff must be minutes >= 0 or None, got {cutoff}"
        raise ValueError(msg)


def _limit(cutoff: float | None, delay: float) -> float:
    """Scipy's ``limit`` for a source with ``delay``: a little generous."""
    if cutoff is None:
        return np.inf
    return cutoff - delay + _LIMIT_SLACK * max(1.0, cutoff)


def _sparse(row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a dense row of minutes as (reached node indices, their minutes), read-only."""
    nodes = np.flatnonzero(np.isfinite(row))
    return _frozen(nodes), _frozen(row[nodes])


def _improve(best_minutes: np.ndarray, best_source: np.ndarray,
             row: tuple[np.ndarray, np.ndarray], k: int) -> None:
    """Take row ``k`` where it is strictly quicker (so the first row wins ties), in place."""
    nodes, minutes = row
    better = minutes < best_minutes[nodes]
    best_minutes[nodes[better]] = minutes[better]
    best_source[nodes[better]] = k


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a
