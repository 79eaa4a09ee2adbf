"""Kubernetes: job records from the Jobs and pods the kubernetes executor plugin creates.

The plugin (0.5.1) creates one ``batch/v1`` Job per attempt, named ``snakejob-<uuid5>`` and
labelled ``app=snakemake``, with ``backoffLimit: 0``; its one container ``snakemake`` runs
``/bin/sh -c "<snakemake ... --target-jobs 'rule:wc=value' ... --attempt N ...>"``, so the
rule, wildcards and attempt are read from the container's arguments. Its pod (label
``job-name=<job>``) carries the node, start and finish times, the container's exit code and a
reason such as ``OOMKilled``; a job that stopped itself at its runtime limit
(``wavecast.deadline``) says so in the container's termination message, since the pod's
Snakemake exits 1 whatever its job's status. The API reports no CPU time and no peak memory:
those come from the job's benchmark file when the run's storage makes it visible here,
otherwise the record is partial.

The plugin deletes finished Jobs unless the profile sets ``kubernetes-omit-job-cleanup: true``
(backend field ``keep_finished_jobs``); collect after a run needs it, or a saved ``kubectl get
jobs,pods -n <namespace> -o json`` (pods do not carry the plugin's ``app=snakemake`` label).

:func:`parse_job` is pure and takes API objects (``V1Job``/``V1Pod``), their ``to_dict()``
form (snake_case) or kubectl JSON (camelCase). :func:`fetch_jobs` uses the kubernetes client.
"""

from __future__ import annotations

import re
from typing import Any

from .. import deadline
from ..targets import specs_in
from .record import JobRecord, derive, note, stopped_at_limit
from .units import GIB, k8s_cpu, k8s_memory_bytes, timestamp

CONTAINER = "snakemake"
NO_USAGE = "Kubernetes reports no CPU time or peak memory"
_ATTEMPT_RE = re.compile(r"--attempt\s+'?(\d+)")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def get(obj: Any, *path: str) -> Any:
    """Walk ``path`` (snake_case names) through objects, snake_case or camelCase dicts."""
    for name in path:
        if obj is None:
            return None
        if isinstance(obj, dict):
            obj = obj.get(name, obj.get(_camel(name)))
        else:
            obj = getattr(obj, name, None)
    return obj


def parse_target(command: str) -> tuple[str | None, dict[str, str], int | None]:
    """The rule, wildcards and attempt from a Snakemake job command line."""
    rule, wildcards, attempt = None, {}, None
    specs = specs_in(command)
    if specs:
        rule, wildcards = specs[0]
    match = _ATTEMPT_RE.search(command)
    if match:
        attempt = int(match.group(1))
    return rule, wildcards, attempt


def _container(spec: Any) -> Any:
    for container in get(spec, "containers") or []:
        if get(container, "name") == CONTAINER:
            return container
    return None


def _container_status(pod: Any) -> Any:
    for status in get(pod, "status", "container_statuses") or []:
        if get(status, "name") == CONTAINER:
            return status
    return None


def parse_job(job: Any, pods: list[Any], run_id: str) -> JobRecord:
    """One attempt's record from its Job and pods (the last pod is the one that counts)."""
    name = get(job, "metadata", "name") or "?"
    container = _container(get(job, "spec", "template", "spec"))
    args = get(container, "args") or []
    command = " ".join(str(a) for a in [*(get(container, "command") or []), *args])
    rule, wildcards, attempt = parse_target(command)
    pod = pods[-1] if pods else None
    cstatus = _container_status(pod)
    terminated = get(cstatus, "state", "terminated")
    waiting = get(cstatus, "state", "waiting")
    requests = get(container, "resources", "requests") or {}
    status, raw = _status(job, pod, terminated, waiting)
    record = JobRecord(
        run_id=run_id,
        rule=rule or "unknown",
        wildcards=wildcards,
        attempt=attempt or 1,
        backend="kubernetes",
        backend_job_id=name,
        status=status,  # type: ignore[arg-type]
        raw_state=raw,
        exit_code=get(terminated, "exit_code"),
        start=timestamp(get(terminated, "started_at") or get(job, "status", "start_time")),
        end=timestamp(get(terminated, "finished_at") or get(job, "status", "completion_time")),
        requested_cpus=k8s_cpu(requests.get("cpu")),
        node=get(pod, "spec", "node_name"),
        log_path=None,
    )
    memory = k8s_memory_bytes(requests.get("memory"))
    if memory is not None:
        record.requested_memory_gb = memory / GIB
    if rule is None:
        note(record, f"Job {name}: no --target-jobs in the container command; rule unknown")
    if pod is None:
        note(record, f"Job {name}: no pod found (deleted, or not yet scheduled)")
    message = str(get(terminated, "message") or "")
    if record.status == "failed" and deadline.TERMINATION_MARK in message:
        stopped_at_limit(record, f"pod reason {raw}, termination message {message.strip()!r}")
    if record.status in ("completed", "failed"):
        note(record, NO_USAGE)
    return derive(record)


def _status(job: Any, pod: Any, terminated: Any, waiting: Any) -> tuple[str, str]:
    conditions = {get(c, "type"): get(c, "status") for c in get(job, "status", "conditions") or []}
    if terminated is not None:
        reason = get(terminated, "reason") or ""
        code = get(terminated, "exit_code")
        if code == 0:
            return "completed", reason or "Completed"
        return "failed", reason or "Error"
    if conditions.get("Complete") == "True":
        return "completed", "Complete"
    if conditions.get("Failed") == "True":
        return "failed", "Failed"
    if waiting is not None:
        return "pending", get(waiting, "reason") or "Waiting"
    phase = get(pod, "status", "phase")
    if phase == "Running":
        return "running", "Running"
    if phase in ("Succeeded",):
        return "completed", phase
    if phase == "Failed":
        return "failed", phase
    return "pending", phase or "Pending"


def items(document: Any) -> tuple[list[Any], dict[str, list[Any]]]:
    """Split a ``kubectl get jobs,pods -o json`` List into Jobs and pods per job name."""
    jobs, pods = [], {}
    for item in get(document, "items") or []:
        kind = get(item, "kind")
        if kind == "Job":
            jobs.append(item)
        elif kind == "Pod":
            owner = (get(item, "metadata", "labels") or {}).get("job-name")
            if owner:
                pods.setdefault(owner, []).append(item)
    return jobs, pods


def fetch_jobs(names: list[str], namespace: str = "default") -> tuple[list[Any], dict[str, list]]:
    """Read the Jobs named in the run log and their pods through the kubernetes client.

    Needs a kube config (``~/.kube/config``, ``$KUBECONFIG``) or in-cluster credentials and
    list/get permission on jobs and pods in ``namespace``. Not tested here: no API server runs
    on the build machines; :func:`parse_job` is tested on literal API objects instead.
    """
    import kubernetes  # the kubernetes executor plugin depends on it

    try:
        kubernetes.config.load_kube_config()
    except Exception:  # noqa: BLE001 - fall back to the in-cluster service account
        kubernetes.config.load_incluster_config()
    batch = kubernetes.client.BatchV1Api()
    core = kubernetes.client.CoreV1Api()
    jobs, pods = [], {}
    for name in names:
        try:
            jobs.append(batch.read_namespaced_job(name, namespace))
        except kubernetes.client.exceptions.ApiException as exc:
            if exc.status == 404:
                continue
            raise
        found = core.list_namespaced_pod(namespace, label_selector=f"job-name={name}")
        pods[name] = sorted(found.items, key=lambda p: p.metadata.creation_timestamp)
    return jobs, pods
