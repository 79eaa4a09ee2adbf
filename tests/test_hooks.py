"""The exit hook cancels Snakemake's scheduler re-evaluation timers and nothing else."""

from __future__ import annotations

import threading
import types

from snakemake.scheduling.job_scheduler import JobScheduler

from wavecast.hooks import REEVALUATION_CALLBACK, release_exit_timers


def scheduler_timer(delay: float) -> threading.Timer:
    """A timer armed by Snakemake's own ``JobScheduler._schedule_reevalutation``."""
    released = threading.Semaphore(0)
    fake = types.SimpleNamespace(_open_jobs=released)
    before = set(threading.enumerate())
    JobScheduler._schedule_reevalutation(fake, delay)
    (timer,) = set(threading.enumerate()) - before
    assert isinstance(timer, threading.Timer)
    return timer


def test_callback_name_is_snakemakes():
    timer = scheduler_timer(60)
    try:
        assert timer.function.__qualname__ == REEVALUATION_CALLBACK
    finally:
        timer.cancel()


def test_scheduler_timers_are_cancelled_others_kept():
    ours = scheduler_timer(60)
    fired = threading.Event()
    other = threading.Timer(0.2, fired.set)
    other.start()
    assert release_exit_timers() == 1
    ours.join(timeout=5)
    assert not ours.is_alive(), "a cancelled timer ends at once instead of after 60 s"
    other.join(timeout=5)
    assert fired.is_set(), "an unrelated timer must still fire"
    assert release_exit_timers() == 0
