"""Backend YAML (one file per environment) → validated models → Snakemake profiles.

- :mod:`.models`: the pydantic models (``type`` local | slurm | kubernetes);
- :mod:`.units`: memory strings → MiB, timeouts → runtime minutes;
- :mod:`.load`: strict YAML + validation, every problem at once;
- :mod:`.checks`: cross-field checks and what an executor cannot honour;
- :mod:`.resolve`: per-rule resources after defaults, overrides and limits;
- :mod:`.render`: the deterministic ``profiles/<env>/profile.yaml`` text;
- :mod:`.template`: JSON Schema, commented templates, the list of types;
- :mod:`.preview`: what resources become (sbatch flags, pod requests, apptainer command).
"""

from .load import env_name, load_backend, validate_data
from .models import BACKEND_MODELS, BackendBase
from .render import render_profile

__all__ = [
    "BACKEND_MODELS",
    "BackendBase",
    "env_name",
    "load_backend",
    "render_profile",
    "validate_data",
]
