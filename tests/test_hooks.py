"""The exit hooks: Snakemake's scheduler re-evaluation timers are cancelled and nothing else;
the objects alive at the end are frozen out of the exit collection, later ones still collected."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import threading
import types
import weakref

from snakemake.scheduling.job_scheduler import JobScheduler

from wavecast.hooks import REEVALUATION_CALLBACK, release_exit_timers, skip_final_collection


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
