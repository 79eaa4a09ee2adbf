"""Documents generated from the models: JSON Schema, commented templates, the type list."""

from __future__ import annotations

import json
from typing import Annotated, Any, get_args

from pydantic import BaseModel, Field, TypeAdapter
from pydantic_core import PydanticUndefined

from ..rules import RULE_NAMES
from .models import BACKEND_MODELS, REQUIRED_BY_CHECKS, Backend

SCHEMA_PATH = "workflow/schemas/backend.schema.json"
SCHEMA_LINE = "# yaml-language-server: $schema=../../workflow/schemas/backend.schema.json"


def backend_types() -> list[tuple[str, str]]:
    """``(type, one-line description)`` from each model's docstring."""
    return [(name, (m.__doc__ or "").strip().splitlines()[0]) for name, m in BACKEND_MODELS.items()]


def schema(kind: str | None = None) -> dict[str, Any]:
    """JSON Schema of all backends (discriminated by ``type``) or of one type."""
    if kind is None:
        adapter = TypeAdapter(Annotated[Backend, Field(discriminator="type")])
        doc = adapter.json_schema()
        title = "wavecast backend"
        for name, model in BACKEND_MODELS.items():
            doc["$defs"][model.__name__]["required"] += REQUIRED_BY_CHECKS.get(name, ())
    else:
        doc = BACKEND_MODELS[kind].model_json_schema()
        doc["required"] += REQUIRED_BY_CHECKS.get(kind, ())
        title = f"wavecast {kind} backend"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **doc}


def schema_text(kind: str | None = None) -> str:
    return json.dumps(schema(kind), indent=2, sort_keys=True) + "\n"


EXAMPLES: dict[str, dict[str, Any]] = {
    "local": {"type": "local", "cores": "all"},
    "slurm": {
        "type": "slurm",
        "partition": "science",
        "account": "wavecast",
        "qos": "normal",
        "jobs": 100,
        "container": {
            "runtime": "apptainer",
            "image": "docker://ghcr.io/wavecast/wavecast:0.1.0",
            "volumes": ["/data/wavecast/input:/data/input:ro"],
        },
        "stages": {"run_member": {"cpu": 16, "memory": "32g", "timeout": 14400}},
        "limits": {"cpu": 64, "memory": "256g", "timeout": 86400},
    },
    "kubernetes": {
        "type": "kubernetes",
        "namespace": "wavecast-staging",
        "container_image": "ghcr.io/wavecast/wavecast-s3:0.1.0",  # S3 storage: the plugin
        "storage": {"provider": "s3", "prefix": "s3://wavecast-staging/runs"},
        "jobs": 20,
        # without disk, pods of rules with no input files ask for 50 GB of ephemeral storage
        "stages": {"build_grid": {"disk": "1g"}, "make_forcing": {"disk": "2g"}},
    },
}


def _scalar(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value).lower()


def _lines(model: type[BaseModel], example: dict[str, Any], indent: str, full: bool) -> list[str]:
    out: list[str] = []
    fields = dict(model.model_fields)
    order = (["type"] if "type" in fields else []) + [k for k in fields if k != "type"]
    for name in order:
        field = fields[name]
        desc = field.description or ""
        sub = next(
            (
                a
                for a in (field.annotation, *get_args(field.annotation))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ),
            None,
        )
        if name in example:
            value = example[name]
            out.append(f"{indent}# {desc}")
            if isinstance(value, dict) and sub is not None:
                out.append(f"{indent}{name}:")
                out += _lines(sub, value, indent + "  ", full=False)
            elif isinstance(value, dict):
                out.append(f"{indent}{name}:")
                out += [f"{indent}  {k}: {_scalar(v)}" for k, v in value.items()]
            elif isinstance(value, list):
                out.append(f"{indent}{name}:")
                out += [f"{indent}  - {_scalar(v)}" for v in value]
            else:
                out.append(f"{indent}{name}: {_scalar(value)}")
        elif full:
            default = field.get_default(call_default_factory=True)
            shown = "" if default is PydanticUndefined or default is None else default
            if isinstance(shown, BaseModel | dict | list):
                shown = ""
            out.append(
                f"{indent}# {name}: {_scalar(shown) if shown != '' else ''}".rstrip()
                + f"  # {desc}"
            )
    return out


def create_template(kind: str, with_examples: bool = False) -> str:
    """A commented backend YAML for ``kind`` that validates as it is."""
    model = BACKEND_MODELS[kind]
    example = EXAMPLES[kind] if with_examples else _minimal(kind)
    lines = [
        SCHEMA_LINE,
        f"# wavecast backend ({kind}): {(model.__doc__ or '').strip()}",
        "# Validate: wavecast backends validate THIS_FILE; render: wavecast profiles build ENV",
        "# Memory takes a unit (512m, 2g, 1.5t); timeouts are seconds; stages are rule names:",
        "# " + ", ".join(RULE_NAMES),
    ]
    lines += _lines(model, example, "", full=True)
    return "\n".join(lines) + "\n"


def _minimal(kind: str) -> dict[str, Any]:
    model = BACKEND_MODELS[kind]
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    required += REQUIRED_BY_CHECKS.get(kind, ())
    return {n: EXAMPLES[kind][n] for n in required}
