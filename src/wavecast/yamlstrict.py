"""A YAML loader for files people edit by hand: it refuses what YAML silently misreads.

Caught, every occurrence at once:
- duplicate keys (PyYAML keeps the last one without a word);
- YAML 1.1 booleans written as plain words (``no``, ``on``, ``y``, ``off`` ...) as keys or
  values: Snakemake's and many other parsers turn a country code ``NO`` or a partition ``no`` into
  ``false`` (the one-letter ``y``/``n`` only other tools do: Snakemake's PyYAML keeps them as
  text, and the message says so). ``true``/``false`` are fine; quote the word when a string is
  meant;
- numbers YAML 1.1 reads in another base: ``010`` is 8 (octal, a leading zero) and ``1:12``
  is 72 (base 60, a clock time); quote the text when a string is meant;
- tab characters used for indentation;
- files that are empty, not UTF-8, or not a mapping at the top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import Problem, ValidationError, dotted, merge

T = TypeVar("T")

#: Plain scalars that YAML 1.1 reads as booleans, except the unambiguous true/false.
YAML11_BOOL_WORDS = frozenset(
    w
    for base in ("y", "n", "yes", "no", "on", "off")
    for w in (base, base.upper(), base.capitalize())
)

#: Those of :data:`YAML11_BOOL_WORDS` that Snakemake's own parser (PyYAML, through yte) reads as
#: booleans: not the one-letter y/n, which it keeps as text (go-yaml v2 and other YAML 1.1
#: tools do not). All are refused; the message says which kind the word is.
SNAKEMAKE_BOOL_WORDS = frozenset(w for w in YAML11_BOOL_WORDS if len(w) > 1)


#: The problem of a key that YAML 1.1 reads as a boolean.
_BOOLEAN_KEY = "the key '{}' is read as a boolean by YAML 1.1 parsers"

#: The problem of a value that YAML 1.1 reads as a boolean.
_BOOLEAN_VALUE = "'{}' is read as a boolean by YAML 1.1 parsers (Snakemake's among them)"

#: The problem of a one-letter value that YAML 1.1 reads as a boolean and PyYAML does not.
_BOOLEAN_LETTER = (
    "'{}' is read as a boolean by YAML 1.1 parsers (Snakemake's reads it as text, others do not)"
)


def _boolean_value(word: str) -> str:
    return (_BOOLEAN_VALUE if word in SNAKEMAKE_BOOL_WORDS else _BOOLEAN_LETTER).format(word)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate keys and YAML 1.1 boolean words instead of guessing."""


