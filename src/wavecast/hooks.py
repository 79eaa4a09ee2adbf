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

Snakemake 9 handles SIGINT (cancel the jobs) and SIGTERM (start no more jobs, wait for the
running ones) but not SIGHUP, whose default action ends the process on the spot: a closed
terminal or a dropped SSH session left the lock and the incomplete-output marks behind, and the
same command then refused to run until ``--unlock``; and its SIGTERM handler could wait for a
lock the interrupted main thread held. :func:`stop_gently_on_term_and_hang_up` mends both.
"""

from __future__ import annotations

import gc
import signal
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


def stop_gently_on_term_and_hang_up() -> bool:
    """From ``onstart`` (the scheduler exists): SIGTERM and SIGHUP both run Snakemake's SIGTERM
    handler, in a thread of its own; return whether it was installed.

    That handler (``JobScheduler.exit_gracefully``: start no more jobs, wait for the running
    ones) takes the scheduler's lock, a ``threading.Lock``. Signal handlers run in the main
    thread, which holds that lock while it records finished jobs: a SIGTERM arriving then waited
    for itself, and the run hung for good. From another thread it waits until the main thread
    lets go. SIGHUP (terminal closed, SSH dropped) has no handler in Snakemake; its default
    ended the run on the spot, lock and incomplete-output marks left behind. Now, sent to the
    terminal's whole process group, the jobs end with it, Snakemake records them as failed and
    exits with its lock released; sent to Snakemake alone, the running jobs finish first instead
    of running on unwatched. A run under ``nohup`` (SIGHUP ignored) keeps ignoring it.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    graceful = signal.getsignal(signal.SIGTERM)
    if not callable(graceful):  # no scheduler handler to hand the signal to
        return False

    def stop(signum: int, frame: object) -> None:
        threading.Thread(
            target=graceful, args=(signal.SIGTERM, None), name="wavecast-stop", daemon=True
        ).start()

    signal.signal(signal.SIGTERM, stop)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, stop)
    return True
