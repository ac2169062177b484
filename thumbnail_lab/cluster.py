"""Map a function over shards of work: in this process, on a local Dask cluster, or on a running scheduler.

The batch stages that grow with the number of thumbnails (embedding a folder, drawing, embedding and
encoding ``make scale``'s blocks) are pure maps: a shard in, an array or a file out. ``map_shards``
runs one of them here, one shard after the other, or hands the shards to Dask
(``distributed.Client.map``): ``workers`` starts a ``LocalCluster`` of that many single-threaded
worker processes on loopback, ``scheduler`` connects to a running one (its workers must see the same
disk). Results come back in shard order, so the output does not depend on where it was computed.
Scheduling is Dask's; nothing here decides where a shard runs.
"""
from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any, Callable, Sequence

from .progress import progress


def where(workers: int = 0, scheduler: str | None = None) -> str:
    """Where ``map_shards`` runs, in words."""
    if scheduler:
        return f"Dask scheduler {scheduler}"
    return f"a local Dask cluster of {workers} workers" if workers else "this process"


def map_shards(fn: Callable[..., Any], shards: Sequence[Any], *, workers: int = 0, scheduler: str | None = None,
               warm: Callable[[], None] | None = None, desc: str = "shards", show_progress: bool = True,
               **kwargs: Any) -> tuple[list[Any], float]:
    """``[fn(shard, **kwargs) for shard in shards]``, here or on a Dask cluster.

    Returns the results in shard order and the moment (``time.perf_counter``) the cluster was ready,
    so that starting it is not counted as work. ``warm`` runs once on every worker first (imports).
    """
    if not (workers or scheduler):
        ready = time.perf_counter()
        return [fn(shard, **kwargs) for shard in progress(shards, desc=desc, disable=not show_progress)], ready
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       host="127.0.0.1", dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        client.wait_for_workers(workers or 1)
        if warm is not None:
            client.run(warm)
        ready = time.perf_counter()
        futures = client.map(fn, list(shards), pure=False, **kwargs)
        if show_progress:
            from distributed import as_completed

            for _ in progress(as_completed(futures), desc=desc, total=len(futures)):
                pass
        return client.gather(futures), ready
