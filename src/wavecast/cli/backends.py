"""``wavecast backends``: validate, list, schema and create backend YAML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..backends.checks import backend_notes
from ..backends.load import load_backend
from ..backends.models import BACKEND_MODELS
from ..backends.template import backend_types, create_template, schema_text
from ..errors import ValidationError
from ..io import write_text_atomic
from .common import command_group, subcommand

TYPES = list(BACKEND_MODELS)


def register(sub) -> None:
    inner = command_group(
        sub,
        "backends",
        "validate, list, document and create backend YAML (config/backends/ENV.yaml)",
        "  wavecast backends validate config/backends/*.yaml\n"
        "  wavecast backends list\n"
        "  wavecast backends schema --type slurm\n"
        "  wavecast backends create --type slurm --with-examples -o config/backends/hpc.yaml\n",
    )

    p = subcommand(
        inner,
        "validate",
        "check backend YAML files; print 'ok' per file (and warnings) or every problem (exit 1)",
        "  wavecast backends validate config/backends/production.yaml\n"
        "  wavecast backends validate config/backends/*.yaml\n",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="backend YAML files")
    p.set_defaults(func=cmd_validate)

    p = subcommand(
        inner,
        "list",
        "list the backend types with one-line descriptions",
        "  wavecast backends list\n",
    )
    p.set_defaults(func=cmd_list)

    p = subcommand(
        inner,
        "schema",
        "print the JSON Schema of backend YAML (all types, or one)",
        "  wavecast backends schema -o workflow/schemas/backend.schema.json\n"
        "  wavecast backends schema --type kubernetes\n",
    )
    p.add_argument("--type", choices=TYPES, default=None, help="one backend type only")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_schema)

    p = subcommand(
        inner,
        "create",
        "print a commented backend YAML template that validates as it is",
        "  wavecast backends create --type local\n"
        "  wavecast backends create --type slurm --with-examples -o config/backends/hpc.yaml\n",
    )
    p.add_argument("--type", choices=TYPES, required=True, help="backend type")
    p.add_argument(
        "--with-examples", action="store_true", help="fill in typical values, not only required"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (refuses to overwrite)")
    p.set_defaults(func=cmd_create)


def cmd_validate(args: argparse.Namespace) -> int:
    status = 0
    for file in args.files:
        try:
            backend = load_backend(file)
        except ValidationError as exc:
            print(exc.report(), file=sys.stderr)
            status = 1
        else:
            for note in backend_notes(backend, file):
                print(f"warning: {note}", file=sys.stderr)
            print(f"{file}: ok")
    return status


def cmd_list(args: argparse.Namespace) -> int:
    width = max(len(name) for name in TYPES)
    for name, text in backend_types():
        print(f"{name:<{width}}  {text}")
    return 0


def _write(text: str, output: str | None, overwrite: bool) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    path = Path(output)
    if path.exists() and not overwrite:
        print(f"{output}: already exists; choose another -o FILE or remove it", file=sys.stderr)
        return 1
    write_text_atomic(path, text)
    print(f"wrote {output}", file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    return _write(schema_text(args.type), args.output, overwrite=True)


def cmd_create(args: argparse.Namespace) -> int:
    return _write(create_template(args.type, args.with_examples), args.output, overwrite=False)
