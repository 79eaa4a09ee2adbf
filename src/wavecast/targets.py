"""Snakemake's job target specs, ``rule:key=value,key="a,b"``, as a job's command line prints
them after ``--target-jobs`` (one spec per job; a value holding a comma is double-quoted)."""

from __future__ import annotations

import shlex

FLAG = "--target-jobs"


def specs_in(text: str) -> list[tuple[str, dict[str, str]]]:
    """The jobs after the first ``--target-jobs`` in ``text`` (a command line, or a log whose
    first lines print one), each parsed by :func:`parse_spec`; [] without the flag.

    The specs run from the flag to the next ``--option`` on the same line, shell-quoted as
    Snakemake writes them (``'r:a="p,q"'``); an unbalanced quote further along the line ends
    the list where it starts.
    """
    _, flag, rest = text.partition(FLAG)
    if not flag:
        return []
    lexer = shlex.shlex(rest.split("\n", 1)[0], posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    specs = []
    try:
        for token in lexer:
            if token.startswith("--"):
                break
            specs.append(parse_spec(token))
    except ValueError:  # an unbalanced quote further along: the specs before it stand
        pass
    return specs


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``'run_member:member=003'`` → ``('run_member', {'member': '003'})``."""
    rule, _, text = spec.partition(":")
    wildcards: dict[str, str] = {}
    for part in _split_unquoted_commas(text):
        key, sep, value = part.partition("=")
        if sep:
            wildcards[key] = value.strip('"')
    return rule, wildcards


def _split_unquoted_commas(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts
