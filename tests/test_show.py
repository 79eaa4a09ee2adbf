"""``wavecast show``: resolved resources and what they become, env from --env/$WAVECAST_ENV."""

from __future__ import annotations

from pathlib import Path

from wavecast.cli.main import main

ROOT = str(Path(__file__).parents[1])


def test_production_run_member(capsys) -> None:
    assert main(["show", "--env", "production", "--rule", "run_member", "--root", ROOT]) == 0
    out = capsys.readouterr().out
    assert "environment: production (config/backends/production.yaml, type slurm)" in out
    assert (
        "  cpu 1, mem_mb 8192 MiB (doubled after an out-of-memory kill, up to 262144), "
        "runtime 240 min (doubled after a timeout, up to 1440)"
    ) in out.splitlines()
    assert "mpi" not in out  # the reference model is serial
    assert "enforces itself" not in out  # SLURM stops the job at -t
    # run_member runs inside the member group job: its own line is labelled as such
    assert "  sbatch: " not in out
    sbatch = next(line for line in out.splitlines() if "sbatch, were the rule not grouped:" in line)
    for flag in ("-p science", "-A wavecast", "-t 240", "--mem 8192", "--cpus-per-task=1"):
        assert flag in sbatch
    # named by rule and member, as the plugin names the job (docs/operators-slurm.md)
    assert "--output '.snakemake/slurm_logs/rule_run_member/<member>/%j.log'" in sbatch
    assert "--comment 'rule_run_member_wildcards_<member>'" in sbatch
    apptainer = next(line for line in out.splitlines() if "apptainer:" in line)
    assert "--bind /data/wavecast/input:/data/input:ro" in apptainer
    assert "docker://ghcr.io/wavecast/wavecast:0.1.0" in apptainer
    assert "build_grid:" not in out
    lines = out.splitlines()
    assert (
        "  group member: one SLURM job runs make_forcing, run_member (1 instance per job)" in lines
    )
    # the group job's own size: run_member's memory, the two runtimes added up (60 + 240 min)
    assert (
        "  group job asks for 1 CPU(s), 8g (8192 MiB), 300 min (make_forcing then run_member)"
        in lines
    )


