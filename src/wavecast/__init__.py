"""wavecast: ensemble wave hindcasts as one Snakemake workflow, on a laptop, Kubernetes or SLURM."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wavecast")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
