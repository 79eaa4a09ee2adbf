"""Propose per-stage cpu/memory/timeout from measured jobs, and write them into backend YAML.

Rules (each proposal says which applied):

- memory = peak of the successful attempts × headroom, rounded up to a sane step (256m below
  2g, 1g below 16g, 4g above); never below the largest peak a successful attempt used;
- cpu = CPU time ÷ wall time of the busiest successful attempt × headroom, rounded up; only
  ever lowered (a job that uses all its CPUs may use more if given more, which the metrics
  cannot tell), never below what was used;
- timeout = longest successful wall time × headroom, rounded up to 5 min below 1 h, 15 min
  below 6 h, 1 h above; at least 60 s (a job a whole-second clock timed as 0 s counts as 1 s);
- nothing above ``limits``: when the floor itself is above a limit the rule is reported, not
  changed. Rules with no successful attempt are left alone (those whose attempts ran out of
  time get a note saying where to raise the timeout). Rules run inside a SLURM group job
  (``groups``) are measured by their own job steps (``slurm.group_step_records``); where no
  step can be tied to the rule (SLURM before 21.08, or an MPI rule whose command names no
  output file) only the group job is measured, and tune says so.

:func:`edit_stages` changes only the values under ``stages:`` line by line, so comments,
ordering and the rest of the file stay as they were (no YAML round trip).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..backends.units import runtime_minutes
from ..errors import Problem, ValidationError
from .record import TIMEOUT, JobRecord
from .requested import EnvResources


@dataclass
class Proposal:
    rule: str
    key: str  # cpu | memory | timeout
    current: str
    proposed: str
    reason: str


def _round_up(value: float, step: float) -> float:
    return math.ceil(value / step - 1e-9) * step


def memory_step_mib(mib: float) -> int:
    return 256 if mib < 2048 else 1024 if mib < 16384 else 4096


def format_mib(mib: int) -> str:
    """Backend YAML memory string: ``4g`` when whole GiB, else ``1536m``."""
    return f"{mib // 1024}g" if mib % 1024 == 0 else f"{mib}m"


def timeout_step(seconds: float) -> int:
    return 300 if seconds < 3600 else 900 if seconds < 6 * 3600 else 3600


def propose(
    records: Iterable[JobRecord], env: EnvResources, headroom: float = 1.2
) -> tuple[list[Proposal], list[str]]:
    """Proposals for every rule with successful attempts, and notes for rules left alone."""
    if headroom < 1:
        raise ValueError("headroom must be at least 1.0")
    done: dict[str, list[JobRecord]] = {}
    timed_out: dict[str, list[JobRecord]] = {}
    for record in records:
        if record.status == "completed":
            done.setdefault(record.rule, []).append(record)
        elif record.raw_state == TIMEOUT:
            timed_out.setdefault(record.rule, []).append(record)
    proposals: list[Proposal] = []
    notes: list[str] = []
    for rule, current in env.requested.items():
        group = done.get(rule)
        if not group and rule in env.groups:
            notes.append(
                f"{rule}: runs inside group job '{env.groups[rule]}', and no job step of it "
                "was measured (sacct before SLURM 21.08 names no step's rule, and an MPI "
                "rule's launcher step is known only by the output file its command names; "
                "see `wavecast metrics summary`); left as is"
            )
            continue
        if not group and rule in timed_out:
            notes.append(_timed_out_note(rule, timed_out[rule], current, env))
            continue
        if not group:
            notes.append(f"{rule}: no successful attempt measured; left as is")
            continue
        proposals += _memory(rule, group, current, env, headroom, notes)
        proposals += _cpu(rule, group, current, env, headroom, notes)
        proposals += _timeout(rule, group, current, env, headroom, notes)
    return proposals, notes


def _timed_out_note(rule, stopped, current, env) -> str:
    """A rule that only ever ran out of time: nothing measured to size it by, but the user
    should know where to give it more: its own timeout, or, when an attempt already had
    limits.timeout (retries double the time up to it), the limit itself."""
    asked = [r.requested_runtime_seconds for r in stopped if r.requested_runtime_seconds]
    longest = int(max(asked)) if asked else int(current["runtime_min"] * 60)
    head = f"{rule}: no successful attempt; {len(stopped)} attempt(s) stopped at the time limit"
    if longest >= env.limit_timeout:
        return (
            f"{head} (the longest had {longest} s, limits.timeout); raise limits.timeout and "
            f"stages.{rule}.timeout, or make the stage shorter, and run again; left as is"
        )
    return (
        f"{head} (the longest had {longest} s); raise stages.{rule}.timeout (at most "
        f"limits.timeout, {env.limit_timeout} s) and run again; left as is"
    )


def _memory(rule, group, current, env, headroom, notes) -> list[Proposal]:
    peaks = [r.peak_memory_gb * 1024 for r in group if r.peak_memory_gb is not None]
    if not peaks:
        notes.append(f"{rule}: no peak memory measured; memory left as is")
        return []
    peak = max(peaks)
    floor = math.ceil(peak)
    if floor > env.limit_mem_mb:
        notes.append(
            f"{rule}: a successful attempt used {floor} MiB, above limits.memory "
            f"({format_mib(env.limit_mem_mb)}); memory left as is, raise limits.memory"
        )
        return []
    want = int(_round_up(peak * headroom, memory_step_mib(peak * headroom)))
    value = max(min(want, env.limit_mem_mb), floor)
    if value == int(current["mem_mb"]):
        return []
    why = f"peak {peak:.0f} MiB × {headroom:g}"
    if want > env.limit_mem_mb:
        why += f", capped at limits.memory {format_mib(env.limit_mem_mb)}"
    return [Proposal(rule, "memory", format_mib(int(current["mem_mb"])), format_mib(value), why)]


def _cpu(rule, group, current, env, headroom, notes) -> list[Proposal]:
    timed = [r for r in group if r.cpu_seconds and r.wall_time_seconds]
    if not timed:
        notes.append(f"{rule}: no CPU time measured; cpu left as is")
        return []
    # over the time the CPU figure covers: a benchmark file samples only part of a long job
    busiest = max(r.cpus_busy() for r in timed)
    # "never below what was used" counts only what was surely used: with a whole-second clock
    # the attempt may have run up to a second longer than recorded
    surely = max(r.cpu_seconds / (r.wall_time_seconds + _clock_step(r)) for r in timed)
    floor = max(1, math.ceil(surely - 1e-9))
    now = int(current["cpu"])
    value = min(max(floor, min(now, math.ceil(busiest * headroom - 1e-9))), env.limit_cpu)
    if value == now:
        return []
    why = f"busiest attempt used {busiest:.2f} CPUs × {headroom:g}"
    return [Proposal(rule, "cpu", str(now), str(value), why)]


def _clock_step(record: JobRecord) -> float:
    """How much longer than recorded an attempt may have run. SLURM, Kubernetes and the run
    log give whole seconds (start and end truncated: ±1 s), so a step of 3.06 CPU-seconds
    recorded as 3 s reads as 1.02 CPUs and would be raised to 2; benchmark files (local)
    time to the millisecond."""
    return 0.0 if record.backend == "local" else 1.0


def _timeout(rule, group, current, env, headroom, notes) -> list[Proposal]:
    walls = [r.wall_time_seconds for r in group if r.wall_time_seconds is not None]
    if not walls:
        notes.append(f"{rule}: no wall time measured; timeout left as is")
        return []
    longest = max(walls)
    if longest > env.limit_timeout:
        notes.append(f"{rule}: ran {longest:.0f} s, above limits.timeout; left as is")
        return []
    # 0 s is a whole-second clock's (run log, sacct, Kubernetes) reading of a shorter job:
    # sized as the second it may have lasted, like a benchmark file's 0.5 s
    sized = longest or 1.0
    want = max(60, int(_round_up(sized * headroom, timeout_step(sized * headroom))))
    value = max(min(want, env.limit_timeout), math.ceil(longest))
    # shown as the YAML writes it (125), not the minutes it becomes (3 → 180); a value that
    # becomes the same minutes (180) changes nothing
    now = int(current.get("timeout_s") or current["runtime_min"] * 60)
    if runtime_minutes(value) == runtime_minutes(now):
        return []
    if longest:
        why = f"longest {_seconds(longest)} × {headroom:g}"
    else:
        why = f"longest < 1 s (timed in whole seconds), taken as 1 s × {headroom:g}"
    return [Proposal(rule, "timeout", str(now), str(value), why)]


def _seconds(value: float) -> str:
    """A wall time as it was measured: whole seconds from 10 s, two significant digits below
    (a benchmark file times to the millisecond: 0.48 s is not "0 s", 1.5 s not "2 s")."""
    return f"{value:.0f} s" if value >= 10 else f"{value:.2g} s"


_TOP_RE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):(?P<rest>.*)$")
_KEY_RE = re.compile(
    r"^(?P<indent> +)(?P<key>[\w-]+):(?P<space> *)(?P<value>[^#\n]*?)(?P<tail>\s*#.*)?$"
)


def edit_stages(text: str, changes: dict[str, dict[str, str]], file: str = "<backend>") -> str:
    """Set ``stages.<rule>.<key>`` values in backend YAML text, keeping every comment.

    Existing keys keep their line (and trailing comment) with the value replaced; missing
    keys go at the end of their rule's block; missing rules at the end of ``stages:``; a
    missing ``stages:`` at the end of the file. Flow style (``stages: {...}``) is refused.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if re.match(r"^stages:", line)), None)
    if start is None:
        lines.append("stages:\n")
        start = len(lines) - 1
    after = lines[start][len("stages:") :].split("#", 1)[0].strip()
    if after == "{}":
        lines[start] = "stages:\n"
    elif after:
        raise ValidationError(
            [Problem(file, "stages", "written in flow style", "write it as a block mapping")]
        )
    end = start + 1
    while end < len(lines) and not _TOP_RE.match(lines[end]):
        end += 1
    block = lines[start + 1 : end]
    indent = _child_indent(block, 0) or "  "
    for rule, values in changes.items():
        block = _edit_rule(block, indent, rule, values, file)
    return "".join(lines[: start + 1] + block + lines[end:])


