"""Backend YAML → a validated model, or every problem at once as :class:`ValidationError`.

Parsing (:mod:`wavecast.yamlstrict`), pydantic validation and the cross-field checks of
:mod:`wavecast.backends.checks` each add :class:`~wavecast.errors.Problem` objects; pydantic's
errors are rewritten into the project's ``file::dotted.path: message; fix`` form.

One pass reports everything: a misspelt ``type`` is read as the type it is closest to, and
when fields are invalid the cross-field checks still run on the file without them
(:func:`_without`; a required key gets a stand-in). Held back are only the cross-field
problems whose check read a key in doubt (each check names what it read besides its own key,
:attr:`~wavecast.errors.Problem.reads`): an invalid or missing key, the key an unknown key
most likely misspells when the file lacks it (``jbos`` for jobs), every key the file lacks
beside an unknown key like none, or a key inside or around one of these. A stage above
``limits.cpu`` is reported beside an invalid ``defaults.cpu``; an MPI stage's cpu, which falls
back to ``defaults.cpu``, is not.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from ..errors import (
    Problem,
    ValidationError,
    as_yaml,
    closest,
    did_you_mean,
    dotted,
    invisible_note,
    unquote_fix,
)
from ..rules import RULE_NAMES
from ..yamlstrict import load_checked
from .checks import check_backend
from .models import BACKEND_MODELS, Backend, BackendBase

TYPE_CHOICES = ", ".join(BACKEND_MODELS)


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the key at ``loc`` (for 'did you mean' suggestions)."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    if get_origin(annotation) is None:
        return annotation
    return None


def _bounds(ctx: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in ctx.items())


def _problem(file: str, model: type[BaseModel], err: dict) -> Problem:
    # Pydantic appends the union member's name ('str', 'int', 'literal[...]'); dropped.
    loc = _error_loc(err)
    path = dotted(loc)
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(loc[-1])
        holder = _model_at(model, loc[:-1])
        choices = list(holder.model_fields) if holder else []
        if loc[:1] == ("stages",) and len(loc) == 2:
            hint = did_you_mean(key, RULE_NAMES)
            close = hint if hint.startswith("did you mean") else ""
            known = "known stages: " + ", ".join(RULE_NAMES)
            return Problem(file, path, f"unknown stage '{key}'", f"{close} {known}".strip())
        what, fix = f"unknown key {as_yaml(key)}", did_you_mean(key, choices)
        if hidden := invisible_note(key):
            what, fix = f"{what}: {hidden}", f"retype the key; {fix}"
        return Problem(file, path, what, fix)
    if kind == "missing":
        return Problem(file, path, "required key is missing", "add it")
    if kind == "value_error":
        text = str(ctx.get("error", err["msg"]))
        message, _, fix = text.partition("; ")
        return Problem(file, path, message, fix or "correct it")
    got = as_yaml(value)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        fix = unquote_fix(value, ["integer"]) or _seconds_fix(value, loc) or _int_hint(loc)
        return Problem(file, path, f"expected a whole number, got {got}", fix)
    if kind in ("float_type", "float_parsing"):
        fix = unquote_fix(value, ["number"]) or "write e.g. 0.95"
        return Problem(file, path, f"expected a number, got {got}", fix)
    if kind in ("string_type",):
        return Problem(file, path, f"expected text, got {got}", "quote it")
    if kind in ("bool_type", "bool_parsing"):
        fix = unquote_fix(value, ["boolean"]) or "write true or false"
        return Problem(file, path, f"expected true or false, got {got}", fix)
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return Problem(file, path, f"expected a mapping, got {got}", "write 'key: value' lines")
    if kind == "list_type":
        return Problem(file, path, f"expected a list, got {got}", "write '- item' lines")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("at least", "ge"),
            "greater_than": ("above", "gt"),
            "less_than_equal": ("at most", "le"),
            "less_than": ("below", "lt"),
        }[kind]
        bound = ctx.get(words[1])
        return Problem(file, path, f"{got} is out of range", f"use a value {words[0]} {bound}")
    if kind == "literal_error":
        return Problem(file, path, f"{got} is not allowed", f"use one of {ctx.get('expected', '')}")
    if kind == "string_pattern_mismatch":
        return Problem(
            file, path, f"{got} does not have the expected form", f"match {ctx.get('pattern')}"
        )
    if kind == "string_too_short":
        return Problem(file, path, "the value is empty", "write a value or remove the key")
    if kind == "too_short":
        return Problem(file, path, "the list is empty", "list at least one item or remove the key")
    return Problem(file, path, err["msg"], _bounds(ctx) or "correct it")


_TYPE_WORDS = {
    "str",
    "int",
    "float",
    "bool",
    "list",
    "dict",
    "none",
    "constrained-str",
    "constrained-int",
}

#: What a whole number means where its unit is not obvious.
_INT_HINTS = {
    "timeout": "write whole seconds from 60 to 86400, e.g. 3600 for an hour",
    "cpu": "write a whole number of cores from 1 to 128, e.g. 4",
}


def _int_hint(loc: tuple) -> str:
    return _INT_HINTS.get(str(loc[-1]) if loc else "", "write e.g. 4")


#: The whole-number keys whose unit is seconds (timeout anywhere: top level, defaults,
#: stages, limits).
_SECONDS_KEYS = frozenset({"timeout", "latency_wait", "init_seconds_before_status_checks"})
_WITH_SECONDS = re.compile(r"\s*([0-9]+)\s*(?:s|secs?|seconds?)\s*", re.IGNORECASE)


def _seconds_fix(value: Any, loc: tuple) -> str | None:
    """``write 60 without the unit`` for ``latency_wait: 60s``: the number is right, the key
    is in seconds already. None for other keys and values."""
    if not loc or str(loc[-1]) not in _SECONDS_KEYS or not isinstance(value, str):
        return None
    match = _WITH_SECONDS.fullmatch(value)
    return f"write {int(match[1])} without the unit (it is in seconds)" if match else None


def _error_loc(err: dict) -> tuple:
    """Where an error is in the data: pydantic's location without union-member names."""
    loc = tuple(part for part in err["loc"] if not str(part).startswith("function-"))
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in _TYPE_WORDS)))


