"""The docs' claims that can be checked by reading: links, the package map, quoted benchmarks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .common import REPO

DOCS = [REPO / "README.md", REPO / "benchmarks" / "README.md", *sorted(REPO.glob("docs/*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, where Markdown links and headings live."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append((number, line))
    return lines


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {
        re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        for _, line in prose_lines(path)
        if (match := re.match(r"#+\s+(.*)", line))
    }


def test_relative_links_and_images_resolve():
    broken = []
    for doc in DOCS:
        for number, line in prose_lines(doc):
            for target in LINK.findall(line):
                if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                    continue
                path, _, anchor = target.partition("#")
                file = (doc.parent / path).resolve() if path else doc
                where = f"{doc.relative_to(REPO)}:{number}: ({target})"
                if not file.exists():
                    broken.append(f"{where} no such file")
                elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                    broken.append(f"{where} no heading #{anchor} in {file.relative_to(REPO)}")
    assert not broken, "\n".join(broken)


def test_the_package_map_names_every_module():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = REPO / "src" / "wavecast"
    modules = [f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").exists()]
    modules += [p.name for p in package.glob("*.py") if p.name != "__init__.py"]
    missing = sorted(m for m in modules if f"`{m}`" not in text)
    assert not missing, f"docs/architecture.md's package map does not name: {missing}"


def test_readme_quotes_the_latest_demo_measurement():
    """README's Performance section quotes benchmarks/results/demo_walltime.json (the file is
    the source of truth): its commit as the latest measurement, its median wall time and ratios."""
    result = json.loads((REPO / "benchmarks/results/demo_walltime.json").read_text())
    summary, walls = result["summary"], [run["wall_s"] for run in result["runs"]]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    performance = readme.split("## Performance", 1)[1].split("\n## ", 1)[0]
    latest = re.findall(r"latest measurement \(git (\w+)", performance)
    assert latest == [result["git"]["head"]], latest
    for figure in (
        f"{min(walls):.1f}–{max(walls):.1f} s",
        f"median {summary['wall_s_median']:.1f} s",
        f"{summary['ratio_median']:.2f} with job CPU from the benchmark files",
        f"**{summary['ratio_rusage_median']:.2f}** with the exact job CPU",
    ):
        assert figure in performance, figure


def section(path: Path, heading: str) -> str:
    """The text of the `## <heading>...` section of a Markdown file, up to the next one."""
    text = path.read_text(encoding="utf-8")
    assert f"\n## {heading}" in text, f"{path.relative_to(REPO)} has no section {heading!r}"
    return text.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str, first_cell: str) -> list[list[str]]:
    """The cells of the Markdown table rows whose first cell starts with ``first_cell``."""
    rows = [
        line.strip().strip("|").split("|") for line in text.splitlines() if line.startswith("|")
    ]
    return [[c.strip() for c in row] for row in rows if row[0].strip().startswith(first_cell)]


def run_facts(result: dict) -> list[str]:
    """How benchmarks/README.md quotes when, at which commit and under what load a run was."""
    load = " / ".join(map(str, result["machine"]["load_average_1_5_15min_before"]))
    return [
        f"`measured_at` {result['measured_at']};",
        f"git {result['git']['head']}",
        f"load average before {load} (1 / 5 / 15 min)",
    ]


def test_benchmarks_readme_quotes_model_throughput_json():
    """benchmarks/README.md's model_throughput section: every row of its table, the scaling
    exponent, the 800² peak, the date, commit and load are those of
    results/model_throughput.json."""
    result = json.loads((REPO / "benchmarks/results/model_throughput.json").read_text())
    text = section(REPO / "benchmarks" / "README.md", "model_throughput.py")
    fields = [
        "cells",
        "build_grid_s",
        "make_forcing_s",
        "fetch_table_s",
        "time_loop_s",
        "run_member_s",
        "throughput_cell_hours_per_s",
        "ns_per_cell_hour",
        "peak_rss_mib",
        "baseline_rss_mib",
    ]
    expected = [[f"{r['n']}²", *(str(r[f]) for f in fields)] for r in result["rows"]]
    rows = [row for row in table_rows(text, "") if row[0].endswith("²")]
    assert rows == expected
    largest = max(result["rows"], key=lambda r: r["cells"])
    for figure in (
        f"cells^**{result['run_time_scaling_exponent']}**",
        f"**{largest['peak_rss_mib']} MiB**",
        *run_facts(result),
        f"a {result['memory_budget_mib']:.0f} MiB budget",
        f"(`all_within_budget`: {str(result['all_within_budget']).lower()})",
    ):
        assert figure in text, figure


def test_metrics_collect_figures_are_the_json_s():
    """benchmarks/README.md's metrics_collect section (every cell of its table), README's
    Performance row and docs/metrics.md's table quote results/metrics_collect.json; its
    memory figures are MiB and say so."""
    result = json.loads((REPO / "benchmarks/results/metrics_collect.json").read_text())
    text = section(REPO / "benchmarks" / "README.md", "metrics_collect.py")
    runs = result["scenarios"]
    expected = [
        [
            name,
            str(r["records"]),
            str(r["rules"]),
            str(r["collect_seconds"]),
            str(r["summary_seconds"]),
            f"**{r['total_seconds']}**",
            ", ".join(map(str, r["all_totals_seconds"])),
            str(r["rss_before_collect_mib"]),
            f"**{r['peak_rss_mib']}**",
            str(r["meets_targets"]).lower(),
        ]
        for name, r in runs.items()
    ]
    assert table_rows(text, "local") + table_rows(text, "slurm") == expected
    for figure in run_facts(result):
        assert figure in text, figure
    assert f"{result['generate_seconds']} s (`generate_seconds`)" in text
    local, slurm = runs["local"], runs["slurm"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    performance = readme.split("## Performance", 1)[1].split("\n## ", 1)[0]
    row = (
        f"| {local['total_seconds']:.2f} s, {local['peak_rss_mib']:.0f} MiB (local); "
        f"{slurm['total_seconds']:.2f} s, {slurm['peak_rss_mib']:.0f} MiB (sacct) |"
    )
    assert row in performance, row
    metrics = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    for r in (local, slurm):
        cells = (
            f"| {r['total_seconds']:.2f} s | {r['peak_rss_mib']:.0f} MiB "
            f"({r['rss_before_collect_mib']:.0f} MiB) |"
        )
        assert cells in metrics, cells


def test_readme_quotes_the_model_throughput_json():
    """README's Performance rows for the reference model, rounded from the JSON."""
    result = json.loads((REPO / "benchmarks/results/model_throughput.json").read_text())
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    performance = readme.split("## Performance", 1)[1].split("\n## ", 1)[0]
    rates = [r["throughput_cell_hours_per_s"] / 1e6 for r in result["rows"]]
    largest = max(result["rows"], key=lambda r: r["cells"])
    for figure in (
        f"| {min(rates):.1f}–{max(rates):.1f} M cell-hours s⁻¹; ",
        f"time ∝ cells^{result['run_time_scaling_exponent']:.2f} |",
        f"| {largest['peak_rss_mib']:,.0f} MiB |",
    ):
        assert figure in performance, figure