class _DataLoader(yaml.SafeLoader):
    """SafeLoader that reads only true/false as booleans: the words flagged above stay the
    strings written, so checks that run after this one name the key the file has."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_DataLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DataLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


#: Plain scalars YAML 1.1 reads as numbers in another base: octal (a leading zero) and
#: sexagesimal (``1:12`` → 72, ``1:30.5`` → 90.5), as PyYAML's int and float resolvers do.
_OTHER_BASE = re.compile(r"^[-+]?(?:0[0-7_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$")


#: The tags PyYAML resolves plain numbers to (an explicit ``!!str`` keeps its own).
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _number_trap(node: yaml.ScalarNode) -> tuple[str, str] | None:
    """(problem, fix) for a plain number YAML 1.1 reads in another base, else None."""
    text = node.value
    if node.style is not None or node.tag not in _NUMBER_TAGS or not _OTHER_BASE.match(text):
        return None  # quoted, tagged (!!str 010) or text to YAML 1.1 (0:30)
    reading = yaml.safe_load(text)
    if ":" in text:
        how, fix = "base 60, like a clock time", "write the number"
    else:  # the decimal number meant: the same digits without the leading zeros
        sign, digits = text[: len(text) - len(text.lstrip("+-"))], text.lstrip("+-")
        how, fix = "octal, for its leading zero", f"write {sign}{digits.lstrip('0_') or '0'}"
    return (
        f"'{text}' is read as {reading} by YAML 1.1 parsers ({how})",
        f'{fix}, or quote it ("{text}") for text',
    )


def _walk(node: yaml.Node, path: tuple, problems: list[tuple[tuple, str, str]]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.style is None and key in YAML11_BOOL_WORDS:
                    problems.append(
                        (
                            path + (key,),
                            _BOOLEAN_KEY.format(key),
                            f'quote it: "{key}"',
                        )
                    )
                if key in seen:
                    problems.append(
                        (
                            path + (key,),
                            f"duplicate key (first at line {seen[key] + 1}, again at line "
                            f"{key_node.start_mark.line + 1})",
                            "keep one of them; YAML would silently use the last",
                        )
                    )
                else:
                    seen[key] = key_node.start_mark.line
            _walk(value_node, path + (key,), problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), problems)
    elif (
        isinstance(node, yaml.ScalarNode) and node.style is None and node.value in YAML11_BOOL_WORDS
    ):
        problems.append(
            (
                path,
                _boolean_value(node.value),
                f'write true/false for a switch, or quote it ("{node.value}") for a string',
            )
        )
    elif isinstance(node, yaml.ScalarNode) and (trap := _number_trap(node)) is not None:
        problems.append((path, *trap))


#: What usually causes a YAML parser's complaint, and what to do: (words of the complaint, fix).
_SYNTAX_FIXES = (
    (
        "mapping values are not allowed",
        "check this line's indentation against the lines above (keys of one block start in "
        "the same column) and the space after ':' on the line above; quote a value that "
        "contains ': '",
    ),
    (
        "could not find expected ':'",
        "write each setting as 'key: value', with a space after the colon",
    ),
    (
        "expected <block end>",
        "check the indentation of this line and the lines above: keys of one block start in "
        "the same column",
    ),
    ("flow mapping", "close the { } with a comma between its items"),
    ("flow sequence", "close the [ ] with a comma between its items"),
    ("quoted scalar", "close the quote"),
    ("found character '\\t'", "replace the tab with a space (YAML allows tabs only in quotes)"),
    (
        "could not determine a constructor",
        "remove the tag: settings are plain YAML values (no !include, no !!python/...)",
    ),
    ("unhashable key", "write the key as plain text, not a list or a mapping"),
)


def syntax_problem(exc: yaml.YAMLError, file: str) -> Problem:
    """A parser error as a :class:`Problem` at its line, with the column, where the construct
    it was reading began (often the line actually at fault) and a likely fix."""
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    detail = [f"column {mark.column + 1}"] if mark else []
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context == "while scanning a simple key" and start and mark and start.line != mark.line:
        # 'ny 200': the key without its ':' is where the scan began; the parser notices on
        # a later line, which is not the one to edit
        detail = [f"column {start.column + 1}", f"noticed at line {mark.line + 1}"]
        mark = start
    elif context and start and (not mark or start.line != mark.line):
        detail.append(f"{context} from line {start.line + 1}")
    elif context:
        detail.append(context)
    fix = next((f for words, f in _SYNTAX_FIXES if words in f"{what} {context}"), None)
    return Problem(
        file,
        f"line {mark.line + 1}" if mark else "",
        f"not valid YAML: {what}" + (f" ({'; '.join(detail)})" if detail else ""),
        fix or "fix the syntax there",
    )


def load_text(text: str, file: str, yaml11: bool = False) -> tuple[Any, list[Problem]]:
    """Parse ``text``; return the data and the problems found (empty when all is well).

    With problems, the data keeps the flagged boolean words as the strings written, so later
    checks name the key the file has; ``yaml11`` reads them as YAML 1.1 booleans instead, as
    Snakemake's config has them."""
    problems: list[Problem] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            problems.append(
                Problem(
                    file,
                    f"line {lineno}",
                    "a tab is used for indentation",
                    "YAML allows spaces only; replace the tab with spaces",
                )
            )
    if problems:
        return None, problems
    if not text.strip():
        return None, [Problem(file, "", "the file is empty", "write a YAML mapping of settings")]
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        return None, [syntax_problem(exc, file)]
    if node is None:
        return None, [Problem(file, "", "the file holds no settings", "write a YAML mapping")]
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        return None, [
            Problem(file, "", f"the file is {kind}, not a mapping", "write 'key: value' settings")
        ]
    raw: list[tuple[tuple, str, str]] = []
    _walk(node, (), raw)
    problems = [Problem(file, dotted(p), msg, fix) for p, msg, fix in raw]
    try:  # tags ('!include') and keys that are lists fail only here, as values are built
        data = yaml.load(text, Loader=yaml.SafeLoader if yaml11 else _DataLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        return None, [*problems, syntax_problem(exc, file)]
    return data, problems


def reads_as_mapping(path: str | Path) -> bool:
    """Whether the file parses to a mapping: libyaml's parser when installed, a fast first
    look (0.5 ms for config/config.yaml against 8 ms for :func:`load_file`) that skips the
    traps; False for anything :func:`load_file` must explain."""
    try:
        raw = Path(path).read_bytes()
        # libyaml takes a tab after ':' or before a comment, which PyYAML (Snakemake's) refuses
        return b"\t" not in raw and isinstance(yaml.load(raw, Loader=FAST_LOADER), dict)  # noqa: S506
    except (OSError, ValueError, yaml.YAMLError):
        return False


#: libyaml's safe loader when PyYAML was built with it (about 15x faster), else PyYAML's own.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_file(
    path: str | Path, display: str | None = None, yaml11: bool = False
) -> tuple[Any, list[Problem]]:
    """Read and parse a file (:func:`load_text`); unreadable or non-UTF-8 files become a
    problem, not a traceback."""
    file = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None, [Problem(file, "", "the file does not exist", "check the path")]
    except OSError as exc:
        return None, [Problem(file, "", f"cannot read the file ({exc.strerror})", "check it")]
    if b"\x00" in raw:
        return None, [Problem(file, "", "the file is binary, not YAML text", "check the path")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem(file, "", "the file is not UTF-8 text", "save it as UTF-8 YAML")]
    return load_text(text, file, yaml11)


