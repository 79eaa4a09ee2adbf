"""One error format for every user mistake: ``<file>::<dotted.path>: <what is wrong>; <fix>``.

Validation code collects :class:`Problem` objects (all of them, not the first) and raises one
:class:`ValidationError` carrying the list; the CLI and the Snakefile print them, one per line,
without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file."""

    file: str
    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}::{self.path}" if self.path else f"{self.file}::<top>"
        return f"{where}: {self.message}; {self.fix}"


class ValidationError(Exception):
    """Raised once with every problem found; ``str()`` is the printable report."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def merge(found_in_text: Sequence[Problem], found_in_values: Iterable[Problem]) -> list[Problem]:
    """The file's text problems (YAML traps, duplicate keys), then its value problems at keys
    the text problems do not name: ``retries: yes`` also fails a schema as a boolean at that
    key, and is reported once, in the words that say why."""
    seen = {(p.file, p.path) for p in found_in_text}
    return [*found_in_text, *(p for p in found_in_values if (p.file, p.path) not in seen)]


def dotted(parts: Iterable[object]) -> str:
    """Join a location such as ``("stations", 0, "name")`` into ``stations[0].name``.

    A key that would read as more than one (``grid.nx`` written as one key, a key with
    brackets or quotes, an empty key) is quoted: ``("grid.nx",)`` -> ``'grid.nx'``, so the
    location names the key the file has, not the valid ``grid.nx`` it resembles.
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        key = str(part)
        if not key or any(c in key for c in ".[]'"):
            key = "'" + key.replace("'", "''") + "'"
        out += f".{key}" if out else key
    return out


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` is most likely a misspelling of, or None. The same word in other
    letter case first (``RMAX_KM`` is ``rmax_km``, though too unlike it for difflib)."""
    choices = list(choices)
    same = [c for c in choices if c.casefold() == word.casefold()]
    if same:
        return same[0]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A suggestion suffix such as ``did you mean 'members'?``, or the list of allowed keys."""
    choices = sorted(choices)
    close = closest(word, choices)
    if close:
        return f"did you mean '{close}'?"
    return "allowed keys: " + ", ".join(choices)
