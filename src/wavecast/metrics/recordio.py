"""Records to and from files: JSON lines (``.jsonl``/``.json``) or CSV (``.csv``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError as PydanticError

from ..errors import Problem, ValidationError
from .record import FIELDS, JobRecord


def format_for(path: str | None) -> str:
    return "csv" if path and path.lower().endswith(".csv") else "jsonl"


def write_records(records: Iterable[JobRecord], stream: TextIO, fmt: str = "jsonl") -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=list(FIELDS))
        writer.writeheader()
        for record in records:
            writer.writerow(record.to_row())
            count += 1
    else:
        for record in records:
            stream.write(record.model_dump_json() + "\n")
            count += 1
    return count


def _from_csv_row(row: dict[str, str]) -> dict:
    data: dict = {k: (v if v != "" else None) for k, v in row.items()}
    wc = row.get("wildcards") or ""
    data["wildcards"] = dict(p.split("=", 1) for p in wc.split(",") if "=" in p)
    data["notes"] = [n for n in (row.get("notes") or "").split("; ") if n]
    data["partial"] = (row.get("partial") or "").lower() == "true"
    return data


def load_records(paths: Iterable[Path]) -> list[JobRecord]:
    """Read records written by ``wavecast metrics collect``; errors name file and line."""
    records: list[JobRecord] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(
                Problem(str(path), "", f"cannot read ({exc.strerror})", "check the path")
            )
            continue
        if format_for(str(path)) == "csv":
            rows = [
                (i + 2, _from_csv_row(r)) for i, r in enumerate(csv.DictReader(text.splitlines()))
            ]
        else:
            rows = []
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    problems.append(
                        Problem(
                            str(path), f"line{number}", f"not JSON ({exc.msg})", "re-run collect"
                        )
                    )
        for number, data in rows:
            try:
                records.append(JobRecord.model_validate(data))
            except PydanticError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                problems.append(
                    Problem(str(path), f"line{number}.{where}", first["msg"], "re-run collect")
                )
    if problems:
        raise ValidationError(problems)
    return records