def _child_indent(block: list[str], parent: int) -> str | None:
    for line in block:
        m = _KEY_RE.match(line.rstrip("\n"))
        if m and len(m.group("indent")) > parent and not line.lstrip().startswith("#"):
            return m.group("indent")
    return None


def _last_content(block: list[str], lo: int, hi: int) -> int:
    """Index after the last non-blank, non-comment line in block[lo:hi] (≥ lo)."""
    last = lo
    for i in range(lo, hi):
        stripped = block[i].strip()
        if stripped and not stripped.startswith("#"):
            last = i + 1
    return last


def _edit_rule(block, indent, rule, values, file) -> list[str]:
    head = next(
        (i for i, line in enumerate(block) if re.match(rf"^{indent}{re.escape(rule)}:", line)), None
    )
    if head is None:
        at = _last_content(block, 0, len(block))
        new = [f"{indent}{rule}:\n"] + [f"{indent * 2}{k}: {v}\n" for k, v in values.items()]
        return block[:at] + new + block[at:]
    rest = block[head][len(indent) + len(rule) + 1 :].split("#", 1)[0].strip()
    if rest:
        raise ValidationError(
            [
                Problem(
                    file, f"stages.{rule}", "written in flow style", "write it as a block mapping"
                )
            ]
        )
    stop = head + 1
    while stop < len(block):
        line = block[stop]
        if line.strip() and not line.startswith(indent + " ") and not line.lstrip().startswith("#"):
            break
        stop += 1
    inner = _child_indent(block[head + 1 : stop], len(indent)) or indent * 2
    block = list(block)
    missing = dict(values)
    for i in range(head + 1, stop):
        m = _KEY_RE.match(block[i].rstrip("\n"))
        if m and m.group("indent") == inner and m.group("key") in missing:
            value = missing.pop(m.group("key"))
            block[i] = (
                f"{inner}{m.group('key')}:{m.group('space') or ' '}{value}{m.group('tail') or ''}\n"
            )
    at = _last_content(block, head + 1, stop)
    if at == head + 1 and at < stop and not block[head + 1].strip():
        at = head + 1
    return block[:at] + [f"{inner}{k}: {v}\n" for k, v in missing.items()] + block[at:]


def changes_of(proposals: list[Proposal]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for p in proposals:
        out.setdefault(p.rule, {})[p.key] = p.proposed
    return out