def validate_data(data: Any, file: str) -> Backend:
    """Validate parsed YAML; raise :class:`ValidationError` with every problem."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind is None:
        raise ValidationError(
            [
                Problem(
                    file, "type", "required key is missing", f"add 'type: ' one of {TYPE_CHOICES}"
                )
            ]
        )
    problems: list[Problem] = []
    if not isinstance(kind, str) or kind not in BACKEND_MODELS:
        close = closest(str(kind), BACKEND_MODELS)
        fix = f"did you mean '{close}'?" if close else f"use one of {TYPE_CHOICES}"
        problems.append(Problem(file, "type", f"unknown backend type {as_yaml(kind)}", fix))
        if not close:
            raise ValidationError(problems)  # nothing to judge the other keys by
        kind, data = close, {**data, "type": close}  # the rest, read as that type
    model = BACKEND_MODELS[kind]
    try:
        backend = model.model_validate(data)
    except PydanticError as exc:
        errors = _without_suggested_missing(model, exc.errors())
        problems += _merged(_problem(file, model, e) for e in errors)
        problems += _checks_without_invalid(model, data, exc, file)
        raise ValidationError(problems) from None
    problems += check_backend(backend, file)
    if problems:
        raise ValidationError(problems)
    return backend  # type: ignore[return-value]


#: Rounds of taking invalid values out before the cross-field checks give up.
_MAX_ROUNDS = 5

#: Valid values put in place of a required key that is missing or invalid, so that the checks
#: across fields still run; the key is in doubt, so a check that reads it is held back.
_STAND_INS: dict[str, Any] = {
    "partition": "stand-in",
    "namespace": "stand-in",
    "container_image": "stand-in/stand-in:0",
    "storage.provider": "s3",
    "storage.prefix": "s3://stand-in/stand-in",
}


def _checks_without_invalid(
    model: type[BaseModel], data: dict, exc: PydanticError, file: str
) -> list[Problem]:
    """The cross-field problems of ``data`` with its invalid values taken out (the model's
    defaults and :data:`_STAND_INS` take their place), less those whose check read a key in
    doubt (:func:`_in_doubt`, :func:`_reads_doubt`): such a problem would judge a value the
    user did not write, and could change or go when a reported problem is fixed. None when the
    rest does not validate within :data:`_MAX_ROUNDS`."""
    doubt: set[str] = set()
    for _ in range(_MAX_ROUNDS):
        errors = exc.errors()
        locs = [_key_loc(_error_loc(e)) for e in errors]
        if not all(locs):
            return []
        doubt |= _in_doubt(model, data, errors, locs)
        data = _without(data, locs)
        try:
            backend = model.model_validate(data)
        except PydanticError as again:
            exc = again
            continue
        return [p for p in check_backend(backend, file) if not _reads_doubt(p, doubt)]
    return []


def _in_doubt(model: type[BaseModel], data: Any, errors: list[dict], locs: list[tuple]) -> set[str]:
    """The keys whose values the checks cannot go by: each invalid or missing one; for an
    unknown key (which no check reads), the key it most likely misspells when ``data`` lacks
    that key (a default stands in for what the user wrote: ``jbos: 10`` for jobs), and for one
    like no known key every known key ``data`` lacks there (which one it means cannot be told)."""
    doubt = set()
    for err, loc in zip(errors, locs, strict=True):
        holder = _model_at(model, loc[:-1])
        if err["type"] != "extra_forbidden":
            doubt.add(dotted(loc))
        elif holder is None:  # which keys there it stands for cannot be told: all of them
            doubt.add(dotted(loc[:-1]))
        else:
            written = _holder(data, loc) or {}
            missing = [k for k in holder.model_fields if k not in written]
            meant = closest(str(loc[-1]), holder.model_fields)
            doubt |= {dotted((*loc[:-1], k)) for k in missing if meant in (k, None)}
    return doubt


def _reads_doubt(problem: Problem, doubt: set[str]) -> bool:
    """Whether ``problem``'s check read (its own path, :attr:`Problem.reads`) a key in doubt,
    a key inside one or one around it."""
    paths = (problem.path, *problem.reads)
    return any(_inside(a, b) or _inside(b, a) for a in paths for b in doubt)


def _inside(path: str, key: str) -> bool:
    """``path`` is ``key`` or a key or item inside it."""
    return path == key or path.startswith((key + ".", key + "["))


def _holder(data: Any, loc: tuple) -> dict | None:
    """The mapping in ``data`` that holds the key at ``loc``, or None."""
    for part in loc[:-1]:
        data = data.get(part) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None


def _without(data: Any, locs: list[tuple]) -> Any:
    """A copy of ``data`` without the values at ``locs``, or with their :data:`_STAND_INS`. A bad
    list item takes its whole list along: removing the item alone would renumber the items
    after it, and the checks would then name the wrong ones."""
    data = copy.deepcopy(data)
    for loc in locs:
        holder = _holder(data, loc)
        if holder is None:
            continue
        if dotted(loc) in _STAND_INS:
            holder[loc[-1]] = _STAND_INS[dotted(loc)]
        else:
            holder.pop(loc[-1], None)
    return data


def _key_loc(loc: tuple) -> tuple:
    """``loc`` up to its last mapping key: ``groups.member[2]`` → ``groups.member``."""
    while loc and isinstance(loc[-1], int):
        loc = loc[:-1]
    return loc


def _without_suggested_missing(model: type[BaseModel], errors: list[dict]) -> list[dict]:
    """``errors`` less a missing key that an unknown key beside it is a misspelling of
    (``partiton:`` for partition): the unknown key's problem says "did you mean 'partition'?",
    and a second line, "partition: required key is missing", would send the user to add it."""
    suggested = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = _error_loc(err)
            holder = _model_at(model, loc[:-1])
            close = closest(str(loc[-1]), holder.model_fields) if holder else None
            if close:
                suggested.add((*loc[:-1], close))
    return [e for e in errors if e["type"] != "missing" or _error_loc(e) not in suggested]


def _merged(problems) -> list[Problem]:
    """One problem per key: pydantic reports each alternative of a union (``cores: lots`` is
    neither a number nor 'all'), which is one mistake with several fixes."""
    by_path: dict[str, Problem] = {}
    for p in problems:
        first = by_path.get(p.path)
        if first is None:
            by_path[p.path] = p
        elif p.fix not in first.fix:
            by_path[p.path] = Problem(
                first.file, first.path, first.message, f"{first.fix}, or {p.fix}"
            )
    return list(by_path.values())


def load_backend(path: str | Path, display: str | None = None) -> BackendBase:
    """Read, parse and validate one backend YAML file."""
    return load_checked(path, validate_data, display)


def load_env_backend(env: str, root: Path = Path(".")) -> BackendBase:
    """``config/backends/ENV.yaml`` under ``root``, problems labelled with that relative path;
    a missing file is :func:`missing_env`."""
    from ..images import source_path

    if not (root / source_path(env)).exists():
        raise ValidationError([missing_env(env, root)])
    return load_backend(root / source_path(env), display=source_path(env))


def missing_env(env: str, root: Path = Path(".")) -> Problem:
    """Why ``config/backends/ENV.yaml`` is not under ``root``: wavecast runs outside the
    repository (no ``config/backends/`` at all), or no environment has that name. The user
    named an environment, not a path, so "check the path" would not say what to do."""
    from ..images import source_path

    source, backends = source_path(env), root / "config" / "backends"
    if not backends.is_dir():
        return Problem(
            source,
            "",
            f"the file does not exist: there is no config/backends/ in {root.resolve()}",
            "run wavecast in the repository's directory (where config/backends/ is)",
        )
    known = sorted(p.stem for p in backends.glob("*.yaml"))
    create = f"create it: wavecast backends create --type {'|'.join(BACKEND_MODELS)} -o {source}"
    if not known:
        return Problem(source, "", f"no environment '{env}' (no config/backends/*.yaml)", create)
    return Problem(
        source,
        "",
        f"no environment '{env}' (environments: {', '.join(known)})",
        f"name one of them, or {create}",
    )


def env_name(path: str | Path) -> str:
    """``config/backends/production.yaml`` → ``production``."""
    return Path(path).stem
