"""Rule build_grid: stderr to the log, then one call into the package."""

from wavecast import stages

stages.run(snakemake, stages.build_grid)  # noqa: F821 - 'snakemake' is injected by Snakemake
