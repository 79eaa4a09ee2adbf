"""Rule extract_stations: stderr to the log, then one call into the package."""

from wavecast import stages

stages.run(snakemake, stages.extract_stations)  # noqa: F821 - 'snakemake' is injected by Snakemake
