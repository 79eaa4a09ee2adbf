# ruff: noqa: E501  (exact messages are compared whole; wrapping them would hide what users see)
"""Malformed backend files: exact messages naming file and key, exit 1, nothing written.

Each file in tests/backends_bad/ is one mistake an operator makes; EXPECTED holds the exact
lines ``wavecast backends validate`` prints (after the ``<file>::`` prefix).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wavecast.backends.load import validate_data
from wavecast.cli.main import main
from wavecast.errors import ValidationError

BAD = Path(__file__).parent / "backends_bad"
GOOD = Path(__file__).parents[1] / "config" / "backends" / "localdev.yaml"

EXPECTED: dict[str, list[str]] = {
    "all_at_once_held_back.yaml": [
        "defaults.cpu: expected a whole number, got 'many'; write a whole number of cores from 1 to 128, e.g. 4",
        "jbos: unknown key 'jbos'; did you mean 'jobs'?",
        "stages.summarise_ensemble.cpu: 128 is above limits.cpu 64; lower it or raise limits.cpu",
    ],
    "all_at_once_independent.yaml": [
        "jobs: -3 is out of range; use a value at least 1",
        "retries: expected a whole number, got 'many'; write e.g. 4",
        "timeout: expected a whole number, got '1h'; write whole seconds from 60 to 86400, e.g. 3600 for an hour",
        "defaults.cpu: 0 is out of range; use a value at least 1",
        "defaults.memory: '4x' is not a memory size; write a number and a unit m, g or t, like '512m', '2g' or '1.5t'",
        "stages.run_membr: unknown stage 'run_membr'; did you mean 'run_member'? known stages: build_grid, make_forcing, run_member, summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run",
        "container.volumes[0]: the mode 'rx' in '/data:/data:rx' is not ro or rw; use ':ro' or ':rw'",
        "container.volumes[1]: 'relative:/x' has no mode; append ':ro' (read-only, recommended for inputs) or ':rw'",
        "partition: 5 is not a SLURM partition; use a name without spaces (a list of partitions is written 'a,b')",
        "stages.summarise_ensemble.cpu: 128 is above limits.cpu 64; lower it or raise limits.cpu",
        "groups.member[1]: unknown rule 'run_membr'; known rules: build_grid, make_forcing, run_member, summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run",
    ],
    "all_at_once_list_items.yaml": [
        "groups.member[1]: expected text, got 7; quote it",
        "extra: repeats an option the SLURM plugin manages (memory); use partition/account/qos/constraint, stages or defaults instead",
    ],
    "all_at_once_local.yaml": [
        "timeout: expected a whole number, got '1h'; write whole seconds from 60 to 86400, e.g. 3600 for an hour",
        "defaults.memroy: unknown key 'memroy'; did you mean 'memory'?",
        "stages.run_membr: unknown stage 'run_membr'; did you mean 'run_member'? known stages: build_grid, make_forcing, run_member, summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run",
        "cores: 0 is out of range; use a value at least 1, or use one of 'all'",
        "stages.run_member.memory: 64g (65536 MiB) is above limits.memory 8g (8192 MiB); lower it or raise limits.memory",
        "jobs: the local executor runs as many jobs as fit in 'cores'; remove jobs and set cores",
    ],
    "all_at_once_type_misspelt.yaml": [
        "type: unknown backend type 'slurmm'; did you mean 'slurm'?",
        "jobs: 0 is out of range; use a value at least 1",
        "defaults.cpu: expected a whole number, got 'many'; write a whole number of cores from 1 to 128, e.g. 4",
        "extra: repeats an option the SLURM plugin manages (memory); use partition/account/qos/constraint, stages or defaults instead",
        "groups.member[1]: unknown rule 'run_membr'; known rules: build_grid, make_forcing, run_member, summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run",
    ],
    "apptainer_other_user.yaml": [
        "container.user: apptainer runs jobs as the submitting user and cannot switch to 'wavecast'; remove it, or use 'root' (apptainer --fakeroot)",
    ],
    "binary_garbage.yaml": [
        "<top>: the file is binary, not YAML text; check the path",
    ],
    "container_without_image.yaml": [
        "container.image: runtime apptainer needs an image or a dockerfile; add image: docker://ghcr.io/wavecast/wavecast:0.1.0",
    ],
    "cpu_out_of_range.yaml": [
        "defaults.cpu: 256 is out of range; use a value at most 128",
    ],
    "cpu_scalar_above_one.yaml": [
        "cpu_scalar: 1.5 is out of range; use a value at most 1.0",
    ],
    "cpu_wrong_type.yaml": [
        "defaults.cpu: expected a whole number, got 'four'; write a whole number of cores from 1 to 128, e.g. 4",
    ],
    "disk_bare_number.yaml": [
        "stages.make_forcing.disk: 2048 has no unit; disk is text with a unit (write a number and a unit m, g or t, like '512m', '2g' or '1.5t'); a bare number is ambiguous",
    ],
    "disk_outside_kubernetes.yaml": [
        "defaults.disk: disk sets a Kubernetes pod's ephemeral storage; the slurm executor has no disk request; remove it (node-local scratch on SLURM: extra: '--tmp=20G')",
        "stages.run_member.disk: disk sets a Kubernetes pod's ephemeral storage; the slurm executor has no disk request; remove it (node-local scratch on SLURM: extra: '--tmp=20G')",
    ],
    "timeout_clock_time.yaml": [
        "timeout: '1:00:00' is read as 3600 by YAML 1.1 parsers (base 60, like a clock time); write the number, or quote it (\"1:00:00\") for text",
    ],
    "extra_managed_written_otherwise.yaml": [
        "extra: repeats an option the SLURM plugin manages (cluster specification); use partition/account/qos/constraint, stages or defaults instead",
        "extra: repeats an option the SLURM plugin manages (memory); use partition/account/qos/constraint, stages or defaults instead",
        "extra: repeats an option the SLURM plugin manages (partition); use partition/account/qos/constraint, stages or defaults instead",
        "extra: repeats an option the SLURM plugin manages (runtime/time limit); use partition/account/qos/constraint, stages or defaults instead",
    ],
    "duplicate_keys.yaml": [
        "partition: duplicate key (first at line 2, again at line 3); keep one of them; YAML would silently use the last",
    ],
    "empty_file.yaml": [
        "<top>: the file is empty; write a YAML mapping of settings",
    ],
    "env_bad_name.yaml": [
        "env_vars.OMP-NUM-THREADS: 'OMP-NUM-THREADS' is not an environment variable name; use letters, digits and '_' (not starting with a digit)",
    ],
    "env_rename.yaml": [
        "env_vars.DB_PASSWORD: '${MY_PASSWORD}' renames a variable; Snakemake passes variables to jobs by name; write '${DB_PASSWORD}' and export DB_PASSWORD where snakemake runs",
    ],
    "groups_bad_names.yaml": [
        "groups.Member: 'Member' is not a group name; use lower-case letters, digits and '_' (starting with a letter), e.g. 'member'",
        "groups.post: the list is empty; list at least one item or remove the key",
        "group_components.post: 0 is out of range; use a value at least 1",
    ],
    "groups_misassigned.yaml": [
        "groups.member[1]: 'run_member' is also in array_jobs; a SLURM job array cannot hold group jobs; remove 'run_member' from array_jobs or from groups.member",
        "groups.member[2]: unknown rule 'run_members'; known rules: build_grid, make_forcing, run_member, summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run",
        "groups.post[0]: 'make_forcing' is already in group 'member'; a rule runs in one group; remove it from 'post' or from 'member'",
        "group_components.posts: no group 'posts' in groups; name a group defined under groups: member, post",
    ],
    "image_and_dockerfile.yaml": [
        "container.image: image and dockerfile are both given; keep one: image to pull, or dockerfile to build",
    ],
    "image_sif_with_space.yaml": [
        "container.image: the .sif path 'images/wavecast 0.1.0.sif' has a space or a character the shell acts on: Snakemake refuses an image path with a space, and puts the path unquoted into the apptainer command line; rename or move the file to a path of letters, digits and _ - . / only",
    ],
    "image_tag_and_digest.yaml": [
        "container.image: 'docker://ghcr.io/wavecast/wavecast:0.1.0@sha256:4a731fb46adc5cefe3ae374a8b6020fc1b6ad667a279647766e9a3cd89f6fa92' has both a tag and a digest, which apptainer refuses (its docker:// pull reads references with containers/image: 'Docker references with both a tag and digest are currently not supported'); keep the digest: 'docker://ghcr.io/wavecast/wavecast@sha256:4a731fb46adc5cefe3ae374a8b6020fc1b6ad667a279647766e9a3cd89f6fa92'",
    ],
    "image_library.yaml": [
        "container.image: 'library://wavecast/default/wavecast:0.1.0' is not a docker:// reference: wavecast supports only docker:// references and .sif paths, not library://; pull it to a .sif (apptainer pull wavecast.sif library://wavecast/default/wavecast:0.1.0) and give that path",
    ],
    "image_oras.yaml": [
        "container.image: 'oras://ghcr.io/wavecast/wavecast:0.1.0' is not a docker:// reference: wavecast supports only docker:// references and .sif paths, not oras://; pull it to a .sif (apptainer pull wavecast.sif oras://ghcr.io/wavecast/wavecast:0.1.0) and give that path",
    ],
    "image_upper_case.yaml": [
        "container.image: 'docker://ghcr.io/WaveCast/wavecast:0.1.0' has upper-case letters in its repository path, which docker refuses (only the tag may have them); write 'docker://ghcr.io/wavecast/wavecast:0.1.0'",
    ],
    "kubernetes_image_upper_case.yaml": [
        "container_image: 'ghcr.io/WaveCast/wavecast-s3:0.1.0' has upper-case letters in its repository path, which docker refuses (only the tag may have them); write 'ghcr.io/wavecast/wavecast-s3:0.1.0'",
    ],
    "image_not_pinned.yaml": [
        "container.image: 'ghcr.io/wavecast/wavecast' is neither a docker reference with a tag or digest nor a .sif path; write e.g. 'docker://ghcr.io/wavecast/wavecast:0.1.0' or 'images/wavecast.sif' (pin a tag)",
    ],
    "indentation.yaml": [
        "line 5: not valid YAML: mapping values are not allowed here (column 10); check this line's indentation against the lines above (keys of one block start in the same column) and the space after ':' on the line above; quote a value that contains ': '",
    ],
    "jobs_on_local.yaml": [
        "jobs: the local executor runs as many jobs as fit in 'cores'; remove jobs and set cores",
    ],
    "kubernetes_no_storage.yaml": [
        "storage: required: Kubernetes pods share no filesystem (each works in its own empty /workdir; persistent_volumes mount beside it), so Snakemake moves every input and output through default storage; add storage: {provider: s3, prefix: s3://bucket/path}",
    ],
    "kubernetes_names.yaml": [
        "namespace: 'wavecast-staging-with-a-name-far-longer-than-kubernetes-allows-for-one' is not a Kubernetes namespace; use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit, e.g. 'wavecast-staging'",
        "service_account: 'Wavecast_Runner' is not a Kubernetes service account name; use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, e.g. 'wavecast-runner'",
        "storage.prefix: 's3://Wavecast_Staging/runs' is not an S3 bucket and path; use 's3://<bucket>/<path>' with a bucket of 3-63 lower-case letters, digits, '.' and '-', e.g. 's3://wavecast-staging/runs'",
        "persistent_volumes[0]: the claim name 'Bad_Claim' in 'Bad_Claim:/data' is not a Kubernetes volume name (the plugin names the pod's volume after the claim); use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
        "persistent_volumes[1]: 'workdir' is the name of the pod's own working volume (the kubernetes plugin's emptyDir); use a claim with another name",
        "persistent_volumes[2]: '/workdir/' is the pod's working directory, where Snakemake stages every input and output; mount the claim elsewhere, e.g. 'scratch:/data'",
        "persistent_volumes[3]: 'scratch' is not 'claim-name:/mount/path'; write e.g. 'wavecast-data:/data'",
        "persistent_volumes[4]: '/workdir/.' is the pod's working directory, where Snakemake stages every input and output; mount the claim elsewhere, e.g. 'data:/data'",
        "persistent_volumes[5]: '//workdir' is the pod's working directory, where Snakemake stages every input and output; mount the claim elsewhere, e.g. 'x:/data'",
        "machine_type: 'm5 2xlarge' is not a Kubernetes label value (the plugin puts it in the pods' nodeSelector node.kubernetes.io/instance-type); use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, e.g. 'm5.2xlarge'",
    ],
    "kubernetes_required_missing.yaml": [
        "namespace: required key is missing; add it",
        "container_image: required key is missing; add it",
        "storage.provider: required key is missing; add it",
        "storage.prefix: required key is missing; add it",
        "jobs: required for a kubernetes backend: Snakemake needs the most jobs it may have queued or running at once; add e.g. jobs: 50",
    ],
    "kubernetes_volume_twice.yaml": [
        "persistent_volumes[1]: the mount path '/data' is also in persistent_volumes[0]; Kubernetes refuses a pod with two volumes of one name or two mounts at one path; list each claim once, at a path of its own",
        "persistent_volumes[2]: the claim 'wavecast-data' is also in persistent_volumes[0]; Kubernetes refuses a pod with two volumes of one name or two mounts at one path; list each claim once, at a path of its own",
        "persistent_volumes[3]: the mount path '/data' is also in persistent_volumes[0]; Kubernetes refuses a pod with two volumes of one name or two mounts at one path; list each claim once, at a path of its own",
    ],
    "list_file.yaml": [
        "<top>: the file is a list, not a mapping; write 'key: value' settings",
    ],
    "literal_env_without_container.yaml": [
        "env_vars.OMP_NUM_THREADS: a literal value reaches jobs only through apptainer --env, and this backend runs no apptainer container (a Snakemake profile cannot set variables); write '${OMP_NUM_THREADS}' and export OMP_NUM_THREADS where snakemake runs",
    ],
    "many_errors.yaml": [
        "defaults.cpu: 0 is out of range; use a value at least 1",
        "defaults.memory: 'lots' is not a memory size; write a number and a unit m, g or t, like '512m', '2g' or '1.5t'",
        "stages.run_member.timeout: 100000 is out of range; use a value at most 86400",
        "satus_attempts: unknown key 'satus_attempts'; did you mean 'status_attempts'?",
    ],
    "memory_bare_number.yaml": [
        "defaults.memory: 4096 has no unit; memory is text with a unit (write a number and a unit m, g or t, like '512m', '2g' or '1.5t'); a bare number is ambiguous",
    ],
    "memory_two_gigs.yaml": [
        "defaults.memory: '2 gigs' is not a memory size; write a number and a unit m, g or t, like '512m', '2g' or '1.5t'",
    ],
    "missing_type.yaml": [
        "type: required key is missing; add 'type: ' one of local, slurm, kubernetes",
    ],
    "mpi_single_cpu_slurm.yaml": [
        "stages.run_member.cpu: an MPI job on SLURM runs cpu tasks and needs at least 2; set cpu: 2 or more, or remove mpiexec",
    ],
    "mpiexec_wrong_rule.yaml": [
        "stages.plot_maps.mpiexec: rule plot_maps does not use an MPI launcher; only run_member can have mpiexec",
    ],
    "defaults_timeout_invalid_under_limits.yaml": [
        "defaults.timeout: expected a whole number, got '5m'; write whole seconds from 60 to 86400, e.g. 3600 for an hour",
    ],
    "defaults_unwritten_above_limits.yaml": [
        "timeout: the default 3600 s is above limits.timeout 600 s; write timeout: 600 or less, or raise limits.timeout",
        "defaults.cpu: 4 is above limits.cpu 2; lower it or raise limits.cpu",
        "defaults.memory: the default 2g (2048 MiB) is above limits.memory 1g (1024 MiB); write defaults.memory: 1g or less, or raise limits.memory",
    ],
    "override_above_limits.yaml": [
        "stages.run_member.memory: 64g (65536 MiB) is above limits.memory 32g (32768 MiB); lower it or raise limits.memory",
    ],
    "partition_no.yaml": [
        "partition: 'no' is read as a boolean by YAML 1.1 parsers (Snakemake's among them); write true/false for a switch, or quote it (\"no\") for a string",
    ],
    "partition_y.yaml": [
        "partition: 'y' is read as a boolean by YAML 1.1 parsers (Snakemake's reads it as text, others do not); write true/false for a switch, or quote it (\"y\") for a string",
    ],
    "requeue_yes_string.yaml": [
        "requeue: expected true or false, got 'yes'; write true or false",
    ],
    "seconds_with_unit.yaml": [
        "jobs: expected a whole number, got '10s'; write e.g. 4",
        "timeout: expected a whole number, got '3600 seconds'; write 3600 without the unit (it is in seconds)",
        "defaults.timeout: expected a whole number, got '120sec'; write 120 without the unit (it is in seconds)",
        "limits.timeout: expected a whole number, got '1h'; write whole seconds from 60 to 86400, e.g. 3600 for an hour",
        "latency_wait: expected a whole number, got '60s'; write 60 without the unit (it is in seconds)",
        "init_seconds_before_status_checks: expected a whole number, got '40'; write 40 without quotes",
    ],
    "secret_literal.yaml": [
        "env_vars.API_TOKEN: looks like a secret but has a literal value (it would be written into the profile); write '${API_TOKEN}' and export API_TOKEN in the shell that runs snakemake",
    ],
    "slurm_extra_managed.yaml": [
        "extra: repeats an option the SLURM plugin manages (memory); use partition/account/qos/constraint, stages or defaults instead",
    ],
    "slurm_extra_clashes.yaml": [
        "extra: sets requeue, which sbatch takes from the last one given; set requeue: true",
        "extra: sets memory: sbatch refuses it beside the --mem the plugin sets; set memory per stage or in defaults",
        "extra: sets job arrays: every job would run once per task; list the rules in array_jobs",
        "extra: contains a character the shell acts on (; & | < > ` $ ( ) or a line break): the SLURM plugin passes extra to a shell unquoted; give sbatch options only",
    ],
    "slurm_extra_unclosed_quote.yaml": [
        "extra: has a quote that is not closed: the SLURM plugin passes extra to a shell, which refuses every submission ('Unterminated quoted string'); close the quote, e.g. --mail-user='a b'",
    ],
    "slurm_extra_comment.yaml": [
        "extra: contains a word starting with '#', where the shell the SLURM plugin passes extra to starts a comment: the rest of the sbatch line would be lost; remove the note from the value (a YAML comment goes after the closing quote)",
    ],
    "slurm_names.yaml": [
        "partition: 'sci ence' is not a SLURM partition; use a name without spaces (a list of partitions is written 'a,b')",
        "account: 'proj1,proj2' is not one SLURM account; use a single account name, without spaces or commas (the SLURM plugin submits with the first of a list and drops the rest)",
        "qos: 'normal high' is not one quality of service; use a single name, without spaces or commas",
        "constraint: 'sky lake' is not a SLURM feature expression; use feature names joined by & (and), | (or) or ',' with optional [ ] ( ) and *count, without spaces or quotes, e.g. 'skylake&ib'",
    ],
    "slurm_without_jobs.yaml": [
        "jobs: required for a slurm backend: Snakemake needs the most jobs it may have queued or running at once; add e.g. jobs: 50",
    ],
    "slurm_missing_partition.yaml": [
        "partition: required key is missing; add it",
    ],
    "slurm_partition_misspelt.yaml": [
        "partiton: unknown key 'partiton'; did you mean 'partition'?",
    ],
    "list_key.yaml": [
        "line 3: not valid YAML: found unhashable key (column 3; while constructing a mapping from line 1); write the key as plain text, not a list or a mapping",
    ],
    "tabs.yaml": [
        "line 3: a tab is used for indentation; YAML allows spaces only; replace the tab with spaces",
    ],
    "timeout_too_short.yaml": [
        "timeout: 30 is out of range; use a value at least 60",
    ],
    "traps_and_values.yaml": [
        "on: the key 'on' is read as a boolean by YAML 1.1 parsers; quote it: \"on\"",
        "retries: 'yes' is read as a boolean by YAML 1.1 parsers (Snakemake's among them); write true/false for a switch, or quote it (\"yes\") for a string",
        "jobs: 0 is out of range; use a value at least 1",
    ],
    "values_as_yaml_writes_them.yaml": [
        "jobs: expected a whole number, got '50'; write 50 without quotes",
        "retries: expected a whole number, got empty (null); write e.g. 4",
        "timeout: expected a whole number, got true; write whole seconds from 60 to 86400, e.g. 3600 for an hour",
        "defaults.memory: true is not a memory size; write a number and a unit m, g or t, like '512m', '2g' or '1.5t'",
        "requeue: expected true or false, got 'true'; write true without quotes",
    ],
    "invisible_character_in_key.yaml": [
        '"partitio\\u200bn": unknown key "partitio\\u200bn": it contains an invisible character (U+200B zero width space) at position 9; retype the key; did you mean \'partition\'?',
    ],
    "unknown_key.yaml": [
        "retires: unknown key 'retires'; did you mean 'retries'?",
    ],
    "unknown_stage.yaml": [
        "stages.run_members: unknown stage 'run_members'; did you mean 'run_member'? known stages: build_grid, make_forcing, run_member, summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run",
    ],
    "unknown_type.yaml": [
        "type: unknown backend type 'pbs'; use one of local, slurm, kubernetes",
    ],
    "user_on_kubernetes.yaml": [
        "container.user: cannot be honoured on kubernetes: the kubernetes plugin has no securityContext setting for the user; remove it",
    ],
    "volume_bad_mode.yaml": [
        "container.volumes[0]: the mode 'rx' in '/data:/data:rx' is not ro or rw; use ':ro' or ':rw'",
    ],
    "volume_without_mode.yaml": [
        "container.volumes[0]: '/data/input:/data/input' has no mode; append ':ro' (read-only, recommended for inputs) or ':rw'",
    ],
    "volume_with_comma.yaml": [
        "container.volumes[0]: '/data/input:/data/input:ro,/scratch:/scratch:rw' has a comma, which apptainer --bind reads as the start of another bind; write one entry per bind (a path with a comma in it cannot be bound: rename it)",
    ],
    "yaml_tag.yaml": [
        "line 2: not valid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/int' (column 8); remove the tag: settings are plain YAML values (no !include, no !!python/...)",
    ],
}


def test_enough_distinct_malformed_files() -> None:
    files = sorted(p.name for p in BAD.glob("*.yaml"))
    assert len(files) >= 25
    assert files == sorted(EXPECTED), "every malformed file needs its expected message here"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_prints_exact_errors_and_exits_1(name: str, capsys) -> None:
    path = f"tests/backends_bad/{name}"
    assert main(["backends", "validate", str(BAD / name)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{BAD / name}::{line}" for line in EXPECTED[name]], path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_profiles_build_writes_and_changes_nothing(name: str, tmp_path: Path, capsys) -> None:
    """A bad backend YAML stops the whole build: no profile is written or changed, not even the
    good environment's (the build renders everything before it writes anything)."""
    backends = tmp_path / "config" / "backends"
    backends.mkdir(parents=True)
    shutil.copy(GOOD, backends / "localdev.yaml")
    shutil.copy(BAD / name, backends / "broken.yaml")
    existing = tmp_path / "profiles" / "broken" / "profile.yaml"
    existing.parent.mkdir(parents=True)
    existing.write_text("# operator's previous profile\n")
    before = sorted(p for p in tmp_path.rglob("*"))
    assert main(["profiles", "build", "--all", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "config/backends/broken.yaml::" in err
    assert existing.read_text() == "# operator's previous profile\n"
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "profiles" / "localdev").exists()


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("namespace", "namespace: >\n  wavecast-staging\n"),
        ("storage.prefix", 'storage: {provider: s3, prefix: "s3://wavecast-staging/runs\\n"}\n'),
        ("container_image", 'container_image: "ghcr.io/wavecast/wavecast:0.1.0\\n"\n'),
    ],
)
def test_a_name_with_a_trailing_newline_is_refused(tmp_path, capsys, key, text):
    """YAML's folded '>' and an escaped newline end a value in '\\n', which Python's '$' lets
    through (re.match); Kubernetes would refuse the name at the first pod."""
    base = {
        "namespace": "namespace: wavecast-staging\n",
        "storage.prefix": "storage: {provider: s3, prefix: s3://wavecast-staging/runs}\n",
        "container_image": "container_image: ghcr.io/wavecast/wavecast:0.1.0\n",
    }
    base[key] = text
    path = tmp_path / "staging.yaml"
    path.write_text("type: kubernetes\njobs: 10\n" + "".join(base.values()))
    assert main(["backends", "validate", str(path)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{path}::{key}: "), line


KUBERNETES = {
    "type": "kubernetes",
    "jobs": 10,
    "namespace": "wavecast-staging",
    "container_image": "ghcr.io/wavecast/wavecast:0.1.0",
    "storage": {"provider": "s3", "prefix": "s3://wavecast-staging/runs"},
}


@pytest.mark.parametrize(
    ("key", "base", "good", "bad"),
    [
        (
            "machine_type",
            KUBERNETES,
            ["m5.2xlarge", "Standard_D4s_v3", "n1-standard-4", "x" * 63],
            ["m5 2xlarge", "a/b", "x" * 70, "-m5", "m5."],
        ),
        (
            "constraint",
            {"type": "slurm", "jobs": 10, "partition": "science"},
            ["skylake", "skylake&ib", "[rack1|rack2]", "gpu*2", "(a&b)|c", "intel,amd"],
            ["sky lake", "'skylake'", "a;b"],
        ),
    ],
)
def test_node_selection_values_the_executor_would_refuse(key, base, good, bad) -> None:
    """machine_type becomes a nodeSelector label value, which Kubernetes refuses beyond 63
    characters or with other characters; constraint becomes sbatch -C, a feature expression."""
    for value in good:
        assert getattr(validate_data({**base, key: value}, "env.yaml"), key) == value
    for value in bad:
        with pytest.raises(ValidationError) as err:
            validate_data({**base, key: value}, "env.yaml")
        assert [p.path for p in err.value.problems] == [key], value


def test_container_image_in_another_scheme_is_not_told_to_become_a_sif() -> None:
    """The pods run a docker image named without docker://: no .sif path, and no other scheme."""
    data = {**KUBERNETES, "container_image": "oras://ghcr.io/wavecast/wavecast:0.1.0"}
    with pytest.raises(ValidationError) as err:
        validate_data(data, "env.yaml")
    assert [str(p) for p in err.value.problems] == [
        "env.yaml::container_image: 'oras://ghcr.io/wavecast/wavecast:0.1.0' is not a docker "
        "reference with a tag or digest; write e.g. 'ghcr.io/wavecast/wavecast:0.1.0' (no "
        "docker:// prefix, pin a tag)"
    ]
