"""Snakemake's job target specs, ``rule:key=value,key="a,b"``, as a job's command line prints
them after ``--target-jobs`` (one spec per job; a value holding a comma is double-quoted)."""

from __future__ import annotations


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
