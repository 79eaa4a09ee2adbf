"""A job's runtime limit, enforced by the job itself where its executor sets none.

SLURM stops a job at its ``-t`` limit (and :mod:`wavecast.retry` reads the TIMEOUT). The local
executor starts no timer at all, and the Kubernetes plugin (0.5) builds its V1Job without
``activeDeadlineSeconds``, so the backend YAML's ``timeout`` would reach those profiles as a
``runtime`` nobody acts on. Their profiles therefore give every rule the resource
``enforce_runtime: 1``, and each stage job arms a watchdog for its ``runtime`` minutes.

The watchdog is :func:`faulthandler.dump_traceback_later`: a C thread that needs no GIL, so it
fires even while numpy or HDF5 holds the interpreter. When it fires, it writes
``Timeout (h:mm:ss)!`` and every thread's traceback to standard error, which
:mod:`wavecast.stages` has routed to the rule's log, and exits with status 1: Snakemake sees a
failed job (outputs are written atomically, so none is left half-written) and retries it if the
profile allows.
"""

from __future__ import annotations

import faulthandler
import logging
import sys
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("wavecast")

#: The resource a profile sets to 1 when its executor does not enforce ``runtime`` itself.
RESOURCE = "enforce_runtime"


def limit_seconds(resources: Mapping[str, Any]) -> int | None:
    """Seconds this job may run, or ``None`` when the executor enforces ``runtime`` itself
    (``enforce_runtime`` absent or 0) or no positive ``runtime`` is set."""
    if not int(resources.get(RESOURCE, 0) or 0):
        return None
    minutes = int(resources.get("runtime", 0) or 0)
    return minutes * 60 if minutes > 0 else None


def arm(seconds: int | None) -> None:
    """Stop this process after ``seconds`` with a traceback in the log (``None``: no limit).

    Call it after standard error points at the log: the watchdog keeps that file descriptor.
    """
    if seconds is None:
        return
    log.info(
        "runtime limit %d s (the backend's timeout), enforced by this job: at the limit it stops "
        "with 'Timeout' and a traceback; raise the stage's timeout if it needs longer",
        seconds,
    )
    faulthandler.dump_traceback_later(seconds, exit=True, file=sys.stderr)


def disarm() -> None:
    """The job's work is done: no limit for the rest of its exit."""
    faulthandler.cancel_dump_traceback_later()
