"""Workflow hooks (``onsuccess`` / ``onerror`` in the Snakefile).

Snakemake 9's job-rate limiter (``--max-jobs-per-timespan``, default ``100/1s``) arms a
non-daemon ``threading.Timer`` of one timespan in each scheduling round
(``JobScheduler._schedule_reevalutation``). When the run is over, nothing waits for that timer
any more, yet the interpreter joins it before exiting: every run ends ≈ 1 s after Snakemake
printed "Elapsed time" (measured in benchmarks/README.md). A shorter timespan cannot be set
(Snakemake 9.27 reads ``100/10ms`` as ten minutes). Cancelling those timers, and only those,
once the workflow has finished gives the second back.

The interpreter's last act before exiting is a full garbage collection over every object still
alive: for Snakemake with its plugins (kubernetes, pandas, sqlalchemy) ≈ 0.35 s of CPU that
frees nothing anyone waits for. :func:`skip_final_collection` takes the objects alive at the
end of the workflow out of that traversal; every stage job (:mod:`wavecast.stages`) calls it too
once its outputs are written (≈ 0.15 s of a job's exit with xarray, pandas and netCDF4 loaded).
"""

from __future__ import annotations

import gc
import threading

#: ``__qualname__`` of the callback Snakemake's scheduler gives its re-evaluation timers.
REEVALUATION_CALLBACK = "JobScheduler._schedule_reevalutation.<locals>.<lambda>"


def release_exit_timers() -> int:
    """Cancel pending scheduler re-evaluation timers; return how many were cancelled.

    Only timers whose callback is the scheduler's re-evaluation lambda are touched: other
    timers (benchmark samplers, plugins) run to completion as before.
    """
    cancelled = 0
    for thread in threading.enumerate():
        callback = getattr(thread, "function", None)
        if (
            isinstance(thread, threading.Timer)
            and getattr(callback, "__qualname__", "") == REEVALUATION_CALLBACK
            and thread.is_alive()
        ):
            thread.cancel()
            cancelled += 1
    return cancelled


def skip_final_collection() -> None:
    """Freeze every object alive now (:func:`gc.freeze`): the exit collection skips them.

    For a process about to exit: nothing is freed earlier or later than it would be (memory
    goes back with the process), objects created afterwards are collected as usual.
    """
    gc.freeze()
