"""Rule make_forcing: stderr to the log, then one call into the package."""

from wavecast import stages

stages.run(snakemake, stages.make_forcing, member=int(snakemake.wildcards.member))  # noqa: F821
