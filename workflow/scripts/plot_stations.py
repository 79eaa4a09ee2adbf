"""Rule plot_stations: stderr to the log, then one call into the package."""

from wavecast import stages

stages.run(snakemake, stages.plot_stations)  # noqa: F821 - 'snakemake' is injected by Snakemake