def load_checked(path: str | Path, check: Callable[[Any, str], T], display: str | None = None) -> T:
    """Load a file (:func:`load_file`), then ``check(data, file)`` its values even when the
    text has problems; raise once with the problems of both (:func:`wavecast.errors.merge`),
    or return what ``check`` returns."""
    file = display or str(path)
    data, problems = load_file(path, file)
    if problems and not isinstance(data, dict):
        raise ValidationError(problems)
    try:
        result = check(data, file)
    except ValidationError as exc:
        raise ValidationError(merge(problems, exc.problems)) from None
    if problems:
        raise ValidationError(problems)
    return result


def boolean_keys_as_yaml11_reads_them(problems: Iterable[Problem]) -> set[str]:
    """Where Snakemake's parser puts the keys these problems flag as boolean words:
    ``cyclone.off`` is ``cyclone[False]`` there (a bool key, written as an index); a key ``y``
    stays ``y`` (:data:`SNAKEMAKE_BOOL_WORDS`)."""
    out = set()
    for p in problems:
        parent, _, word = p.path.rpartition(".")
        if word in SNAKEMAKE_BOOL_WORDS and p.message == _BOOLEAN_KEY.format(word):
            out.add(f"{parent}[{word.lower() in ('yes', 'on')}]")
    return out


def is_boolean_value(problem: Problem) -> bool:
    """Whether ``problem`` is a value this loader flags as a YAML 1.1 boolean word."""
    word = problem.message.partition("'")[2].partition("'")[0]
    return word in YAML11_BOOL_WORDS and problem.message == _boolean_value(word)


def load_or_raise(path: str | Path, display: str | None = None) -> Any:
    """Like :func:`load_file` but raise :class:`ValidationError` on any problem."""
    data, problems = load_file(path, display)
    if problems:
        raise ValidationError(problems)
    return data
