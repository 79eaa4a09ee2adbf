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
