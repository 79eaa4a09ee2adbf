# Helpers shared by every stage file. Config is validated here, once, when the workflow loads;
# a wrong config/config.yaml stops before any job with every problem listed.
import json
import sys
from pathlib import Path

from snakemake_interface_executor_plugins.settings import DeploymentMethod

import wavecast
from wavecast.cli.common import resolve_env
from wavecast.codedigest import stage_code_digests
from wavecast.config import (
    SCHEMA_FILE,
    bathymetry_in_use,
    config_files_as_read,
    config_notes,
    distinct_files,
    invalid_config_message,
    layer_order,
    load_workflow_config,
    member_ensemble,
    science_only,
    station_plotting,
)
from wavecast.deployment import replaced_profile_settings
from wavecast.errors import ValidationError
from wavecast.hooks import (
    release_exit_timers,
    skip_final_collection,
    stop_gently_on_term_and_hang_up,
)
from wavecast.images import built_image_path, check_workflow_image
from wavecast.profilesync import stale_install_problems, stale_profile_problems

try:
    SCIENCE, DEPLOYMENT = load_workflow_config(
        config,
        workflow.configfiles,
        schema_path=Path(workflow.basedir) / SCHEMA_FILE,
        # a cluster job reloads the workflow: the file and colour-map checks were made already
        deep=workflow.is_main_process,
        layers=layer_order(workflow.configfiles, workflow.overwrite_configfiles),
    )
except ValidationError as _exc:
    raise WorkflowError(invalid_config_message(_exc.problems)) from None

#: The one container image every rule uses; the deployment (via the rendered profile,
#: `config: {container_image: ...}`) overrides it, config/config.yaml never does.
CONTAINER_IMAGE = DEPLOYMENT.get(
    "container_image", f"docker://ghcr.io/wavecast/wavecast:{wavecast.__version__}"
)

#: What runs the jobs' containers, for the archive's manifest: Snakemake's Apptainer
#: deployment, else the pods of a profile that names their image (only Kubernetes profiles do
#: without Apptainer), else nothing: the jobs run on the host.
CONTAINER_RUNTIME = (
    "apptainer"
    if DeploymentMethod.APPTAINER in workflow.deployment_settings.deployment_method
    else "kubernetes" if "container_image" in DEPLOYMENT else ""
)

#: The environment whose backend YAML the workflow's own wavecast calls use: the rendered
#: profile's `config: {wavecast_env: ...}`, else $WAVECAST_ENV, else localdev (as the CLI). Always
#: resolved here, so a run with the localdev profile and one without a profile agree (no rerun).
WAVECAST_ENV = DEPLOYMENT.get("wavecast_env") or resolve_env(None)

# `--profile profiles/production --config k=v`: Snakemake drops the profile's whole `config:`,
# image and environment name included. Stop rather than run every job in the wrong image.
if workflow.is_main_process:
    _replaced = replaced_profile_settings(
        DEPLOYMENT,
        sys.argv[1:],
        resolve_env(None),
        start=Path(workflow.rundir),
        snakefile=Path(workflow.main_snakefile),
    )
    for _note in _replaced.notes:
        logger.warning(f"wavecast: {_note}")
    if _replaced.problems:
        _report = ValidationError(_replaced.problems).report()
        raise WorkflowError(
            "the command line replaced the profile's deployment settings; "
            f"nothing was run:\n{_report}"
        )

# A backend YAML edited since its profile was built: Snakemake would run the old profile.
# Only for a run with a wavecast profile (which names its environment); without one, no
# profile is read.
if workflow.is_main_process and "wavecast_env" in DEPLOYMENT:
    try:
        _stale = stale_profile_problems(WAVECAST_ENV, Path.cwd())
        _heading = "the environment's backend YAML and its profile differ"
    except ValidationError as _exc:
        _stale, _heading = _exc.problems, "the environment's backend YAML is invalid"
    if not _stale:  # `--profile ENV`: the installed copy may be older than profiles/ENV
        _stale = stale_install_problems(
            WAVECAST_ENV, Path.cwd(), sys.argv[1:], Path(workflow.rundir)
        )
        _heading = "the installed profile differs from the repository's"
    if _stale:
        raise WorkflowError(
            f"{_heading}; nothing was run:\n{ValidationError(_stale).report()}"
        )