def test_tune_history_figures_are_the_json_s():
    """benchmarks/README.md's tune_history section (every row, the date, commit and load),
    README's Performance row and docs/metrics.md quote results/tune_history.json and the
    measurement of the commit before (tune_history_96f5704.json)."""
    result = json.loads((REPO / "benchmarks/results/tune_history.json").read_text())
    before = json.loads((REPO / "benchmarks/results/tune_history_96f5704.json").read_text())
    old = {row["runs"]: row["seconds"] for row in before["sizes"]}
    text = section(REPO / "benchmarks" / "README.md", "tune_history.py")
    expected = [
        [
            str(row["runs"]),
            f"**{row['seconds']}**",
            ", ".join(map(str, row["all_seconds"])),
            str(old.get(row["runs"], "not run")),
        ]
        for row in result["sizes"]
    ]
    assert [row for row in table_rows(text, "") if row[0].isdigit()] == expected
    for figure in (*run_facts(result), f"`measured_at` {before['measured_at']}"):
        assert figure in text, figure
    assert f"with `--src` at {before['git']['head']}," in text
    seconds = {row["runs"]: row["seconds"] for row in result["sizes"]}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    performance = readme.split("## Performance", 1)[1].split("\n## ", 1)[0]
    row = f"| {seconds[300]:.2f} s / {seconds[1000]:.2f} s ({old[300]:.1f} s at 300 before"
    assert row in performance, row
    metrics = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert f"{seconds[1000]:.2f} s for 1,000 runs, `benchmarks/tune_history.py`" in metrics


def _options(parser) -> set[str]:
    """The long options of an argparse parser, without --help."""
    return {
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def test_metrics_page_names_every_option_of_its_commands():
    """docs/metrics.md's CLI section documents the metrics, tune and logs commands: an option
    added to one of them and not to the page fails here."""
    import argparse

    from wavecast.cli.main import build_parser

    def subparsers(parser) -> dict[str, argparse.ArgumentParser]:
        (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return action.choices

    top = subparsers(build_parser())
    commands = {f"metrics {n}": p for n, p in subparsers(top["metrics"]).items()}
    commands |= {"tune": top["tune"], "logs": top["logs"]}
    page = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    missing = {
        name: sorted(o for o in _options(p) if not re.search(re.escape(o) + r"\b", page))
        for name, p in commands.items()
    }
    assert not any(missing.values()), missing
    assert set(commands) >= {"metrics collect", "metrics summary", "metrics report", "tune"}
