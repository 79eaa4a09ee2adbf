"""wavecast.codedigest: which package code each rule's job runs, as its `wavecast_code` param.

The pipeline tests (tests/test_pipeline.py) show with real dry runs that an edit to that code
reruns the right jobs; these check the digests and the import closure behind them."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from wavecast import codedigest
from wavecast.codedigest import STAGE_RULES, modules_of, stage_code_digests
from wavecast.rules import RULE_NAMES

from .common import REPO

PACKAGE = REPO / "src" / "wavecast"


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the package to edit."""
    copy = tmp_path / "wavecast"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _ast_imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """The same question answered from the syntax tree: the check on the text's regexes."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{node.module}" if node.module else anchor
            names = {f"{base}.{a.name}" for a in node.names}
            modules = {n for n in names if codedigest._module_file(PACKAGE, n)}
            found |= modules | ({base} if node.module or len(modules) < len(names) else set())
    return {n for n in found if codedigest._module_file(PACKAGE, n)}


def _ast_closure(rule: str) -> list[str]:
    stages = ast.parse((PACKAGE / "stages.py").read_text())
    (function,) = [n for n in stages.body if isinstance(n, ast.FunctionDef) and n.name == rule]
    todo, seen = _ast_imports(function, "wavecast.stages", False), set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            path = codedigest._module_file(PACKAGE, module)
            tree = ast.parse(path.read_text())
            todo |= _ast_imports(tree, module, path.name == "__init__.py")
    return sorted(seen)


@pytest.mark.parametrize("rule", STAGE_RULES)
def test_the_import_closure_is_what_the_syntax_tree_says(rule):
    assert modules_of(rule, PACKAGE) == _ast_closure(rule)


def test_each_stage_sees_its_own_science():
    member = modules_of("run_member", PACKAGE)
    assert {"wavecast.model", "wavecast.fetch", "wavecast.growth"} <= set(member)
    assert "wavecast.plotting" not in member and "wavecast.cyclone" not in member
    assert "wavecast.cyclone" in modules_of("make_forcing", PACKAGE)
    assert "wavecast.plotting" in modules_of("plot_maps", PACKAGE)
    assert "wavecast.model" not in modules_of("plot_maps", PACKAGE)
    for rule in STAGE_RULES:
        assert not any(m.startswith(("wavecast.cli", "wavecast.metrics")) for m in modules_of(rule))


def test_every_submitted_rule_has_a_stage_function_and_a_digest_of_its_own():
    """RULE_NAMES is tested equal to `snakemake --list-rules` (test_workflow_static)."""
    digests = stage_code_digests(PACKAGE)
    assert set(digests) == set(RULE_NAMES)
    assert len(set(digests.values())) == len(digests)


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {rule for rule in before if before[rule] != after[rule]}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("growth.py", {"run_member", "extract_stations"}),
        ("plotting.py", {"plot_maps", "plot_stations"}),
        ("cyclone.py", {"make_forcing"}),
        ("archive.py", {"archive_run"}),
        ("io.py", set(STAGE_RULES)),
        ("cli/main.py", set()),
        ("metrics/report.py", set()),
    ],
)
def test_an_edit_changes_the_digest_of_the_rules_that_run_it(package, edit, expected):
    before = stage_code_digests(package)
    path = package / edit
    path.write_text(path.read_text() + "\n# an edit\n")
    assert _changed(before, stage_code_digests(package)) == expected


def test_an_edit_to_one_stage_function_changes_that_rule_only(package):
    before = stage_code_digests(package)
    stages = package / "stages.py"
    text = stages.read_text()
    edited = re.sub(r"(def plot_stations\(.*?\n)", r"\1    pass\n", text, count=1, flags=re.S)
    assert edited != text
    stages.write_text(edited)
    assert _changed(before, stage_code_digests(package)) == {"plot_stations"}


def test_a_missing_stage_function_is_named(package):
    stages = package / "stages.py"
    stages.write_text(stages.read_text().replace("def plot_maps(", "def draw_maps("))
    with pytest.raises(ValueError, match=r"stages.py has no function plot_maps\(\) for rule"):
        stage_code_digests(package)
