rule run_member:
    """The reference wave model (Young & Verhagen 1996) for one ensemble member.

    `params.launcher` is the MPI launcher a backend's `mpiexec` sets as `resources.mpi`
    (empty for serial runs; declaring an empty `mpi` would switch off the SLURM jobstep's srun).
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
    wildcard_constraints:
        member=r"\d{3}",
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=60,
    params:
        model=json.dumps(SCIENCE["model"], sort_keys=True),
        launcher=get_launcher,
    shell:
        "{params.launcher} python -m wavecast.stages run_member"
        " --grid {input.grid:q} --forcing {input.forcing:q} --output {output.member:q}"
        " --model {params.model:q} > {log:q} 2>&1"
