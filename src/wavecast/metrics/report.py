"""A self-contained HTML report (figures inlined as base64 PNG, no network) and PNG files.

Figures: a timeline (Gantt, one bar per attempt, grouped by rule), requested vs used memory
and CPU per rule, and the wall-time distribution per rule. :func:`figures` returns PNG bytes;
:func:`render_html` builds the page; :func:`write_report` writes both,
atomically (:mod:`wavecast.io`).

To put the page into ``snakemake --report``: make it the output of a rule, wrapped in
``report()`` (see docs/metrics.md); Snakemake then embeds the HTML file in its report.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..io import write_bytes_atomic, write_text_atomic
from .record import INFO, JobRecord
from .summary import COLUMNS, FLAGS, RuleSummary, summarise, table_rows

STATUS_COLOURS = {
    "completed": "#4c9a2a",
    "failed": "#c0392b",
    "running": "#2e86c1",
    "pending": "#aab7b8",
}
FIGURE_NAMES = ("timeline", "resources", "walltime")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buffer.getvalue()


def _rules(records: Sequence[JobRecord]) -> list[str]:
    return list(dict.fromkeys(r.rule for r in records))


def timeline(records: Sequence[JobRecord]) -> bytes:
    plt = _pyplot()
    timed = [r for r in records if r.start is not None]
    rows = sorted(timed, key=lambda r: (_rules(records).index(r.rule), r.start, r.attempt))
    fig, ax = plt.subplots(figsize=(10, max(2.5, min(0.22 * len(rows) + 1, 14))))
    if rows:
        origin = min(r.start for r in rows)  # type: ignore[type-var]
        starts = [(r.start - origin).total_seconds() / 60 for r in rows]  # type: ignore[operator]
        widths = [max((r.wall_time_seconds or 0) / 60, 0.02) for r in rows]
        colours = [STATUS_COLOURS[r.status] for r in rows]
        ax.barh(range(len(rows)), widths, left=starts, color=colours, height=0.8)
        if len(rows) <= 60:
            labels = [f"{r.rule} {r.wildcards_str()} #{r.attempt}".strip() for r in rows]
            ax.set_yticks(range(len(rows)), labels, fontsize=7)
        else:
            ticks, labels = [], []
            for index, r in enumerate(rows):
                if not labels or labels[-1] != r.rule:
                    ticks.append(index)
                    labels.append(r.rule)
            ax.set_yticks(ticks, labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(f"minutes since {origin:%Y-%m-%d %H:%M:%S}")
        handles = [
            plt.Rectangle((0, 0), 1, 1, color=c)
            for s, c in STATUS_COLOURS.items()
            if any(r.status == s for r in rows)
        ]
        names = [s for s in STATUS_COLOURS if any(r.status == s for r in rows)]
        ax.legend(handles, names, loc="lower right", fontsize=7)
    else:
        ax.text(0.5, 0.5, "no start times recorded", ha="center", transform=ax.transAxes)
    ax.set_title("Timeline: one bar per attempt (#n = attempt)")
    return _png(fig)


def _max(values) -> float:
    values = [v for v in values if v is not None]
    return max(values) if values else 0.0


def resources(records: Sequence[JobRecord]) -> bytes:
    plt = _pyplot()
    rules = _rules(records)
    fig, (mem, cpu) = plt.subplots(1, 2, figsize=(11, 3.8))
    x = range(len(rules))
    per = {rule: [r for r in records if r.rule == rule] for rule in rules}
    req_mem = [_max(r.requested_memory_gb for r in per[rule]) for rule in rules]
    used_mem = [_max(r.peak_memory_gb for r in per[rule]) for rule in rules]
    req_cpu = [_max(r.requested_cpus for r in per[rule]) for rule in rules]
    used_cpu = [_max(r.cpus_busy() for r in per[rule]) for rule in rules]
    for ax, req, used, unit in ((mem, req_mem, used_mem, "GiB"), (cpu, req_cpu, used_cpu, "CPUs")):
        ax.bar([i - 0.2 for i in x], req, width=0.4, label="requested (max)", color="#aab7b8")
        ax.bar([i + 0.2 for i in x], used, width=0.4, label="used (max)", color="#2e86c1")
        ax.set_xticks(list(x), rules, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(unit)
        ax.legend(fontsize=7)
    mem.set_title("Memory: request vs peak")
    cpu.set_title("CPU: request vs CPU time ÷ time it covers")
    return _png(fig)


def walltime(records: Sequence[JobRecord]) -> bytes:
    plt = _pyplot()
    rules = _rules(records)
    data = [
        [r.wall_time_seconds / 60 for r in records if r.rule == rule and r.wall_time_seconds]
        for rule in rules
    ]
    fig, ax = plt.subplots(figsize=(10, 3.8))
    shown = [(rule, d) for rule, d in zip(rules, data, strict=True) if d]
    if shown:
        ax.boxplot([d for _, d in shown], showfliers=True)
        ax.set_xticks(range(1, len(shown) + 1), [r for r, _ in shown], rotation=30, ha="right")
    ax.set_ylabel("wall time (minutes)")
    ax.set_title("Wall time per rule (all attempts)")
    return _png(fig)


def figures(records: Sequence[JobRecord]) -> dict[str, bytes]:
    """The report's figures as PNG bytes, keyed by :data:`FIGURE_NAMES`."""
    return {
        "timeline": timeline(records),
        "resources": resources(records),
        "walltime": walltime(records),
    }


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #ddd}
td{text-align:right}td:first-child,td:last-child{text-align:left}.worst{background:#fdecea}
img{max-width:100%}.partial{color:#a04000}
"""


def render_html(
    records: Sequence[JobRecord],
    title: str,
    messages: Sequence[str] = (),
    pngs: dict[str, bytes] | None = None,
    summaries: list[RuleSummary] | None = None,
) -> str:
    """The whole page as one string; every image is a ``data:`` URI."""
    pngs = pngs if pngs is not None else figures(records)
    summaries = summaries if summaries is not None else summarise(records)
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    body = []
    for summary, row in zip(summaries, table_rows(summaries), strict=True):
        cls = ' class="worst"' if summary.worst else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{esc(c.strip())}</td>" for c in row) + "</tr>")
    flags = sorted({f for s in summaries for f in s.flags})
    legend = "".join(f"<li><b>{esc(f)}</b>: {esc(FLAGS[f])}</li>" for f in flags)
    notes = "".join(f"<li>{esc(m)}</li>" for m in messages)
    partial = [r for r in records if r.partial]
    imgs = "".join(
        f'<h2>{esc(name)}</h2><img alt="{esc(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(data).decode()}">'
        for name, data in pngs.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1>"
        f"<p>{len(records)} job attempts; generated {datetime.now():%Y-%m-%d %H:%M} by "
        f"wavecast {esc(__version__)}.</p>"
        + (
            f'<p class="partial">{len(partial)} record(s) partial: some metrics could not be '
            f"read.</p>{_what_was_missing(partial)}"
            if partial
            else ""
        )
        + (f'<ul class="partial">{notes}</ul>' if notes else "")
        + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        + (f"<ul>{legend}</ul>" if legend else "")
        + imgs
        + "</body></html>\n"
    )


#: The most partial records the page names one by one.
MAX_LISTED = 100


def _what_was_missing(partial: Sequence[JobRecord]) -> str:
    """Which job attempts are partial and why (their notes, not the informational ones)."""
    esc = html.escape
    items = []
    for r in partial[:MAX_LISTED]:
        job = " ".join([r.rule, *(f"{k}={v}" for k, v in r.wildcards.items())])
        why = "; ".join(n for n in r.notes if not n.startswith(INFO)) or "no reason recorded"
        items.append(f"<li>{esc(job)}, attempt {r.attempt}: {esc(why)}</li>")
    more = len(partial) - MAX_LISTED
    if more > 0:
        items.append(f"<li>and {more} more (wavecast metrics collect lists them all)</li>")
    listed = "".join(items)
    return f'<details class="partial"><summary>which, and why</summary><ul>{listed}</ul></details>'


def write_report(
    records: Sequence[JobRecord],
    output: Path,
    png_dir: Path | None = None,
    title: str = "wavecast job metrics",
    messages: Sequence[str] = (),
) -> list[Path]:
    """Write the HTML page and, when ``png_dir`` is given, the figures as PNG files."""
    pngs = figures(records)
    written = [write_text_atomic(output, render_html(records, title, messages, pngs))]
    if png_dir is not None:
        for name, data in pngs.items():
            written.append(write_bytes_atomic(png_dir / f"{name}.png", data))
    return written
