"""The demo's science config (config/config.yaml) and its validation problems, for the config
and station tests: one copy of the loader and of the problem list they compare."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from wavecast.config import validate
from wavecast.errors import ValidationError

DEMO = Path(__file__).resolve().parents[1] / "config" / "config.yaml"


def demo_config() -> dict:
    """A fresh, mutable copy of the demo config as YAML reads it (no defaults filled in)."""
    return yaml.safe_load(DEMO.read_text())


def problems_in(call: Callable[..., Any], *args: Any, **kw: Any) -> list[str]:
    """The ``file::path: what; fix`` lines ``call(*args, **kw)`` raises; [] if it raises none."""
    try:
        call(*args, **kw)
    except ValidationError as exc:
        return [str(p) for p in exc.problems]
    return []


def problems_of(data: Any, **kw: Any) -> list[str]:
    """What :func:`wavecast.config.validate` reports about ``data``; [] if valid."""
    return problems_in(validate, data, **kw)
