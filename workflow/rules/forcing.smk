rule make_forcing:
    """Hourly Holland (1980) cyclone wind plus background wind for one ensemble member."""
    input:
        grid="results/build_grid/grid.nc",
    output:
        forcing="results/make_forcing/member_{member}.nc",
    log:
        "logs/make_forcing/member_{member}.log",
    benchmark:
        "logs/benchmarks/make_forcing/member_{member}.tsv"
    wildcard_constraints:
        member=r"\d{3}\d*",
    container:
        CONTAINER_IMAGE
    threads: 1
    resources:
        mem_mb=2048,
        runtime=20,
    params:
        cyclone=SCIENCE["cyclone"],
        ensemble=get_ensemble_params(),
    script:
        "../scripts/make_forcing.py"
