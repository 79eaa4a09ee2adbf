"""Which of the package's code each rule's job runs, as a digest its params carry.

Snakemake's code trigger sees a rule's own script or command, not the package it imports, so
a fix to the growth formulas would leave every member as it was. Each rule that makes a
product passes the digest of its stage function (:mod:`wavecast.stages`) and of every wavecast
module that function imports, directly or through others, as the param ``wavecast_code``: an
edit to that code (a comment too) reruns the rule and what follows it, and an edit elsewhere
(the CLI, the metrics, another stage's plots) does not. The workflow computes it when it loads,
from the source files (a few milliseconds): imports are found in the text, so one written in a
docstring counts too, which can only rerun more.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .rules import RULE_NAMES

PACKAGE = "wavecast"
PACKAGE_DIR = Path(__file__).resolve().parent

#: The rules whose job runs a stage function of :mod:`wavecast.stages` of the same name: every
#: submitted rule. report_metrics (a local rule) measures the run, not the science, and reruns
#: after the archive anyway.
STAGE_RULES = RULE_NAMES

#: ``from .x import a, b`` / ``from . import (a,\n b)`` / ``import wavecast.x``, anywhere.
_FROM_RE = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.M)
_IMPORT_RE = re.compile(r"^[ \t]*import[ \t]+([^\n#]+)", re.M)
#: A top-level function of stages.py: its ``def`` line up to the next top-level line.
_FUNCTION_RE = r"^def {name}\(.*?(?=^\S|\Z)"


def _module_file(package_dir: Path, module: str) -> Path | None:
    """The source file of ``wavecast.a.b`` under ``package_dir``, None outside the package."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported(text: str, module: str, is_package: bool, package_dir: Path) -> set[str]:
    """The wavecast modules the import statements in ``text`` (of ``module``) name."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for match in _IMPORT_RE.finditer(text):
        found.update(name.split(" as ")[0].strip() for name in match.group(1).split(","))
    for dots, name, names in _FROM_RE.findall(text):
        if dots:
            anchor = package.rsplit(".", len(dots) - 1)[0] if len(dots) > 1 else package
            base = f"{anchor}.{name}" if name else anchor
        else:
            base = name
        aliases = [a.split(" as ")[0].strip() for a in names.strip("()").split(",")]
        # `from . import plotting` imports a module; `from .io import open_netcdf` a name
        modules = {f"{base}.{a}" for a in aliases if a and _module_file(package_dir, f"{base}.{a}")}
        found |= modules
        if name or len(modules) < len([a for a in aliases if a]):
            found.add(base)
    return {name for name in found if _module_file(package_dir, name)}


class _Sources:
    """The package's module files, each read once however many rules import it."""

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir
        self._files: dict[str, tuple[Path, bytes]] = {}
        self._imports: dict[str, set[str]] = {}

    def _file(self, module: str) -> tuple[Path, bytes]:
        if module not in self._files:
            path = _module_file(self.package_dir, module)
            assert path is not None, module
            self._files[module] = path, path.read_bytes()
        return self._files[module]

    def source(self, module: str) -> bytes:
        return self._file(module)[1]

    def imports_of(self, module: str) -> set[str]:
        if module not in self._imports:
            path, source = self._file(module)
            is_package = path.name == "__init__.py"
            text = source.decode("utf-8")
            self._imports[module] = imported(text, module, is_package, self.package_dir)
        return self._imports[module]

    def closure(self, function: str) -> list[str]:
        """Every wavecast module the stage function's text imports, directly or through others."""
        todo = imported(function, f"{PACKAGE}.stages", False, self.package_dir)
        seen: set[str] = set()
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo |= self.imports_of(module) - seen
        return sorted(seen)


def _stage_function(stages_text: str, rule: str) -> str:
    match = re.search(_FUNCTION_RE.format(name=rule), stages_text, re.M | re.S)
    if match is None:
        raise ValueError(f"wavecast/stages.py has no function {rule}() for rule {rule}")
    return match.group(0)


def modules_of(rule: str, package_dir: Path = PACKAGE_DIR) -> list[str]:
    """The wavecast modules a rule's stage function imports, directly or through others."""
    stages = (package_dir / "stages.py").read_text(encoding="utf-8")
    return _Sources(package_dir).closure(_stage_function(stages, rule))


def stage_code_digests(package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    """Rule name -> 16 hex digits of its stage function and the modules it imports."""
    sources = _Sources(package_dir)
    stages = sources.source(f"{PACKAGE}.stages").decode("utf-8")
    digests = {}
    for rule in STAGE_RULES:
        function = _stage_function(stages, rule)
        digest = hashlib.sha256(function.encode())
        for module in sources.closure(function):
            digest.update(f"\0{module}\0".encode() + sources.source(module))
        digests[rule] = digest.hexdigest()[:16]
    return digests