# An environment that builds its image (container.dockerfile): the image must exist and come
# from the backend's current dockerfile and build args, or every job would fail or run old code.
# Checked once, by the Snakemake the user started (not again in every job it starts).
if workflow.is_main_process and CONTAINER_IMAGE == built_image_path(WAVECAST_ENV):
    try:
        check_workflow_image(WAVECAST_ENV, Path.cwd(), Path(workflow.basedir))
    except ValidationError as _exc:
        raise WorkflowError(
            f"the container image cannot be used; nothing was run:\n{_exc.report()}"
        ) from None

MEMBERS = [f"{m:03d}" for m in range(SCIENCE["ensemble"]["members"])]

#: build_grid's bathymetry: a file an idealised basin ignores is left out, so it reruns nothing.
BATHYMETRY = bathymetry_in_use(SCIENCE["bathymetry"])
# Settings that run but maybe not as meant (an unused file, a distorting grid, a station on
# land: its series comes from the nearest water cell, which the job's log alone would say).
# Once, by the Snakemake the user started: the station notes build the land mask.
if workflow.is_main_process:
    for _note in config_notes(SCIENCE):
        logger.warning(f"config: {_note}")


# Member ids are zero-padded numbers (000, 001, ..., 1000); one constraint for every rule.
wildcard_constraints:
    member=r"\d{3}\d*",


def get_member_files(stage):
    """Every member's file of one stage ('make_forcing' or 'run_member')."""
    return expand(f"results/{stage}/member_{{member}}.nc", member=MEMBERS)


def get_bathymetry_input(wildcards):
    """The user's bathymetry file as an input, so replacing it reruns the grid and all after."""
    bathy = SCIENCE["bathymetry"]
    return [bathy["file"]] if bathy["source"] == "file" else []


def get_ensemble_params(wildcards):
    """The ensemble slice one member's forcing reads (none for the control, member 000)."""
    return member_ensemble(SCIENCE["ensemble"], int(wildcards.member))


def get_station_plotting():
    """The plotting settings the station plot uses: a colour-map edit redraws only the maps."""
    return station_plotting(SCIENCE["plotting"])


def get_map_outputs():
    return {
        "map": "results/plot_maps/max_hs_map.png",
        "members": "results/plot_maps/member_max_hs.png",
    }


def get_station_plot_outputs():
    return {"stations": "results/plot_stations/station_series.png"}


def get_products():
    """What the archive holds: the grid and every postprocess product."""
    return {
        "grid": "results/build_grid/grid.nc",
        "ensemble": "results/summarise_ensemble/ensemble.nc",
        "summary": "results/summarise_ensemble/summary.json",
        "stations_csv": "results/extract_stations/stations.csv",
        "stations_nc": "results/extract_stations/stations.nc",
        **get_map_outputs(),
        **get_station_plot_outputs(),
    }


def get_config_files():
    """Every config file Snakemake read, once each, for the archive's provenance. With a
    default storage (staging's S3) they are read from the bucket, like every input: not
    local(), which would make archive_run a job of the submitting machine, not of a pod.
    """
    return distinct_files(workflow.configfiles)


#: Per rule, a digest of the wavecast code its job runs (its stage function and the modules that
#: imports): a param, so an edit to that code reruns the rule and what follows it.
WAVECAST_CODE = stage_code_digests()

#: The config files' text as this workflow read them (a cluster job reads them again), for the
#: manifest; and the science values of `--config`, which override them.
CONFIG_FILES_READ = json.dumps(config_files_as_read(workflow.configfiles))
CONFIG_COMMAND_LINE = json.dumps(
    science_only(workflow.config_settings.config), sort_keys=True, default=str
)


def get_config_fingerprint():
    """The whole science config as canonical JSON: any science edit re-archives."""
    return json.dumps(SCIENCE, sort_keys=True)


def get_final_outputs():
    """Every product docs/scientists.md lists, not just the archive: Snakemake does not make
    again a deleted file that no job it runs needs, so a product the scientist (or an
    interrupted run) removed would stay missing after a run that reports success."""
    return [
        *get_member_files("make_forcing"),
        *get_member_files("run_member"),
        *get_products().values(),
        "results/archive_run/wavecast_products.tar.gz",
        "results/archive_run/manifest.json",
        "results/report_metrics/metrics.html",
    ]


# SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) stop the run without hanging it
# and release the lock (see src/wavecast/hooks.py); onstart runs once the scheduler exists.
onstart:
    stop_gently_on_term_and_hang_up()


# Exit as soon as the run is over instead of ~1.4 s later (see src/wavecast/hooks.py).
onsuccess:
    release_exit_timers()
    skip_final_collection()


onerror:
    release_exit_timers()
    skip_final_collection()
