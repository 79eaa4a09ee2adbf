"""Rule plot_maps: stderr to the log, then one call into the package."""

from wavecast import stages

stages.run(snakemake, stages.plot_maps)  # noqa: F821 - 'snakemake' is injected by Snakemake
