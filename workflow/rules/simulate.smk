rule run_member:
    """The reference wave model (Young & Verhagen 1996) for one ensemble member.

    `resources.launcher` prefixes the command with the MPI launcher a backend's `mpiexec` sets
    (empty for serial runs). A resource, not a param: switching environments must not rerun
    members, and an empty `mpi` resource would switch off the SLURM jobstep's srun.
    `resources.enforce_runtime` is 1 in the profiles of executors that set no time limit
    (local, Kubernetes): the job then stops itself after `runtime` minutes (wavecast.deadline).
    """
    input:
        grid="results/build_grid/grid.nc",
        forcing="results/make_forcing/member_{member}.nc",
    output:
        member="results/run_member/member_{member}.nc",
    log:
        "logs/run_member/member_{member}.log",
    benchmark:
        "logs/benchmarks/run_member/member_{member}.tsv"
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=60,
        launcher="",
        enforce_runtime=0,
    params:
        wavecast_code=WAVECAST_CODE["run_member"],
        model=json.dumps(SCIENCE["model"], sort_keys=True),
    shell:
        "{resources.launcher} python -m wavecast.stages run_member"
        " --grid {input.grid:q} --forcing {input.forcing:q} --output {output.member:q}"
        " --model {params.model:q} --runtime {resources.runtime}"
        " --enforce-runtime {resources.enforce_runtime} > {log:q} 2>&1"
