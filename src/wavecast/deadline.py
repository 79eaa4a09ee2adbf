"""A job's runtime limit, enforced by the job itself where its executor sets none.

SLURM stops a job at its ``-t`` limit (and :mod:`wavecast.retry` reads the TIMEOUT). The local
executor starts no timer at all, and the Kubernetes plugin (0.5) builds its V1Job without
``activeDeadlineSeconds``, so the backend YAML's ``timeout`` would reach those profiles as a
``runtime`` nobody acts on. Their profiles therefore give every rule the resource
``enforce_runtime: 1``, and each stage job arms a limit of its ``runtime`` minutes.

At the limit ``SIGALRM`` raises :class:`RuntimeLimitReached` in the job (while a NetCDF file is
open, once it is closed: :func:`wavecast.io.signals_held`): its traceback says
where the job was, ``finally`` blocks remove temporary files, and
:func:`wavecast.stages._call_within_limit` ends the job with :data:`EXIT_STATUS` (124, as GNU
``timeout`` does), which the run log records:
``wavecast metrics`` reports the attempt as a ``TIMEOUT`` and :mod:`wavecast.retry` asks for
more time on the retry. In a Kubernetes pod the stop is also written to the container's
termination message (:func:`report_stop`), which the pod's status carries to the metrics:
there the pod's own Snakemake exits 1 whatever its job's status. A job stuck inside one C call
(numpy, HDF5) does
not see that exception, so :func:`faulthandler.dump_traceback_later` stands behind it: a C
thread that needs no GIL and, ``grace`` seconds later, writes ``Timeout (h:mm:ss)!`` and every
thread's traceback and exits with status 1, a failure like any other. Both write to standard
error, which :mod:`wavecast.stages` has routed to the rule's log.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

log = logging.getLogger("wavecast")

#: The resource a profile sets to 1 when its executor does not enforce ``runtime`` itself.
RESOURCE = "enforce_runtime"

#: Seconds between the exception and the hard stop of a job that did not return to Python.
GRACE_SECONDS = 30

#: The exit status of a job stopped at its limit (GNU ``timeout``'s), read back by the metrics
#: and the retry from Snakemake's run log ("returned non-zero exit status 124").
EXIT_STATUS = 124

#: Where Kubernetes reads a container's termination message (the pod spec's default
#: ``terminationMessagePath``); the kubelet creates it, so it is written only where it exists.
TERMINATION_LOG = Path("/dev/termination-log")

#: Starts the termination message of a stopped job; ``wavecast.metrics`` looks for it.
TERMINATION_MARK = "wavecast stopped the job:"


class RuntimeLimitReached(BaseException):
    """The job ran for its whole runtime (the backend's timeout).

    A ``BaseException``, like ``KeyboardInterrupt``: ``except Exception`` (logging's handlers,
    xarray's engine guessing) and ``except OSError`` do not swallow it."""


def limit_seconds(resources: Mapping[str, Any]) -> int | None:
    """Seconds this job may run, or ``None`` when the executor enforces ``runtime`` itself
    (``enforce_runtime`` absent or 0) or no positive ``runtime`` is set."""
    if not int(resources.get(RESOURCE, 0) or 0):
        return None
    minutes = int(resources.get("runtime", 0) or 0)
    return minutes * 60 if minutes > 0 else None


def arm(seconds: int | None, grace: int = GRACE_SECONDS) -> None:
    """Stop this process after ``seconds`` (``None``: no limit); from the main thread, after
    standard error points at the log (the hard stop keeps that file descriptor)."""
    if seconds is None:
        return
    log.info("runtime limit %d s (the backend's timeout), enforced by this job", seconds)

    def reached(signum: int, frame: FrameType | None) -> None:
        raise RuntimeLimitReached(
            f"runtime limit of {seconds} s reached (the backend's timeout); "
            "raise the stage's timeout in the backend YAML if it needs longer"
        )

    signal.signal(signal.SIGALRM, reached)
    signal.alarm(seconds)
    faulthandler.dump_traceback_later(seconds + grace, exit=True, file=sys.stderr)


def disarm() -> None:
    """The job's work is done: no limit for the rest of its exit."""
    signal.alarm(0)
    faulthandler.cancel_dump_traceback_later()


def report_stop(stop: RuntimeLimitReached, path: Path | None = None) -> None:
    """Tell Kubernetes why the container ends: its termination message, when the file exists
    (a pod's; nowhere else, so nothing is created on a laptop)."""
    target = path or TERMINATION_LOG
    if not target.exists():
        return
    try:
        target.write_text(f"{TERMINATION_MARK} {stop}\n", encoding="utf-8")
    except OSError as exc:  # the message is a courtesy: the job's log already says why
        log.warning("could not write the termination message to %s: %s", target, exc)
