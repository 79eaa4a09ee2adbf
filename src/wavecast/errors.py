"""One error format for every user mistake: ``<file>::<dotted.path>: <what is wrong>; <fix>``.

Validation code collects :class:`Problem` objects (all of them, not the first) and raises one
:class:`ValidationError` carrying the list; the CLI and the Snakefile print them, one per line,
without a traceback.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file."""

    file: str
    path: str
    message: str
    fix: str
    #: The other keys (dotted paths) the check read to find it, beside ``path`` itself: a
    #: problem is only as sure as the values it read (see wavecast.backends.load).
    reads: tuple[str, ...] = field(default=(), compare=False)

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
    A key with an invisible character is written escaped, as YAML would in double quotes:
    ``("name\u200b",)`` -> ``"name\u200b"`` (see :func:`as_yaml`).
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        key = str(part)
        if not key or any(c in key for c in ".[]'\"\\") or invisible(key):
            key = as_yaml(key)
        out += f".{key}" if out else key
    return out


#: Unicode categories of characters that show as nothing or as a plain space: controls (tab,
#: NUL), formats (zero-width space and joiner, BOM, soft hyphen), spaces other than U+0020
#: (no-break space, thin space) and line/paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})

#: Names of the control characters unicodedata has none for.
_CONTROL_NAMES = {"\t": "tab", "\n": "line feed", "\r": "carriage return", "\x00": "null"}

#: YAML's short escapes in double quotes.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _is_invisible(char: str) -> bool:
    return char != " " and unicodedata.category(char) in _INVISIBLE_CATEGORIES


def invisible(text: str) -> list[int]:
    """The positions (from 1) of the invisible characters in ``text``: a zero-width space pasted
    from a web page, a BOM, a no-break space, a tab."""
    return [i for i, char in enumerate(text, start=1) if _is_invisible(char)]


def invisible_note(text: str) -> str:
    """What is hidden in ``text``, e.g. ``it contains an invisible character (U+200B zero
    width space) at position 5``; "" when nothing is."""
    places = invisible(text)
    if len(places) == 1:
        (i,) = places
        return f"it contains an invisible character ({_char_name(text[i - 1])}) at position {i}"
    if not places:
        return ""
    each = [f"{i} ({_char_name(text[i - 1])})" for i in places]
    return (
        "it contains invisible characters at positions "
        + ", ".join(each[:-1])
        + (f" and {each[-1]}")
    )


def _char_name(char: str) -> str:
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "").lower()
    return f"U+{ord(char):04X} {name}".strip()


def _escaped(text: str) -> str:
    """``text`` in YAML's double quotes, every invisible character as its escape."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _is_invisible(char):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def as_yaml(value: Any) -> str:
    """A value as YAML writes it, for messages read by people who wrote YAML: ``empty (null)``
    (what ``key:`` with nothing after it is), ``true``/``false``, numbers as YAML reads them
    back (``.inf``, ``1.0e+20``), text in single quotes, or double quotes when it holds a
    single quote or needs an escape (``"name\u200b"``: an invisible character made visible),
    lists and mappings in flow style. Never Python's ``None``, ``True`` or ``'\u200b'``."""
    if value is None:
        return "empty (null)"
    return _flow(value)


def _flow(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return "-.inf" if value < 0 else ".inf"
        text = repr(value)  # YAML 1.1 needs a dot in a float with an exponent
        return re.sub(r"^(-?\d+)e", r"\1.0e", text) if "." not in text else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if invisible(value) or "'" in value:
            return _escaped(value)
        return f"'{value}'"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_flow, value)) + "]"
    if hasattr(value, "isoformat"):  # a date or time YAML read as one
        return value.isoformat()
    return _flow(str(value))


#: Text YAML reads as a decimal number without its quotes (YAML 1.1: an exponent needs a dot
#: and a sign, '.5' takes no sign, and a leading zero would make the number octal).
_QUOTED_NUMBER = re.compile(
    r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*(?:[eE][-+][0-9]+)?)?|\.[0-9]+(?:[eE][-+][0-9]+)?"
)


def unquote_fix(value: Any, types: Iterable[str]) -> str | None:
    """``write 200 without quotes`` when ``value`` is text that YAML reads as one of ``types``
    (JSON Schema's names: integer, number, boolean) once its quotes are gone: ``nx: '200'``,
    ``enabled: 'true'``. None otherwise."""
    if not isinstance(value, str):
        return None
    text, types = value.strip(), set(types)
    if "boolean" in types and text.lower() in ("true", "false"):
        return f"write {text.lower()} without quotes"
    if not _QUOTED_NUMBER.fullmatch(text):
        return None
    if "number" in types or "integer" in types and float(text).is_integer():
        return f"write {text} without quotes"
    return None


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` is most likely a misspelling of, or None. The same word in other
    letter case first (``RMAX_KM`` is ``rmax_km``, though too unlike it for difflib)."""
    choices = list(choices)
    word = "".join(c for c in word if not _is_invisible(c))  # a zero-width space pasted in
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
