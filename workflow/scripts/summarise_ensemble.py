"""Rule summarise_ensemble: stderr to the log, then one call into the package."""

from wavecast import stages

stages.run(snakemake, stages.summarise_ensemble)  # noqa: F821 - 'snakemake' is injected by Snakemake