def test_group_components_are_shown(tmp_path, capsys) -> None:
    backends = tmp_path / "config" / "backends"
    backends.mkdir(parents=True)
    text = (Path(ROOT) / "config/backends/production.yaml").read_text()
    (backends / "production.yaml").write_text(text + "group_components:\n  member: 2\n")
    assert main(["show", "--env", "production", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "  group member: one SLURM job runs make_forcing, run_member (up to 2 instances" in out
    assert "  group post: one SLURM job runs summarise_ensemble, extract_stations" in out
    assert out.count("  group member: ") + out.count("  group post: ") == 7  # not build_grid
    # two members side by side: CPUs and memory doubled, the runtime the same
    assert (
        "group job asks for up to 2 CPU(s), 16g (16384 MiB), 300 min (make_forcing then run_member"
        in out
    )


def test_a_group_of_unconnected_rules_is_shown_as_separate_jobs(tmp_path, capsys) -> None:
    """plot_maps and plot_stations do not read from one another: one group job each."""
    backends = tmp_path / "config" / "backends"
    backends.mkdir(parents=True)
    text = (Path(ROOT) / "config/backends/production.yaml").read_text()
    text = text.replace("  member: [make_forcing, run_member]\n", "").replace(
        "  post: [summarise_ensemble, extract_stations, plot_maps, plot_stations, archive_run]",
        "  plots: [plot_maps, plot_stations]",
    )
    (backends / "production.yaml").write_text(text)
    assert main(["show", "--env", "production", "--root", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    parts = (
        "  group plots: its rules are not all connected, so each part is its own SLURM job "
        "(plot_maps; plot_stations) (1 instance per job)"
    )
    assert lines.count(parts) == 2
    at = lines.index("plot_stations:")
    assert "  group job asks for 1 CPU(s), 4g (4096 MiB), 60 min (plot_maps)" in lines[:at]
    assert "  group job asks for 1 CPU(s), 4g (4096 MiB), 60 min (plot_stations)" in lines[at:]


def test_staging_pod_requests_and_limits_from_wavecast_env(monkeypatch, capsys) -> None:
    monkeypatch.setenv("WAVECAST_ENV", "staging")
    assert main(["show", "--rule", "run_member", "--root", ROOT]) == 0
    out = capsys.readouterr().out
    assert "pod: requests cpu=3800m, memory=8590M; limits cpu=4000m, memory=8590M" in out
    assert (
        "  cpu 4, mem_mb 8590 MB (8192 MiB), runtime 120 min, a limit the job enforces itself "
        "(retries ask for the same)"
    ) in out.splitlines()
    # run_member has no disk in staging.yaml: the pod gets Snakemake's, and show says which
    assert "  ephemeral-storage: Snakemake's default disk_mb, max(2 × input size, 1000) MB" in out
    # what every pod gets besides resources (the same as the plugin's V1Job:
    # tests/test_backends_landing.py::check_k8s)
    assert out.splitlines()[1:6] == [
        "pods: namespace wavecast-staging, image ghcr.io/wavecast/wavecast-s3:0.1.0, service "
        "account wavecast-runner",
        "  nodeSelector: node.kubernetes.io/instance-type=m5.2xlarge",
        "  storage: s3 s3://wavecast-staging/runs (every input and output; each pod "
        "pip-installs the storage plugin as it starts)",
        "  environment (from a Secret): AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY",
        "  finished Jobs and pods: kept for 'wavecast metrics collect'",
    ]


def test_staging_pod_disk(monkeypatch, capsys) -> None:
    """make_forcing has `disk: 2g` in staging.yaml: request and limit of 2148 MB (2 GiB)."""
    monkeypatch.setenv("WAVECAST_ENV", "staging")
    assert main(["show", "--rule", "make_forcing", "--root", ROOT]) == 0
    out = capsys.readouterr().out
    assert (
        "  pod: requests cpu=950m, memory=2148M, ephemeral-storage=2148M; "
        "limits cpu=1000m, memory=2148M, ephemeral-storage=2148M"
    ) in out.splitlines()
    assert "Snakemake's default disk_mb" not in out


def test_localdev_says_what_is_enforced_and_what_a_retry_asks(capsys) -> None:
    assert main(["show", "--env", "localdev", "--rule", "run_member", "--root", ROOT]) == 0
    assert (
        "  cpu 1, mem_mb 4096 MiB (counted against --resources, not enforced), runtime 60 min, "
        "a limit the job enforces itself (doubled after a timeout, up to 360)"
    ) in capsys.readouterr().out.splitlines()


def test_without_retries_nothing_is_said_to_double(tmp_path, capsys) -> None:
    backends = tmp_path / "config" / "backends"
    backends.mkdir(parents=True)
    for env in ("localdev", "production"):
        text = (Path(ROOT) / f"config/backends/{env}.yaml").read_text()
        (backends / f"{env}.yaml").write_text(text.replace("retries: ", "retries: 0 #"))
    shown = {}
    for env in ("localdev", "production"):
        assert main(["show", "--env", env, "--rule", "run_member", "--root", str(tmp_path)]) == 0
        shown[env] = capsys.readouterr().out
        assert "doubled" not in shown[env] and "(retries: 0)" in shown[env]
    assert (
        "  cpu 1, mem_mb 4096 MiB (counted against --resources, not enforced), runtime 60 min, "
        "a limit the job enforces itself (retries: 0)"
    ) in shown["localdev"].splitlines()
    assert (
        "  cpu 1, mem_mb 8192 MiB, runtime 240 min (retries: 0)" in shown["production"].splitlines()
    )


def test_a_rule_outside_any_group_shows_its_own_sbatch_line(capsys) -> None:
    assert main(["show", "--env", "production", "--rule", "build_grid", "--root", ROOT]) == 0
    out = capsys.readouterr().out
    assert "  sbatch: sbatch " in out and "group" not in out
    assert "--comment rule_build_grid " in out and "slurm_logs/rule_build_grid/%j.log" in out


def test_default_env_is_localdev_and_lists_every_rule(monkeypatch, capsys) -> None:
    monkeypatch.delenv("WAVECAST_ENV", raising=False)
    assert main(["show", "--root", ROOT]) == 0
    out = capsys.readouterr().out
    assert out.startswith("environment: localdev")
    from wavecast.rules import RULE_NAMES

    assert all(f"\n{rule}:" in out for rule in RULE_NAMES)


def test_env_flag_beats_variable(monkeypatch, capsys) -> None:
    monkeypatch.setenv("WAVECAST_ENV", "staging")
    assert main(["show", "--env", "localdev", "--root", ROOT]) == 0
    assert capsys.readouterr().out.startswith("environment: localdev")


def test_unknown_env_is_a_clear_error(capsys) -> None:
    assert main(["show", "--env", "nowhere", "--root", ROOT]) == 1
    assert capsys.readouterr().err == (
        "config/backends/nowhere.yaml::<top>: no environment 'nowhere' (environments: "
        "localdev, production, staging); name one of them, or create it: wavecast backends "
        "create --type local|slurm|kubernetes -o config/backends/nowhere.yaml\n"
    )


def test_outside_the_repository_says_where_to_run(tmp_path: Path, capsys) -> None:
    """`wavecast show` from a directory without config/backends/: the user named no path, so
    "check the path" would not help; where to run does."""
    assert main(["show", "--env", "production", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "config/backends/production.yaml::<top>: the file does not exist: there is no "
        f"config/backends/ in {tmp_path}; run wavecast in the repository's directory "
        "(where config/backends/ is)\n"
    )


def test_an_image_tagged_latest_is_shown_with_a_warning(tmp_path, capsys) -> None:
    backends = tmp_path / "config" / "backends"
    backends.mkdir(parents=True)
    text = (Path(ROOT) / "config/backends/production.yaml").read_text()
    pinned = "image: docker://ghcr.io/wavecast/wavecast:0.1.0"
    assert pinned in text
    latest = pinned.replace(":0.1.0", ":latest")
    (backends / "production.yaml").write_text(text.replace(pinned, latest))
    assert main(["show", "--env", "production", "--root", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "image: docker://ghcr.io/wavecast/wavecast:latest" in captured.out.splitlines()
    assert captured.err.splitlines() == [
        "warning: config/backends/production.yaml::container.image: the tag 'latest' names "
        "whichever image was pushed last, and Snakemake pulls a docker:// reference once and "
        "reuses the .sif it cached under that name: an image rebuilt under it is not seen; pin "
        "a version tag, e.g. 'docker://ghcr.io/wavecast/wavecast:0.1.0', or a digest"
    ]
