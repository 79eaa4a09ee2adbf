rule run_member:
    """The reference wave model (Young & Verhagen 1996) for one ensemble member.

    `resources.mpi` is the launcher prefix (empty by default); a backend's `mpiexec` sets it
    for models that run under MPI.
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
        mpi="",
    wildcard_constraints:
        member=r"\d{3}",
    params:
        model=json.dumps(SCIENCE["model"], sort_keys=True),
    shell:
        "{resources.mpi} python -m wavecast.stages run_member"
        " --grid {input.grid:q} --forcing {input.forcing:q} --output {output.member:q}"
        " --model {params.model:q} > {log:q} 2>&1"
