"""Run one task per area in parallel: local processes, or a Dask cluster.

``islandcare run --area a,b,c --workers N`` runs the areas in N processes of
this computer; ``--dask ADDRESS`` sends the same per-area tasks to a Dask
distributed scheduler (the optional extra ``pip install islandcare[dask]``),
for a province of many counties on several machines. Each task writes its own
area's folder; the caller gets the tasks' results in the order of the areas.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from islandcare._gc import collect_less
from islandcare.errors import InputError

__all__ = ["map_areas"]


def _guarded(task: Callable[[str, Any], Any], key: str, arg: Any) -> tuple[str, Any]:
    """Run a task; a user's mistake comes back as data (its problems survive the trip)."""
    collect_less()  # as the command does in its own process
    try:
        return "ok", task(key, arg)
    except InputError as exc:
        return "input", (exc.args[0], exc.problems)


def _unwrap(result: tuple[str, Any]) -> Any:
    status, value = result
    if status == "input":
        raise InputError(value[0], value[1])
    return value


def map_areas(task: Callable[[str, Any], Any], keys: Sequence[str], arg: Any, *, workers: int = 1,
              dask_address: str | None = None,
              say: Callable[[str], None] = lambda _msg: None) -> list[Any]:
    """``[task(key, arg) for key in keys]``, run in parallel.

    Parameters
    ----------
    task
        A module-level function (it is pickled to the workers).
    keys
        The areas.
    arg
        The same second argument for every task (picklable).
    workers
        Local processes (ignored with ``dask_address``).
    dask_address
        Address of a Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    say
        Told one line per finished area.

    Returns
    -------
    list
        The tasks' results, in the order of ``keys``.

    Raises
    ------
    InputError
        The first user mistake a task met, or a missing Dask installation.
    """
    t0 = time.perf_counter()
    results: dict[str, Any] = {}
    if dask_address:
        try:
            from distributed import Client, as_completed
        except ImportError:
            msg = "--dask needs Dask distributed: pip install 'islandcare[dask]' (or dask distributed)."
            raise InputError(msg) from None
        try:
            client = Client(dask_address, timeout=20)
        except OSError as exc:
            msg = f"Cannot reach the Dask scheduler at {dask_address} ({exc}): check the address."
            raise InputError(msg) from None
        with client:
            futures = {client.submit(_guarded, task, key, arg, pure=False,
                                     key=f"islandcare-{key}-{time.time_ns()}"): key
                       for key in keys}
            for fut in as_completed(futures):
                key = futures[fut]
                results[key] = _unwrap(fut.result())
                say(f"{key}: done ({time.perf_counter() - t0:.1f} s)")
        return [results[k] for k in keys]
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding GDAL/BLAS threads
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx) as pool:
        pending = {pool.submit(_guarded, task, key, arg): key for key in keys}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                key = pending.pop(fut)
                try:
                    results[key] = _unwrap(fut.result())
                except InputError:
                    for other in pending:
                        other.cancel()
                    raise
                say(f"{key}: done ({time.perf_counter() - t0:.1f} s)")
    return [results[k] for k in keys]
