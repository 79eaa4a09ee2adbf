"""Rule archive_run: stderr to the log, then one call into the package."""

from wavecast import stages

stages.run(snakemake, stages.archive_run)  # noqa: F821 - 'snakemake' is injected by Snakemake
