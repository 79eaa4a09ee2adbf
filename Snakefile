# wavecast: ensemble wave hindcast of a tropical cyclone.
# Run: snakemake --profile profiles/localdev   (see README.md and docs/)
from snakemake.utils import min_version

from wavecast.config import refuse_unreadable

min_version("9.19")

# Before Snakemake's loader, which would say only "not valid JSON or YAML", without a line.
refuse_unreadable("config/config.yaml")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/grid.smk"
include: "workflow/rules/forcing.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/postprocess.smk"
include: "workflow/rules/archive.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        get_final_outputs(),
    localrule: True
