"""The exit hooks: Snakemake's scheduler re-evaluation timers are cancelled and nothing else;
the objects alive at the end are frozen out of the exit collection, later ones still collected."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import types
import weakref

import pytest
from snakemake.scheduling.job_scheduler import JobScheduler

from wavecast.hooks import (
    REEVALUATION_CALLBACK,
    release_exit_timers,
    skip_final_collection,
    stop_gently_on_term_and_hang_up,
)


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


def test_objects_alive_at_the_end_are_frozen_and_new_cycles_still_collected():
    class Node:
        pass

    before = Node()
    before.me = before  # a reference cycle: only the cyclic collector could free it
    frozen = weakref.ref(before)
    try:
        skip_final_collection()
        del before
        after = Node()
        after.me = after
        collected = weakref.ref(after)
        del after
        gc.collect()
        assert frozen() is not None, "a cycle alive at the freeze is skipped by collections"
        assert collected() is None, "a cycle made after the freeze is still collected"
    finally:
        gc.unfreeze()


def test_a_stage_job_freezes_its_heap_only_after_the_stage_returned(tmp_path, monkeypatch):
    from wavecast import stages

    monkeypatch.setattr(sys, "stderr", sys.stderr)  # stages.run points it at the job's log
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    job = types.SimpleNamespace(
        log=[str(tmp_path / "job.log")],
        rule="plot_maps",
        wildcards={},
        input={},
        output={},
        params={},
        resources={},
    )
    frozen_during = []
    gc.unfreeze()
    stderr_fd = os.dup(2)  # stages.run also points file descriptor 2 at the log
    try:
        stages.run(job, lambda *_: frozen_during.append(gc.get_freeze_count()))
        assert frozen_during == [0], "nothing is frozen while the stage works"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        os.dup2(stderr_fd, 2)
        os.close(stderr_fd)
    assert "done in" in (tmp_path / "job.log").read_text()


def test_a_stage_job_sends_everything_written_to_stderr_to_its_log(tmp_path):
    """Python's stderr and the file descriptor under it (C libraries such as HDF5 write there),
    in a job process of its own: nothing reaches the console, all of it the rule's log."""
    code = (
        "import os, sys, logging; from wavecast import stages; "
        f"stages._setup_logging({str(tmp_path / 'job.log')!r}); "
        "logging.getLogger('x').info('from logging'); print('from python', file=sys.stderr); "
        "os.write(2, b'from C\\n')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    text = (tmp_path / "job.log").read_text()
    assert "from logging" in text and "from python" in text and "from C" in text


@contextlib.contextmanager
def scheduler_stop_handler():
    """Snakemake's own SIGTERM handler (``JobScheduler.exit_gracefully``) on a stand-in scheduler,
    installed as the scheduler installs it; every handler is put back afterwards."""
    fake = types.SimpleNamespace(
        _lock=threading.Lock(), _open_jobs=threading.Semaphore(0), _user_kill=None
    )
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM)}
    signal.signal(signal.SIGTERM, JobScheduler.exit_gracefully.__get__(fake))
    try:
        yield fake
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def _give_up(signum, frame):
    raise TimeoutError("the stop handler waited for the lock its own thread holds")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_while_the_scheduler_holds_its_lock_does_not_hang(signum):
    """Signal handlers run in the main thread, which holds the scheduler's lock while it records
    finished jobs: Snakemake's handler, run there, waited for itself (a real run hung)."""
    with scheduler_stop_handler() as scheduler:
        assert stop_gently_on_term_and_hang_up()
        signal.signal(signal.SIGALRM, _give_up)
        signal.setitimer(signal.ITIMER_REAL, 5)
        with scheduler._lock:
            signal.raise_signal(signum)
            time.sleep(0.1)
            assert scheduler._user_kill is None  # the handler waits for the lock
        signal.setitimer(signal.ITIMER_REAL, 0)
        assert scheduler._open_jobs.acquire(timeout=5), "the scheduler was not woken"
        assert scheduler._user_kill == "graceful"


def test_a_run_under_nohup_keeps_ignoring_the_hang_up():
    with scheduler_stop_handler():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        assert stop_gently_on_term_and_hang_up()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


def test_without_a_scheduler_handler_nothing_is_installed():
    with scheduler_stop_handler():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        assert not stop_gently_on_term_and_hang_up()
        assert signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
