"""Where tournament games run: a local process pool, or a Dask cluster.

Both are ``concurrent.futures``-style executors (``submit()`` returns a Future), so the
tournament runner does not care which. ``Executors`` adds what the runner needs on
top: how many games to keep in flight, and a ``restart()`` after a local worker died
(a dead worker breaks a ``ProcessPoolExecutor`` for good; Dask reschedules on its own).

Before any game is submitted, ``warm(specs)`` compiles (or loads from Numba's disk
cache) every engine's search, here and, on a cluster, on every worker, so workers do
not each compile the same kernels in parallel; and ``check_engines(specs)`` starts
every other engine (an external UCI process, a Python class) once and closes it, so
that an engine that cannot start at all stops the run before its first game instead
of forfeiting every game it was due to play.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from searchprune.engines.spec import EngineSpec


def warm(specs: list[EngineSpec]) -> int:
    """Build each engine once and let it search the start position briefly."""
    from dataclasses import replace

    from searchprune.engines.engine import make_engine

    count = 0
    for spec in specs:
        if spec.kind != "searchprune":
            continue
        engine = make_engine(replace(spec, limits={"depth": 2}))
        engine.play(engine.game.new_state())
        count += 1
    return count


class EngineStartError(RuntimeError):
    """An engine that cannot start (missing binary, not a UCI engine, bad class); one line
    naming the engine."""


def check_engines(specs: list[EngineSpec]) -> None:
    """Start and close each engine that ``warm`` does not build (external UCI processes,
    Python classes); ``EngineStartError`` for the first that cannot start."""
    from searchprune.engines.engine import make_engine

    for spec in specs:
        if spec.kind == "searchprune":
            continue
        try:
            engine = make_engine(spec)
        except Exception as error:  # SpecError, GameError, or whatever a Python class raises
            detail = str(error).removeprefix(f"engine {spec.name}: ")
            raise EngineStartError(f"engine {spec.name} cannot start: {detail}") from None
        engine.close()


def _die_with_parent() -> None:
    """Worker initializer: on Linux, ask the kernel to kill this worker when its parent
    dies, so a tournament killed with SIGKILL leaves no idle workers behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _local_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent)


def _stop_local(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down now: cancel what has not started, terminate the workers (a Ctrl-C
    reaches only this process when it is not sent to the whole process group, and their
    tasks would otherwise run on), then wait for the pool's manager thread, which ends
    at once without workers. Waiting matters: a manager thread still alive when Python
    exits gets woken through a pipe it may have closed already ("Exception ignored ...
    Bad file descriptor" at exit). What a task finished was handed back already; only
    unfinished work is lost, and a resume redoes it."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # private, hence the guard
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def open_pool(concurrency: int, cluster: str | None = None, warm=None, *args):
    """(executor, shutdown) of a local pool of ``concurrency`` processes, or of the Dask
    cluster at ``cluster``; ``warm(*args)``, if given, runs here first (the local workers
    fork from here) or on every cluster worker."""
    if cluster is None:
        if warm is not None:
            warm(*args)
        pool = _local_pool(concurrency)
        return pool, lambda: _stop_local(pool)
    try:
        from distributed import Client
    except ImportError:
        raise RuntimeError("--cluster needs Dask distributed: pip install 'searchprune[cluster]'") from None
    try:
        client = Client(cluster, timeout="10s")
    except OSError as error:
        raise RuntimeError(f"cannot reach the Dask scheduler at {cluster}: {error}") from None
    if warm is not None:
        client.run(warm, *args)
    return client.get_executor(pure=False), client.close


class Executors:
    """A local process pool of ``concurrency`` workers, or the Dask cluster at ``cluster``."""

    def __init__(self, specs: list[EngineSpec], concurrency: int = 1, cluster: str | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.specs = specs
        self.concurrency = concurrency
        self.cluster = cluster
        self.client = None
        warm(specs)  # the local pool's workers fork from here, or load the disk cache
        if cluster:
            try:
                from distributed import Client
            except ImportError:
                raise RuntimeError("--cluster needs Dask distributed: pip install 'searchprune[cluster]'") from None
            try:
                self.client = Client(cluster, timeout="10s")
            except OSError as error:
                raise RuntimeError(f"cannot reach the Dask scheduler at {cluster}: {error}") from None
            self.client.run(warm, specs)
            self.pool = self.client.get_executor(pure=False)
            threads = sum(self.client.nthreads().values())
            self.capacity = max(1, threads) * 2  # keep every worker fed
        else:
            self.pool = _local_pool(concurrency)
            self.capacity = concurrency * 2

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def restart(self) -> None:
        """A fresh local pool after a worker died (a no-op on a cluster)."""
        if self.client is None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = _local_pool(self.concurrency)

    def shutdown(self) -> None:
        """Stop now (``_stop_local``): a finished game is already saved, an unfinished one
        is replayed by a resume."""
        if self.client is not None:
            self.client.close()
        else:
            _stop_local(self.pool)
